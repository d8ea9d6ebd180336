/**
 * The reconciler against the real pieces: dynalite + DynamoTransactionStore, the sandbox acquirer
 * and its ledger (what the customer is really charged), the SQS emulator through SqsStatusQueue,
 * and the Vipps simulator through the real Vipps client. Each test gets its own table, so "the
 * second sweep changes nothing" is measured over everything that is stored.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxAcquirer, SandboxLedger } from '../../lambdas/adapters/acquirer/sandbox-acquirer.js';
import { withStreamRelay } from '../support/stream-relay.js';
import { DynamoTransactionStore } from '../../lambdas/adapters/dynamo/transaction-store.js';
import { SqsStatusQueue } from '../../lambdas/adapters/sqs/sqs-status-queue.js';
import { parseStatusUpdateMessage } from '../../lambdas/adapters/sqs/status-update-message.js';
import { createSqsClient } from '../../lambdas/adapters/aws-clients.js';
import type { VippsClient } from '../../lambdas/adapters/vipps/vipps-client.js';
import { simulatorVippsClient } from '../support/vipps-client.js';
import { vippsErrors } from '../../lambdas/core/error-catalogue.js';
import { AcquirerCannotReverseError } from '../../lambdas/core/errors.js';
import type { AuthorisationRequest, Log, TransactionStore } from '../../lambdas/core/ports.js';
import {
  type Transaction,
  type Transition,
  capture,
  claimOperation,
  fail,
  RESEND_EVERY_MS,
  nextDueAt,
  reserve,
} from '../../lambdas/core/transaction.js';
import { type ReconcileDeps, reconcile } from '../../lambdas/core/use-cases/reconcile.js';
import { syncStatus } from '../../lambdas/core/use-cases/sync-status.js';
import { statusUpdatesToSend } from '../../lambdas/core/status-sync.js';
import { createReconcilerHandler } from '../../lambdas/handlers/reconciler.js';
import { createTables } from '../../local/dynalite.js';
import { type VippsSimulator, startVippsSimulator } from '../../local/vipps-simulator/index.js';
import { type TestDynamo, startTestDynamo } from '../support/dynalite.js';
import { type TestSqs, startTestSqs } from '../support/sqs.js';
import { DynamoWebhookStore } from '../../lambdas/adapters/dynamo/webhook-store.js';

const MSN = '123456';
const BUDGET_MS = 300;

let dynamo: TestDynamo;
let sqsEmulator: TestSqs;
let sqs: SQSClient;
let simulator: VippsSimulator;
let vipps: VippsClient;

beforeAll(async () => {
  [dynamo, sqsEmulator, simulator] = await Promise.all([
    startTestDynamo(),
    startTestSqs(),
    startVippsSimulator({ merchants: [MSN] }),
  ]);
  sqs = createSqsClient({ endpoint: sqsEmulator.endpoint, counter: false });
  vipps = simulatorVippsClient(simulator, 'reconciler-test');
});

afterAll(async () => {
  sqs?.destroy();
  await Promise.all([dynamo?.close(), sqsEmulator?.close(), simulator?.close()]);
});

/** A log that keeps what was logged, so tests can see that every action names its payment. */
function recordingLog() {
  const lines: Array<{ level: string; message: string; extra: Record<string, unknown> }> = [];
  const at =
    (level: string) =>
    (message: string, ...extra: Array<Record<string, unknown> | Error>) =>
      lines.push({ level, message, extra: Object.assign({}, ...extra) as Record<string, unknown> });
  const log: Log = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { log, lines };
}

/** A fresh table, queue, ledger and acquirer per test. */
async function setup() {
  const suffix = randomUUID().slice(0, 8);
  const tables = { payments: `payments-${suffix}`, idempotency: `idempotency-${suffix}` };
  await createTables(dynamo.client, tables);
  const webhooks = new DynamoWebhookStore({ client: dynamo.documentClient, tableName: tables.payments });
  const events = {
    webhooks,
    outbox: webhooks,
    deliveries: { send: () => Promise.resolve() },
    clock: { now: () => new Date() },
  };
  // As in production: the table's stream hands each write's merchant events over (at once here).
  const transactions = withStreamRelay(
    new DynamoTransactionStore({ client: dynamo.documentClient, tableName: tables.payments }),
    events,
  );
  const { queueUrl } = await sqsEmulator.createQueue(`status-${suffix}.fifo`, { FifoQueue: 'true' });
  const statusQueue = new SqsStatusQueue({ client: sqs, queueUrl });
  const ledger = new SandboxLedger();
  const acquirer = new SandboxAcquirer({ ledger });
  const { log, lines } = recordingLog();
  const deps: ReconcileDeps = {
    transactions,
    acquirer,
    statusQueue,
    vipps,
    log,
    acquirerBudgetMs: BUDGET_MS,
    events,
  };

  /** Everything stored, for "nothing changed" comparisons. */
  const snapshot = async () => {
    const { Items = [] } = await dynamo.documentClient.send(new ScanCommand({ TableName: tables.payments }));
    return Items.sort((a, b) => String(a.pk).localeCompare(String(b.pk)));
  };
  /** Messages now on the status queue (received with visibility 0, so they stay there). */
  const queued = async () => {
    const out = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }),
    );
    return (out.Messages ?? []).map((m) => ({
      messageId: m.MessageId!,
      body: m.Body!,
      update: parseStatusUpdateMessage(m.Body!),
    }));
  };
  return { transactions, statusQueue, ledger, acquirer, deps, lines, snapshot, queued };
}

const now = new Date();
const ago = (minutes: number) => new Date(now.getTime() - minutes * 60_000).toISOString();

function initiated(overrides: Partial<Transaction> = {}): Transaction {
  const id = randomBytes(16).toString('hex');
  return {
    pspTransactionId: id,
    merchantId: 'merchant-1',
    merchantName: 'Sokkebutikken AS',
    allowCreditCards: true,
    merchantSerialNumber: MSN,
    merchantOrderId: `order-${id.slice(0, 12)}`,
    amount: 5_000,
    currency: 'NOK',
    paymentText: 'Wool socks',
    redirectUrl: 'https://shop.example/return',
    isApp: false,
    status: 'INITIATED',
    version: 1,
    createdAt: ago(30),
    updatedAt: ago(30),
    expiresAt: ago(15),
    makePaymentTokenHash: 'a'.repeat(64),
    reservedAmount: 0,
    capturedAmount: 0,
    refundedAmount: 0,
    history: [{ operation: 'INITIATE', amount: overrides.amount ?? 5_000, at: ago(30) }],
    pendingOperations: [],
    statusSeq: 0,
    vippsSync: { acknowledgedSeq: 0 },
    ...overrides,
  };
}

/** Apply a transition in memory, exactly as the store would. */
function applied(tx: Transaction, transition: Pick<Transition, 'changes' | 'history'>): Transaction {
  return { ...tx, ...transition.changes, history: [...tx.history, ...transition.history] } as Transaction;
}

/** Store a payment in the given state, with the dueAt the state implies. */
async function stored(store: TransactionStore, tx: Transaction): Promise<Transaction> {
  const dueAt = nextDueAt(tx);
  await store.create({ ...tx, ...(dueAt ? { dueAt } : {}) });
  return (await store.get(tx.pspTransactionId))!;
}

function authorisation(tx: Transaction): AuthorisationRequest {
  return {
    pspTransactionId: tx.pspTransactionId,
    idempotencyKey: tx.pspTransactionId,
    merchantSerialNumber: tx.merchantSerialNumber,
    amount: tx.amount,
    currency: tx.currency,
    card: {
      kind: 'NETWORK_TOKEN',
      number: '4895370013193500',
      expiryMonth: '03',
      expiryYear: '30',
      cryptogram: 'AlhlvxmN2ZKuAAESNFZ4GoABFA==',
      eci: '07',
      tokenType: 'VISA',
    },
  };
}

/** A RESERVED payment with a real authorisation in the ledger, RESERVED acknowledged by Vipps. */
async function reservedPayment(
  env: Awaited<ReturnType<typeof setup>>,
  minutesAgo = 10,
): Promise<Transaction> {
  let tx = initiated({ expiresAt: ago(minutesAgo - 15) });
  const result = await env.acquirer.authorise(authorisation(tx), { signal: AbortSignal.timeout(2_000) });
  if (result.outcome !== 'APPROVED') throw new Error(`expected an approval, got ${result.outcome}`);
  tx = applied(tx, reserve(tx, { at: ago(minutesAgo), acquirerReference: result.acquirerReference }));
  return { ...tx, vippsSync: { acknowledgedSeq: 1, lastSyncAt: ago(minutesAgo) } };
}

describe('reconciler', () => {
  it('expires an INITIATED payment past its deadline; the second sweep changes nothing', async () => {
    const env = await setup();
    const stale = await stored(env.transactions, initiated());
    const fresh = await stored(
      env.transactions,
      initiated({ expiresAt: new Date(now.getTime() + 600_000).toISOString() }),
    );

    const first = await reconcile(env.deps, { now, limit: 50 });
    expect(first.counts).toEqual({ expired: 1 });
    const expired = (await env.transactions.get(stale.pspTransactionId))!;
    expect(expired.status).toBe('EXPIRED');
    expect(expired.history.at(-1)).toMatchObject({ operation: 'EXPIRE' });
    expect(expired.dueAt).toBeUndefined();
    expect((await env.transactions.get(fresh.pspTransactionId))!.status).toBe('INITIATED');
    expect(env.lines).toContainEqual(
      expect.objectContaining({
        extra: expect.objectContaining({ pspTransactionId: stale.pspTransactionId, action: 'expired' }),
      }),
    );

    const before = await env.snapshot();
    const second = await reconcile(env.deps, { now, limit: 50 });
    expect(second).toMatchObject({ examined: 0, actions: [], failures: [] });
    expect(await env.snapshot()).toEqual(before);
  });

  it('reverses a 10085 authorisation whose outcome was unknown, so the customer is not charged', async () => {
    const env = await setup();
    let tx = initiated({ amount: 10_085, expiresAt: ago(-10) });
    // The acquirer did not answer within the budget; the issuer approved anyway (a hold exists).
    const result = await env.acquirer.authorise(authorisation(tx), {
      signal: AbortSignal.timeout(BUDGET_MS),
    });
    expect(result.outcome).toBe('TIMEOUT');
    expect(env.ledger.netCharged(tx.pspTransactionId)).toBe(10_085);
    tx = applied(tx, fail(tx, vippsErrors.tooLate, { at: ago(1), outcome: 'UNKNOWN' }));
    tx = await stored(env.transactions, tx);

    // The acquirer is down on the first sweep: the payment stays due and nothing is lost.
    env.acquirer.failNext('reverse', 'unavailable');
    const first = await reconcile(env.deps, { now, limit: 50 });
    expect(first.counts).toEqual({});
    expect(first.failures).toEqual([
      { pspTransactionId: tx.pspTransactionId, error: expect.stringContaining('reverse') },
    ]);
    expect((await env.transactions.get(tx.pspTransactionId))!).toMatchObject({
      authorisationOutcome: 'UNKNOWN',
      dueAt: tx.dueAt,
    });
    expect(env.ledger.netCharged(tx.pspTransactionId)).toBe(10_085);

    const second = await reconcile(env.deps, { now, limit: 50 });
    expect(second.counts).toEqual({ reversed: 1 });
    const reversed = (await env.transactions.get(tx.pspTransactionId))!;
    expect(reversed).toMatchObject({ status: 'FAILED', authorisationOutcome: 'REVERSED' });
    expect(reversed.history.at(-1)).toMatchObject({ operation: 'REVERSE', amount: 10_085 });
    expect(reversed.dueAt).toBeUndefined();
    expect(env.ledger.netCharged(tx.pspTransactionId)).toBe(0);

    const before = await env.snapshot();
    const events = env.ledger.events(tx.pspTransactionId).length;
    expect((await reconcile(env.deps, { now, limit: 50 })).actions).toEqual([]);
    expect(await env.snapshot()).toEqual(before);
    expect(env.ledger.events(tx.pspTransactionId)).toHaveLength(events);
  });

  it('an acquirer that cannot look a lost authorisation up (Clearhaus): counted for the ops alarm, still UNKNOWN and due (issue 13)', async () => {
    const env = await setup();
    let tx = initiated({ amount: 10_085, expiresAt: ago(-10) });
    tx = applied(tx, fail(tx, vippsErrors.tooLate, { at: ago(1), outcome: 'UNKNOWN' }));
    tx = await stored(env.transactions, tx);
    const noLookup = Object.assign(Object.create(env.acquirer) as typeof env.acquirer, {
      reverse: () => Promise.reject(new AcquirerCannotReverseError('check reference X in the dashboard')),
    });
    const sweep = await reconcile({ ...env.deps, acquirer: noLookup }, { now, limit: 50 });
    expect(sweep.counts).toEqual({ reversalImpossible: 1 });
    expect((await env.transactions.get(tx.pspTransactionId))!).toMatchObject({
      authorisationOutcome: 'UNKNOWN',
      dueAt: tx.dueAt,
    });
    expect(sweep.failures[0]?.error).toContain('check reference X');
  });

  it('takes over a makePayment attempt whose Lambda died: FAILED 85, then reversed', async () => {
    const env = await setup();
    const base = initiated({ expiresAt: ago(-10) });
    // The attempt reached the acquirer and was approved, but its answer was never stored.
    await env.acquirer.authorise(authorisation(base), { signal: AbortSignal.timeout(2_000) });
    expect(env.ledger.netCharged(base.pspTransactionId)).toBe(5_000);
    const tx = await stored(env.transactions, {
      ...base,
      updatedAt: ago(3),
      makePayment: { requestHash: 'h'.repeat(64), phase: 'INITIAL', state: 'IN_PROGRESS', claimedAt: ago(3) },
    });

    const result = await reconcile(env.deps, { now, limit: 50 });
    // The stream relay marks the events handed over between the sweep's two writes (at once
    // here): the sweep may then clear the dueAt that mark left behind ('cleared').
    expect(result.counts).toMatchObject({ abandoned: 1, reversed: 1 });
    expect(Object.keys(result.counts).filter((k) => k !== 'cleared')).toHaveLength(2);
    const settled = (await env.transactions.get(tx.pspTransactionId))!;
    expect(settled).toMatchObject({
      status: 'FAILED',
      failure: { errorId: '85' },
      authorisationOutcome: 'REVERSED',
      makePayment: { state: 'ANSWERED', answer: { status: 'FAIL', error: { errorId: '85' } } },
    });
    expect(settled.dueAt).toBeUndefined();
    expect(env.ledger.netCharged(tx.pspTransactionId)).toBe(0);
  });

  it('re-sends a status update Vipps never acknowledged, once, and stops when Vipps has it', async () => {
    const env = await setup();
    let tx = await reservedPayment(env);
    await vipps.initiatePayment(
      {
        pspTransactionId: tx.pspTransactionId,
        merchantSerialNumber: MSN,
        merchantOrderId: tx.merchantOrderId,
        amount: tx.amount,
        currency: 'NOK',
        paymentText: tx.paymentText,
        pspRedirectUrl: tx.redirectUrl,
        makePaymentUrl: 'https://psp.example/vipps/make-payment',
        makePaymentToken: 'token',
        isApp: false,
      },
      tx.pspTransactionId,
    );
    // The capture was stored, but its message never reached the queue (the enqueue failed).
    tx = applied(tx, capture(tx, 2_000, { at: ago(8) }));
    tx = await stored(env.transactions, tx);
    expect(tx.statusSeq).toBe(2);

    const first = await reconcile(env.deps, { now, limit: 50 });
    expect(first.counts).toEqual({ resent: 1 });
    const messages = await env.queued();
    expect(messages.map((m) => m.update)).toEqual([
      expect.objectContaining({
        pspTransactionId: tx.pspTransactionId,
        seq: 2,
        status: 'CAPTURED',
        amount: 2_000,
      }),
    ]);
    // Vipps' view was read (and the difference logged) before re-sending.
    expect(env.lines).toContainEqual(
      expect.objectContaining({
        message: 'Vipps details before re-sending status updates',
        extra: expect.objectContaining({ pspTransactionId: tx.pspTransactionId, matches: false }),
      }),
    );

    // A second sweep before the updater ran: the store is unchanged and FIFO deduplication
    // (`${id}-${seq}`) keeps the queue at one message.
    const before = await env.snapshot();
    await reconcile(env.deps, { now, limit: 50 });
    expect(await env.snapshot()).toEqual(before);
    expect(await env.queued()).toHaveLength(1);

    // The updater delivers it; the next sweep only clears the due marker, and then nothing is due.
    const synced = await syncStatus(messages, {
      transactions: env.transactions,
      vipps,
      deadLetterQueue: { send: () => Promise.reject(new Error('no dead letters expected')) },
      clock: { now: () => new Date() },
      log: env.deps.log,
    });
    expect(synced.acknowledged).toMatchObject([{ pspTransactionId: tx.pspTransactionId, seq: 2 }]);
    expect(simulator.payments.get(tx.pspTransactionId)).toMatchObject({ capturedAmount: 2_000 });
    // Until the re-send interval has passed the payment is not due at all (no sweep re-sends
    // every minute); after it, the sweep finds Vipps has everything and clears the marker.
    expect(await reconcile(env.deps, { now, limit: 50 })).toMatchObject({ examined: 0 });
    const later = new Date(now.getTime() + RESEND_EVERY_MS);
    const third = await reconcile(env.deps, { now: later, limit: 50 });
    expect(third.counts).toEqual({ cleared: 1 });
    expect((await env.transactions.get(tx.pspTransactionId))!.dueAt).toBeUndefined();
    expect(await reconcile(env.deps, { now: later, limit: 50 })).toMatchObject({ examined: 0 });
  });

  it('delivers a status update Vipps rejected once the cause is fixed, with the updates that waited behind it', async () => {
    const env = await setup();
    let tx = await reservedPayment(env);
    tx = applied(tx, capture(tx, 1_500, { at: ago(8) }));
    // Vipps has neither: RESERVED was rejected (say, the sales unit was not active yet).
    tx = await stored(env.transactions, { ...tx, vippsSync: { acknowledgedSeq: 0 } });
    await vipps.initiatePayment(
      {
        pspTransactionId: tx.pspTransactionId,
        merchantSerialNumber: MSN,
        merchantOrderId: tx.merchantOrderId,
        amount: tx.amount,
        currency: 'NOK',
        paymentText: tx.paymentText,
        pspRedirectUrl: tx.redirectUrl,
        makePaymentUrl: 'https://psp.example/vipps/make-payment',
        makePaymentToken: 'token',
        isApp: false,
      },
      tx.pspTransactionId,
    );
    const dead: string[] = [];
    const updater = (messages: Awaited<ReturnType<typeof env.queued>>) =>
      syncStatus(messages, {
        transactions: env.transactions,
        vipps,
        deadLetterQueue: { send: (_body, reason) => Promise.resolve(void dead.push(reason)) },
        clock: { now: () => new Date() },
        log: env.deps.log,
      });
    // Two refusals: the call [RESERVED, CAPTURED], then RESERVED on its own (the split).
    simulator.faults.failNext('updatestatus', {
      status: 400,
      times: 2,
      errors: [{ errorCode: '21', errorMessage: 'Not active' }],
    });
    await env.statusQueue.enqueue(statusUpdatesToSend(tx)[0]!);
    await updater(await env.queued());
    expect(dead).toEqual([expect.stringContaining('21 Not active')]);
    expect((await env.transactions.get(tx.pspTransactionId))!.vippsSync).toMatchObject({
      acknowledgedSeq: 0,
      rejectedSeq: 1,
    });

    // The cause is fixed; the sweep re-sends the rejected RESERVED (past SQS's dedup window).
    const later = new Date(now.getTime() + RESEND_EVERY_MS);
    const sweep = await reconcile(env.deps, { now: later, limit: 50 });
    expect(sweep.counts).toEqual({ resent: 1 });
    const resent = (await env.queued()).filter((m) => m.update.pspTransactionId === tx.pspTransactionId);
    await updater(resent);
    const received = simulator.statusUpdates.filter(
      (u) => u.transaction.pspTransactionId === tx.pspTransactionId,
    );
    expect(received.map((u) => [u.transaction.status, u.transaction.amount])).toEqual([
      ['RESERVED', 5_000],
      ['CAPTURED', 1_500],
    ]);
    // In order, each once (this fixture never went through makePayment at the simulator).
    const orderProblems = received.flatMap((u) => u.problems).filter((p) => !p.includes('makePayment'));
    expect(orderProblems).toEqual([]);
    expect((await env.transactions.get(tx.pspTransactionId))!.vippsSync.acknowledgedSeq).toBe(2);
  });

  it('never re-sends a stale capture to an acquirer without idempotency (Clearhaus): left for ops (issue 13)', async () => {
    const env = await setup();
    let tx = await reservedPayment(env);
    tx = applied(tx, claimOperation(tx, 'CAPTURE', 3_000, { at: ago(5), operationId: 'op-capture-2' }));
    tx = await stored(env.transactions, tx);
    let captures = 0;
    const noIdempotency = Object.assign(Object.create(env.acquirer) as typeof env.acquirer, {
      repeatsSafely: false,
      capture: () => {
        captures++;
        return Promise.resolve({ acquirerReference: 'twice' });
      },
    });
    const result = await reconcile({ ...env.deps, acquirer: noIdempotency }, { now, limit: 50 });
    expect(captures).toBe(0);
    expect(result.failures[0]?.error).toContain('outcome unknown');
    expect((await env.transactions.get(tx.pspTransactionId))!.pendingOperations).toHaveLength(1);
  });

  it('resolves a stale pending capture with the same operationId: captured once, Vipps told', async () => {
    const env = await setup();
    let tx = await reservedPayment(env);
    tx = applied(tx, claimOperation(tx, 'CAPTURE', 3_000, { at: ago(5), operationId: 'op-capture-1' }));
    tx = await stored(env.transactions, tx);
    // The capture reached the acquirer, but the merchant call died before it heard back.
    env.acquirer.failNext('capture', 'timeout');
    await expect(
      env.acquirer.capture({
        pspTransactionId: tx.pspTransactionId,
        acquirerReference: tx.acquirerReference!,
        amount: 3_000,
        currency: 'NOK',
        operationId: 'op-capture-1',
      }),
    ).rejects.toThrow(/timed out/);

    const result = await reconcile(env.deps, { now, limit: 50 });
    expect(result.counts).toEqual({ operationCompleted: 1 });
    const done = (await env.transactions.get(tx.pspTransactionId))!;
    expect(done).toMatchObject({
      status: 'PARTIALLY_CAPTURED',
      capturedAmount: 3_000,
      pendingOperations: [],
      statusSeq: 2,
    });
    expect(env.ledger.balance(tx.pspTransactionId)).toMatchObject({ captured: 3_000 });
    expect(env.ledger.events(tx.pspTransactionId).filter((e) => e.type === 'CAPTURE')).toHaveLength(1);
    expect((await env.queued()).map((m) => m.update)).toEqual([
      expect.objectContaining({ seq: 2, status: 'CAPTURED', amount: 3_000 }),
    ]);

    const before = await env.snapshot();
    expect((await reconcile(env.deps, { now, limit: 50 })).actions).toEqual([]);
    expect(await env.snapshot()).toEqual(before);
  });

  it('releases a pending capture the acquirer refuses, leaving the amounts untouched', async () => {
    const env = await setup();
    let tx = await reservedPayment(env);
    // Meanwhile the authorisation was voided at the acquirer: the capture can never succeed.
    await env.acquirer.cancel({
      pspTransactionId: tx.pspTransactionId,
      acquirerReference: tx.acquirerReference!,
      amount: tx.amount,
      currency: 'NOK',
      operationId: 'void-elsewhere',
    });
    tx = applied(tx, claimOperation(tx, 'CAPTURE', 1_000, { at: ago(5), operationId: 'op-capture-2' }));
    tx = await stored(env.transactions, tx);

    const result = await reconcile(env.deps, { now, limit: 50 });
    expect(result.counts).toEqual({ operationReleased: 1 });
    expect((await env.transactions.get(tx.pspTransactionId))!).toMatchObject({
      status: 'RESERVED',
      capturedAmount: 0,
      pendingOperations: [],
      statusSeq: 1,
    });
    expect(await env.queued()).toEqual([]);
  });

  it('the scheduled handler counts each action kind in the ReconcilerAction metric', async () => {
    const env = await setup();
    await stored(env.transactions, initiated());
    await stored(env.transactions, initiated());
    const published: Array<{
      dimensions: Record<string, string>;
      name: string;
      unit: string;
      value: number;
    }> = [];
    const metrics = {
      singleMetric() {
        const dimensions: Record<string, string> = {};
        return {
          addDimension(name: string, value: string) {
            dimensions[name] = value;
          },
          addMetric(name: string, unit: string, value: number) {
            published.push({ dimensions: { ...dimensions }, name, unit, value });
          },
        };
      },
    } as unknown as Parameters<typeof createReconcilerHandler>[0]['metrics'];
    const handler = createReconcilerHandler({ ...env.deps, clock: { now: () => now }, metrics });

    expect(await handler()).toEqual({ examined: 2, counts: { expired: 2 }, failures: 0 });
    expect(published).toEqual([
      { dimensions: { action: 'expired' }, name: 'ReconcilerAction', unit: 'Count', value: 2 },
    ]);
  });
});
