/**
 * What every Lambda entry point shares: its own Powertools Logger (request id as correlation
 * id, cold-start flag) and, for functions that emit business metrics, Metrics flushed as EMF
 * after each invocation.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createLogger } from '../adapters/observability/logger.js';
import { createMetrics } from '../adapters/observability/metrics.js';
import { type AppDependencies, getDependencies } from '../wiring.js';

/** Extra values layered over the shared dependencies without reading (constructing) them all. */
export function withSettings<T extends object, S extends object>(deps: T, settings: S): T & S {
  return Object.assign(Object.create(deps) as T, settings) as T & S;
}

/**
 * The container's dependencies with a logger and metrics of this entry point's own (the local
 * stack runs every function in one process; each must still log under its own name).
 */
export function entryDependencies(): AppDependencies {
  const log = createLogger();
  return withSettings(getDependencies(), { log, metrics: createMetrics(log) });
}

export function lambdaEntry<E, R>(
  deps: Pick<AppDependencies, 'log' | 'metrics'>,
  handler: (event: E, context: Context) => Promise<R>,
  options: { correlationIdPath?: string; emitsMetrics?: boolean } = {},
) {
  const entry = middy<E, R>().use(
    injectLambdaContext(deps.log, {
      resetKeys: true,
      ...(options.correlationIdPath ? { correlationIdPath: options.correlationIdPath } : {}),
    }),
  );
  if (options.emitsMetrics) entry.use(logMetrics(deps.metrics, { captureColdStartMetric: true }));
  return entry.handler(handler);
}
