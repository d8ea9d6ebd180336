/**
 * The local SQS emulator through the real @aws-sdk/client-sqs (which verifies MD5OfMessageBody
 * itself): queue management, errors by SDK name, visibility and redelivery, redrive, FIFO
 * deduplication and group ordering, long polling.
 */
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListMessageMoveTasksCommand,
  ListQueuesCommand,
  type Message,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SQSClient,
  SendMessageBatchCommand,
  SendMessageCommand,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SqsEmulator, startSqsEmulator } from '../../local/sqs-emulator.js';

const clock = { ms: Date.UTC(2026, 0, 15, 12, 0, 0), now: () => new Date(clock.ms) };
const advance = (seconds: number) => {
  clock.ms += seconds * 1000;
};

let emulator: SqsEmulator;
let sqs: SQSClient;
let counter = 0;
const uniqueName = (base: string, fifo = false) => `${base}-${++counter}${fifo ? '.fifo' : ''}`;

beforeAll(async () => {
  emulator = await startSqsEmulator({ clock });
  sqs = new SQSClient({
    endpoint: emulator.endpoint,
    region: 'eu-north-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
});

afterAll(async () => {
  sqs.destroy();
  await emulator.close();
});

async function createQueue(name: string, attributes: Record<string, string> = {}) {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  return QueueUrl!;
}

async function createFifo(name: string, attributes: Record<string, string> = {}) {
  return createQueue(name, { FifoQueue: 'true', ...attributes });
}

async function receive(
  queueUrl: string,
  max = 10,
  extra: Partial<{ VisibilityTimeout: number; WaitTimeSeconds: number }> = {},
) {
  const out = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: max,
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
      ...extra,
    }),
  );
  return out.Messages ?? [];
}

async function attributes(queueUrl: string) {
  const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }));
  return out.Attributes ?? {};
}

const bodies = (messages: Message[]) => messages.map((m) => m.Body);

describe('queues', () => {
  it('creates, finds and describes queues with AWS-shaped URLs and ARNs', async () => {
    const name = uniqueName('orders');
    const url = await createQueue(name, { VisibilityTimeout: '45' });
    expect(url).toBe(`${emulator.endpoint}/000000000000/${name}`);
    expect((await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl).toBe(url);

    const attrs = await attributes(url);
    expect(attrs.QueueArn).toBe(`arn:aws:sqs:eu-north-1:000000000000:${name}`);
    expect(attrs.VisibilityTimeout).toBe('45');
    expect(attrs.ApproximateNumberOfMessages).toBe('0');
    expect(attrs.FifoQueue).toBeUndefined();

    const listed = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: name }));
    expect(listed.QueueUrls).toEqual([url]);
  });

  it('CreateQueue is idempotent for the same attributes and refuses different ones', async () => {
    const name = uniqueName('same');
    const url = await createQueue(name, { VisibilityTimeout: '10' });
    expect(await createQueue(name, { VisibilityTimeout: '10' })).toBe(url);
    await expect(createQueue(name, { VisibilityTimeout: '11' })).rejects.toMatchObject({
      name: 'QueueNameExists',
    });
  });

  it('reports errors under the SDK names', async () => {
    await expect(sqs.send(new GetQueueUrlCommand({ QueueName: 'no-such-queue' }))).rejects.toMatchObject({
      name: 'QueueDoesNotExist',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(
      sqs.send(
        new SendMessageCommand({ QueueUrl: `${emulator.endpoint}/000000000000/nope`, MessageBody: 'x' }),
      ),
    ).rejects.toMatchObject({ name: 'QueueDoesNotExist' });
    const url = await createQueue(uniqueName('errors'));
    await expect(receive(url, 11)).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(
      sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['Nonsense' as never] })),
    ).rejects.toMatchObject({ name: 'InvalidAttributeName' });
    await expect(
      sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'garbage' })),
    ).rejects.toMatchObject({ name: 'ReceiptHandleIsInvalid' });
    await expect(createQueue('not-fifo', { FifoQueue: 'true' })).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    });
    await expect(createQueue(uniqueName('bad'), { VisibilityTimeout: '99999' })).rejects.toMatchObject({
      name: 'InvalidAttributeValue',
    });
  });

  it('refuses a redrive policy whose DLQ is missing or of the other type', async () => {
    const standardDlq = await createQueue(uniqueName('std-dlq'));
    const standardDlqArn = (await attributes(standardDlq)).QueueArn!;
    await expect(
      createFifo(uniqueName('main', true), {
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: standardDlqArn, maxReceiveCount: 3 }),
      }),
    ).rejects.toMatchObject({ name: 'InvalidAttributeValue' });
    await expect(
      createQueue(uniqueName('main'), {
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: 'arn:aws:sqs:eu-north-1:000000000000:missing',
          maxReceiveCount: 3,
        }),
      }),
    ).rejects.toMatchObject({ name: 'InvalidAttributeValue' });
  });
});

describe('standard queue', () => {
  it('delivers body, system attributes and message attributes (MD5s checked by the SDK)', async () => {
    const url = await createQueue(uniqueName('std'));
    const body = 'hei på deg ✓ — 𝄞';
    const sent = await sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: body,
        MessageAttributes: {
          reason: { DataType: 'String', StringValue: 'vipps said no' },
          count: { DataType: 'Number', StringValue: '42' },
          blob: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 1, 2, 255]) },
        },
      }),
    );
    expect(sent.MD5OfMessageBody).toBe(createHash('md5').update(body, 'utf8').digest('hex'));
    expect(sent.MD5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);

    const [message] = await receive(url);
    expect(message).toBeDefined();
    expect(message!.MessageId).toBe(sent.MessageId);
    expect(message!.Body).toBe(body);
    expect(message!.MD5OfMessageAttributes).toBe(sent.MD5OfMessageAttributes);
    expect(message!.Attributes).toMatchObject({
      ApproximateReceiveCount: '1',
      SentTimestamp: String(clock.ms),
      ApproximateFirstReceiveTimestamp: String(clock.ms),
      SenderId: '000000000000',
    });
    expect(message!.MessageAttributes?.reason).toEqual({ DataType: 'String', StringValue: 'vipps said no' });
    expect(message!.MessageAttributes?.count).toEqual({ DataType: 'Number', StringValue: '42' });
    expect(Array.from(message!.MessageAttributes!.blob!.BinaryValue!)).toEqual([0, 1, 2, 255]);
  });

  it('computes MD5OfMessageAttributes as SQS does (published vectors)', async () => {
    const url = await createQueue(uniqueName('md5'));
    const one = await sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'x',
        MessageAttributes: {
          ordinal: { DataType: 'Number', StringValue: '1' },
          category: { DataType: 'String', StringValue: 'test' },
        },
      }),
    );
    expect(one.MD5OfMessageAttributes).toBe('d21ae90c49061e927f57df5f5d72be1f');
    const two = await sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'x',
        MessageAttributes: { timestamp: { DataType: 'Number', StringValue: '1493147359900' } },
      }),
    );
    expect(two.MD5OfMessageAttributes).toBe('235c5c510d26fb653d073faed50ae77c');
  });

  it('returns only the message attributes asked for', async () => {
    const url = await createQueue(uniqueName('attr-filter'));
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'x',
        MessageAttributes: {
          'app.one': { DataType: 'String', StringValue: '1' },
          other: { DataType: 'String', StringValue: '2' },
        },
      }),
    );
    const out = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MessageAttributeNames: ['app.*'], VisibilityTimeout: 0 }),
    );
    expect(Object.keys(out.Messages?.[0]?.MessageAttributes ?? {})).toEqual(['app.one']);
    const none = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
    expect(none.Messages?.[0]?.MessageAttributes).toBeUndefined();
    expect(none.Messages?.[0]?.Attributes).toBeUndefined();
  });

  it('hides a received message for the visibility timeout, then redelivers it with a higher receive count', async () => {
    const url = await createQueue(uniqueName('vis'), { VisibilityTimeout: '30' });
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'again' }));
    const first = await receive(url);
    expect(first).toHaveLength(1);
    expect(await attributes(url)).toMatchObject({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '1',
    });
    expect(await receive(url)).toHaveLength(0);

    advance(29);
    expect(await receive(url)).toHaveLength(0);
    advance(1);
    const second = await receive(url, 1, { VisibilityTimeout: 5 });
    expect(second[0]?.Attributes?.ApproximateReceiveCount).toBe('2');
    expect(second[0]?.Attributes?.ApproximateFirstReceiveTimestamp).toBe(
      first[0]?.Attributes?.ApproximateFirstReceiveTimestamp,
    );

    // The first receipt handle is stale: deleting with it succeeds but does not delete.
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first[0]!.ReceiptHandle! }));
    advance(5);
    const third = await receive(url);
    expect(third[0]?.Attributes?.ApproximateReceiveCount).toBe('3');

    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: third[0]!.ReceiptHandle! }));
    advance(60);
    expect(await receive(url)).toHaveLength(0);
    expect(await attributes(url)).toMatchObject({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
    });
  });

  it('ChangeMessageVisibility(0) releases a message at once; a deleted one is not in flight', async () => {
    const url = await createQueue(uniqueName('chvis'));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'm' }));
    const [m] = await receive(url);
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: m!.ReceiptHandle!,
        VisibilityTimeout: 0,
      }),
    );
    const [again] = await receive(url);
    expect(again?.MessageId).toBe(m!.MessageId);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: again!.ReceiptHandle! }));
    await expect(
      sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: again!.ReceiptHandle!,
          VisibilityTimeout: 10,
        }),
      ),
    ).rejects.toMatchObject({ name: 'MessageNotInflight' });
  });

  it('honours DelaySeconds', async () => {
    const url = await createQueue(uniqueName('delay'));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'later', DelaySeconds: 10 }));
    expect(await receive(url)).toHaveLength(0);
    expect((await attributes(url)).ApproximateNumberOfMessagesDelayed).toBe('1');
    advance(10);
    expect(bodies(await receive(url))).toEqual(['later']);
  });

  it('drops messages after the retention period', async () => {
    const url = await createQueue(uniqueName('retention'), { MessageRetentionPeriod: '60' });
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'old' }));
    advance(60);
    expect(await receive(url)).toHaveLength(0);
  });

  it('moves a message to the DLQ once its receive count reaches maxReceiveCount', async () => {
    const dlqUrl = await createQueue(uniqueName('dlq'));
    const dlqArn = (await attributes(dlqUrl)).QueueArn!;
    const url = await createQueue(uniqueName('with-dlq'), {
      VisibilityTimeout: '10',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 }),
    });
    const sourceArn = (await attributes(url)).QueueArn!;
    expect(JSON.parse((await attributes(url)).RedrivePolicy!)).toEqual({
      deadLetterTargetArn: dlqArn,
      maxReceiveCount: 2,
    });
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'poison' }));

    expect((await receive(url))[0]?.Attributes?.ApproximateReceiveCount).toBe('1');
    advance(10);
    expect((await receive(url))[0]?.Attributes?.ApproximateReceiveCount).toBe('2');
    advance(10);
    expect(await receive(url)).toHaveLength(0); // the third receive would exceed 2: moved
    expect((await attributes(url)).ApproximateNumberOfMessages).toBe('0');

    const [dead] = await receive(dlqUrl);
    expect(dead?.MessageId).toBe(sent.MessageId);
    expect(dead?.Body).toBe('poison');
    expect(dead?.Attributes?.DeadLetterQueueSourceArn).toBe(sourceArn);
  });

  it('sends and deletes in batches, reporting per-entry failures', async () => {
    const url = await createQueue(uniqueName('batch'));
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'a', MessageBody: 'one' },
          { Id: 'b', MessageBody: 'two' },
          { Id: 'c', MessageBody: 'bad \u0000 char' },
        ],
      }),
    );
    expect(sent.Successful?.map((s) => s.Id)).toEqual(['a', 'b']);
    expect(sent.Failed).toEqual([
      expect.objectContaining({ Id: 'c', Code: 'InvalidMessageContents', SenderFault: true }),
    ]);

    const messages = await receive(url);
    expect(bodies(messages).sort()).toEqual(['one', 'two']);
    const deleted = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          ...messages.map((m, i) => ({ Id: `m${i}`, ReceiptHandle: m.ReceiptHandle! })),
          { Id: 'junk', ReceiptHandle: 'not-a-handle' },
        ],
      }),
    );
    expect(deleted.Successful).toHaveLength(2);
    expect(deleted.Failed).toEqual([expect.objectContaining({ Id: 'junk', Code: 'ReceiptHandleIsInvalid' })]);

    const eleven = Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, MessageBody: 'x' }));
    await expect(
      sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: eleven })),
    ).rejects.toMatchObject({
      name: 'TooManyEntriesInBatchRequest',
    });
    await expect(
      sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: [
            { Id: 'same', MessageBody: 'x' },
            { Id: 'same', MessageBody: 'y' },
          ],
        }),
      ),
    ).rejects.toMatchObject({ name: 'BatchEntryIdsNotDistinct' });
  });

  it('PurgeQueue removes every message', async () => {
    const url = await createQueue(uniqueName('purge'));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }));
    await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
    expect(await receive(url)).toHaveLength(0);
  });
});

describe('long polling', () => {
  it('returns as soon as a message arrives', async () => {
    const url = await createQueue(uniqueName('long'));
    const started = Date.now();
    const polling = receive(url, 10, { WaitTimeSeconds: 10 });
    await new Promise((r) => setTimeout(r, 150));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'ping' }));
    expect(bodies(await polling)).toEqual(['ping']);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('waits the full time and returns nothing when the queue stays empty', async () => {
    const url = await createQueue(uniqueName('long-empty'));
    const started = Date.now();
    expect(await receive(url, 10, { WaitTimeSeconds: 1 })).toHaveLength(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });
});

describe('FIFO queue', () => {
  const send = (url: string, body: string, group: string, dedup?: string) =>
    sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: body,
        MessageGroupId: group,
        ...(dedup ? { MessageDeduplicationId: dedup } : {}),
      }),
    );

  it('requires a group id, and a dedup id unless content-based deduplication is on', async () => {
    const url = await createFifo(uniqueName('fifo-req', true));
    await expect(
      sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageDeduplicationId: 'd' })),
    ).rejects.toMatchObject({
      name: 'MissingParameter',
    });
    await expect(send(url, 'x', 'g')).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    expect((await attributes(url)).FifoQueue).toBe('true');
  });

  it('deduplicates by MessageDeduplicationId for five minutes, even after delete', async () => {
    const url = await createFifo(uniqueName('fifo-dedup', true));
    const first = await send(url, 'a', 'g', 'tx-1');
    const duplicate = await send(url, 'a (resent)', 'g', 'tx-1');
    expect(duplicate.MessageId).toBe(first.MessageId);
    expect(duplicate.SequenceNumber).toBe(first.SequenceNumber);
    const messages = await receive(url);
    expect(bodies(messages)).toEqual(['a']);
    expect(messages[0]?.Attributes).toMatchObject({
      MessageGroupId: 'g',
      MessageDeduplicationId: 'tx-1',
      SequenceNumber: first.SequenceNumber,
    });
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: messages[0]!.ReceiptHandle! }));

    advance(299);
    await send(url, 'a again', 'g', 'tx-1');
    expect(await receive(url)).toHaveLength(0);
    advance(1);
    const late = await send(url, 'a after window', 'g', 'tx-1');
    expect(late.MessageId).not.toBe(first.MessageId);
    expect(BigInt(late.SequenceNumber!)).toBeGreaterThan(BigInt(first.SequenceNumber!));
    expect(bodies(await receive(url))).toEqual(['a after window']);
  });

  it('deduplicates by body hash with ContentBasedDeduplication', async () => {
    const url = await createFifo(uniqueName('fifo-cbd', true), { ContentBasedDeduplication: 'true' });
    const a = await send(url, 'same body', 'g1');
    const b = await send(url, 'same body', 'g2');
    await send(url, 'other body', 'g1');
    expect(b.MessageId).toBe(a.MessageId);
    expect(bodies(await receive(url))).toEqual(['same body', 'other body']);
    const [message] = await receive(url);
    expect(message).toBeUndefined();
  });

  it('keeps a group blocked while one of its messages is in flight; other groups go on', async () => {
    const url = await createFifo(uniqueName('fifo-order', true), { VisibilityTimeout: '30' });
    await send(url, 'A1', 'A', 'a1');
    await send(url, 'A2', 'A', 'a2');
    await send(url, 'B1', 'B', 'b1');
    await send(url, 'A3', 'A', 'a3');

    const [a1] = await receive(url, 1);
    expect(a1?.Body).toBe('A1');
    // A is blocked by A1 in flight: only B is deliverable.
    const [b1] = await receive(url, 10);
    expect(b1?.Body).toBe('B1');
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: b1!.ReceiptHandle! }));
    expect(await receive(url, 10)).toHaveLength(0);

    // A1 times out: it comes back first, and A2, A3 may follow in the same batch, in order.
    advance(30);
    const again = await receive(url, 10);
    expect(bodies(again)).toEqual(['A1', 'A2', 'A3']);
    expect(again[0]?.Attributes?.ApproximateReceiveCount).toBe('2');

    // Deleting A1 and A2 while A3 is in flight does not release anything new.
    for (const m of again.slice(0, 2)) {
      await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle! }));
    }
    expect(await receive(url)).toHaveLength(0);
  });

  it('fills a batch from one group first, oldest group first', async () => {
    const url = await createFifo(uniqueName('fifo-batch', true));
    await send(url, 'X1', 'X', 'x1');
    await send(url, 'Y1', 'Y', 'y1');
    await send(url, 'X2', 'X', 'x2');
    await send(url, 'Y2', 'Y', 'y2');
    expect(bodies(await receive(url, 3))).toEqual(['X1', 'X2', 'Y1']);
    expect(bodies(await receive(url, 3))).toEqual([]); // X and Y both have a message in flight
  });

  it('a message moved to the DLQ lets the rest of its group through', async () => {
    const dlqUrl = await createFifo(uniqueName('fifo-dlq', true));
    const dlqArn = (await attributes(dlqUrl)).QueueArn!;
    const url = await createFifo(uniqueName('fifo-main', true), {
      VisibilityTimeout: '5',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1 }),
    });
    await send(url, 'P1', 'P', 'p1');
    await send(url, 'P2', 'P', 'p2');
    expect(bodies(await receive(url, 1))).toEqual(['P1']);
    advance(5);
    expect(bodies(await receive(url, 10))).toEqual(['P2']);
    const [dead] = await receive(dlqUrl);
    expect(dead?.Body).toBe('P1');
    expect(dead?.Attributes?.MessageGroupId).toBe('P');
  });

  it('long polling wakes when the group is released by a delete', async () => {
    const url = await createFifo(uniqueName('fifo-wake', true));
    await send(url, 'H1', 'H', 'h1');
    await send(url, 'H2', 'H', 'h2');
    const [h1] = await receive(url, 1);
    const polling = receive(url, 10, { WaitTimeSeconds: 10 });
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: h1!.ReceiptHandle! }));
    expect(bodies(await polling)).toEqual(['H2']);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('dead-letter queue redrive (StartMessageMoveTask, ListMessageMoveTasks)', () => {
  async function fifoWithDlq() {
    const dlqUrl = await createFifo(uniqueName('redrive-dlq', true));
    const dlqArn = (await attributes(dlqUrl)).QueueArn!;
    const url = await createFifo(uniqueName('redrive-main', true), {
      VisibilityTimeout: '5',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1 }),
    });
    return { url, arn: (await attributes(url)).QueueArn!, dlqUrl, dlqArn };
  }

  async function tasks(sourceArn: string, max = 10) {
    const out = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: max }));
    return out.Results ?? [];
  }

  async function completed(sourceArn: string) {
    for (let i = 0; i < 100; i++) {
      const [latest] = await tasks(sourceArn, 1);
      if (latest?.Status !== 'RUNNING') return latest;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('move task still running');
  }

  it('moves every message of the DLQ to the destination, in order, with group and attributes, as new messages', async () => {
    const q = await fifoWithDlq();
    // One dead-lettered by the redrive policy, two sent to the DLQ directly (as our updater does).
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: q.url,
        MessageBody: 'A1',
        MessageGroupId: 'A',
        MessageDeduplicationId: 'a1',
      }),
    );
    expect(bodies(await receive(q.url))).toEqual(['A1']);
    advance(5);
    expect(await receive(q.url)).toHaveLength(0);
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: q.dlqUrl,
        MessageBody: 'A2',
        MessageGroupId: 'A',
        MessageDeduplicationId: 'a2',
        MessageAttributes: { deadLetterReason: { DataType: 'String', StringValue: 'HTTP 400' } },
      }),
    );
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: q.dlqUrl,
        MessageBody: 'B1',
        MessageGroupId: 'B',
        MessageDeduplicationId: 'b1',
      }),
    );

    const { TaskHandle } = await sqs.send(
      new StartMessageMoveTaskCommand({ SourceArn: q.dlqArn, DestinationArn: q.arn }),
    );
    expect(TaskHandle).toEqual(expect.any(String));
    const task = await completed(q.dlqArn);
    expect(task).toMatchObject({
      Status: 'COMPLETED',
      SourceArn: q.dlqArn,
      DestinationArn: q.arn,
      ApproximateNumberOfMessagesMoved: 3,
      ApproximateNumberOfMessagesToMove: 3,
      StartedTimestamp: clock.ms,
    });
    expect((await attributes(q.dlqUrl)).ApproximateNumberOfMessages).toBe('0');

    // Back on the main queue in DLQ order per group, even though a1 is still in its dedup window.
    const moved = await receive(q.url);
    expect(bodies(moved)).toEqual(['A1', 'A2', 'B1']);
    expect(moved.map((m) => m.Attributes?.MessageGroupId)).toEqual(['A', 'A', 'B']);
    expect(moved[1]?.MessageAttributes?.deadLetterReason?.StringValue).toBe('HTTP 400');
    expect(moved.every((m) => m.Attributes?.ApproximateReceiveCount === '1')).toBe(true);
  });

  it('without a destination, returns each message to the queue it was dead-lettered from', async () => {
    const q = await fifoWithDlq();
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: q.url,
        MessageBody: 'C1',
        MessageGroupId: 'C',
        MessageDeduplicationId: 'c1',
      }),
    );
    await receive(q.url);
    advance(5);
    await receive(q.url);
    await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: q.dlqArn }));
    expect(await completed(q.dlqArn)).toMatchObject({
      Status: 'COMPLETED',
      ApproximateNumberOfMessagesMoved: 1,
    });
    expect((await completed(q.dlqArn))?.DestinationArn).toBeUndefined();
    expect(bodies(await receive(q.url))).toEqual(['C1']);
  });

  it('lists the latest tasks first, and refuses what SQS refuses', async () => {
    const q = await fifoWithDlq();
    await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: q.dlqArn, DestinationArn: q.arn }));
    await completed(q.dlqArn);
    advance(1);
    await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: q.dlqArn, DestinationArn: q.arn }));
    await completed(q.dlqArn);
    const listed = await tasks(q.dlqArn);
    expect(listed.map((t) => t.StartedTimestamp)).toEqual([clock.ms, clock.ms - 1000]);
    expect(await tasks(q.dlqArn, 1)).toHaveLength(1);

    const fail = (input: { SourceArn: string; DestinationArn?: string }) =>
      sqs.send(new StartMessageMoveTaskCommand(input)).then(
        () => undefined,
        (e: Error) => e.name,
      );
    expect(await fail({ SourceArn: `${q.dlqArn}-missing` })).toBe('ResourceNotFoundException');
    expect(await fail({ SourceArn: q.arn, DestinationArn: q.dlqArn })).toBe('InvalidParameterValue');
    const standard = await createQueue(uniqueName('standard'));
    const standardArn = (await attributes(standard)).QueueArn!;
    expect(await fail({ SourceArn: q.dlqArn, DestinationArn: standardArn })).toBe('InvalidParameterValue');
    expect(await fail({ SourceArn: q.dlqArn, DestinationArn: `${q.arn}-missing` })).toBe(
      'ResourceNotFoundException',
    );
  });
});
