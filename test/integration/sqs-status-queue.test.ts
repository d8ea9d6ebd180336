/**
 * SqsStatusQueue, parseStatusUpdateMessage and SqsDeadLetterQueue through the real SQS SDK client
 * (made by our factory) against the local SQS emulator's FIFO queues (moto's under test:moto).
 */
import { type Message, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsCallCounter, createSqsClient } from '../../lambdas/adapters/aws-clients.js';
import {
  DEAD_LETTER_REASON_ATTRIBUTE,
  SqsDeadLetterQueue,
} from '../../lambdas/adapters/sqs/sqs-dead-letter-queue.js';
import { SqsStatusQueue } from '../../lambdas/adapters/sqs/sqs-status-queue.js';
import {
  StatusUpdateMessageError,
  parseStatusUpdateMessage,
} from '../../lambdas/adapters/sqs/status-update-message.js';
import type { StatusUpdate } from '../../lambdas/core/transaction.js';
import { type TestSqs, startTestSqs } from '../support/sqs.js';

let emulator: TestSqs;
let sqs: SQSClient;
const counter = new AwsCallCounter();
let statusUrl: string;
let dlqUrl: string;

const update = (overrides: Partial<StatusUpdate> = {}): StatusUpdate => ({
  pspTransactionId: 'psp-tx-1',
  merchantSerialNumber: '123456',
  seq: 1,
  status: 'RESERVED',
  amount: 4200,
  currency: 'NOK',
  paymentText: 'Ordre 42',
  operationStatus: 'SUCCESS',
  ...overrides,
});

beforeAll(async () => {
  emulator = await startTestSqs();
  const dlq = await emulator.createQueue('status-dlq.fifo', { FifoQueue: 'true' });
  dlqUrl = dlq.queueUrl;
  statusUrl = (
    await emulator.createQueue('status.fifo', {
      FifoQueue: 'true',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.queueArn, maxReceiveCount: 5 }),
    })
  ).queueUrl;
  sqs = createSqsClient({ endpoint: emulator.endpoint, counter });
});

afterAll(async () => {
  sqs.destroy();
  await emulator.close();
});

async function drain(queueUrl: string): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
        // Long enough that a message is not seen twice while we drain.
        VisibilityTimeout: 60,
      }),
    );
    if (!out.Messages?.length) return all;
    all.push(...out.Messages);
  }
}

describe('SqsStatusQueue', () => {
  it('enqueues one FIFO message per update, grouped by payment, deduplicated by payment + seq', async () => {
    const queue = new SqsStatusQueue({ client: sqs, queueUrl: statusUrl });
    counter.reset();
    await queue.enqueue(update({ pspTransactionId: 'tx-a', seq: 1 }));
    await queue.enqueue(update({ pspTransactionId: 'tx-a', seq: 2, status: 'CAPTURED', amount: 1000 }));
    await queue.enqueue(update({ pspTransactionId: 'tx-a', seq: 2, status: 'CAPTURED', amount: 1000 })); // a retry
    await queue.enqueue(update({ pspTransactionId: 'tx-b', seq: 1 }));
    expect(counter.snapshot()).toEqual({ dynamodb: 0, sqs: 4, kms: 0, secretsManager: 0 });
    expect(counter.byCommand()).toEqual({ 'sqs:SendMessageCommand': 4 });

    const messages = await drain(statusUrl);
    expect(messages.map((m) => [m.Attributes?.MessageGroupId, m.Attributes?.MessageDeduplicationId])).toEqual(
      [
        ['tx-a', 'tx-a-1'],
        ['tx-a', 'tx-a-2'],
        ['tx-b', 'tx-b-1'],
      ],
    );
    expect(messages.map((m) => parseStatusUpdateMessage(m.Body!))).toEqual([
      update({ pspTransactionId: 'tx-a', seq: 1 }),
      update({ pspTransactionId: 'tx-a', seq: 2, status: 'CAPTURED', amount: 1000 }),
      update({ pspTransactionId: 'tx-b', seq: 1 }),
    ]);
  });

  it('refuses to enqueue something that is not a valid status update', async () => {
    const queue = new SqsStatusQueue({ client: sqs, queueUrl: statusUrl });
    await expect(queue.enqueue(update({ amount: 12.5 }))).rejects.toThrow();
    await expect(queue.enqueue(update({ seq: 0 }))).rejects.toThrow();
  });
});

describe('parseStatusUpdateMessage', () => {
  it('round-trips a status update', () => {
    expect(parseStatusUpdateMessage(JSON.stringify(update()))).toEqual(update());
  });

  it.each([
    ['not JSON', '{nope'],
    ['wrong status', JSON.stringify({ ...update(), status: 'FAILED' })],
    ['fractional amount', JSON.stringify({ ...update(), amount: 10.5 })],
    ['missing field', JSON.stringify({ ...update(), merchantSerialNumber: undefined })],
    ['wrong currency', JSON.stringify({ ...update(), currency: 'SEK' })],
    ['an array', '[]'],
  ])('rejects %s with StatusUpdateMessageError', (_label, body) => {
    expect(() => parseStatusUpdateMessage(body)).toThrow(StatusUpdateMessageError);
  });
});

describe('SqsDeadLetterQueue', () => {
  it('puts a poison message on the FIFO DLQ with the reason as a message attribute', async () => {
    const dlq = new SqsDeadLetterQueue({ client: sqs, queueUrl: dlqUrl });
    const body = JSON.stringify(update({ pspTransactionId: 'tx-poison' }));
    await dlq.send(body, 'Vipps 400: invalid pspTransactionId', 'tx-poison');
    await dlq.send(body, 'Vipps 400: invalid pspTransactionId', 'tx-poison'); // a retried invocation
    await dlq.send('not json at all', '', 'unknown-group');

    const messages = await drain(dlqUrl);
    expect(messages).toHaveLength(2);
    expect(messages[0]?.Body).toBe(body);
    expect(messages[0]?.Attributes?.MessageGroupId).toBe('tx-poison');
    expect(messages[0]?.MessageAttributes?.[DEAD_LETTER_REASON_ATTRIBUTE]).toEqual({
      DataType: 'String',
      StringValue: 'Vipps 400: invalid pspTransactionId',
    });
    expect(messages[1]?.MessageAttributes?.[DEAD_LETTER_REASON_ATTRIBUTE]?.StringValue).toBe('unspecified');
  });
});
