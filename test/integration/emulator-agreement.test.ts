/**
 * Behaviour where dynalite / our SQS emulator and moto disagree (found by `npm run test:moto`),
 * pinned to what AWS documents. Runs on the embedded emulators in `npm test`; under test:moto a
 * disagreement is skipped with its reason (README, "Tests" → "Where the emulators disagree").
 */
import { PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SQSClient,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestDynamo, startTestDynamo } from '../support/dynalite.js';
import { type TestSqs, startTestSqs } from '../support/sqs.js';
import { motoDisagreement, testAws } from '../support/test-aws.js';

let dynamo: TestDynamo;
let sqs: TestSqs;
let sqsClient: SQSClient;

beforeAll(async () => {
  [dynamo, sqs] = await Promise.all([startTestDynamo(), startTestSqs()]);
  const aws = testAws();
  sqsClient = new SQSClient({
    endpoint: sqs.endpoint,
    region: aws?.region ?? 'eu-north-1',
    credentials: aws?.credentials ?? { accessKeyId: 'test', secretAccessKey: 'test' },
  });
});

afterAll(async () => {
  sqsClient?.destroy();
  await Promise.all([dynamo?.close(), sqs?.close()]);
});

const FIELDS = Array.from({ length: 16 }, (_, n) => `field${n}`);
const racingWrites = motoDisagreement('conditional writes are not atomic under concurrent load');

describe('DynamoDB conditional writes (optimistic locking on version)', () => {
  // AWS: a conditional write checks and writes atomically, so of N writers expecting the same
  // version exactly one succeeds ("Optimistic locking with version number", DynamoDB guide).
  it.skipIf(racingWrites.skip)(
    `of eight concurrent writers expecting the same version exactly one wins, under load${racingWrites.note}`,
    async () => {
      const table = dynamo.tables.payments;
      const key = { pk: { S: 'TX#race' }, sk: { S: 'TX' } };
      const winners: number[] = [];
      for (let round = 0; round < 10; round++) {
        await dynamo.client.send(
          new PutItemCommand({ TableName: table, Item: { ...key, version: { N: '1' }, history: { L: [] } } }),
        );
        const noise = Array.from({ length: 20 }, (_, j) =>
          dynamo.client.send(
            new PutItemCommand({
              TableName: table,
              Item: {
                pk: { S: `N#${j}` },
                sk: { S: 'TX' },
                gsi1pk: { S: `g${j}` },
                blob: { S: 'y'.repeat(4000) },
              },
            }),
          ),
        );
        const writes = await Promise.allSettled(
          [0, 1, 2, 3, 4, 5, 6, 7].map((i) =>
            dynamo.client.send(
              new UpdateItemCommand({
                TableName: table,
                Key: key,
                // A transition-sized update (like our transaction store's): many SETs and a list_append.
                UpdateExpression: `SET #version = #version + :one, #history = list_append(#history, :entry), ${FIELDS.map((f) => `#${f} = :${f}`).join(', ')}`,
                ConditionExpression: '#version = :expected',
                ExpressionAttributeNames: {
                  '#version': 'version',
                  '#history': 'history',
                  ...Object.fromEntries(FIELDS.map((f) => [`#${f}`, f])),
                },
                ExpressionAttributeValues: {
                  ':one': { N: '1' },
                  ':expected': { N: '1' },
                  ':entry': { L: [{ M: { writer: { N: String(i) }, at: { S: new Date().toISOString() } } }] },
                  ...Object.fromEntries(
                    FIELDS.map((f) => [`:${f}`, { M: { writer: { N: String(i) }, note: { S: f } } }]),
                  ),
                },
              }),
            ),
          ),
        );
        await Promise.all(noise);
        winners.push(writes.filter((w) => w.status === 'fulfilled').length);
        const unexpected = writes.find(
          (w) => w.status === 'rejected' && (w.reason as Error).name !== 'ConditionalCheckFailedException',
        );
        if (unexpected) throw (unexpected as PromiseRejectedResult).reason;
      }
      expect(winners.filter((n) => n !== 1)).toEqual([]);
    },
  );
});

const dlqOrder = motoDisagreement('a FIFO dead-letter queue receives a group’s messages out of order');

describe('SQS FIFO redrive to a dead-letter queue', () => {
  // AWS: within a message group a FIFO queue delivers strictly in order (FIFO delivery logic),
  // so redrive moves the first message before the second; the DLQ, itself FIFO, keeps that order.
  it.skipIf(dlqOrder.skip)(`a group’s messages reach the DLQ in the order sent${dlqOrder.note}`, async () => {
    const dlq = await sqs.createQueue(`agree-dlq-${Date.now()}.fifo`, { FifoQueue: 'true' });
    const main = await sqs.createQueue(`agree-${Date.now()}.fifo`, {
      FifoQueue: 'true',
      VisibilityTimeout: '1',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.queueArn, maxReceiveCount: 1 }),
    });
    for (const body of ['first', 'second', 'third']) {
      await sqsClient.send(
        new SendMessageCommand({
          QueueUrl: main.queueUrl,
          MessageBody: body,
          MessageGroupId: 'one-payment',
          MessageDeduplicationId: body,
        }),
      );
    }
    // Received once in one batch and not deleted: the next receive after the visibility timeout redrives them.
    const once = await sqsClient.send(
      new ReceiveMessageCommand({ QueueUrl: main.queueUrl, MaxNumberOfMessages: 10 }),
    );
    expect(once.Messages?.map((m) => m.Body)).toEqual(['first', 'second', 'third']);
    await new Promise((r) => setTimeout(r, 1_500));
    const again = await sqsClient.send(
      new ReceiveMessageCommand({ QueueUrl: main.queueUrl, MaxNumberOfMessages: 10 }),
    );
    expect(again.Messages ?? []).toEqual([]);

    // ReceiveMessage may return fewer than asked: collect (and delete) until all three are seen.
    const dead: string[] = [];
    for (let attempt = 0; attempt < 6 && dead.length < 3; attempt++) {
      const out = await sqsClient.send(
        new ReceiveMessageCommand({ QueueUrl: dlq.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      for (const m of out.Messages ?? []) {
        dead.push(m.Body!);
        await sqsClient.send(
          new DeleteMessageCommand({ QueueUrl: dlq.queueUrl, ReceiptHandle: m.ReceiptHandle }),
        );
      }
    }
    expect(dead).toEqual(['first', 'second', 'third']);
  });
});
