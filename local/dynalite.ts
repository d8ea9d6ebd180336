/**
 * The embedded DynamoDB: dynalite (LevelDB behind the DynamoDB JSON protocol) plus the table
 * creation both the local stack and the integration tests use. dynalite has no TransactWriteItems
 * and no TTL, and silently drops ReturnValuesOnConditionCheckFailure; the adapters rely on none.
 */
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type AttributeDefinition,
  type CreateTableCommandInput,
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb';
import { idempotencyTable, paymentsTable } from '../lambdas/adapters/dynamo/table-design.js';

/** dynalite is CommonJS without type declarations: this is the slice we call. */
type DynaliteFactory = (options: { path?: string; createTableMs?: number; deleteTableMs?: number }) => Server;
const dynalite = createRequire(import.meta.url)('dynalite') as DynaliteFactory;

export interface DynaliteOptions {
  /** LevelDB data directory; data then survives restarts. In memory when absent. */
  path?: string;
  /** 0 or absent: an ephemeral port. */
  port?: number;
  host?: string;
}

export interface RunningDynalite {
  endpoint: string;
  close(): Promise<void>;
}

export async function startDynalite(options: DynaliteOptions = {}): Promise<RunningDynalite> {
  const host = options.host ?? '127.0.0.1';
  // Tables become ACTIVE at once: nobody waits 500 ms per table in tests.
  const server = dynalite({
    ...(options.path ? { path: options.path } : {}),
    createTableMs: 0,
    deleteTableMs: 0,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // dynalite's close also closes the LevelDB store (releasing the data directory's lock).
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive sockets of SDK clients would otherwise hold the server open.
        server.closeIdleConnections();
      }),
  };
}

/** A DynamoDB client for the embedded endpoint (dummy credentials: dynalite checks none). */
export function localDynamoDbClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'eu-north-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

export interface TableNames {
  payments: string;
  idempotency: string;
}

/**
 * Create the payments and idempotency tables as table-design.ts describes them. Idempotent: a table
 * that already exists (reused data directory) is left as it is. Resolves once both are ACTIVE.
 */
export async function createTables(client: DynamoDBClient, names: TableNames): Promise<void> {
  await Promise.all([
    createIfMissing(client, paymentsTableDefinition(names.payments)),
    createIfMissing(client, {
      TableName: names.idempotency,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: idempotencyTable.partitionKey, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: idempotencyTable.partitionKey, KeyType: 'HASH' }],
    }),
  ]);
}

function paymentsTableDefinition(tableName: string): CreateTableCommandInput {
  const keyAttributes = new Set<string>([paymentsTable.partitionKey, paymentsTable.sortKey]);
  const indexes: GlobalSecondaryIndex[] = Object.entries(paymentsTable.indexes).map(([name, index]) => {
    const keys = [index.partitionKey, ...('sortKey' in index ? [index.sortKey] : [])];
    keys.forEach((k) => keyAttributes.add(k));
    return { IndexName: name, KeySchema: keySchema(keys), Projection: { ProjectionType: 'ALL' } };
  });
  const attributes: AttributeDefinition[] = [...keyAttributes].map((name) => ({
    AttributeName: name,
    AttributeType: 'S',
  }));
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: attributes,
    KeySchema: keySchema([paymentsTable.partitionKey, paymentsTable.sortKey]),
    GlobalSecondaryIndexes: indexes,
  };
}

function keySchema([hash, range]: string[]): KeySchemaElement[] {
  return [
    { AttributeName: hash, KeyType: 'HASH' },
    ...(range ? [{ AttributeName: range, KeyType: 'RANGE' as const }] : []),
  ];
}

async function createIfMissing(client: DynamoDBClient, definition: CreateTableCommandInput): Promise<void> {
  try {
    await client.send(new CreateTableCommand(definition));
  } catch (err) {
    if ((err as Error).name !== 'ResourceInUseException') throw err;
  }
  await waitUntilActive(client, definition.TableName!);
}

async function waitUntilActive(client: DynamoDBClient, tableName: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === 'ACTIVE');
    if (Table?.TableStatus === 'ACTIVE' && indexesActive) return;
    if (Date.now() > deadline) throw new Error(`Table ${tableName} did not become ACTIVE in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
