/**
 * What every Lambda entry point shares: its own Powertools Logger (request id as correlation
 * id, cold-start flag) and, for functions that emit business metrics, Metrics flushed as EMF
 * after each invocation.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createLogger } from '../adapters/observability/logger.js';
import { createMetrics } from '../adapters/observability/metrics.js';
import { lazyDependencies, type Resolved } from '../wiring/context.js';

/** Extra values layered over dependencies without reading (constructing) them all. */
export function withSettings<T extends object, S extends object>(deps: T, settings: S): T & S {
  return Object.assign(Object.create(deps) as T, settings) as T & S;
}

/**
 * This entry point's dependencies: the given factories (built on first read) plus a logger and
 * metrics of its own — the local stack can run every function in one process (workers: false),
 * and each must still log under its own name.
 */
export function entryDependencies<F extends Record<string, () => unknown>>(
  factories: F,
): Resolved<F> & { log: Logger; metrics: Metrics } {
  const log = createLogger();
  return withSettings(lazyDependencies(factories), { log, metrics: createMetrics(log) });
}

/** The API Gateway request id: the correlation id on every log line of an HTTP invocation. */
export function apiGatewayRequestId(event: unknown): string | undefined {
  return (event as { requestContext?: { requestId?: string } }).requestContext?.requestId;
}

export function lambdaEntry<E, R>(
  deps: { log: Logger; metrics: Metrics },
  handler: (event: E, context: Context) => Promise<R>,
  options: { correlationId?: (event: E) => string | undefined; emitsMetrics?: boolean } = {},
) {
  const entry = middy<E, R>().use(injectLambdaContext(deps.log, { resetKeys: true }));
  const correlationId = options.correlationId;
  if (correlationId) {
    // Set directly rather than through Powertools' JMESPath search: that would add 24 KB to every bundle.
    entry.use({
      before: (request) => {
        const id = correlationId(request.event);
        // Stryker disable next-line ConditionalExpression: Powertools leaves an undefined correlation id out of the line, as if unset
        if (id) deps.log.setCorrelationId(id);
      },
    });
  }
  if (options.emitsMetrics) entry.use(logMetrics(deps.metrics, { captureColdStartMetric: true }));
  return entry.handler(handler);
}
