/**
 * The in-memory TransactionStore keeps the port's promises the way DynamoTransactionStore does
 * (see test/integration/transaction-store.test.ts), so use-case tests built on it mean something,
 * and its scripted conflicts behave as documented.
 */
import { describe, expect, it } from 'vitest';
import { ConcurrentUpdateError, PaymentNotFoundError } from '../../lambdas/core/errors.js';
import { capture, reserve } from '../../lambdas/core/transaction.js';
import { InMemoryTransactionStore } from '../support/in-memory-transaction-store.js';
import { initiatedPayment } from '../support/transactions.js';

const at = '2026-11-24T10:01:00.000Z';

describe('InMemoryTransactionStore', () => {
  it('applies a transition as one conditional write: version bumped, history appended', async () => {
    const store = new InMemoryTransactionStore([initiatedPayment()]);
    const tx = (await store.get(initiatedPayment().pspTransactionId))!;
    const next = await store.apply(tx, reserve(tx, { at, acquirerReference: 'ACQ-1' }));
    expect(next).toMatchObject({ status: 'RESERVED', version: 2 });
    expect(next.history.map((h) => h.operation)).toEqual(['INITIATE', 'RESERVE']);
    await expect(store.apply(tx, capture(next, 100, { at }))).rejects.toBeInstanceOf(ConcurrentUpdateError);
    expect(store.peek(tx.pspTransactionId)).toMatchObject({ version: 2, capturedAmount: 0 });
  });

  it('ignores undefined changes, removes only what it is told, and never lets a caller alias its items', async () => {
    const store = new InMemoryTransactionStore([initiatedPayment({ dueAt: at })]);
    const tx = (await store.get(initiatedPayment().pspTransactionId))!;
    tx.history.push({ operation: 'FAIL', amount: 0, at }); // changing a read copy changes nothing stored
    const next = await store.apply(tx, { changes: { paymentText: undefined }, history: [] }, ['dueAt']);
    expect(next.paymentText).toBe('Socks');
    expect(next.dueAt).toBeUndefined();
    expect(next.history).toHaveLength(1);
  });

  it('refuses a second create of the same id and finds payments by merchant order and due time', async () => {
    const store = new InMemoryTransactionStore();
    await store.create(initiatedPayment({ dueAt: at }));
    await expect(store.create(initiatedPayment())).rejects.toBeInstanceOf(ConcurrentUpdateError);
    expect(await store.findByMerchantOrder('123456', 'order-1')).toMatchObject({
      merchantOrderId: 'order-1',
    });
    expect(await store.listDue(new Date(at), 10)).toHaveLength(1);
    expect(await store.listDue(new Date(Date.parse(at) - 1), 10)).toHaveLength(0);
  });

  it('records Vipps acknowledgements monotonically and rejections without bumping the version', async () => {
    const store = new InMemoryTransactionStore([initiatedPayment()]);
    const id = initiatedPayment().pspTransactionId;
    expect(await store.recordVippsAck(id, 2, at)).toBe(true);
    expect(await store.recordVippsAck(id, 1, at)).toBe(false);
    await store.recordVippsSending(id, {
      batchKey: 'k',
      merchantSerialNumber: '123456',
      updates: [],
      composedAt: at,
    });
    await store.recordVippsRejection(id, 3, 'HTTP 400', at);
    await store.recordVippsRejection(id, 3, 'HTTP 400 again', at);
    // Rejected is not acknowledged: it stays owed, recorded once, and the stored call is gone.
    const sync = store.peek(id)!.vippsSync;
    expect(store.peek(id)).toMatchObject({ version: 1, vippsSync: { acknowledgedSeq: 2, rejectedSeq: 3 } });
    expect(sync.rejected).toHaveLength(1);
    expect(sync.sending).toBeUndefined();
    await expect(store.recordVippsRejection('nope', 1, 'x', at)).rejects.toBeInstanceOf(PaymentNotFoundError);
  });

  it('scripts conflicts: the next n applies lose; another writer can change the item first', async () => {
    const store = new InMemoryTransactionStore([initiatedPayment()]).conflictOnNextApplies(1);
    const tx = (await store.get(initiatedPayment().pspTransactionId))!;
    const reservation = reserve(tx, { at, acquirerReference: 'ACQ-1' });
    await expect(store.apply(tx, reservation)).rejects.toBeInstanceOf(ConcurrentUpdateError);
    store.beforeNextApply(async (s) => {
      await s.apply(tx, { changes: { paymentText: 'Other writer' }, history: [] });
    });
    await expect(store.apply(tx, reservation)).rejects.toBeInstanceOf(ConcurrentUpdateError);
    expect(store.peek(tx.pspTransactionId)).toMatchObject({
      paymentText: 'Other writer',
      status: 'INITIATED',
    });
    expect({ attempts: store.applyAttempts, conflicts: store.conflicts }).toEqual({
      attempts: 3,
      conflicts: 2,
    });
  });
});
