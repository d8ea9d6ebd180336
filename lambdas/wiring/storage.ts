/** DynamoDB: the payments table's stores and the Merchant API's idempotency records. */
import { createDynamoDbClient, createDynamoDbDocumentClient } from '../adapters/aws-clients.js';
import { DynamoMerchantStore } from '../adapters/dynamo/merchant-store.js';
import { DynamoThreeDsSessionStore } from '../adapters/dynamo/three-ds-session-store.js';
import { DynamoTransactionStore } from '../adapters/dynamo/transaction-store.js';
import { config, once } from './context.js';
import { vault } from './keys.js';

export const dynamoClient = /* @__PURE__ */ once(() => createDynamoDbClient());
export const documents = /* @__PURE__ */ once(() => createDynamoDbDocumentClient(dynamoClient()));

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
