import { describe, expect, it } from 'vitest';
import {
  blockingRejectedSeq,
  missingStatusSeqs,
  oldestUnacknowledgedAt,
  statusBatchInDoubt,
  statusBatchKey,
  statusChangedAt,
  statusUpdateOf,
  statusUpdatesToSend,
} from '../../lambdas/core/status-sync.js';
import {
  type Transaction,
  type Transition,
  capture,
  refund,
  reserve,
  cancel,
} from '../../lambdas/core/transaction.js';
import { initiatedPayment } from '../support/transactions.js';

const at = (minute: number) => new Date(Date.UTC(2025, 0, 1, 12, minute)).toISOString();

/** The shared fixture, on this file's clock. */
const initiated = (overrides: Partial<Transaction> = {}): Transaction =>
  initiatedPayment({
    pspTransactionId: 'tx1',
    createdAt: at(0),
    updatedAt: at(0),
    expiresAt: at(15),
    history: [{ operation: 'INITIATE', amount: 10_000, at: at(0) }],
    ...overrides,
  });

/** Apply a transition in memory, as the store would. */
function apply(tx: Transaction, transition: Transition): Transaction {
  return {
    ...tx,
    ...transition.changes,
    history: [...tx.history, ...transition.history],
    version: tx.version + 1,
  } as Transaction;
}

/** RESERVED (seq 1) → capture 3000 (seq 2) → capture 7000 (seq 3) → refund 2500 (seq 4). */
function settledPayment(acknowledgedSeq = 0): Transaction {
  let tx = initiated();
  tx = apply(tx, reserve(tx, { at: at(1), acquirerReference: 'ref-1' }));
  tx = apply(tx, capture(tx, 3_000, { at: at(2) }));
  tx = apply(tx, capture(tx, 7_000, { at: at(3) }));
  tx = apply(tx, refund(tx, 2_500, { at: at(4) }));
  return { ...tx, vippsSync: { acknowledgedSeq } };
}

describe('statusUpdatesToSend', () => {
  it('rebuilds every unacknowledged update from history, in sequence order, with its own amount', () => {
    const updates = statusUpdatesToSend(settledPayment());
    expect(updates.map((u) => [u.seq, u.status, u.amount])).toEqual([
      [1, 'RESERVED', 10_000],
      [2, 'CAPTURED', 3_000],
      [3, 'CAPTURED', 7_000],
      [4, 'REFUNDED', 2_500],
    ]);
    expect(updates[0]).toEqual({
      pspTransactionId: 'tx1',
      merchantSerialNumber: '123456',
      seq: 1,
      status: 'RESERVED',
      amount: 10_000,
      currency: 'NOK',
      paymentText: 'Socks',
      operationStatus: 'SUCCESS',
    });
  });

  it('fills the gap before a later update: a message for seq 3 also sends 2 when only 1 was acknowledged', () => {
    const updates = statusUpdatesToSend(settledPayment(1), 3);
    expect(updates.map((u) => u.seq)).toEqual([2, 3]);
    expect(updates.map((u) => u.status)).toEqual(['CAPTURED', 'CAPTURED']);
  });

  it('sends nothing that Vipps already acknowledged (a redelivered message)', () => {
    expect(statusUpdatesToSend(settledPayment(3), 3)).toEqual([]);
    expect(statusUpdatesToSend(settledPayment(4))).toEqual([]);
    expect(statusUpdatesToSend(settledPayment(3)).map((u) => u.seq)).toEqual([4]);
  });

  it('keeps sequence order even if history entries were stored out of order', () => {
    const tx = settledPayment();
    const shuffled = { ...tx, history: [...tx.history].reverse() };
    expect(statusUpdatesToSend(shuffled).map((u) => u.seq)).toEqual([1, 2, 3, 4]);
  });

  it('ignores entries that produce no Vipps status (INITIATE, FAIL, EXPIRE, REVERSE)', () => {
    const tx = initiated({
      history: [
        { operation: 'INITIATE', amount: 10_000, at: at(0) },
        { operation: 'FAIL', amount: 0, at: at(1), errorId: '85' },
        { operation: 'REVERSE', amount: 10_000, at: at(2) },
      ],
    });
    expect(statusUpdatesToSend(tx)).toEqual([]);
  });

  it('sends a cancel of an unfinished payment as CANCELLED for the payment amount', () => {
    let tx = initiated();
    tx = apply(tx, cancel(tx, { at: at(3) }));
    expect(statusUpdatesToSend(tx)).toMatchObject([{ seq: 1, status: 'CANCELLED', amount: 10_000 }]);
  });
});

describe('missingStatusSeqs and timing', () => {
  it('names a sequence no history entry carries', () => {
    const tx = settledPayment(0);
    const withoutSecond = { ...tx, history: tx.history.filter((h) => h.statusSeq !== 2) };
    expect(missingStatusSeqs(withoutSecond)).toEqual([2]);
    expect(missingStatusSeqs(tx)).toEqual([]);
  });

  it('knows when each state change happened and which unacknowledged one is oldest', () => {
    const tx = settledPayment(2);
    expect(statusChangedAt(tx, 3)).toBe(at(3));
    expect(oldestUnacknowledgedAt(tx)).toBe(at(3));
    expect(oldestUnacknowledgedAt(settledPayment(4))).toBeUndefined();
  });
});

describe('statusBatchKey', () => {
  it('is the same for the same entries in any order, and differs for different entries', () => {
    const a = statusBatchKey([
      { pspTransactionId: 'tx1', seq: 1 },
      { pspTransactionId: 'tx2', seq: 4 },
    ]);
    const b = statusBatchKey([
      { pspTransactionId: 'tx2', seq: 4 },
      { pspTransactionId: 'tx1', seq: 1 },
    ]);
    const c = statusBatchKey([{ pspTransactionId: 'tx1', seq: 1 }]);
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(a).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('the edges of what is owed', () => {
  it('sends from the first unacknowledged sequence up to and including upToSeq', () => {
    expect(statusUpdatesToSend(settledPayment(1), 2).map((u) => u.seq)).toEqual([2]);
    expect(statusUpdatesToSend(settledPayment(2), 2)).toEqual([]);
    expect(statusUpdatesToSend(settledPayment(0), 1).map((u) => u.seq)).toEqual([1]);
  });

  it('a sequence carried by two history entries is sent once, as the first entry says', () => {
    const tx = settledPayment(1);
    const doubled = {
      ...tx,
      history: [...tx.history, { operation: 'CAPTURE' as const, amount: 1, at: at(9), statusSeq: 2 }],
    };
    expect(statusUpdatesToSend(doubled).filter((u) => u.seq === 2)).toEqual([
      expect.objectContaining({ amount: 3_000 }),
    ]);
  });

  it('an entry that produces no Vipps status is not an update even if it carries a sequence', () => {
    const tx = settledPayment(0);
    const entry = { operation: 'FAIL' as const, amount: 0, at: at(9), statusSeq: 5 };
    expect(statusUpdateOf(tx, entry)).toBeUndefined();
    expect(statusUpdateOf(tx, { operation: 'CAPTURE', amount: 5, at: at(9) })).toBeUndefined();
    expect(statusUpdateOf(tx, { operation: 'CANCEL', amount: 5, at: at(9), statusSeq: 5 })).toMatchObject({
      seq: 5,
      status: 'CANCELLED',
      amount: 5,
    });
    const withFail = { ...tx, history: [entry, ...tx.history] };
    expect(statusChangedAt(withFail, 5)).toBeUndefined();
  });

  it('names every sequence missing between the acknowledged one and upToSeq, none beyond', () => {
    const tx = settledPayment(1);
    const gaps = { ...tx, history: tx.history.filter((h) => h.statusSeq !== 2 && h.statusSeq !== 3) };
    expect(missingStatusSeqs(gaps)).toEqual([2, 3]);
    expect(missingStatusSeqs(gaps, 2)).toEqual([2]);
    expect(missingStatusSeqs(gaps, 6)).toEqual([2, 3, 5, 6]);
    expect(missingStatusSeqs(settledPayment(4))).toEqual([]);
  });
});

describe('a rejected update still owed', () => {
  const rejectedAt = (rejectedSeq: number, acknowledgedSeq: number) => ({
    ...settledPayment(acknowledgedSeq),
    vippsSync: { acknowledgedSeq, rejectedSeq },
  });

  it('blocks the payment while it is above what Vipps acknowledged', () => {
    expect(blockingRejectedSeq(rejectedAt(2, 1))).toBe(2);
    expect(blockingRejectedSeq(rejectedAt(2, 2))).toBeUndefined();
    expect(blockingRejectedSeq(rejectedAt(2, 3))).toBeUndefined();
    expect(blockingRejectedSeq(settledPayment(0))).toBeUndefined();
  });
});

describe('a stored call in doubt', () => {
  const batch = (updates: Array<{ pspTransactionId: string; seq: number }>) => ({
    batchKey: 'key',
    merchantSerialNumber: '123456',
    composedAt: at(5),
    updates: updates.map((u) => ({ ...statusUpdatesToSend(settledPayment())[0]!, ...u })),
  });
  const sending = (acknowledgedSeq: number, updates: Array<{ pspTransactionId: string; seq: number }>) => {
    const tx = settledPayment(acknowledgedSeq);
    return { ...tx, vippsSync: { ...tx.vippsSync, sending: batch(updates) } };
  };

  it('is the stored call while it carries an update of this payment Vipps has not acknowledged', () => {
    const tx = sending(1, [
      { pspTransactionId: 'tx1', seq: 2 },
      { pspTransactionId: 'other', seq: 9 },
    ]);
    expect(statusBatchInDoubt(tx)).toBe(tx.vippsSync.sending);
  });

  it('is nothing once Vipps acknowledged this payment’s part, whatever else the call carried', () => {
    expect(statusBatchInDoubt(sending(2, [{ pspTransactionId: 'tx1', seq: 2 }]))).toBeUndefined();
    expect(statusBatchInDoubt(sending(0, [{ pspTransactionId: 'other', seq: 9 }]))).toBeUndefined();
    expect(statusBatchInDoubt(sending(0, []))).toBeUndefined();
    expect(statusBatchInDoubt(settledPayment(0))).toBeUndefined();
  });
});

describe('statusBatchKey: a new composition is a new key', () => {
  it('differs for the same entries composed at another time, and is stable for the same time', () => {
    const entries = [{ pspTransactionId: 'tx1', seq: 1 }];
    expect(statusBatchKey(entries, at(1))).toBe(statusBatchKey(entries, at(1)));
    expect(statusBatchKey(entries, at(1))).not.toBe(statusBatchKey(entries, at(2)));
    expect(statusBatchKey(entries)).toBe(statusBatchKey(entries, ''));
    expect(statusBatchKey(entries)).not.toBe(statusBatchKey([{ pspTransactionId: 'tx1', seq: 2 }]));
  });
});
