/**
 * The local event-source mapping (startSqsPoller) against the SQS emulator through the real SDK:
 * the SQSEvent/Context it builds, deletes on success, partial batch failures, a throwing handler,
 * invalid responses, and redrive to the DLQ after maxReceiveCount.
 */
import {
  type Message,
  ReceiveMessageCommand,
  SQSClient,
  SendMessageBatchCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type SqsEmulator, startSqsEmulator } from '../../local/sqs-emulator.js';
import { type SqsPoller, type SqsPollerOptions, startSqsPoller } from '../../local/sqs-poller.js';

let emulator: SqsEmulator;
let sqs: SQSClient;
let poller: SqsPoller | undefined;
let n = 0;

beforeAll(async () => {
  emulator = await startSqsEmulator();
  sqs = new SQSClient({
    endpoint: emulator.endpoint,
    region: 'eu-north-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
});

afterEach(async () => {
  await poller?.stop();
  poller = undefined;
});

afterAll(async () => {
  sqs.destroy();
  await emulator.close();
});

/** A FIFO queue with a DLQ; a 1 s visibility timeout keeps redelivery tests quick. */
function fifoWithDlq(maxReceiveCount: number) {
  const id = ++n;
  const dlq = emulator.createQueue(`poller-dlq-${id}.fifo`, { FifoQueue: 'true' });
  const main = emulator.createQueue(`poller-${id}.fifo`, {
    FifoQueue: 'true',
    VisibilityTimeout: '1',
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.queueArn, maxReceiveCount }),
  });
  return { main, dlq };
}

function start(
  queue: { queueUrl: string; queueArn: string },
  handler: SqsPollerOptions['handler'],
  extra: Partial<SqsPollerOptions> = {},
) {
  poller = startSqsPoller({
    sqs,
    queueUrl: queue.queueUrl,
    queueArn: queue.queueArn,
    batchSize: 10,
    waitTimeSeconds: 1,
    handler,
    onInvokeError: () => undefined,
    ...extra,
  });
  return poller;
}

async function sendAll(queueUrl: string, bodies: string[], group = 'g') {
  await sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: bodies.map((body, i) => ({
        Id: `e${i}`,
        MessageBody: body,
        MessageGroupId: group,
        MessageDeduplicationId: body,
      })),
    }),
  );
}

async function receiveAll(queueUrl: string): Promise<Message[]> {
  const out = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    }),
  );
  return out.Messages ?? [];
}

describe('startSqsPoller', () => {
  it('invokes the handler with a Lambda-shaped SQSEvent and Context, then deletes the batch', async () => {
    const { main } = fifoWithDlq(3);
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: main.queueUrl,
        MessageBody: '{"hello":"world"}',
        MessageGroupId: 'tx-1',
        MessageDeduplicationId: 'tx-1-1',
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'status' } },
      }),
    );
    const seen: Array<{ event: SQSEvent; context: Context; remaining: number }> = [];
    start(
      main,
      async (event, context) => {
        seen.push({ event, context, remaining: context.getRemainingTimeInMillis() });
      },
      { timeoutSeconds: 30, functionName: 'statusUpdater' },
    );
    await poller!.idle();

    expect(seen).toHaveLength(1);
    const { event, context, remaining } = seen[0]!;
    expect(event.Records).toHaveLength(1);
    const record = event.Records[0]!;
    expect(record).toMatchObject({
      body: '{"hello":"world"}',
      md5OfBody: createHash('md5').update('{"hello":"world"}').digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: main.queueArn,
      awsRegion: 'eu-north-1',
      messageAttributes: {
        kind: { dataType: 'String', stringValue: 'status', stringListValues: [], binaryListValues: [] },
      },
    });
    expect(record.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(record.receiptHandle).not.toBe('');
    expect(record.attributes).toMatchObject({
      ApproximateReceiveCount: '1',
      MessageGroupId: 'tx-1',
      MessageDeduplicationId: 'tx-1-1',
      SenderId: '000000000000',
    });
    expect(record.attributes.SequenceNumber).toMatch(/^\d+$/);
    expect(Number(record.attributes.SentTimestamp)).toBeGreaterThan(0);
    expect(Number(record.attributes.ApproximateFirstReceiveTimestamp)).toBeGreaterThan(0);
    expect(context.functionName).toBe('statusUpdater');
    expect(context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(remaining).toBeGreaterThan(25_000);
    expect(remaining).toBeLessThanOrEqual(30_000);

    // Deleted: nothing comes back after the visibility timeout.
    await new Promise((r) => setTimeout(r, 1100));
    expect(await receiveAll(main.queueUrl)).toHaveLength(0);
  });

  it('deletes all but the reported batchItemFailures, which come back in order', async () => {
    const { main } = fifoWithDlq(5);
    await sendAll(main.queueUrl, ['m1', 'm2', 'm3']);
    const deliveries: Array<Array<[string, string]>> = [];
    start(main, async (event): Promise<SQSBatchResponse> => {
      deliveries.push(event.Records.map((r) => [r.body, r.attributes.ApproximateReceiveCount]));
      if (deliveries.length > 1) return { batchItemFailures: [] };
      // FIFO rule: report the failed message and every later one.
      return { batchItemFailures: event.Records.slice(1).map((r) => ({ itemIdentifier: r.messageId })) };
    });
    await poller!.idle();
    expect(deliveries).toEqual([
      [
        ['m1', '1'],
        ['m2', '1'],
        ['m3', '1'],
      ],
      [
        ['m2', '2'],
        ['m3', '2'],
      ],
    ]);
  });

  it('deletes nothing when the handler throws; after maxReceiveCount the messages are in the DLQ', async () => {
    const { main, dlq } = fifoWithDlq(2);
    await sendAll(main.queueUrl, ['poison']);
    const errors: unknown[] = [];
    let invocations = 0;
    start(
      main,
      async () => {
        invocations += 1;
        throw new Error('Vipps down');
      },
      { onInvokeError: (error) => errors.push(error) },
    );
    await poller!.idle();
    expect(invocations).toBe(2);
    expect(errors).toHaveLength(2);
    expect((errors[0] as Error).message).toBe('Vipps down');
    const dead = await receiveAll(dlq.queueUrl);
    expect(dead.map((m) => m.Body)).toEqual(['poison']);
    expect(dead[0]?.Attributes?.DeadLetterQueueSourceArn).toBe(main.queueArn);
  });

  it('treats an invalid batch response as a failure of the whole batch', async () => {
    const { main } = fifoWithDlq(5);
    await sendAll(main.queueUrl, ['a', 'b']);
    const errors: unknown[] = [];
    const counts: string[][] = [];
    start(
      main,
      async (event) => {
        counts.push(event.Records.map((r) => r.attributes.ApproximateReceiveCount));
        if (counts.length === 1) return { batchItemFailures: [{ itemIdentifier: 'not-in-this-batch' }] };
        if (counts.length === 2) return { batchItemFailures: [{ itemIdentifier: '' }] };
        return undefined;
      },
      { onInvokeError: (error) => errors.push(error) },
    );
    await poller!.idle();
    expect(counts).toEqual([
      ['1', '1'],
      ['2', '2'],
      ['3', '3'],
    ]);
    expect(errors).toHaveLength(2);
  });

  it('fails an invocation that outlives the function timeout', async () => {
    const { main, dlq } = fifoWithDlq(1);
    await sendAll(main.queueUrl, ['slow']);
    const errors: unknown[] = [];
    start(main, () => new Promise(() => undefined), {
      timeoutSeconds: 0.2,
      onInvokeError: (error) => errors.push(error),
    });
    await poller!.idle();
    expect(String((errors[0] as Error).message)).toMatch(/timed out/);
    expect((await receiveAll(dlq.queueUrl)).map((m) => m.Body)).toEqual(['slow']);
  });

  it('stops promptly, even in the middle of a long poll', async () => {
    const { main } = fifoWithDlq(5);
    start(main, async () => undefined, { waitTimeSeconds: 20 });
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await poller!.stop();
    poller = undefined;
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('refuses a batch size above 10', () => {
    const { main } = fifoWithDlq(5);
    expect(() => startSqsPoller({ sqs, ...main, batchSize: 11, handler: async () => undefined })).toThrow(
      /batchSize/,
    );
  });
});
