/**
 * Dead-letter queue redrive: StartMessageMoveTask and ListMessageMoveTasks, as the SQS API
 * reference describes them. The source must be a queue some other queue dead-letters to; the
 * destination (when given) must exist and be of the same type. Messages present when the task
 * starts move oldest first as new messages (new id, receive count 0, not subject to the
 * destination's deduplication) keeping body, message attributes and group id; without a
 * destination each goes back to the queue it was dead-lettered from. The task runs on the next
 * turn of the event loop, so ListMessageMoveTasks may report it RUNNING right after it starts.
 * The rate (MaxNumberOfMessagesPerSecond) is validated and reported, not enforced.
 */
import { randomUUID } from 'node:crypto';
import { invalidParameter, sqsError } from './errors.js';
import { type Input, optionalInt, optionalString, requiredString } from './params.js';
import type { SqsQueue } from './queue.js';

export interface MessageMoveTask {
  taskHandle: string;
  status: 'RUNNING' | 'COMPLETED' | 'FAILED';
  sourceArn: string;
  destinationArn?: string;
  maxNumberOfMessagesPerSecond?: number;
  moved: number;
  toMove: number;
  failureReason?: string;
  startedAt: number;
}

export interface MoveState {
  nowMs(): number;
  queues: Map<string, SqsQueue>;
  moveTasks: MessageMoveTask[];
}

const byArn = (state: MoveState, arn: string) => [...state.queues.values()].find((q) => q.arn === arn);

export function startMessageMoveTask(state: MoveState, input: Input): { TaskHandle: string } {
  const sourceArn = requiredString(input, 'SourceArn');
  const destinationArn = optionalString(input, 'DestinationArn');
  const rate = optionalInt(input, 'MaxNumberOfMessagesPerSecond', 1, 500);
  const source = byArn(state, sourceArn);
  if (!source) throw notFound('SourceArn');
  const isDeadLetterQueue = [...state.queues.values()].some(
    (q) => q.settings.redrivePolicy?.deadLetterTargetArn === sourceArn,
  );
  if (!isDeadLetterQueue) throw invalidParameter('Source queue must be configured as a Dead Letter Queue.');
  if (destinationArn !== undefined) {
    const destination = byArn(state, destinationArn);
    if (!destination) throw notFound('DestinationArn');
    if (destination.settings.fifo !== source.settings.fifo) {
      throw invalidParameter(
        'The destination queue must be of the same type (standard or FIFO) as the source.',
      );
    }
  }
  if (state.moveTasks.some((t) => t.sourceArn === sourceArn && t.status === 'RUNNING')) {
    throw sqsError(
      'UnsupportedOperation',
      'There is already a task running. Only one active task is allowed for each source queue arn at a given time.',
    );
  }
  const task: MessageMoveTask = {
    taskHandle: Buffer.from(JSON.stringify({ taskId: randomUUID(), sourceArn }), 'utf8').toString('base64'),
    status: 'RUNNING',
    sourceArn,
    ...(destinationArn !== undefined ? { destinationArn } : {}),
    ...(rate !== undefined ? { maxNumberOfMessagesPerSecond: rate } : {}),
    moved: 0,
    toMove: source.counts(state.nowMs()).visible,
    startedAt: state.nowMs(),
  };
  state.moveTasks.unshift(task);
  setImmediate(() => run(state, source, task));
  return { TaskHandle: task.taskHandle };
}

export function listMessageMoveTasks(state: MoveState, input: Input) {
  const sourceArn = requiredString(input, 'SourceArn');
  const max = optionalInt(input, 'MaxResults', 1, 10) ?? 1;
  if (!byArn(state, sourceArn)) throw notFound('SourceArn');
  const Results = state.moveTasks
    .filter((t) => t.sourceArn === sourceArn)
    .slice(0, max)
    .map((t) => ({
      // Only a running task has a handle to cancel it with.
      ...(t.status === 'RUNNING' ? { TaskHandle: t.taskHandle } : {}),
      Status: t.status,
      SourceArn: t.sourceArn,
      ...(t.destinationArn !== undefined ? { DestinationArn: t.destinationArn } : {}),
      ...(t.maxNumberOfMessagesPerSecond !== undefined
        ? { MaxNumberOfMessagesPerSecond: t.maxNumberOfMessagesPerSecond }
        : {}),
      ApproximateNumberOfMessagesMoved: t.moved,
      ApproximateNumberOfMessagesToMove: t.toMove,
      ...(t.failureReason ? { FailureReason: t.failureReason } : {}),
      StartedTimestamp: t.startedAt,
    }));
  return { Results };
}

function run(state: MoveState, source: SqsQueue, task: MessageMoveTask): void {
  const now = state.nowMs();
  for (const message of source.visibleMessages(now).slice(0, task.toMove)) {
    const targetArn = task.destinationArn ?? message.deadLetterQueueSourceArn;
    const target = targetArn ? byArn(state, targetArn) : undefined;
    if (!target) {
      task.status = 'FAILED';
      task.failureReason = targetArn
        ? `The destination queue ${targetArn} does not exist.`
        : 'A message has no source queue to return to; give a DestinationArn.';
      return;
    }
    source.remove(message.messageId);
    target.acceptMoved(message, now);
    task.moved += 1;
  }
  task.status = 'COMPLETED';
}

function notFound(parameter: string) {
  return sqsError(
    'ResourceNotFoundException',
    `The resource that you specified for the ${parameter} parameter doesn't exist.`,
  );
}
