/**
 * The SQS operations we use, over the in-memory queues. Input/output member names are those of
 * the SQS JSON protocol (the same as the SDK's command inputs/outputs).
 */
import { AwsJsonError } from '../aws-json-server.js';
import { applyAttributes, conflictingAttribute, defaultSettings, renderSettings } from './attributes.js';
import { invalidParameter, sqsError } from './errors.js';
import {
  type Input,
  attributesSize,
  entries,
  hasInvalidCharacters,
  messageAttributes,
  optionalInt,
  optionalString,
  requiredString,
  stringList,
  stringMap,
} from './params.js';
import { type MessageMoveTask, listMessageMoveTasks, startMessageMoveTask } from './message-move.js';
import { ACCOUNT_ID, type SendResult, SqsQueue, type StoredMessage } from './queue.js';

export interface SqsState {
  endpoint: string;
  region: string;
  nowMs(): number;
  queues: Map<string, SqsQueue>;
  /** DLQ redrive tasks, newest first. */
  moveTasks: MessageMoveTask[];
}

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;

export function createQueue(state: SqsState, name: string, attributes: Record<string, string>): SqsQueue {
  const fifo = name.endsWith('.fifo');
  const baseName = fifo ? name.slice(0, -'.fifo'.length) : name;
  if (!QUEUE_NAME.test(baseName) || name.length > 80) {
    throw invalidParameter(
      'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length (including .fifo)',
    );
  }
  if ((attributes.FifoQueue === 'true') !== fifo) {
    throw invalidParameter(
      fifo
        ? 'Value for parameter FifoQueue is invalid: a queue name ending in .fifo must set FifoQueue=true.'
        : 'The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix.',
    );
  }
  const queueIsFifo = (arn: string) => [...state.queues.values()].find((q) => q.arn === arn)?.settings.fifo;
  const wanted = applyAttributes(defaultSettings(fifo), attributes, { creating: true, queueIsFifo });
  const existing = state.queues.get(name);
  if (existing) {
    const conflict = conflictingAttribute(existing.settings, wanted, attributes);
    if (conflict) {
      throw sqsError(
        'QueueNameExists',
        `A queue already exists with the same name and a different value for attribute ${conflict}`,
      );
    }
    return existing;
  }
  const queue = new SqsQueue(name, wanted, state.endpoint, state.region, state.nowMs());
  state.queues.set(name, queue);
  return queue;
}

function queueByUrl(state: SqsState, input: Input): SqsQueue {
  const url = requiredString(input, 'QueueUrl');
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    throw sqsError('QueueDoesNotExist', 'The specified queue does not exist.');
  }
  // Any host that reached us is fine (localhost vs 127.0.0.1); the account and name must match.
  const [, account, name, ...rest] = path.split('/');
  const queue = account === ACCOUNT_ID && rest.length === 0 && name ? state.queues.get(name) : undefined;
  if (!queue) throw sqsError('QueueDoesNotExist', 'The specified queue does not exist.');
  return queue;
}

function queueByArn(state: SqsState, arn: string): SqsQueue | undefined {
  return [...state.queues.values()].find((q) => q.arn === arn);
}

// ── operations ─────────────────────────────────────────────────────────────────────────────

export type Operation = (state: SqsState, input: Input, signal: AbortSignal) => unknown;

export const operations: Record<string, Operation> = {
  CreateQueue(state, input) {
    const queue = createQueue(state, requiredString(input, 'QueueName'), stringMap(input, 'Attributes'));
    return { QueueUrl: queue.url };
  },

  GetQueueUrl(state, input) {
    const name = requiredString(input, 'QueueName');
    const owner = optionalString(input, 'QueueOwnerAWSAccountId');
    const queue = state.queues.get(name);
    if (!queue || (owner !== undefined && owner !== ACCOUNT_ID)) {
      throw sqsError('QueueDoesNotExist', 'The specified queue does not exist.');
    }
    return { QueueUrl: queue.url };
  },

  ListQueues(state, input) {
    const prefix = optionalString(input, 'QueueNamePrefix') ?? '';
    const max = optionalInt(input, 'MaxResults', 1, 1000);
    const start = Number(optionalString(input, 'NextToken') ?? '0') || 0;
    const names = [...state.queues.keys()].filter((n) => n.startsWith(prefix)).sort();
    const page = names.slice(start, max === undefined ? undefined : start + max);
    const next = max !== undefined && start + max < names.length ? String(start + max) : undefined;
    return {
      ...(page.length ? { QueueUrls: page.map((n) => state.queues.get(n)!.url) } : {}),
      ...(next ? { NextToken: next } : {}),
    };
  },

  DeleteQueue(state, input) {
    state.queues.delete(queueByUrl(state, input).name);
    return {};
  },

  GetQueueAttributes(state, input) {
    const queue = queueByUrl(state, input);
    const requested = stringList(input, 'AttributeNames');
    const counts = queue.counts(state.nowMs());
    const all: Record<string, string> = {
      QueueArn: queue.arn,
      ApproximateNumberOfMessages: String(counts.visible),
      ApproximateNumberOfMessagesNotVisible: String(counts.inFlight),
      ApproximateNumberOfMessagesDelayed: String(counts.delayed),
      CreatedTimestamp: String(Math.floor(queue.createdAt / 1000)),
      LastModifiedTimestamp: String(Math.floor(queue.lastModifiedAt / 1000)),
      ...renderSettings(queue.settings),
    };
    const names = requested.includes('All') ? Object.keys(all) : requested;
    const known = new Set([
      ...Object.keys(all),
      'RedrivePolicy',
      'Policy',
      'KmsMasterKeyId',
      'RedriveAllowPolicy',
    ]);
    const unknown = names.find((n) => !known.has(n));
    if (unknown) throw sqsError('InvalidAttributeName', `Unknown Attribute ${unknown}.`);
    const attributes = Object.fromEntries(names.filter((n) => all[n] !== undefined).map((n) => [n, all[n]!]));
    return Object.keys(attributes).length ? { Attributes: attributes } : {};
  },

  SetQueueAttributes(state, input) {
    const queue = queueByUrl(state, input);
    const queueIsFifo = (arn: string) => queueByArn(state, arn)?.settings.fifo;
    queue.settings = applyAttributes(queue.settings, stringMap(input, 'Attributes'), {
      creating: false,
      queueIsFifo,
    });
    queue.lastModifiedAt = state.nowMs();
    queue.notify();
    return {};
  },

  PurgeQueue(state, input) {
    // SQS allows one purge per 60 s; not enforced here, tests purge freely.
    queueByUrl(state, input).purge();
    return {};
  },

  SendMessage(state, input) {
    const queue = queueByUrl(state, input);
    const result = send(state, queue, input);
    return sendOutput(result);
  },

  SendMessageBatch(state, input) {
    const queue = queueByUrl(state, input);
    const list = entries(input, 'Entries');
    const total = list.reduce((sum, e) => sum + entrySize(e), 0);
    if (total > queue.settings.maximumMessageSize) {
      throw sqsError(
        'BatchRequestTooLong',
        `Batch requests cannot be longer than ${queue.settings.maximumMessageSize} bytes. You have sent ${total} bytes.`,
      );
    }
    const Successful: unknown[] = [];
    const Failed: unknown[] = [];
    for (const entry of list) {
      try {
        Successful.push({ Id: entry.Id, ...sendOutput(send(state, queue, entry)) });
      } catch (err) {
        Failed.push(batchFailure(entry, err));
      }
    }
    return { Successful, Failed };
  },

  async ReceiveMessage(state, input, signal) {
    const queue = queueByUrl(state, input);
    const max = optionalInt(input, 'MaxNumberOfMessages', 1, 10) ?? 1;
    const visibility = optionalInt(input, 'VisibilityTimeout', 0, 43_200);
    const wait = optionalInt(input, 'WaitTimeSeconds', 0, 20) ?? queue.settings.receiveMessageWaitTimeSeconds;
    const systemNames = new Set([
      ...stringList(input, 'MessageSystemAttributeNames'),
      ...stringList(input, 'AttributeNames'),
    ]);
    const attributeNames = stringList(input, 'MessageAttributeNames');

    // Long polling runs on real time (a fake clock must not make a test wait); it re-checks on
    // every change to the queue and every 100 ms, so visibility expiries on the clock are seen.
    const deadline = Date.now() + wait * 1000;
    for (;;) {
      const now = state.nowMs();
      const messages = queue.receive(max, visibility ?? queue.settings.visibilityTimeout, now, (m) =>
        deadLetter(state, queue, m, now),
      );
      if (messages.length > 0) {
        return { Messages: messages.map((m) => renderMessage(m, systemNames, attributeNames)) };
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0 || signal.aborted) return {};
      await queue.waitForChange(Math.min(remaining, 100), signal);
    }
  },

  DeleteMessage(state, input) {
    queueByUrl(state, input).delete(requiredString(input, 'ReceiptHandle'));
    return {};
  },

  DeleteMessageBatch(state, input) {
    const queue = queueByUrl(state, input);
    const Successful: unknown[] = [];
    const Failed: unknown[] = [];
    for (const entry of entries(input, 'Entries')) {
      try {
        queue.delete(requiredString(entry, 'ReceiptHandle'));
        Successful.push({ Id: entry.Id });
      } catch (err) {
        Failed.push(batchFailure(entry, err));
      }
    }
    return { Successful, Failed };
  },

  ChangeMessageVisibility(state, input) {
    const queue = queueByUrl(state, input);
    const timeout = optionalInt(input, 'VisibilityTimeout', 0, 43_200);
    if (timeout === undefined)
      throw sqsError('MissingParameter', 'The request must contain the parameter VisibilityTimeout.');
    queue.changeVisibility(requiredString(input, 'ReceiptHandle'), timeout, state.nowMs());
    return {};
  },

  ChangeMessageVisibilityBatch(state, input) {
    const queue = queueByUrl(state, input);
    const Successful: unknown[] = [];
    const Failed: unknown[] = [];
    for (const entry of entries(input, 'Entries')) {
      try {
        const timeout = optionalInt(entry, 'VisibilityTimeout', 0, 43_200) ?? 0;
        queue.changeVisibility(requiredString(entry, 'ReceiptHandle'), timeout, state.nowMs());
        Successful.push({ Id: entry.Id });
      } catch (err) {
        Failed.push(batchFailure(entry, err));
      }
    }
    return { Successful, Failed };
  },

  StartMessageMoveTask: (state, input) => startMessageMoveTask(state, input),
  ListMessageMoveTasks: (state, input) => listMessageMoveTasks(state, input),
};

// ── helpers ────────────────────────────────────────────────────────────────────────────────

function entrySize(entry: Input): number {
  const body = typeof entry.MessageBody === 'string' ? Buffer.byteLength(entry.MessageBody) : 0;
  let attrs = 0;
  try {
    attrs = attributesSize(messageAttributes(entry));
  } catch {
    // reported per entry by send()
  }
  return body + attrs;
}

function send(state: SqsState, queue: SqsQueue, input: Input): SendResult {
  const body = requiredString(input, 'MessageBody');
  const attributes = messageAttributes(input);
  const size = Buffer.byteLength(body, 'utf8') + attributesSize(attributes);
  if (size > queue.settings.maximumMessageSize) {
    throw invalidParameter(
      `One or more parameters are invalid. Reason: Message must be shorter than ${queue.settings.maximumMessageSize} bytes.`,
    );
  }
  if (hasInvalidCharacters(body)) {
    throw sqsError(
      'InvalidMessageContents',
      'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF',
    );
  }
  const systemAttributes = (input.MessageSystemAttributes ?? {}) as Record<
    string,
    { StringValue?: string } | undefined
  >;
  const groupId = optionalString(input, 'MessageGroupId');
  const deduplicationId = optionalString(input, 'MessageDeduplicationId');
  for (const [name, value] of [
    ['MessageGroupId', groupId],
    ['MessageDeduplicationId', deduplicationId],
  ] as const) {
    if (value !== undefined && !/^[\x21-\x7e]{1,128}$/.test(value)) {
      throw invalidParameter(
        `Value ${value} for parameter ${name} is invalid. Reason: 1-128 printable ASCII characters.`,
      );
    }
  }
  return queue.send(
    {
      body,
      messageAttributes: attributes,
      ...withDefined('delaySeconds', optionalInt(input, 'DelaySeconds', 0, 900)),
      ...withDefined('groupId', groupId),
      ...withDefined('deduplicationId', deduplicationId),
      ...withDefined('awsTraceHeader', systemAttributes.AWSTraceHeader?.StringValue),
    },
    state.nowMs(),
  );
}

function withDefined<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

function sendOutput(result: SendResult) {
  return {
    MessageId: result.messageId,
    MD5OfMessageBody: result.md5OfBody,
    ...(result.md5OfMessageAttributes ? { MD5OfMessageAttributes: result.md5OfMessageAttributes } : {}),
    ...(result.sequenceNumber ? { SequenceNumber: result.sequenceNumber } : {}),
  };
}

function batchFailure(entry: Input, err: unknown) {
  if (err instanceof AwsJsonError) {
    return { Id: entry.Id, SenderFault: true, Code: err.name, Message: err.message };
  }
  throw err;
}

function deadLetter(state: SqsState, source: SqsQueue, message: StoredMessage, now: number): boolean {
  const arn = source.settings.redrivePolicy?.deadLetterTargetArn;
  const target = arn ? queueByArn(state, arn) : undefined;
  // If the DLQ was deleted the message stays and is delivered again (nothing is lost).
  if (!target) return false;
  target.acceptDeadLetter(message, source.arn, now);
  return true;
}

const SYSTEM_ATTRIBUTES = [
  'SenderId',
  'SentTimestamp',
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
  'SequenceNumber',
  'MessageDeduplicationId',
  'MessageGroupId',
  'AWSTraceHeader',
  'DeadLetterQueueSourceArn',
] as const;

function renderMessage(message: StoredMessage, systemNames: Set<string>, attributeNames: string[]) {
  const all: Record<(typeof SYSTEM_ATTRIBUTES)[number], string | undefined> = {
    SenderId: ACCOUNT_ID,
    SentTimestamp: String(message.sentAt),
    ApproximateReceiveCount: String(message.receiveCount),
    ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt ?? message.sentAt),
    SequenceNumber: message.sequenceNumber,
    MessageDeduplicationId: message.deduplicationId,
    MessageGroupId: message.groupId,
    AWSTraceHeader: message.awsTraceHeader,
    DeadLetterQueueSourceArn: message.deadLetterQueueSourceArn,
  };
  const wantAll = systemNames.has('All');
  const Attributes: Record<string, string> = {};
  for (const name of SYSTEM_ATTRIBUTES) {
    const value = all[name];
    if (value !== undefined && (wantAll || systemNames.has(name))) Attributes[name] = value;
  }
  const MessageAttributes: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(message.messageAttributes)) {
    if (!wantsAttribute(name, attributeNames)) continue;
    MessageAttributes[name] = {
      DataType: value.DataType,
      ...(value.BinaryValue !== undefined
        ? { BinaryValue: value.BinaryValue.toString('base64') }
        : { StringValue: value.StringValue }),
    };
  }
  return {
    MessageId: message.messageId,
    ReceiptHandle: message.receiptHandle,
    MD5OfBody: message.md5OfBody,
    Body: message.body,
    ...(Object.keys(Attributes).length ? { Attributes } : {}),
    ...(message.md5OfMessageAttributes ? { MD5OfMessageAttributes: message.md5OfMessageAttributes } : {}),
    ...(Object.keys(MessageAttributes).length ? { MessageAttributes } : {}),
  };
}

function wantsAttribute(name: string, requested: string[]): boolean {
  return requested.some(
    (r) => r === 'All' || r === '.*' || r === name || (r.endsWith('.*') && name.startsWith(r.slice(0, -1))),
  );
}
