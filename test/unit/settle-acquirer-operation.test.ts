/**
 * An asynchronous acquirer's (Adyen's) report of how a capture, refund or void ended, on the
 * in-memory store: applied once, released once, and a report we cannot place changes nothing.
 * The report over HTTP (HMAC, the webhook route) is covered by the Adyen integration tests.
 */
import { describe, expect, it } from 'vitest';
import { ConcurrentUpdateError } from '../../lambdas/core/errors.js';
import type { StatusUpdate, Transaction } from '../../lambdas/core/transaction.js';
import { claimOperation, completeOperation, reserve } from '../../lambdas/core/transaction.js';
import {
  type AcquirerOperationReport,
  type SettleDeps,
  settleAcquirerOperation,
} from '../../lambdas/core/use-cases/settle-acquirer-operation.js';
import { writeConflictPolicy } from '../../lambdas/core/write-conflict-retry.js';
import { InMemoryTransactionStore } from '../support/in-memory-transaction-store.js';
import { RecordingLog } from '../support/three-ds-harness.js';
import { applied, initiatedPayment } from '../support/transactions.js';

const ID = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const OP = `${ID}-capture-abc123`;
const at = '2026-11-24T10:01:00.000Z';
const NOW = new Date('2026-11-24T10:05:00.000Z');

/** Reserved (seq 1, acknowledged), with a capture of 4 000 øre claimed and sent to the acquirer. */
function withClaimedCapture(): Transaction {
  const initiated = initiatedPayment();
  const tx = applied(initiated, reserve(initiated, { at, acquirerReference: 'ACQ-1' }));
  const claimed = applied(tx, claimOperation(tx, 'CAPTURE', 4_000, { at, operationId: OP }));
  return { ...claimed, vippsSync: { acknowledgedSeq: 1 } };
}

function setup(stored: Transaction[] = [withClaimedCapture()]) {
  const transactions = new InMemoryTransactionStore(stored);
  const enqueued: StatusUpdate[] = [];
  const log = new RecordingLog();
  let reads = 0;
  const get = transactions.get.bind(transactions);
  transactions.get = (id: string) => {
    reads++;
    return get(id);
  };
  const deps: SettleDeps = {
    transactions,
    statusQueue: { enqueue: (u) => Promise.resolve(void enqueued.push(u)) },
    clock: { now: () => NOW },
    log,
  };
  const settle = (report: Partial<AcquirerOperationReport> = {}) =>
    settleAcquirerOperation(
      { operationId: OP, acquirerReference: 'CAP-REF', success: true, ...report },
      deps,
    );
  return { transactions, enqueued, log, settle, reads: () => reads };
}

describe('settleAcquirerOperation', () => {
  it('applies a confirmed capture once: amounts, history, the claim dropped, Vipps told', async () => {
    const { transactions, enqueued, log, settle } = setup();
    await expect(settle()).resolves.toBe('completed');
    const stored = transactions.peek(ID)!;
    expect(stored).toMatchObject({ status: 'PARTIALLY_CAPTURED', capturedAmount: 4_000, statusSeq: 2 });
    expect(stored.pendingOperations).toEqual([]);
    expect(stored.history.at(-1)).toMatchObject({
      operation: 'CAPTURE',
      amount: 4_000,
      acquirerReference: 'CAP-REF',
      operationId: OP,
      at: NOW.toISOString(),
    });
    expect(enqueued).toEqual([expect.objectContaining({ seq: 2, status: 'CAPTURED', amount: 4_000 })]);
    expect(log.entries).toContainEqual({
      level: 'info',
      message: 'Acquirer confirmed the operation',
      extra: [{ pspTransactionId: ID, operationId: OP }],
    });
  });

  it('the same report again changes nothing and tells Vipps nothing more', async () => {
    const { transactions, enqueued, settle } = setup();
    await settle();
    const after = transactions.peek(ID)!;
    await expect(settle()).resolves.toBe('already-settled');
    expect(transactions.peek(ID)).toEqual(after);
    expect(enqueued).toHaveLength(1);
  });

  it('a refusal releases the claim: nothing captured, nothing told to Vipps, ops alarmed with the reason', async () => {
    const { transactions, enqueued, log, settle } = setup();
    await expect(settle({ success: false, reason: 'Insufficient balance' })).resolves.toBe('released');
    const stored = transactions.peek(ID)!;
    expect(stored).toMatchObject({
      status: 'RESERVED',
      capturedAmount: 0,
      statusSeq: 1,
      pendingOperations: [],
    });
    expect(stored.updatedAt).toBe(NOW.toISOString());
    expect(enqueued).toEqual([]);
    expect(log.entries).toContainEqual({
      level: 'error',
      message: 'The acquirer refused an operation it had accepted; released, nothing applied',
      extra: [{ pspTransactionId: ID, operationId: OP, reason: 'Insufficient balance' }],
    });
  });

  it('a refusal without a reason is logged with an empty reason', async () => {
    const { log, settle } = setup();
    await settle({ success: false });
    expect(log.entries.find((e) => e.level === 'error')?.extra).toEqual([
      { pspTransactionId: ID, operationId: OP, reason: '' },
    ]);
  });

  it.each([
    ['not one of our operation ids', 'not-ours'],
    ['an id with something before our payment id', `x${OP}`],
    ['an id of an operation kind we never send', `${ID}-reserve-abc123`],
    ['an upper-case payment id', `${ID.toUpperCase()}-capture-abc123`],
  ])('refuses %s without reading or changing anything', async (_name, operationId) => {
    const { transactions, enqueued, log, settle, reads } = setup();
    const before = transactions.peek(ID);
    await expect(settle({ operationId })).resolves.toBe('unknown-operation');
    expect(reads()).toBe(0);
    expect(transactions.peek(ID)).toEqual(before);
    expect(enqueued).toEqual([]);
    expect(log.entries).toContainEqual({
      level: 'warn',
      message: 'Acquirer report for an operation we do not know; nothing changed',
      extra: [{ operationId }],
    });
  });

  it('refuses a well-formed id of a payment we do not have', async () => {
    const { settle, log } = setup([]);
    await expect(settle()).resolves.toBe('unknown-operation');
    expect(log.entries.map((e) => e.message)).toEqual([
      'Acquirer report for an operation we do not know; nothing changed',
    ]);
  });

  it('refuses an operation of a known payment that was never claimed, naming the payment', async () => {
    const { transactions, log, settle } = setup();
    const before = transactions.peek(ID);
    const operationId = `${ID}-refund-zzz`;
    await expect(settle({ operationId, acquirerReference: 'OTHER' })).resolves.toBe('unknown-operation');
    expect(transactions.peek(ID)).toEqual(before);
    expect(log.entries).toContainEqual({
      level: 'warn',
      message: 'Acquirer report for an operation that is not pending; nothing changed',
      extra: [{ pspTransactionId: ID, operationId }],
    });
  });

  it('after losing a write to an unrelated change, decides again from the fresh item and applies once', async () => {
    const { transactions, enqueued, settle } = setup();
    transactions.beforeNextApply((store) => {
      const tx = store.peek(ID)!;
      store.put({ ...tx, merchantOrderId: 'changed', version: tx.version + 1 });
    });
    await expect(settle()).resolves.toBe('completed');
    const stored = transactions.peek(ID)!;
    expect(stored).toMatchObject({
      merchantOrderId: 'changed',
      capturedAmount: 4_000,
      pendingOperations: [],
    });
    expect(transactions.applyAttempts).toBe(2);
    expect(enqueued).toHaveLength(1);
  });

  it('a duplicate report that settles the claim between our read and our write: already settled, applied once', async () => {
    const { transactions, enqueued, settle } = setup();
    transactions.beforeNextApply(async (store) => {
      const tx = store.peek(ID)!;
      await store.apply(tx, completeOperation(tx, OP, { at, acquirerReference: 'CAP-REF' }));
    });
    await expect(settle()).resolves.toBe('already-settled');
    const stored = transactions.peek(ID)!;
    expect(stored.capturedAmount).toBe(4_000);
    expect(stored.history.filter((h) => h.operation === 'CAPTURE')).toHaveLength(1);
    expect(enqueued).toEqual([]);
  });

  it('a write that keeps losing while the claim is still pending fails the report, so the acquirer sends it again', async () => {
    const { transactions, enqueued, settle } = setup();
    transactions.conflictOnNextApplies(writeConflictPolicy.maxAttempts);
    await expect(settle()).rejects.toThrow(ConcurrentUpdateError);
    expect(transactions.peek(ID)!.pendingOperations).toHaveLength(1);
    expect(enqueued).toEqual([]);
    // Redelivered once the writers calm down: applied then.
    await expect(settle()).resolves.toBe('completed');
  });

  it('a store failure while the claim is still pending is passed on, so the report is retried', async () => {
    const { transactions, settle } = setup();
    transactions.beforeNextApply(() => {
      throw new Error('DynamoDB unavailable');
    });
    await expect(settle()).rejects.toThrow('DynamoDB unavailable');
    expect(transactions.peek(ID)!.pendingOperations).toHaveLength(1);
  });
});
