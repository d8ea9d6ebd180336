/**
 * The reconciler's chase of capture/refund/cancel claims that were never confirmed, against the
 * in-memory store (scripted write conflicts) and the sandbox acquirer with its own ledger.
 */
import { describe, expect, it } from 'vitest';
import { SandboxAcquirer, SandboxLedger } from '../../lambdas/adapters/acquirer/sandbox-acquirer.js';
import type { Log } from '../../lambdas/core/ports.js';
import {
  type StatusUpdate,
  type Transaction,
  capture,
  claimOperation,
  nextDueAt,
  reserve,
} from '../../lambdas/core/transaction.js';
import { type ReconcileDeps, reconcile } from '../../lambdas/core/use-cases/reconcile.js';
import { writeConflictPolicy } from '../../lambdas/core/write-conflict-retry.js';
import { InMemoryTransactionStore } from '../support/in-memory-transaction-store.js';
import { applied, initiatedPayment } from '../support/transactions.js';
import { inMemoryEventDispatch } from '../support/webhook-events.js';

const at = '2026-11-24T10:01:00.000Z';
const later = new Date(Date.parse(at) + 10 * 60_000);
const silent: Log = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** A reserved payment (Vipps has acknowledged everything) with a claim the acquirer never confirmed. */
function withStaleClaim(claim: (tx: Transaction) => Transaction): Transaction {
  const initiated = initiatedPayment();
  let tx = applied(initiated, reserve(initiated, { at, acquirerReference: 'SBX-10000-0123456789ab' }));
  tx = claim(tx);
  tx = { ...tx, vippsSync: { acknowledgedSeq: tx.statusSeq } };
  return { ...tx, dueAt: nextDueAt(tx)! };
}

function setup(tx: Transaction) {
  const transactions = new InMemoryTransactionStore([tx]);
  const ledger = new SandboxLedger();
  const enqueued: StatusUpdate[] = [];
  const deps: ReconcileDeps = {
    transactions,
    acquirer: new SandboxAcquirer({ ledger }),
    statusQueue: { enqueue: (u) => Promise.resolve(void enqueued.push(u)) },
    log: silent,
    acquirerBudgetMs: 300,
    events: inMemoryEventDispatch({
      read: (id) => transactions.peek(id),
      write: (stored) => transactions.put(stored),
    }),
  };
  return { transactions, ledger, enqueued, deps, id: tx.pspTransactionId };
}

describe('the reconciler chases unconfirmed operations', () => {
  it('completes a stale cancel claimed after a partial capture: the remainder is released and reported', async () => {
    const tx = withStaleClaim((t) => {
      const captured = applied(t, capture(t, 4_000, { at }));
      return applied(captured, claimOperation(captured, 'CANCEL', 0, { at, operationId: 'op-cancel' }));
    });
    const { deps, id, ledger, enqueued, transactions } = setup(tx);
    ledger.apply(
      'CAPTURE',
      {
        pspTransactionId: id,
        acquirerReference: tx.acquirerReference!,
        amount: 4_000,
        currency: 'NOK',
        operationId: 'op-cap',
      },
      new Date(at),
    );
    const result = await reconcile(deps, { now: later, limit: 10 });
    expect(result.counts).toMatchObject({ operationCompleted: 1 });
    expect(transactions.peek(id)).toMatchObject({
      status: 'CANCELLED',
      releasedAmount: 6_000,
      pendingOperations: [],
    });
    expect(ledger.balance(id)).toMatchObject({ captured: 4_000, held: 0 });
    expect(enqueued).toMatchObject([{ status: 'CANCELLED', amount: 6_000 }]);
  });

  it('re-reads after lost writes and still completes the claim once', async () => {
    const tx = withStaleClaim((t) =>
      applied(t, claimOperation(t, 'CAPTURE', 3_000, { at, operationId: 'op-1', idempotencyKey: 'k1' })),
    );
    const { deps, id, ledger, transactions } = setup(tx);
    transactions.conflictOnNextApplies(3);
    const result = await reconcile(deps, { now: later, limit: 10 });
    expect(result.failures).toEqual([]);
    expect(transactions.peek(id)).toMatchObject({ capturedAmount: 3_000, pendingOperations: [] });
    expect(transactions.peek(id)?.history.at(-1)).toMatchObject({
      idempotencyKey: 'k1',
      operationId: 'op-1',
    });
    expect(ledger.events(id).filter((e) => e.type === 'CAPTURE')).toHaveLength(1);
  });

  it('gives up after the one policy’s attempts (no nested retry loops), leaving the payment due', async () => {
    const tx = withStaleClaim((t) =>
      applied(t, claimOperation(t, 'CAPTURE', 3_000, { at, operationId: 'op-1' })),
    );
    const { deps, id, transactions } = setup(tx);
    transactions.conflictOnNextApplies(1_000);
    const result = await reconcile(deps, { now: later, limit: 10 });
    expect(result.failures).toMatchObject([{ pspTransactionId: id }]);
    expect(transactions.applyAttempts).toBe(writeConflictPolicy.maxAttempts);
    expect(transactions.peek(id)?.pendingOperations).toHaveLength(1);
  });
});
