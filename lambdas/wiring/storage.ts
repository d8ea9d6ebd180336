/** DynamoDB: the payments table's stores and the Merchant API's idempotency records. */
import { DynamoMerchantStore } from '../adapters/dynamo/merchant-store.js';
import { DynamoThreeDsSessionStore } from '../adapters/dynamo/three-ds-session-store.js';
import { DynamoTransactionStore } from '../adapters/dynamo/transaction-store.js';
import { withEventDispatch } from '../core/webhooks/dispatch.js';
import { createLogger } from '../adapters/observability/logger.js';
import { config, once } from './context.js';
import { vault } from './keys.js';
import { documents } from './storage-clients.js';
import { eventDispatch } from './webhooks.js';

export { dynamoClient } from './storage-clients.js';

const webhookLog = /* @__PURE__ */ once(() => createLogger());

/** Every write that produces merchant events hands them to delivery right after it (outbox). */
export const transactions = /* @__PURE__ */ once(() =>
  withEventDispatch(new DynamoTransactionStore({ client: documents(), tableName: config().TABLE_NAME }), {
    ...eventDispatch(),
    log: webhookLog(),
  }),
);
export const merchants = /* @__PURE__ */ once(
  () => new DynamoMerchantStore({ client: documents(), tableName: config().TABLE_NAME }),
);
export const threeDsSessions = /* @__PURE__ */ once(
  () =>
    new DynamoThreeDsSessionStore({ client: documents(), tableName: config().TABLE_NAME, vault: vault() }),
);
