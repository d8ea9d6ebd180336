/**
 * The status updater end to end on the real pieces: messages on the SQS emulator (FIFO, redrive
 * to a FIFO DLQ) delivered by the local event-source-mapping poller to the real handler, which
 * reads and writes payments in dynalite through DynamoTransactionStore and calls the Vipps
 * simulator through the real Vipps client (its own retries included).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
  ListMessageMoveTasksCommand,
  SendMessageCommand,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoTransactionStore } from '../../lambdas/adapters/dynamo/transaction-store.js';
import { SqsDeadLetterQueue } from '../../lambdas/adapters/sqs/sqs-dead-letter-queue.js';
import { SqsStatusQueue } from '../../lambdas/adapters/sqs/sqs-status-queue.js';
import { serializeStatusUpdate } from '../../lambdas/adapters/sqs/status-update-message.js';
import { createSqsClient } from '../../lambdas/adapters/aws-clients.js';
import type { VippsClient } from '../../lambdas/adapters/vipps/vipps-client.js';
import { simulatorVippsClient } from '../support/vipps-client.js';
import type { Log, TransactionStore } from '../../lambdas/core/ports.js';
import { statusUpdatesToSend } from '../../lambdas/core/status-sync.js';
import {
  type Transaction,
  type Transition,
  cancel,
  capture,
  refund,
  reserve,
} from '../../lambdas/core/transaction.js';
import { paymentView } from '../../lambdas/core/use-cases/payment-view.js';
import {
  type StatusUpdaterDeps,
  createStatusUpdaterHandler,
  fifoFailures,
} from '../../lambdas/handlers/status-updater.js';
import { type SqsBatchHandler, type SqsPoller, startSqsPoller } from '../../local/sqs-poller.js';
import { type VippsSimulator, startVippsSimulator } from '../../local/vipps-simulator/index.js';
import { type TestDynamo, startTestDynamo } from '../support/dynalite.js';
import { type TestSqs, startTestSqs } from '../support/sqs.js';
import { motoDisagreement } from '../support/test-aws.js';

const MSN = '123456';
const OTHER_MSN = '654321';
const MAX_RECEIVE_COUNT = 3;
// moto disagrees with AWS here (README, Tests; test/integration/emulator-agreement.test.ts).
const motoDlqOrder = motoDisagreement('a FIFO dead-letter queue receives a group’s messages out of order');
// moto 5.2.1 answers StartMessageMoveTask with an HTML error page: it does not implement the redrive
// API that AWS documents (and our emulator implements), so the runbook runs on our emulator only.
const motoNoRedrive = motoDisagreement('StartMessageMoveTask is not implemented');

let dynamo: TestDynamo;
let sqsEmulator: TestSqs;
let sqs: SQSClient;
let simulator: VippsSimulator;
let vipps: VippsClient;
let store: DynamoTransactionStore;

const silent: Log = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

beforeAll(async () => {
  [dynamo, sqsEmulator, simulator] = await Promise.all([
    startTestDynamo(),
    startTestSqs(),
    startVippsSimulator({ merchants: [MSN, OTHER_MSN] }),
  ]);
  store = new DynamoTransactionStore({ client: dynamo.documentClient, tableName: dynamo.tables.payments });
  sqs = createSqsClient({ endpoint: sqsEmulator.endpoint, counter: false });
  vipps = simulatorVippsClient(simulator, 'status-updater-test');
});

afterAll(async () => {
  sqs?.destroy();
  await Promise.all([dynamo?.close(), sqsEmulator?.close(), simulator?.close()]);
});

beforeEach(() => {
  simulator.faults.clear();
  simulator.clearRecords();
});

// ── fixtures ────────────────────────────────────────────────────────────────────────────────

/** A status queue with redrive to its own DLQ, the poller not yet started. */
async function queues() {
  const suffix = randomUUID().slice(0, 8);
  const dlq = await sqsEmulator.createQueue(`status-dlq-${suffix}.fifo`, { FifoQueue: 'true' });
  const main = await sqsEmulator.createQueue(`status-${suffix}.fifo`, {
    FifoQueue: 'true',
    VisibilityTimeout: '1',
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.queueArn, maxReceiveCount: MAX_RECEIVE_COUNT }),
  });
  return {
    ...main,
    dlqUrl: dlq.queueUrl,
    dlqArn: dlq.queueArn,
    statusQueue: new SqsStatusQueue({ client: sqs, queueUrl: main.queueUrl }),
    deadLetterQueue: new SqsDeadLetterQueue({ client: sqs, queueUrl: dlq.queueUrl }),
  };
}

type Queues = Awaited<ReturnType<typeof queues>>;

function metricsRecorder() {
  const metrics: Array<{ name: string; unit: string; value: number }> = [];
  return {
    metrics,
    sink: {
      addMetric: (name: string, unit: string, value: number) => metrics.push({ name, unit, value }),
    } as unknown as StatusUpdaterDeps['metrics'],
  };
}

function updaterDeps(q: Queues, overrides: Partial<StatusUpdaterDeps> = {}): StatusUpdaterDeps {
  return {
    transactions: store,
    vipps,
    deadLetterQueue: q.deadLetterQueue,
    clock: { now: () => new Date() },
    log: silent,
    formatMessage: serializeStatusUpdate,
    ...overrides,
  };
}

const pollers: SqsPoller[] = [];
function poll(q: Queues, handler: SqsBatchHandler, options: { timeoutSeconds?: number } = {}) {
  const invokeErrors: unknown[] = [];
  const poller = startSqsPoller({
    sqs,
    queueUrl: q.queueUrl,
    queueArn: q.queueArn,
    batchSize: 10,
    waitTimeSeconds: 0,
    handler,
    timeoutSeconds: options.timeoutSeconds ?? 10,
    onInvokeError: (error) => invokeErrors.push(error),
  });
  pollers.push(poller);
  return { poller, invokeErrors };
}
afterAll(() => Promise.all(pollers.map((p) => p.stop())));

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

function applied(tx: Transaction, transition: Transition): Transaction {
  return { ...tx, ...transition.changes, history: [...tx.history, ...transition.history] } as Transaction;
}

type Step = { capture: number } | { refund: number } | 'cancel';

/**
 * A payment Vipps knows (initiated at the simulator) in our store, reserved and then taken
 * through `steps`; none of its status updates acknowledged yet.
 */
async function payment(
  steps: Step[] = [],
  options: { amount?: number; msn?: string; id?: string; knownToVipps?: boolean } = {},
): Promise<Transaction> {
  const id = options.id ?? randomBytes(16).toString('hex');
  const amount = options.amount ?? 10_000;
  const msn = options.msn ?? MSN;
  if (options.knownToVipps !== false) {
    await vipps.initiatePayment(
      {
        pspTransactionId: id,
        merchantSerialNumber: msn,
        merchantOrderId: `order-${id.slice(0, 12)}`,
        amount,
        currency: 'NOK',
        paymentText: 'Wool socks',
        pspRedirectUrl: 'https://shop.example/return',
        makePaymentUrl: 'https://psp.example/vipps/make-payment',
        makePaymentToken: 'token',
        isApp: false,
      },
      id,
    );
  }
  let tx: Transaction = {
    pspTransactionId: id,
    merchantId: 'merchant-1',
    merchantName: 'Sokkebutikken AS',
    allowCreditCards: true,
    merchantSerialNumber: msn,
    merchantOrderId: `order-${id.slice(0, 12)}`,
    amount,
    currency: 'NOK',
    paymentText: 'Wool socks',
    redirectUrl: 'https://shop.example/return',
    isApp: false,
    status: 'INITIATED',
    version: 1,
    createdAt: minutesAgo(10),
    updatedAt: minutesAgo(10),
    expiresAt: minutesAgo(-5),
    makePaymentTokenHash: 'a'.repeat(64),
    reservedAmount: 0,
    capturedAmount: 0,
    refundedAmount: 0,
    history: [{ operation: 'INITIATE', amount, at: minutesAgo(10) }],
    pendingOperations: [],
    statusSeq: 0,
    vippsSync: { acknowledgedSeq: 0 },
  };
  tx = applied(tx, reserve(tx, { at: minutesAgo(9), acquirerReference: 'ref' }));
  for (const [i, step] of steps.entries()) {
    const ctx = { at: minutesAgo(8 - i * 0.1) };
    if (step === 'cancel') tx = applied(tx, cancel(tx, ctx));
    else if ('capture' in step) tx = applied(tx, capture(tx, step.capture, ctx));
    else tx = applied(tx, refund(tx, step.refund, ctx));
  }
  await store.create(tx);
  return tx;
}

/** Enqueue the payment's status updates `from`..`to` (all by default), as the use cases do. */
async function enqueue(q: Queues, tx: Transaction, from = 1, to = tx.statusSeq) {
  const updates = statusUpdatesToSend({ ...tx, vippsSync: { acknowledgedSeq: 0 } }, to);
  for (const update of updates.filter((u) => u.seq >= from)) await q.statusQueue.enqueue(update);
}

async function dlqMessages(q: Queues) {
  const out = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: q.dlqUrl,
      MaxNumberOfMessages: 10,
      VisibilityTimeout: 0,
      MessageAttributeNames: ['All'],
    }),
  );
  return (out.Messages ?? []).map((m) => ({
    body: m.Body!,
    reason: m.MessageAttributes?.deadLetterReason?.StringValue,
  }));
}

async function queueDepth(url: string): Promise<number> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(out.Attributes?.ApproximateNumberOfMessages) +
    Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible)
  );
}

/** What the simulator received for one payment, in arrival order. */
const receivedBy = (id: string) =>
  simulator.statusUpdates.filter((u) => u.transaction.pspTransactionId === id).map((u) => u.transaction);

const ORDER_PROBLEMS =
  /before any RESERVED|RESERVED reported twice|more captured|more refunded|after CANCELLED/;
const orderProblems = () =>
  simulator.statusUpdates.flatMap((u) => u.problems.filter((p) => ORDER_PROBLEMS.test(p)));

const processedCalls = () =>
  simulator.requests.filter((r) => r.endpoint === 'updatestatus' && r.status === 200 && !r.replayed).length;

// ── tests ───────────────────────────────────────────────────────────────────────────────────

describe('status updater', () => {
  it('sends a batch of 10 messages from several payments in ONE updatestatus call, in order', async () => {
    const q = await queues();
    const p1 = await payment([{ capture: 2_000 }, { capture: 3_000 }, { refund: 1_000 }]);
    const p2 = await payment(['cancel'], { amount: 4_200 });
    const p3 = await payment([{ capture: 5_100 }], { amount: 5_100 });
    const p4 = await payment();
    const p5 = await payment();
    for (const tx of [p1, p2, p3, p4, p5]) await enqueue(q, tx);
    expect(await queueDepth(q.queueUrl)).toBe(10);

    const recorder = metricsRecorder();
    const { poller, invokeErrors } = poll(
      q,
      createStatusUpdaterHandler(updaterDeps(q, { metrics: recorder.sink })),
    );
    await poller.idle();

    expect(invokeErrors).toEqual([]);
    expect(processedCalls()).toBe(1);
    expect(simulator.statusUpdates).toHaveLength(10);
    expect(receivedBy(p1.pspTransactionId).map((t) => [t.status, t.amount])).toEqual([
      ['RESERVED', 10_000],
      ['CAPTURED', 2_000],
      ['CAPTURED', 3_000],
      ['REFUNDED', 1_000],
    ]);
    expect(receivedBy(p2.pspTransactionId).map((t) => t.status)).toEqual(['RESERVED', 'CANCELLED']);
    expect(receivedBy(p1.pspTransactionId)[0]).toMatchObject({
      currency: 'NOK',
      paymentText: 'Wool socks',
      operationStatus: 'SUCCESS',
    });
    expect(orderProblems()).toEqual([]);

    // Vipps' details reflect it, and our own view (GET /v1/payments/{id}) shows it acknowledged.
    const details = await vipps.getDetails(MSN, p1.pspTransactionId);
    expect(details.transactionSummary).toMatchObject({ capturedAmount: 5_000, refundedAmount: 1_000 });
    expect(details.transactionLogHistory?.map((e) => e.operation)).toEqual([
      'RESERVED',
      'CAPTURED',
      'CAPTURED',
      'REFUNDED',
    ]);
    for (const tx of [p1, p2, p3, p4, p5]) {
      const view = paymentView((await store.get(tx.pspTransactionId))!);
      expect(view.vippsSync).toMatchObject({ acknowledgedSeq: tx.statusSeq, inSync: true });
      expect(view.vippsSync.lastSyncAt).toBeDefined();
      expect(view.history.filter((h) => h.vippsStatusSeq).every((h) => h.acknowledgedByVipps)).toBe(true);
    }
    expect(recorder.metrics).toContainEqual({ name: 'StatusUpdatesAcknowledged', unit: 'Count', value: 10 });
    const lags = recorder.metrics.filter((m) => m.name === 'StatusUpdateLagSeconds');
    expect(lags).toHaveLength(10);
    expect(lags.every((m) => m.unit === 'Seconds' && m.value >= 7 * 60 && m.value < 11 * 60)).toBe(true);
  });

  it('makes one call per Merchant-Serial-Number when a batch mixes sales units', async () => {
    const q = await queues();
    const a = await payment([{ capture: 1_000 }]);
    const b = await payment([], { msn: OTHER_MSN });
    await enqueue(q, a);
    await enqueue(q, b);
    const { poller } = poll(q, createStatusUpdaterHandler(updaterDeps(q)));
    await poller.idle();

    const calls = simulator.requests.filter((r) => r.endpoint === 'updatestatus');
    expect(
      calls.map((r) => [
        r.headers['merchant-serial-number'],
        (r.body as { transactions: unknown[] }).transactions.length,
      ]),
    ).toEqual([
      [MSN, 2],
      [OTHER_MSN, 1],
    ]);
    expect((await store.get(b.pspTransactionId))!.vippsSync.acknowledgedSeq).toBe(1);
  });

  it('a 5xx for one sales unit fails exactly that call’s messages; the other unit’s are deleted', async () => {
    const q = await queues();
    const a = await payment([{ capture: 1_000 }]);
    const b = await payment([], { msn: OTHER_MSN });
    await enqueue(q, a);
    await enqueue(q, b);
    // The first call (MSN 123456) fails on both of the client's tries; the second one succeeds.
    simulator.faults.failNext('updatestatus', { status: 503, times: 2 });
    const handler = createStatusUpdaterHandler(updaterDeps(q));
    const responses: Array<{ records: Array<{ id: string; group?: string }>; failed: string[] }> = [];
    const { poller } = poll(q, async (event) => {
      const response = await handler(event);
      responses.push({
        records: event.Records.map((r) => ({ id: r.messageId, group: r.attributes.MessageGroupId })),
        failed: response.batchItemFailures.map((f) => f.itemIdentifier),
      });
      return response;
    });
    await poller.idle();

    const [first] = responses;
    expect(first!.records).toHaveLength(3);
    const ofA = first!.records.filter((r) => r.group === a.pspTransactionId).map((r) => r.id);
    expect(first!.failed).toEqual(ofA);
    expect(ofA).toHaveLength(2);
    // Redelivered after the visibility timeout, then acknowledged; B was sent exactly once.
    expect((await store.get(a.pspTransactionId))!.vippsSync.acknowledgedSeq).toBe(2);
    expect(receivedBy(b.pspTransactionId)).toHaveLength(1);
    expect(receivedBy(a.pspTransactionId).map((t) => t.status)).toEqual(['RESERVED', 'CAPTURED']);
  });

  it('builds FIFO batch item failures: a failed message blocks the later messages of its group only', () => {
    const record = (id: string, group: string) => ({ messageId: id, attributes: { MessageGroupId: group } });
    const records = [
      record('a1', 'A'),
      record('b1', 'B'),
      record('a2', 'A'),
      record('b2', 'B'),
      record('c1', 'C'),
    ];
    expect(fifoFailures(records as unknown as SQSRecord[], new Set(['b1']))).toEqual([
      { itemIdentifier: 'b1' },
      { itemIdentifier: 'b2' },
    ]);
    expect(fifoFailures(records as unknown as SQSRecord[], new Set(['a2', 'c1']))).toEqual([
      { itemIdentifier: 'a2' },
      { itemIdentifier: 'c1' },
    ]);
  });

  it('does not send a redelivered message again, and fills a gap before a later update', async () => {
    const q = await queues();
    const tx = await payment([{ capture: 2_000 }, { capture: 3_000 }]);
    // Only seq 1 and 3 were enqueued (the message for seq 2 was lost): Vipps must still get 2 before 3.
    await enqueue(q, tx, 1, 1);
    await enqueue(q, tx, 3, 3);
    const { poller } = poll(q, createStatusUpdaterHandler(updaterDeps(q)));
    await poller.idle();
    expect(receivedBy(tx.pspTransactionId).map((t) => [t.status, t.amount])).toEqual([
      ['RESERVED', 10_000],
      ['CAPTURED', 2_000],
      ['CAPTURED', 3_000],
    ]);
    expect((await store.get(tx.pspTransactionId))!.vippsSync.acknowledgedSeq).toBe(3);

    // The same message again (a redelivery, or a re-send after SQS's 5-minute dedup window).
    const calls = processedCalls();
    const [seq2] = statusUpdatesToSend({ ...tx, vippsSync: { acknowledgedSeq: 1 } }, 2);
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: q.queueUrl,
        MessageBody: serializeStatusUpdate(seq2!),
        MessageGroupId: tx.pspTransactionId,
        MessageDeduplicationId: `${tx.pspTransactionId}-2-again`,
      }),
    );
    await poller.idle();
    expect(processedCalls()).toBe(calls);
    expect(receivedBy(tx.pspTransactionId)).toHaveLength(3);
    expect(await queueDepth(q.queueUrl)).toBe(0);
  });

  it('sends every update already committed on the payment in the same call; their own messages then cost no call', async () => {
    const q = await queues();
    const tx = await payment([{ capture: 4_000 }, { refund: 1_000 }]);
    await enqueue(q, tx, 1, 1); // only RESERVED's message is on the queue so far
    const calls = processedCalls();
    const { poller } = poll(q, createStatusUpdaterHandler(updaterDeps(q)));
    await poller.idle();
    expect(processedCalls()).toBe(calls + 1);
    expect(receivedBy(tx.pspTransactionId).map((t) => [t.status, t.amount])).toEqual([
      ['RESERVED', 10_000],
      ['CAPTURED', 4_000],
      ['REFUNDED', 1_000],
    ]);
    await enqueue(q, tx, 2, 3); // the later messages arrive: already acknowledged, nothing sent
    await poller.idle();
    expect(processedCalls()).toBe(calls + 1);
    expect(receivedBy(tx.pspTransactionId)).toHaveLength(3);
    expect(await queueDepth(q.queueUrl)).toBe(0);
  });

  it('retries a Vipps 500: once inside the client, and again on redelivery when it persists', async () => {
    const q = await queues();
    const a = await payment();
    const b = await payment();
    await enqueue(q, a);
    // One 500: the client's own retry gets through; nothing fails.
    simulator.faults.failNext('updatestatus', { status: 500 });
    const { poller, invokeErrors } = poll(q, createStatusUpdaterHandler(updaterDeps(q)));
    await poller.idle();
    expect((await store.get(a.pspTransactionId))!.vippsSync.acknowledgedSeq).toBe(1);

    // Two 503s: the client gives up, the batch item fails, SQS redelivers after the visibility
    // timeout and the second delivery succeeds.
    simulator.faults.failNext('updatestatus', { status: 503, times: 2 });
    await enqueue(q, b);
    await poller.idle();
    expect(invokeErrors).toEqual([]);
    expect((await store.get(b.pspTransactionId))!.vippsSync.acknowledgedSeq).toBe(1);
    expect(receivedBy(b.pspTransactionId)).toHaveLength(1);
    expect(simulator.requests.filter((r) => r.endpoint === 'updatestatus').map((r) => r.status)).toEqual([
      500, 200, 503, 503, 200,
    ]);
    expect(await dlqMessages(q)).toEqual([]);
  });

  it('dead-letters messages after maxReceiveCount when Vipps stays unavailable; nothing is recorded as sent', async ({
    skip,
  }) => {
    skip(motoDlqOrder.skip, motoDlqOrder.reason);
    const q = await queues();
    const tx = await payment([{ capture: 4_000 }]);
    await enqueue(q, tx);
    simulator.faults.failNext('updatestatus', { status: 503, times: 100 });
    const { poller } = poll(q, createStatusUpdaterHandler(updaterDeps(q)));
    await poller.idle();

    const dead = await dlqMessages(q);
    expect(dead.map((m) => JSON.parse(m.body) as { seq: number })).toMatchObject([{ seq: 1 }, { seq: 2 }]);
    expect(simulator.requests.filter((r) => r.endpoint === 'updatestatus')).toHaveLength(
      MAX_RECEIVE_COUNT * 2,
    );
    expect(simulator.statusUpdates).toEqual([]);
    // The item still says Vipps has nothing: the reconciler re-sends it once Vipps is back.
    const stored = (await store.get(tx.pspTransactionId))!;
    expect(stored.vippsSync.acknowledgedSeq).toBe(0);
    expect(statusUpdatesToSend(stored).map((u) => u.seq)).toEqual([1, 2]);
  });

  it('sends a 4xx poison entry to the DLQ with its reason on the item; the rest of the batch and later updates go through', async () => {
    const q = await queues();
    const good = await payment();
    // A 40-character id: Vipps' schema allows 36, so the whole call is refused with 400.
    const poison = await payment([], { id: randomBytes(20).toString('hex'), knownToVipps: false });
    await enqueue(q, good);
    await enqueue(q, poison);
    // And a message no one can read: straight to the DLQ, it must not block its group.
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: q.queueUrl,
        MessageBody: 'not a status update',
        MessageGroupId: good.pspTransactionId,
        MessageDeduplicationId: randomUUID(),
      }),
    );
    const recorder = metricsRecorder();
    const { poller } = poll(q, createStatusUpdaterHandler(updaterDeps(q, { metrics: recorder.sink })));
    await poller.idle();

    // Batch (400) → each payment on its own: the good one is acknowledged, the poison one rejected.
    expect(simulator.requests.filter((r) => r.endpoint === 'updatestatus').map((r) => r.status)).toEqual([
      400, 200, 400,
    ]);
    expect((await store.get(good.pspTransactionId))!.vippsSync.acknowledgedSeq).toBe(1);
    const rejected = (await store.get(poison.pspTransactionId))!;
    expect(rejected.vippsSync).toMatchObject({
      acknowledgedSeq: 0,
      rejected: [{ seq: 1, reason: expect.stringContaining('HTTP 400') }],
    });
    expect(paymentView(rejected).vippsSync.rejected).toHaveLength(1);
    const dead = await dlqMessages(q);
    expect(dead).toHaveLength(2);
    expect(dead).toContainEqual({ body: 'not a status update', reason: expect.stringContaining('not JSON') });
    expect(dead).toContainEqual({
      body: expect.stringContaining(poison.pspTransactionId),
      reason: expect.stringContaining('HTTP 400'),
    });
    expect(recorder.metrics).toContainEqual({ name: 'StatusUpdatesRejected', unit: 'Count', value: 1 });
    expect(await queueDepth(q.queueUrl)).toBe(0);
  });

  it('a rejected RESERVED stays owed: the later CAPTURED waits behind it and never reaches Vipps first', async () => {
    const q = await queues();
    let tx = await payment();
    await enqueue(q, tx);
    simulator.faults.failNext('updatestatus', {
      status: 400,
      errors: [{ errorCode: '42', errorMessage: 'Invalid status for this payment' }],
    });
    const { poller } = poll(q, createStatusUpdaterHandler(updaterDeps(q)));
    await poller.idle();
    expect((await dlqMessages(q)).map((m) => m.reason)).toEqual([
      expect.stringContaining('42 Invalid status'),
    ]);
    // Rejected is not acknowledged: the payment still owes Vipps its RESERVED.
    expect((await store.get(tx.pspTransactionId))!.vippsSync).toMatchObject({
      acknowledgedSeq: 0,
      rejected: [{ seq: 1, reason: expect.stringContaining('42') }],
    });

    // The merchant captures: its update waits behind the rejected one (in the DLQ, after it).
    const captured = capture(tx, 2_500, { at: new Date().toISOString() });
    tx = await store.apply((await store.get(tx.pspTransactionId))!, captured);
    await q.statusQueue.enqueue(captured.statusUpdate!);
    await poller.idle();
    expect(receivedBy(tx.pspTransactionId)).toEqual([]);
    const dead = await dlqMessages(q);
    expect(dead.map((m) => (JSON.parse(m.body) as { seq: number }).seq)).toEqual([1, 2]);
    expect(dead[1]!.reason).toMatch(/waits behind status update 1/i);
    const stored = (await store.get(tx.pspTransactionId))!;
    expect(stored.vippsSync.acknowledgedSeq).toBe(0);
    expect(paymentView(stored).vippsSync.inSync).toBe(false);
  });

  it('the runbook, as written: 4xx → DLQ → fix the cause → start-message-move-task → Vipps gets RESERVED then CAPTURED, each once', async ({
    skip,
  }) => {
    skip(motoNoRedrive.skip, motoNoRedrive.reason);
    const q = await queues();
    let tx = await payment();
    await enqueue(q, tx);
    // The cause: Vipps refuses this payment's updates (say, a sales unit not yet enabled).
    simulator.faults.failNext('updatestatus', {
      status: 400,
      errors: [{ errorCode: '21', errorMessage: 'Merchant not available or active' }],
    });
    const { poller } = poll(q, createStatusUpdaterHandler(updaterDeps(q)));
    await poller.idle();
    const captured = capture(tx, 4_000, { at: new Date().toISOString() });
    tx = await store.apply((await store.get(tx.pspTransactionId))!, captured);
    await q.statusQueue.enqueue(captured.statusUpdate!);
    await poller.idle();
    expect(await queueDepth(q.dlqUrl)).toBe(2);
    expect(receivedBy(tx.pspTransactionId)).toEqual([]);

    // Fix the cause (Vipps accepts again), then the runbook's redrive, through the real SDK.
    simulator.faults.clear();
    await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: q.dlqArn, DestinationArn: q.queueArn }));
    for (let i = 0; ; i++) {
      const { Results = [] } = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: q.dlqArn }));
      if (Results[0]?.Status === 'COMPLETED') {
        expect(Results[0].ApproximateNumberOfMessagesMoved).toBe(2);
        break;
      }
      expect(i).toBeLessThan(100);
      await new Promise((r) => setTimeout(r, 10));
    }
    await poller.idle();

    expect(receivedBy(tx.pspTransactionId).map((t) => [t.status, t.amount])).toEqual([
      ['RESERVED', 10_000],
      ['CAPTURED', 4_000],
    ]);
    expect(orderProblems()).toEqual([]);
    const stored = (await store.get(tx.pspTransactionId))!;
    expect(paymentView(stored).vippsSync).toMatchObject({ acknowledgedSeq: 2, inSync: true });
    expect(await queueDepth(q.dlqUrl)).toBe(0);
    expect(await queueDepth(q.queueUrl)).toBe(0);
  });

  it('a redrive before the cause is fixed puts the rejected update and the one behind it back in the DLQ', async ({
    skip,
  }) => {
    skip(motoNoRedrive.skip, motoNoRedrive.reason);
    const q = await queues();
    let tx = await payment();
    await enqueue(q, tx);
    simulator.faults.failNext('updatestatus', { status: 400, times: 100 });
    const { poller } = poll(q, createStatusUpdaterHandler(updaterDeps(q)));
    await poller.idle();
    const captured = capture(tx, 1_000, { at: new Date().toISOString() });
    tx = await store.apply((await store.get(tx.pspTransactionId))!, captured);
    await q.statusQueue.enqueue(captured.statusUpdate!);
    await poller.idle();

    // Redriven at once (well inside SQS's 5-minute deduplication window); Vipps still refuses.
    await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: q.dlqArn, DestinationArn: q.queueArn }));
    await new Promise((r) => setTimeout(r, 50));
    await poller.idle();
    expect(receivedBy(tx.pspTransactionId)).toEqual([]);
    const dead = await dlqMessages(q);
    expect(dead.map((m) => (JSON.parse(m.body) as { seq: number }).seq)).toEqual([1, 2]);
    expect((await store.get(tx.pspTransactionId))!.vippsSync).toMatchObject({
      acknowledgedSeq: 0,
      rejectedSeq: 1,
    });
  });

  it('an updater that dies after Vipps acknowledged but before recording it: redelivery, no duplicate at Vipps', async () => {
    const q = await queues();
    const tx = await payment([{ capture: 6_000 }]);
    await enqueue(q, tx);

    // The first invocation hangs in recordVippsAck until the Lambda times out (nothing deleted).
    let crashes = 1;
    const crashingStore: TransactionStore = Object.create(store) as TransactionStore;
    crashingStore.recordVippsAck = (...args) =>
      crashes-- > 0 ? new Promise<boolean>(() => {}) : store.recordVippsAck(...args);
    const { poller, invokeErrors } = poll(
      q,
      createStatusUpdaterHandler(updaterDeps(q, { transactions: crashingStore })),
      { timeoutSeconds: 1 },
    );
    await poller.idle();

    expect(invokeErrors).toEqual([
      expect.objectContaining({ message: expect.stringContaining('timed out') }),
    ]);
    // The redelivered batch is the same entries, so the same Idempotency-Key and body: Vipps (the
    // simulator) answers the first call's result again instead of applying it twice.
    expect(simulator.requests.filter((r) => r.endpoint === 'updatestatus')).toHaveLength(2);
    expect(simulator.requests.filter((r) => r.endpoint === 'updatestatus' && r.replayed)).toHaveLength(1);
    expect(receivedBy(tx.pspTransactionId).map((t) => t.status)).toEqual(['RESERVED', 'CAPTURED']);
    expect((await store.get(tx.pspTransactionId))!.vippsSync.acknowledgedSeq).toBe(2);
  });

  it('the crash window: a redelivered batch is the first attempt again even when more updates joined, so no entry is duplicated', async () => {
    const q = await queues();
    let tx = await payment();
    await enqueue(q, tx);
    let crashes = 1;
    const crashingStore: TransactionStore = Object.create(store) as TransactionStore;
    crashingStore.recordVippsAck = (...args) =>
      crashes-- > 0 ? Promise.reject(new Error('DynamoDB unavailable')) : store.recordVippsAck(...args);
    // One invocation: Vipps takes RESERVED, recording it fails, the message is reported failed.
    const handler = createStatusUpdaterHandler(updaterDeps(q, { transactions: crashingStore }));
    const { poller } = poll(q, async (event) => {
      const response = await handler(event);
      if (crashes === 0 && response.batchItemFailures.length) {
        // Before the redelivery a capture joins the same group, so the next batch is [1, 2].
        const captured = capture(tx, 1_000, { at: new Date().toISOString() });
        tx = await store.apply((await store.get(tx.pspTransactionId))!, captured);
        await q.statusQueue.enqueue(captured.statusUpdate!);
        crashes = -1;
      }
      return response;
    });
    await poller.idle();

    // The stored composition [RESERVED] is replayed (same entries, same Idempotency-Key), then
    // CAPTURED goes in a call of its own: Vipps applied each entry once.
    expect(receivedBy(tx.pspTransactionId).map((t) => t.status)).toEqual(['RESERVED', 'CAPTURED']);
    const calls = simulator.requests.filter((r) => r.endpoint === 'updatestatus');
    expect(calls.map((r) => [r.status, Boolean(r.replayed)])).toEqual([
      [200, false],
      [200, true],
      [200, false],
    ]);
    expect(calls[1]!.headers['idempotency-key']).toBe(calls[0]!.headers['idempotency-key']);
    expect((await store.get(tx.pspTransactionId))!.vippsSync.acknowledgedSeq).toBe(2);
  });
});
