/**
 * The reconciler Lambda's own work, on in-memory ports: one sweep at the clock's time over at most
 * its page of due payments, one ReconcilerAction metric per action kind (the kind as dimension),
 * and the summary it logs and returns. What the sweep decides is in reconcile*.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { vippsErrors } from '../../lambdas/core/error-catalogue.js';
import type { Acquirer } from '../../lambdas/core/ports.js';
import { type Transaction, expire, fail, nextDueAt } from '../../lambdas/core/transaction.js';
import { metricDimensions, metricNames } from '../../lambdas/observability.js';
import {
  RECONCILE_BATCH,
  type ReconcilerDeps,
  createReconcilerHandler,
} from '../../lambdas/handlers/reconciler.js';
import { InMemoryTransactionStore } from '../support/in-memory-transaction-store.js';
import { RecordingLog } from '../support/three-ds-harness.js';
import { applied, initiatedPayment } from '../support/transactions.js';
import { inMemoryEventDispatch } from '../support/webhook-events.js';

const NOW = new Date('2026-11-24T11:00:00.000Z');
const id = (n: number) => n.toString(16).padStart(32, '0');

/** INITIATED, past its deadline: the sweep expires it. */
const overdue = (n: number): Transaction => {
  const tx = initiatedPayment({ pspTransactionId: id(n) });
  return { ...tx, dueAt: nextDueAt(tx)! };
};

/** Its authorisation timed out: the sweep reverses it at the acquirer. */
const unknownOutcome = (n: number): Transaction => {
  const tx = initiatedPayment({ pspTransactionId: id(n) });
  const failed = applied(tx, fail(tx, vippsErrors.tooLate, { at: tx.createdAt, outcome: 'UNKNOWN' }));
  return { ...failed, dueAt: nextDueAt(failed)! };
};

function setup(txs: Transaction[], overrides: Partial<ReconcilerDeps> = {}) {
  const transactions = new InMemoryTransactionStore(txs);
  const log = new RecordingLog();
  const metrics: Array<{ dimension: [string, string]; name: string; unit: string; value: number }> = [];
  const acquirer = {
    reverse: () => Promise.resolve({ reversed: true }),
  } as unknown as Acquirer;
  const deps: ReconcilerDeps = {
    transactions,
    acquirer,
    statusQueue: { enqueue: () => Promise.resolve() },
    log,
    acquirerBudgetMs: 1_000,
    events: inMemoryEventDispatch({ read: (i) => transactions.peek(i), write: (t) => transactions.put(t) }),
    clock: { now: () => NOW },
    metrics: {
      singleMetric() {
        let dimension: [string, string] = ['', ''];
        return {
          addDimension: (name: string, value: string) => void (dimension = [name, value]),
          addMetric: (name: string, unit: string, value: number) =>
            void metrics.push({ dimension, name, unit, value }),
        };
      },
    } as unknown as ReconcilerDeps['metrics'],
    ...overrides,
  };
  return { transactions, log, metrics, run: createReconcilerHandler(deps) };
}

describe('reconciler handler', () => {
  it('sweeps what is due at the clock’s time, emits one metric per action kind and returns the summary', async () => {
    const { run, metrics, log, transactions } = setup([overdue(1), overdue(2), unknownOutcome(3)]);
    const summary = await run();
    expect(summary).toEqual({
      examined: 3,
      // The events these writes produce are the stream's to hand over, not this sweep's.
      counts: { expired: 2, reversed: 1 },
      failures: 0,
    });
    expect(transactions.peek(id(1))!.status).toBe('EXPIRED');
    expect(metrics).toEqual(
      expect.arrayContaining([
        {
          dimension: [metricDimensions.action, 'expired'],
          name: metricNames.reconcilerAction,
          unit: 'Count',
          value: 2,
        },
        {
          dimension: [metricDimensions.action, 'reversed'],
          name: metricNames.reconcilerAction,
          unit: 'Count',
          value: 1,
        },
      ]),
    );
    expect(metrics).toHaveLength(2);
    expect(log.entries).toContainEqual({ level: 'info', message: 'Reconciler sweep done', extra: [summary] });
  });

  it('a sweep with nothing due emits no metric and reports an empty sweep', async () => {
    const tx = initiatedPayment();
    const done = applied(tx, expire(tx, tx.createdAt));
    const { run, metrics } = setup([done]);
    await expect(run()).resolves.toEqual({ examined: 0, counts: {}, failures: 0 });
    expect(metrics).toEqual([]);
  });

  it('counts the payments it could not settle as failures; they stay due', async () => {
    const acquirer = { reverse: () => Promise.reject(new Error('acquirer down')) } as unknown as Acquirer;
    const { run, transactions } = setup([unknownOutcome(1)], { acquirer });
    await expect(run()).resolves.toEqual({ examined: 1, counts: {}, failures: 1 });
    expect(transactions.peek(id(1))!.dueAt).toBeDefined();
  });

  it('takes at most its page of due payments per sweep (the configured limit, else RECONCILE_BATCH)', async () => {
    const many = Array.from({ length: RECONCILE_BATCH + 1 }, (_, n) => overdue(n + 1));
    await expect(setup(many).run()).resolves.toMatchObject({ examined: RECONCILE_BATCH });
    await expect(setup(many, { limit: 2 }).run()).resolves.toMatchObject({ examined: 2 });
  });

  it('works without metrics (the local stack)', async () => {
    const { run } = setup([overdue(1)], { metrics: undefined });
    await expect(run()).resolves.toMatchObject({ examined: 1, counts: { expired: 1 } });
  });
});
