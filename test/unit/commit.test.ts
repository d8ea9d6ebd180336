/**
 * commit(): every state change is one conditional write that keeps the reconciler's index
 * (`dueAt`) true to the new state and appends the merchant events the change produced.
 */
import { describe, expect, it } from 'vitest';
import { capture, reserve, nextDueAt, type Transaction } from '../../lambdas/core/transaction.js';
import { commit } from '../../lambdas/core/use-cases/commit.js';
import { InMemoryTransactionStore } from '../support/in-memory-transaction-store.js';
import { applied, initiatedPayment } from '../support/transactions.js';

const at = '2026-11-24T10:01:00.000Z';

async function committed(tx: Transaction, transition: Parameters<typeof commit>[2]) {
  const store = new InMemoryTransactionStore([tx]);
  const written = await commit(store, tx, transition);
  return { written, stored: store.peek(tx.pspTransactionId)! };
}

describe('commit', () => {
  it('moves dueAt to the new state’s next need', async () => {
    const tx = { ...initiatedPayment(), dueAt: initiatedPayment().expiresAt };
    const { stored, written } = await committed(tx, reserve(tx, { at, acquirerReference: 'A' }));
    expect(stored.dueAt).toBe(nextDueAt(stored));
    expect(stored.dueAt).toBe('2026-11-24T10:02:00.000Z'); // the new event's sweep, before the status chase
    expect(written).toEqual(stored);
  });

  it('removes dueAt when nothing about the payment needs attention any more', async () => {
    const tx = { ...initiatedPayment(), dueAt: initiatedPayment().expiresAt, events: [] };
    const { stored } = await committed(tx, { changes: { status: 'FAILED', updatedAt: at }, history: [] });
    expect(stored).not.toHaveProperty('dueAt');
  });

  it('appends the merchant events of the change to those already in the outbox, in the same write', async () => {
    const initiated = initiatedPayment();
    const first = await committed(initiated, reserve(initiated, { at, acquirerReference: 'A' }));
    expect(first.stored.events?.map((e) => e.type)).toEqual(['payment.reserved']);
    const tx = first.stored;
    const second = await committed(tx, capture(tx, 1_000, { at }));
    expect(second.stored.events?.map((e) => [e.type, e.version])).toEqual([
      ['payment.reserved', 2],
      ['payment.captured', 3],
    ]);
    expect(second.stored.history.at(-1)?.operation).toBe('CAPTURE');
  });

  it('a change that produces no event leaves the outbox as it was', async () => {
    const initiated = initiatedPayment();
    const reserved = (await committed(initiated, reserve(initiated, { at, acquirerReference: 'A' }))).stored;
    const { stored } = await committed(reserved, { changes: { statusResentAt: at }, history: [] });
    expect(stored.events).toEqual(reserved.events);
    const none = await committed(initiated, { changes: { updatedAt: at }, history: [] });
    expect(none.stored.events).toBeUndefined();
  });

  it('an event sweep still owed keeps the payment due', async () => {
    const initiated = initiatedPayment();
    const { stored } = await committed(initiated, reserve(initiated, { at, acquirerReference: 'A' }));
    const acknowledged = applied(stored, { changes: { vippsSync: { acknowledgedSeq: 1 } }, history: [] });
    const { stored: later } = await committed(acknowledged, { changes: { updatedAt: at }, history: [] });
    expect(later.dueAt).toBe('2026-11-24T10:02:00.000Z');
  });
});
