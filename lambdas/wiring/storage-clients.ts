/** The DynamoDB clients every store shares (one per container). */
import { createDynamoDbClient, createDynamoDbDocumentClient } from '../adapters/aws-clients.js';
import { once } from './context.js';

export const dynamoClient = /* @__PURE__ */ once(() => createDynamoDbClient());
export const documents = /* @__PURE__ */ once(() => createDynamoDbDocumentClient(dynamoClient()));
