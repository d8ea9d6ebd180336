/**
 * Integration-test helper: an in-memory dynalite on an ephemeral port with freshly named tables,
 * reached through the real AWS SDK v3 clients — or, under `npm run test:moto`, moto's DynamoDB
 * (test-aws.ts). Call close() in afterAll.
 */
import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type TableNames, createTables, localDynamoDbClient, startDynalite } from '../../local/dynalite.js';
import { testAws } from './test-aws.js';

export interface TestDynamo {
  endpoint: string;
  client: DynamoDBClient;
  documentClient: DynamoDBDocumentClient;
  tables: TableNames;
  close(): Promise<void>;
}

export async function startTestDynamo(): Promise<TestDynamo> {
  const elsewhere = testAws()?.dynamodb;
  const dynalite = elsewhere ? { endpoint: elsewhere, close: async () => undefined } : await startDynalite();
  const client = localDynamoDbClient(dynalite.endpoint);
  const suffix = randomUUID().slice(0, 8);
  const tables = { payments: `payments-${suffix}`, idempotency: `idempotency-${suffix}` };
  await createTables(client, tables);
  return {
    endpoint: dynalite.endpoint,
    client,
    documentClient: DynamoDBDocumentClient.from(client),
    tables,
    close: async () => {
      client.destroy();
      await dynalite.close();
    },
  };
}
