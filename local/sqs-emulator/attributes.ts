/**
 * Queue attributes: parsing and validating what CreateQueue/SetQueueAttributes accept, with the
 * ranges SQS enforces, so a CDK/IaC value that AWS would refuse is refused locally too.
 */
import { sqsError } from './errors.js';

export interface RedrivePolicy {
  deadLetterTargetArn: string;
  maxReceiveCount: number;
}

export interface QueueSettings {
  fifo: boolean;
  contentBasedDeduplication: boolean;
  deduplicationScope: 'queue' | 'messageGroup';
  fifoThroughputLimit: 'perQueue' | 'perMessageGroupId';
  delaySeconds: number;
  maximumMessageSize: number;
  messageRetentionPeriod: number;
  receiveMessageWaitTimeSeconds: number;
  visibilityTimeout: number;
  redrivePolicy?: RedrivePolicy;
  /** Stored and echoed only (no access control or encryption locally). */
  passthrough: Record<string, string>;
}

export const MAX_MESSAGE_BYTES = 1_048_576;

export function defaultSettings(fifo: boolean): QueueSettings {
  return {
    fifo,
    contentBasedDeduplication: false,
    deduplicationScope: 'queue',
    fifoThroughputLimit: 'perQueue',
    delaySeconds: 0,
    maximumMessageSize: MAX_MESSAGE_BYTES,
    messageRetentionPeriod: 345_600,
    receiveMessageWaitTimeSeconds: 0,
    visibilityTimeout: 30,
    passthrough: { SqsManagedSseEnabled: 'true' },
  };
}

const PASSTHROUGH = new Set([
  'Policy',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
  'SqsManagedSseEnabled',
  'RedriveAllowPolicy',
]);

const invalidValue = (name: string, value: string, reason: string) =>
  sqsError('InvalidAttributeValue', `Invalid value for the parameter ${name}: ${value}. Reason: ${reason}`);

function intIn(name: string, value: string, min: number, max: number): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw invalidValue(name, value, `must be a whole number from ${min} to ${max}`);
  }
  return n;
}

function bool(name: string, value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw invalidValue(name, value, 'must be true or false');
}

/**
 * Applies `attributes` onto `settings` (a copy). `creating` allows FifoQueue; after creation it
 * cannot change. `queueExists(arn)` checks a redrive target.
 */
export function applyAttributes(
  settings: QueueSettings,
  attributes: Record<string, string>,
  context: { creating: boolean; queueIsFifo: (arn: string) => boolean | undefined },
): QueueSettings {
  const next: QueueSettings = { ...settings, passthrough: { ...settings.passthrough } };
  for (const [name, value] of Object.entries(attributes)) {
    switch (name) {
      case 'FifoQueue':
        if (!context.creating) throw sqsError('InvalidAttributeName', 'FifoQueue cannot be changed.');
        if (bool(name, value) !== settings.fifo) {
          throw invalidValue(name, value, 'a FIFO queue name must end in .fifo, and only a FIFO queue may');
        }
        break;
      case 'ContentBasedDeduplication':
        next.contentBasedDeduplication = bool(name, value);
        break;
      case 'DeduplicationScope':
        if (value !== 'queue' && value !== 'messageGroup')
          throw invalidValue(name, value, 'queue | messageGroup');
        next.deduplicationScope = value;
        break;
      case 'FifoThroughputLimit':
        if (value !== 'perQueue' && value !== 'perMessageGroupId') {
          throw invalidValue(name, value, 'perQueue | perMessageGroupId');
        }
        next.fifoThroughputLimit = value;
        break;
      case 'DelaySeconds':
        next.delaySeconds = intIn(name, value, 0, 900);
        break;
      case 'MaximumMessageSize':
        next.maximumMessageSize = intIn(name, value, 1024, MAX_MESSAGE_BYTES);
        break;
      case 'MessageRetentionPeriod':
        next.messageRetentionPeriod = intIn(name, value, 60, 1_209_600);
        break;
      case 'ReceiveMessageWaitTimeSeconds':
        next.receiveMessageWaitTimeSeconds = intIn(name, value, 0, 20);
        break;
      case 'VisibilityTimeout':
        next.visibilityTimeout = intIn(name, value, 0, 43_200);
        break;
      case 'RedrivePolicy':
        if (value === '') delete next.redrivePolicy;
        else next.redrivePolicy = parseRedrivePolicy(value, settings.fifo, context.queueIsFifo);
        break;
      default:
        if (!PASSTHROUGH.has(name)) throw sqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
        next.passthrough[name] = value;
    }
  }
  const fifoOnly = ['ContentBasedDeduplication', 'DeduplicationScope', 'FifoThroughputLimit'];
  if (!settings.fifo) {
    const wrong = fifoOnly.find((n) => n in attributes);
    if (wrong) throw sqsError('InvalidAttributeName', `Unknown Attribute ${wrong}.`);
  }
  return next;
}

function parseRedrivePolicy(
  value: string,
  fifo: boolean,
  queueIsFifo: (arn: string) => boolean | undefined,
): RedrivePolicy {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw invalidValue('RedrivePolicy', value, 'Invalid JSON');
  }
  const p = (parsed ?? {}) as { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
  if (typeof p.deadLetterTargetArn !== 'string') {
    throw invalidValue('RedrivePolicy', value, 'deadLetterTargetArn is required');
  }
  const count = Number(p.maxReceiveCount);
  if (!Number.isInteger(count) || count < 1 || count > 1000) {
    throw invalidValue('RedrivePolicy', value, 'maxReceiveCount must be from 1 to 1000');
  }
  const targetFifo = queueIsFifo(p.deadLetterTargetArn);
  if (targetFifo === undefined)
    throw invalidValue('RedrivePolicy', value, 'Dead letter target does not exist');
  if (targetFifo !== fifo) {
    throw invalidValue(
      'RedrivePolicy',
      value,
      'the dead-letter queue must be of the same type (FIFO or standard)',
    );
  }
  return { deadLetterTargetArn: p.deadLetterTargetArn, maxReceiveCount: count };
}

/** The attributes GetQueueAttributes can name, with their rendered values. */
export function renderSettings(settings: QueueSettings): Record<string, string> {
  const out: Record<string, string> = {
    DelaySeconds: String(settings.delaySeconds),
    MaximumMessageSize: String(settings.maximumMessageSize),
    MessageRetentionPeriod: String(settings.messageRetentionPeriod),
    ReceiveMessageWaitTimeSeconds: String(settings.receiveMessageWaitTimeSeconds),
    VisibilityTimeout: String(settings.visibilityTimeout),
    ...settings.passthrough,
  };
  if (settings.redrivePolicy) out.RedrivePolicy = JSON.stringify(settings.redrivePolicy);
  if (settings.fifo) {
    out.FifoQueue = 'true';
    out.ContentBasedDeduplication = String(settings.contentBasedDeduplication);
    out.DeduplicationScope = settings.deduplicationScope;
    out.FifoThroughputLimit = settings.fifoThroughputLimit;
  }
  return out;
}

/**
 * The first requested attribute whose value differs from the existing queue's (CreateQueue on an
 * existing name then fails with QueueNameExists). `wanted` is the requested settings, already
 * validated and normalised by applyAttributes.
 */
export function conflictingAttribute(
  existing: QueueSettings,
  wanted: QueueSettings,
  requested: Record<string, string>,
): string | undefined {
  const have = renderSettings(existing);
  const want = renderSettings(wanted);
  return Object.keys(requested).find((name) => name !== 'FifoQueue' && have[name] !== want[name]);
}
