/** DynamoDB: the payments table's stores and the Merchant API's idempotency records. */
import { DynamoMerchantStore } from '../adapters/dynamo/merchant-store.js';
import { DynamoThreeDsSessionStore } from '../adapters/dynamo/three-ds-session-store.js';
import { DynamoTransactionStore } from '../adapters/dynamo/transaction-store.js';
import { config, once } from './context.js';
import { vault } from './keys.js';
import { documents } from './storage-clients.js';

export { dynamoClient } from './storage-clients.js';

/**
 * A write that produces merchant events leaves them in the item (the outbox); the table's stream
 * hands them to delivery (handlers/event-dispatcher.ts), off the answer path.
 */
export const transactions = /* @__PURE__ */ once(
  () => new DynamoTransactionStore({ client: documents(), tableName: config().TABLE_NAME }),
);
export const merchants = /* @__PURE__ */ once(
  () => new DynamoMerchantStore({ client: documents(), tableName: config().TABLE_NAME }),
);
export const threeDsSessions = /* @__PURE__ */ once(
  () =>
    new DynamoThreeDsSessionStore({ client: documents(), tableName: config().TABLE_NAME, vault: vault() }),
);
