/** Lambda entry: the Merchant API (every /v1 route). */
import { correlationPaths } from '@aws-lambda-powertools/logger/correlationId';
import { routes } from '../routes.js';

import { entryDependencies, lambdaEntry, withSettings } from './lambda-entry.js';
import { createMerchantApiHandler } from './merchant-api/merchant-api-handler.js';

const deps = entryDependencies();
const maxBodyBytes = Math.max(
  ...routes.filter((r) => r.function === 'merchantApi').map((r) => r.maxBodyBytes),
);

export const handler = lambdaEntry(
  deps,
  createMerchantApiHandler(
    withSettings(deps, { maxBodyBytes, paymentTtlSeconds: deps.config.PAYMENT_TTL_SECONDS }),
  ),
  { correlationIdPath: correlationPaths.API_GATEWAY_REST },
);
