import type { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../observability.js';

/** CloudWatch metrics through EMF: written to stdout with the logs, no API calls on the hot path. */
export function createMetrics(logger?: Logger): Metrics {
  return new Metrics({
    namespace: METRICS_NAMESPACE,
    serviceName: SERVICE_NAME,
    ...(logger ? { logger } : {}),
  });
}
