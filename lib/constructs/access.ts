/**
 * Turns a function's `access` (lambdas/routes.ts) into least-privilege permissions: only the
 * actions the adapters actually call, only on the resources they call them on. CDK's grant*
 * helpers are not used for the tables on purpose: they add Scan, BatchWriteItem and wildcard KMS
 * actions that nothing here needs.
 *
 * What the adapters call (keep in step with lambdas/adapters/):
 * - payments table: GetItem, Query (table and its GSIs), PutItem, UpdateItem. Items are never
 *   deleted (history is append-only; TTL tidies up) and no transactions are used.
 * - idempotency table (Powertools Idempotency): GetItem, PutItem, UpdateItem, DeleteItem.
 * - status queue: SendMessage to produce; Receive/Delete/ChangeMessageVisibility/GetQueueAttributes
 *   to consume (the event source mapping polls with the function's role); SendMessage on the DLQ
 *   for the consumer, which dead-letters Vipps-4xx poison itself with the reason.
 * - keys: see PspKeys; the storage key only through DynamoDB (kms:ViaService).
 * - Vipps credentials: GetSecretValue on that one secret.
 * - payments table stream: what the event source mapping polls with (DescribeStream, GetRecords,
 *   GetShardIterator on the stream; ListStreams cannot be scoped); records are decrypted with
 *   the storage key through DynamoDB.
 */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { FunctionAccess } from '../../lambdas/routes.js';
import type { PspKeys } from './keys.js';
import type { StatusQueues, WebhookQueues } from './status-sync.js';
import type { PaymentTables } from './storage.js';

export const TABLE_WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem'] as const;
export const IDEMPOTENCY_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
] as const;
export const STREAM_READ_ACTIONS = [
  'dynamodb:DescribeStream',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
] as const;
export const QUEUE_CONSUME_ACTIONS = [
  'sqs:ReceiveMessage',
  'sqs:DeleteMessage',
  'sqs:ChangeMessageVisibility',
  'sqs:GetQueueAttributes',
] as const;

export interface AccessTargets {
  tables: PaymentTables;
  queues: StatusQueues;
  webhookQueues: WebhookQueues;
  keys: PspKeys;
  vippsCredentials: secretsmanager.ISecret;
  threeDsApiKey: secretsmanager.ISecret;
  /** The selected acquirer's keys; absent with the sandbox acquirer (it has none). */
  acquirerKeys?: secretsmanager.ISecret;
}

/** Grant `role` exactly what `access` lists. */
export function grantAccess(role: iam.Role, access: FunctionAccess, targets: AccessTargets): void {
  const { tables, queues, keys, vippsCredentials, threeDsApiKey } = targets;
  const allow = (actions: readonly string[], resources: string[], conditions?: iam.Conditions) =>
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: [...actions], resources, ...(conditions ? { conditions } : {}) }),
    );
  const viaDynamoDb = {
    StringEquals: { 'kms:ViaService': `dynamodb.${Stack.of(role).region}.amazonaws.com` },
  };

  let storageKeyWrite = false;
  let storageKeyRead = false;

  if (access.table) {
    const tableArn = tables.payments.tableArn;
    const indexArns = tables.paymentsIndexNames.map((name) => `${tableArn}/index/${name}`);
    allow(['dynamodb:GetItem'], [tableArn]);
    allow(['dynamodb:Query'], [tableArn, ...indexArns]);
    storageKeyRead = true;
    if (access.table === 'readWrite') {
      allow(TABLE_WRITE_ACTIONS, [tableArn]);
      storageKeyWrite = true;
    }
  }

  if (access.tableStream === 'read') {
    const streamArn = tables.payments.tableStreamArn;
    if (!streamArn) throw new Error('tableStream access needs the payments table stream');
    allow(STREAM_READ_ACTIONS, [streamArn]);
    allow(['dynamodb:ListStreams'], ['*']);
    storageKeyRead = true;
  }

  if (access.idempotencyTable === 'readWrite') {
    allow(IDEMPOTENCY_ACTIONS, [tables.idempotency.tableArn]);
    storageKeyRead = true;
    storageKeyWrite = true;
  }

  if (storageKeyRead || storageKeyWrite) {
    const actions = [
      'kms:Decrypt',
      'kms:DescribeKey',
      ...(storageKeyWrite ? ['kms:Encrypt', 'kms:GenerateDataKey'] : []),
    ];
    allow(actions, [keys.storageKey.keyArn], viaDynamoDb);
  }

  if (access.statusQueue === 'send') {
    allow(['sqs:SendMessage'], [queues.queue.queueArn]);
  } else if (access.statusQueue === 'consume') {
    allow(QUEUE_CONSUME_ACTIONS, [queues.queue.queueArn]);
    allow(['sqs:SendMessage'], [queues.deadLetterQueue.queueArn]);
  }

  if (access.webhookQueue === 'send') {
    allow(['sqs:SendMessage'], [targets.webhookQueues.queue.queueArn]);
  } else if (access.webhookQueue === 'consume') {
    // The delivery function also sends: each retry is a new, delayed message.
    allow([...QUEUE_CONSUME_ACTIONS, 'sqs:SendMessage'], [targets.webhookQueues.queue.queueArn]);
  }

  if (access.cardDataKey === 'decrypt') keys.allowCardDataDecrypt(role);
  if (access.envelopeKey?.includes('generateDataKey')) keys.allowEnvelopeGenerateDataKey(role);
  if (access.envelopeKey?.includes('decrypt')) keys.allowEnvelopeDecrypt(role);

  if (access.vippsCredentials === 'read') {
    allow(['secretsmanager:GetSecretValue'], [vippsCredentials.secretArn]);
  }
  if (access.threeDsApiKey === 'read') {
    allow(['secretsmanager:GetSecretValue'], [threeDsApiKey.secretArn]);
  }

  if (access.acquirerKeys === 'read' && targets.acquirerKeys) {
    allow(['secretsmanager:GetSecretValue'], [targets.acquirerKeys.secretArn]);
  }
}
