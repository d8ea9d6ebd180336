/** Lambda entry: Vipps' makePaymentUrl. */
import { correlationPaths } from '@aws-lambda-powertools/logger/correlationId';
import { routes } from '../routes.js';

import { entryDependencies, lambdaEntry, withSettings } from './lambda-entry.js';
import { createMakePaymentHandler } from './make-payment/make-payment-handler.js';

const deps = entryDependencies();
const maxBodyBytes = routes.find((r) => r.function === 'makePayment')!.maxBodyBytes;

export const handler = lambdaEntry(
  deps,
  createMakePaymentHandler(
    withSettings(deps, {
      maxBodyBytes,
      acquirerBudgetMs: deps.config.ACQUIRER_BUDGET_MS,
      threeDsSessionTtlSeconds: deps.config.THREE_DS_SESSION_TTL_SECONDS,
    }),
  ),
  { correlationIdPath: correlationPaths.API_GATEWAY_REST, emitsMetrics: true },
);
