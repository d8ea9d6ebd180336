/**
 * Lambda entry: the scheduled reconciler (every minute, one at a time — see routes.ts). It walks
 * the payments whose `dueAt` has passed and does what each one needs (core/use-cases/reconcile.ts);
 * every action is logged with the payment id and counted in the ReconcilerAction metric.
 */
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import type { Clock } from '../core/ports.js';
import { type ReconcileDeps, type ReconcileResult, reconcile } from '../core/use-cases/reconcile.js';
import { metricDimensions, metricNames } from '../observability.js';
import { acquirer } from '../wiring/acquirer.js';
import { clock, config } from '../wiring/context.js';
import { statusQueue } from '../wiring/queues.js';
import { transactions } from '../wiring/storage.js';
import { ePaymentClient } from '../wiring/epayment.js';
import { vipps } from '../wiring/vipps.js';
import { eventDispatch } from '../wiring/webhooks.js';
import { entryDependencies, lambdaEntry } from './lambda-entry.js';

/** One sweep's page: well inside the 120 s timeout even if every payment needs the acquirer. */
export const RECONCILE_BATCH = 100;

export interface ReconcilerDeps extends ReconcileDeps {
  clock: Clock;
  metrics?: Pick<Metrics, 'singleMetric'>;
  /** Payments per sweep (default RECONCILE_BATCH). */
  limit?: number;
}

export interface ReconcilerSummary {
  examined: number;
  counts: ReconcileResult['counts'];
  failures: number;
}

export function createReconcilerHandler(deps: ReconcilerDeps) {
  return async function reconciler(): Promise<ReconcilerSummary> {
    const result = await reconcile(deps, { now: deps.clock.now(), limit: deps.limit ?? RECONCILE_BATCH });
    if (deps.metrics) {
      // One metric per action kind, the kind as dimension (the dashboard graphs them side by side).
      for (const [action, count] of Object.entries(result.counts)) {
        const single = deps.metrics.singleMetric();
        single.addDimension(metricDimensions.action, action);
        single.addMetric(metricNames.reconcilerAction, MetricUnit.Count, count);
      }
    }
    const summary = { examined: result.examined, counts: result.counts, failures: result.failures.length };
    deps.log.info('Reconciler sweep done', { ...summary });
    return summary;
  };
}

/**
 * Built on the first invocation rather than at import, so tests and the local stack can import
 * createReconcilerHandler without a Lambda environment (a bad configuration still fails the
 * first invocation, naming the variable).
 */
let entry: ((event: unknown, context: Context) => Promise<ReconcilerSummary>) | undefined;

export const handler = (event: unknown, context: Context): Promise<ReconcilerSummary> => {
  if (!entry) {
    const deps = entryDependencies({
      transactions,
      acquirer,
      statusQueue,
      vipps,
      ePayment: ePaymentClient,
      clock,
      acquirerBudgetMs: () => config().ACQUIRER_BUDGET_MS,
      events: eventDispatch,
    });
    entry = lambdaEntry(deps, createReconcilerHandler(deps));
  }
  return entry(event, context);
};
