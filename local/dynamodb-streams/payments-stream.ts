/**
 * The payments table's stream for the local stack: the tap (tap.ts) in front of an http DynamoDB
 * feeding the event dispatcher's mapping (mapping.ts), with the settings and filter of
 * lambdas/routes.ts — the same ones the CDK stack deploys.
 */
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { paymentsTable } from '../../lambdas/adapters/dynamo/table-design.js';
import type { AwsClientOptions } from '../../lambdas/adapters/aws-clients.js';
import { functions } from '../../lambdas/routes.js';
import { type StreamMapping, startStreamMapping } from './mapping.js';
import { type StreamTap, startStreamTap } from './tap.js';

export interface PaymentsStreamOptions {
  target: string;
  tableName: string;
  region: string;
  client: Omit<AwsClientOptions, 'endpoint' | 'counter'>;
}

export interface PaymentsStream {
  /** The DynamoDB endpoint the functions use. */
  endpoint: string;
  /** Start invoking the dispatcher; records wait until then. */
  connect(invoke: (event: DynamoDBStreamEvent) => Promise<unknown>): void;
  idle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startPaymentsStream(options: PaymentsStreamOptions): Promise<PaymentsStream> {
  const trigger = functions.eventDispatcher.trigger;
  if (trigger?.kind !== 'paymentsStream') throw new Error('eventDispatcher has no paymentsStream trigger');
  const isPaymentItem = (keys: Record<string, { S?: string }> | undefined) =>
    keys?.[paymentsTable.sortKey]?.S === trigger.itemSortKey;
  let connected: (invoke: (event: DynamoDBStreamEvent) => Promise<unknown>) => void = () => undefined;
  const ready = new Promise<(event: DynamoDBStreamEvent) => Promise<unknown>>((r) => (connected = r));
  const mapping: StreamMapping = startStreamMapping({
    invoke: async (event) => (await ready)(event),
    batchSize: trigger.batchSize,
    retryAttempts: trigger.retryAttempts,
    // A quiet table has one shard; the mapping runs parallelizationFactor batches of it at once.
    shards: trigger.parallelizationFactor,
    accept: (record) =>
      (record.eventName === 'INSERT' || record.eventName === 'MODIFY') &&
      isPaymentItem(record.dynamodb?.Keys),
  });
  const tap: StreamTap = await startStreamTap({
    target: options.target,
    tableName: options.tableName,
    keyNames: [paymentsTable.partitionKey, paymentsTable.sortKey],
    region: options.region,
    client: options.client,
    // The mapping's filter at the source: other items are never read back.
    accept: (keys) => isPaymentItem(keys),
    onRecord: (record) => mapping.push(record),
  });
  let closing: Promise<void> | undefined;
  const closeAll = async () => {
    connected(() => Promise.reject(new Error('the local stack stopped')));
    await mapping.stop();
    await tap.close();
  };
  return {
    endpoint: tap.endpoint,
    connect: (invoke) => connected(invoke),
    idle: async (timeoutMs = 30_000) => {
      await tap.settled();
      await mapping.idle(timeoutMs);
    },
    close: () => (closing ??= closeAll()),
  };
}
