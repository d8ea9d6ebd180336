/**
 * The local stand-in for a Lambda SQS event-source mapping with ReportBatchItemFailures:
 * long-polls the queue, invokes the handler with a real SQSEvent and Lambda Context, then
 *   - on success deletes every message except those listed in `batchItemFailures`;
 *   - if the handler throws, times out, or returns an invalid response, deletes none — they come
 *     back after the visibility timeout, and the queue's redrive policy moves them to the DLQ
 *     after maxReceiveCount receives (exactly as in AWS).
 * Lambda's rules for an invalid response: an itemIdentifier that is missing, empty, not a string
 * or not a messageId of the batch fails the whole batch.
 */
import { randomUUID } from 'node:crypto';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';

export type SqsBatchHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

export interface SqsPollerOptions {
  /** Use a client whose calls are not counted (createSqsClient({ counter: false })): in AWS the
   *  event-source mapping's receives and deletes are not made by our code. */
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  /** 1–10 (FIFO allows at most 10). */
  batchSize: number;
  /** Long-poll wait, 0–20 s (default 1: short enough that stop() is quick). */
  waitTimeSeconds?: number;
  handler: SqsBatchHandler;
  /** The function's timeout; a handler still running after it counts as failed. Default 30. */
  timeoutSeconds?: number;
  functionName?: string;
  memoryMb?: number;
  /** Parallel pollers, like the mapping's concurrency (default 1). */
  concurrency?: number;
  /** The handler threw, timed out or returned an invalid response (nothing was deleted). */
  onInvokeError?: (error: unknown, event: SQSEvent) => void;
  /** Receive/delete failed (e.g. the queue is gone); the poller backs off and retries. */
  onPollError?: (error: unknown) => void;
}

export interface SqsPoller {
  stop(): Promise<void>;
  /**
   * Resolves when the queue has no visible, delayed or in-flight messages and no invocation is
   * running. Rejects after `timeoutMs` (default 30 s) so a stuck test fails with a message.
   */
  idle(timeoutMs?: number): Promise<void>;
}

export function startSqsPoller(options: SqsPollerOptions): SqsPoller {
  if (!Number.isInteger(options.batchSize) || options.batchSize < 1 || options.batchSize > 10) {
    throw new Error(`batchSize must be 1–10, got ${options.batchSize}`);
  }
  const region = options.queueArn.split(':')[3] ?? 'eu-north-1';
  const functionName = options.functionName ?? 'statusUpdater';
  const timeoutMs = (options.timeoutSeconds ?? 30) * 1000;
  const onInvokeError =
    options.onInvokeError ??
    ((error: unknown) => console.warn(`[sqs-poller] ${functionName} invocation failed:`, errorText(error)));
  const onPollError =
    options.onPollError ??
    ((error: unknown) => console.warn(`[sqs-poller] polling failed:`, errorText(error)));

  const stopping = new AbortController();
  let running = 0;

  async function pollOnce(): Promise<void> {
    const received = await options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.queueUrl,
        MaxNumberOfMessages: options.batchSize,
        WaitTimeSeconds: options.waitTimeSeconds ?? 1,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: stopping.signal },
    );
    const messages = received.Messages ?? [];
    if (messages.length === 0) return;
    running += 1;
    try {
      const event: SQSEvent = { Records: messages.map((m) => toRecord(m, options.queueArn, region)) };
      const failed = await invoke(event);
      const toDelete = failed === 'all' ? [] : event.Records.filter((r) => !failed.has(r.messageId));
      if (toDelete.length > 0) {
        const out = await options.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: options.queueUrl,
            Entries: toDelete.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
          }),
        );
        if (out.Failed?.length)
          onPollError(new Error(`DeleteMessageBatch failed for ${out.Failed.length} message(s)`));
      }
    } finally {
      running -= 1;
    }
  }

  /** Message ids to keep, or 'all' when the batch as a whole failed. */
  async function invoke(event: SQSEvent): Promise<Set<string> | 'all'> {
    const deadline = Date.now() + timeoutMs;
    const context = lambdaContext(functionName, region, options.memoryMb ?? 512, deadline);
    let timer: NodeJS.Timeout | undefined;
    try {
      const response = await Promise.race([
        options.handler(event, context),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`Task timed out after ${timeoutMs / 1000} seconds`)),
            timeoutMs,
          );
        }),
      ]);
      return failedIds(response, event);
    } catch (error) {
      onInvokeError(error, event);
      return 'all';
    } finally {
      clearTimeout(timer);
    }
  }

  async function loop(): Promise<void> {
    while (!stopping.signal.aborted) {
      try {
        await pollOnce();
      } catch (error) {
        if (stopping.signal.aborted) break;
        onPollError(error);
        await sleep(1000, stopping.signal);
      }
    }
  }

  const loops = Array.from({ length: Math.max(1, options.concurrency ?? 1) }, () => loop());

  return {
    async stop() {
      stopping.abort();
      await Promise.all(loops);
    },
    async idle(waitMs = 30_000) {
      const deadline = Date.now() + waitMs;
      for (;;) {
        if (running === 0) {
          const out = await options.sqs.send(
            new GetQueueAttributesCommand({
              QueueUrl: options.queueUrl,
              AttributeNames: [
                'ApproximateNumberOfMessages',
                'ApproximateNumberOfMessagesNotVisible',
                'ApproximateNumberOfMessagesDelayed',
              ],
            }),
          );
          const a = out.Attributes ?? {};
          const pending =
            Number(a.ApproximateNumberOfMessages ?? 0) +
            Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) +
            Number(a.ApproximateNumberOfMessagesDelayed ?? 0);
          // Re-check `running`: a receive may have completed while we asked.
          if (pending === 0 && running === 0) return;
        }
        if (Date.now() > deadline)
          throw new Error(`SQS poller for ${options.queueUrl} not idle after ${waitMs} ms`);
        await sleep(25);
      }
    },
  };
}

/** Lambda's validation of a ReportBatchItemFailures response. */
function failedIds(response: unknown, event: SQSEvent): Set<string> | 'all' {
  if (response === undefined || response === null) return new Set();
  if (typeof response !== 'object') throw new Error('Invalid batch response: not an object');
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) throw new Error('Invalid batch response: batchItemFailures is not a list');
  const ids = new Set(event.Records.map((r) => r.messageId));
  const failed = new Set<string>();
  for (const failure of failures as unknown[]) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '' || !ids.has(id)) {
      throw new Error(
        `Invalid batch response: itemIdentifier ${JSON.stringify(id)} is not a messageId of this batch`,
      );
    }
    failed.add(id);
  }
  return failed;
}

function toRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const a = message.Attributes ?? {};
  const optional = (name: keyof typeof a) => (a[name] !== undefined ? { [name]: a[name] } : {});
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: a.ApproximateReceiveCount ?? '1',
      SentTimestamp: a.SentTimestamp ?? String(Date.now()),
      SenderId: a.SenderId ?? '000000000000',
      ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      ...optional('SequenceNumber'),
      ...optional('MessageGroupId'),
      ...optional('MessageDeduplicationId'),
      ...optional('AWSTraceHeader'),
      ...optional('DeadLetterQueueSourceArn'),
    },
    messageAttributes: lambdaMessageAttributes(message),
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

/** Lambda's shape: camelCase keys, binary as base64, and the (unused) list fields present. */
function lambdaMessageAttributes(message: Message): SQSMessageAttributes {
  const out: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    out[name] = {
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined
        ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }
        : {}),
      stringListValues: [],
      binaryListValues: [],
      dataType: value.DataType ?? 'String',
    };
  }
  return out;
}

function lambdaContext(functionName: string, region: string, memoryMb: number, deadline: number): Context {
  const unsupported = () => {
    throw new Error('Callback-style completion is not supported; return a promise');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:000000000000:function:${functionName}`,
    memoryLimitInMB: String(memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/[$LATEST]${randomUUID().replace(/-/g, '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
