/**
 * The local DynamoDB Streams stand-in (local/dynamodb-streams): the tap in front of dynalite (or
 * moto under `npm run test:moto`) through the real AWS SDK, and the Lambda-like mapping that
 * feeds the event dispatcher — record shape, per-item order, retries after batchItemFailures or
 * a dying function, and the retry cap.
 */
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoDbDocumentClient } from '../../lambdas/adapters/aws-clients.js';
import { DynamoTransactionStore } from '../../lambdas/adapters/dynamo/transaction-store.js';
import { DynamoWebhookStore } from '../../lambdas/adapters/dynamo/webhook-store.js';
import { commit } from '../../lambdas/core/use-cases/commit.js';
import { reserve, capture } from '../../lambdas/core/transaction.js';
import type { DeliveryTask } from '../../lambdas/core/webhooks/ports.js';
import { createEventDispatcherHandler } from '../../lambdas/handlers/event-dispatcher.js';
import { startStreamMapping } from '../../local/dynamodb-streams/mapping.js';
import { type PaymentsStream, startPaymentsStream } from '../../local/dynamodb-streams/payments-stream.js';
import { type TestDynamo, startTestDynamo } from '../support/dynalite.js';
import { initiatedPayment } from '../support/transactions.js';

let dynamo: TestDynamo;
let stream: PaymentsStream;
let transactions: DynamoTransactionStore;
let webhooks: DynamoWebhookStore;
/** What the stream delivered; each test swaps in the function it needs. */
let handler: (event: DynamoDBStreamEvent) => Promise<unknown>;

beforeAll(async () => {
  dynamo = await startTestDynamo();
  stream = await startPaymentsStream({
    target: dynamo.endpoint,
    tableName: dynamo.tables.payments,
    region: 'eu-north-1',
    client: { region: 'eu-north-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } },
  });
  stream.connect((event) => handler(event));
  // The functions' clients go through the tap, as in the local stack.
  const client = createDynamoDbDocumentClient({
    endpoint: stream.endpoint,
    region: 'eu-north-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    counter: false,
  });
  transactions = new DynamoTransactionStore({ client, tableName: dynamo.tables.payments });
  webhooks = new DynamoWebhookStore({ client, tableName: dynamo.tables.payments });
});

afterAll(async () => {
  await stream?.close();
  await dynamo?.close();
});

let counter = 0;
const newId = () => `${Date.now().toString(16)}${(++counter).toString(16).padStart(8, '0')}`.padEnd(32, '0');

function recorder() {
  const batches: DynamoDBRecord[][] = [];
  handler = (event) => {
    batches.push(event.Records);
    return Promise.resolve({ batchItemFailures: [] });
  };
  return { batches, records: () => batches.flat() };
}

describe('the tap: records as DynamoDB Streams delivers them', () => {
  it('INSERT then MODIFY of a payment item, with the new image; other items of the table are not streamed', async () => {
    const seen = recorder();
    const tx = initiatedPayment({ pspTransactionId: newId() });
    await transactions.create(tx);
    const reservedTx = await commit(
      transactions,
      tx,
      reserve(tx, { at: tx.updatedAt, acquirerReference: 'a' }),
    );
    await webhooks.putEvent(reservedTx.events![0]!);
    await stream.idle();

    const mine = seen.records().filter((r) => r.dynamodb?.Keys?.pk?.S === `TX#${tx.pspTransactionId}`);
    expect(mine.map((r) => r.eventName)).toEqual(['INSERT', 'MODIFY']);
    expect(seen.records().every((r) => r.dynamodb?.Keys?.sk?.S === 'TX')).toBe(true);
    const modify = mine[1]!;
    expect(modify).toMatchObject({
      eventID: expect.stringMatching(/^[0-9a-f]{32}$/),
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'eu-north-1',
      eventSourceARN: expect.stringMatching(
        new RegExp(`^arn:aws:dynamodb:eu-north-1:\\d{12}:table/${dynamo.tables.payments}/stream/\\d{4}-`),
      ),
      dynamodb: {
        ApproximateCreationDateTime: expect.any(Number),
        Keys: { pk: { S: `TX#${tx.pspTransactionId}` }, sk: { S: 'TX' } },
        StreamViewType: 'NEW_IMAGE',
        SequenceNumber: expect.stringMatching(/^\d{21,}$/),
        SizeBytes: expect.any(Number),
      },
    });
    expect(modify.dynamodb!.NewImage).toMatchObject({
      status: { S: 'RESERVED' },
      version: { N: String(reservedTx.version) },
      events: {
        L: [expect.objectContaining({ M: expect.objectContaining({ type: { S: 'payment.reserved' } }) })],
      },
    });
    expect(Math.abs(modify.dynamodb!.ApproximateCreationDateTime! - Date.now() / 1000)).toBeLessThan(60);
    expect(BigInt(modify.dynamodb!.SequenceNumber!)).toBeGreaterThan(
      BigInt(mine[0]!.dynamodb!.SequenceNumber!),
    );
  });

  it('keeps each item in the order of its writes, many items written at once', async () => {
    const seen = recorder();
    const ids = Array.from({ length: 12 }, newId);
    await Promise.all(
      ids.map(async (id) => {
        let tx = initiatedPayment({ pspTransactionId: id, amount: 10_000 });
        await transactions.create(tx);
        tx = await commit(transactions, tx, reserve(tx, { at: tx.updatedAt, acquirerReference: 'a' }));
        for (let n = 0; n < 4; n++)
          tx = await commit(transactions, tx, capture(tx, 1_000, { at: tx.updatedAt }));
      }),
    );
    await stream.idle();
    for (const id of ids) {
      const versions = seen
        .records()
        .filter((r) => r.dynamodb?.Keys?.pk?.S === `TX#${id}`)
        .map((r) => Number(r.dynamodb!.NewImage!.version!.N));
      expect(versions, id).toEqual([...versions].sort((a, b) => a - b));
      expect(versions.at(-1), id).toBe(6);
      expect(versions.length, id).toBe(6);
    }
    // Batched: at most batchSize records per invocation, and more than one record per batch seen.
    expect(Math.max(...seen.batches.map((b) => b.length))).toBeLessThanOrEqual(10);
  });
});

describe('the event dispatcher behind the stream', () => {
  it('a dispatcher that dies mid-batch: the batch comes again and every event is handed over (at least once)', async () => {
    const tasks: DeliveryTask[] = [];
    let died = false;
    const dispatcher = createEventDispatcherHandler({
      webhooks,
      outbox: webhooks,
      transactions,
      deliveries: {
        send: (task) => {
          tasks.push(task);
          // The process dies right after its first queue send, before marking the outbox.
          if (!died) {
            died = true;
            return Promise.reject(new Error('Runtime exited'));
          }
          return Promise.resolve();
        },
      },
      clock: { now: () => new Date() },
      log: { warn: () => undefined, error: () => undefined },
    });
    let invocations = 0;
    handler = async (event) => {
      invocations += 1;
      const answer = await dispatcher(event);
      // A dead runtime answers nothing: the mapping sees a failed invocation, not a partial one.
      if (answer.batchItemFailures.length > 0) throw new Error('Runtime exited');
      return answer;
    };
    const merchantId = `m-${newId()}`;
    await webhooks.putEndpoint({
      endpointId: 'we_1',
      merchantId,
      url: 'https://shop.example/hooks',
      events: ['payment.reserved', 'payment.captured'],
      secrets: [],
      createdAt: new Date().toISOString(),
    });
    const ids = [newId(), newId()];
    for (const id of ids) {
      const tx = initiatedPayment({ pspTransactionId: id, merchantId });
      await transactions.create(tx);
      await commit(transactions, tx, reserve(tx, { at: tx.updatedAt, acquirerReference: 'a' }));
    }
    await stream.idle();
    expect(died).toBe(true);
    expect(invocations).toBeGreaterThan(1);
    for (const id of ids) {
      expect(
        tasks.some((t) => t.eventId.includes(id)),
        id,
      ).toBe(true);
      expect((await transactions.get(id))!.eventsDispatched, id).toBe(1);
    }
  });
});

describe('the mapping: retries as Lambda does for a stream', () => {
  const records = (n: number, key = 'k'): DynamoDBRecord[] =>
    Array.from({ length: n }, (_, i) => ({
      eventName: 'MODIFY',
      dynamodb: { Keys: { pk: { S: key }, sk: { S: 'TX' } }, SequenceNumber: String(1000 + i) },
    }));

  it('after batchItemFailures the next batch starts at the failing record; the ones before are done', async () => {
    const seen: string[][] = [];
    let failedOnce = false;
    const mapping = startStreamMapping({
      batchSize: 3,
      retryAttempts: 2,
      retryDelayMs: () => 1,
      invoke: (event) => {
        const sequence = event.Records.map((r) => r.dynamodb!.SequenceNumber!);
        seen.push(sequence);
        if (!failedOnce && sequence.includes('1001')) {
          failedOnce = true;
          return Promise.resolve({ batchItemFailures: [{ itemIdentifier: '1001' }] });
        }
        return Promise.resolve({ batchItemFailures: [] });
      },
    });
    for (const r of records(5)) mapping.push(r);
    await mapping.idle(5_000);
    await mapping.stop();
    expect(seen).toEqual([['1000', '1001', '1002'], ['1001', '1002', '1003'], ['1004']]);
  });

  it('an itemIdentifier that is no SequenceNumber of the batch fails the whole batch', async () => {
    const seen: string[][] = [];
    const mapping = startStreamMapping({
      batchSize: 2,
      retryAttempts: 1,
      retryDelayMs: () => 1,
      invoke: (event) => {
        seen.push(event.Records.map((r) => r.dynamodb!.SequenceNumber!));
        return Promise.resolve({ batchItemFailures: seen.length === 1 ? [{ itemIdentifier: 'nope' }] : [] });
      },
    });
    for (const r of records(2)) mapping.push(r);
    await mapping.idle(5_000);
    await mapping.stop();
    expect(seen).toEqual([
      ['1000', '1001'],
      ['1000', '1001'],
    ]);
  });

  it('gives a batch up after retryAttempts retries (left to the sweep) and goes on with the next', async () => {
    const seen: string[][] = [];
    const givenUp: string[] = [];
    const mapping = startStreamMapping({
      batchSize: 2,
      retryAttempts: 2,
      retryDelayMs: () => 1,
      invoke: (event) => {
        const sequence = event.Records.map((r) => r.dynamodb!.SequenceNumber!);
        seen.push(sequence);
        return sequence.includes('1000') ? Promise.reject(new Error('boom')) : Promise.resolve(undefined);
      },
      onInvokeError: () => undefined,
      onGiveUp: (given) => givenUp.push(...given.map((r) => r.dynamodb!.SequenceNumber!)),
    });
    for (const r of records(3)) mapping.push(r);
    await mapping.idle(5_000);
    await mapping.stop();
    expect(seen).toEqual([['1000', '1001'], ['1000', '1001'], ['1000', '1001'], ['1002']]);
    expect(givenUp).toEqual(['1000', '1001']);
  });

  it('drops records the filter refuses, as Lambda does before invoking', async () => {
    const seen: DynamoDBRecord[] = [];
    const mapping = startStreamMapping({
      batchSize: 10,
      retryAttempts: 0,
      accept: (r) => r.eventName !== 'REMOVE',
      invoke: (event) => Promise.resolve(void seen.push(...event.Records)),
    });
    mapping.push({ ...records(1)[0]!, eventName: 'REMOVE' });
    mapping.push(records(1)[0]!);
    await mapping.idle(5_000);
    await mapping.stop();
    expect(seen.map((r) => r.eventName)).toEqual(['MODIFY']);
  });
});
