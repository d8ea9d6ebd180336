/** Powertools Idempotency for the Merchant API (its own table); only that function bundles it. */
import { createIdempotencyRunner } from '../handlers/merchant-api/idempotency.js';
import { config, once } from './context.js';
import { dynamoClient } from './storage.js';

export const idempotency = /* @__PURE__ */ once(() =>
  createIdempotencyRunner({ client: dynamoClient(), tableName: config().IDEMPOTENCY_TABLE_NAME }),
);
