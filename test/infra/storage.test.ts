import { afterAll, describe, expect, it } from 'vitest';
import { idempotencyTable, paymentsTable } from '../../lambdas/adapters/dynamo/table-design.js';
import { functions } from '../../lambdas/routes.js';
import { synthesizePsp } from './psp-template.js';

const psp = synthesizePsp();
afterAll(() => psp.dispose());

const { stack } = psp;
const props = (construct: Parameters<typeof psp.logicalId>[0]) => psp.resources[psp.logicalId(construct)]!;

describe.each([
  ['payments', stack.tables.payments, paymentsTable.ttlAttribute],
  ['idempotency', stack.tables.idempotency, idempotencyTable.ttlAttribute],
] as const)('%s table', (_name, table, ttlAttribute) => {
  const resource = props(table);

  it('is on-demand, point-in-time recoverable, deletion-protected and retained', () => {
    expect(resource.Properties!.BillingMode).toBe('PAY_PER_REQUEST');
    expect(resource.Properties!.PointInTimeRecoverySpecification).toEqual({
      PointInTimeRecoveryEnabled: true,
    });
    expect(resource.Properties!.DeletionProtectionEnabled).toBe(true);
    expect(resource.DeletionPolicy).toBe('Retain');
    expect(resource.UpdateReplacePolicy).toBe('Retain');
  });

  it('is encrypted with the customer-managed storage key', () => {
    expect(resource.Properties!.SSESpecification).toEqual({
      SSEEnabled: true,
      SSEType: 'KMS',
      KMSMasterKeyId: { 'Fn::GetAtt': [psp.logicalId(stack.keys.storageKey), 'Arn'] },
    });
  });

  it(`expires items through the TTL attribute ${ttlAttribute}`, () => {
    expect(resource.Properties!.TimeToLiveSpecification).toEqual({
      AttributeName: ttlAttribute,
      Enabled: true,
    });
  });
});

describe('payments table layout (table-design.ts)', () => {
  const table = props(stack.tables.payments).Properties!;

  it('keys on pk/sk', () => {
    expect(table.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
  });

  it('has the byMerchantOrder and byDue indexes', () => {
    const indexes = table.GlobalSecondaryIndexes as {
      IndexName: string;
      KeySchema: unknown;
      Projection: unknown;
    }[];
    expect(indexes).toEqual([
      {
        IndexName: 'byMerchantOrder',
        KeySchema: [{ AttributeName: 'gsi1pk', KeyType: 'HASH' }],
        Projection: { ProjectionType: 'ALL' },
      },
      {
        IndexName: 'byDue',
        KeySchema: [
          { AttributeName: 'duePk', KeyType: 'HASH' },
          { AttributeName: 'dueAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
  });

  it('the idempotency table keys on id', () => {
    expect(props(stack.tables.idempotency).Properties!.KeySchema).toEqual([
      { AttributeName: 'id', KeyType: 'HASH' },
    ]);
  });
});

describe('status queue', () => {
  const queue = props(stack.statusQueues.queue);
  const dlq = props(stack.statusQueues.deadLetterQueue);
  const dlqId = psp.logicalId(stack.statusQueues.deadLetterQueue);

  it('is FIFO and dead-letters to a FIFO DLQ after 5 receives', () => {
    expect(queue.Properties!.FifoQueue).toBe(true);
    expect(dlq.Properties!.FifoQueue).toBe(true);
    expect(queue.Properties!.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
      maxReceiveCount: 5,
    });
  });

  it('hides a message for at least 6× the status updater’s timeout', () => {
    expect(queue.Properties!.VisibilityTimeout).toBeGreaterThanOrEqual(
      6 * functions.statusUpdater.timeoutSeconds,
    );
  });

  it('deduplicates per payment (high-throughput FIFO) and keeps messages 14 days', () => {
    expect(queue.Properties).toMatchObject({
      DeduplicationScope: 'messageGroup',
      FifoThroughputLimit: 'perMessageGroupId',
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    expect(dlq.Properties!.MessageRetentionPeriod).toBe(14 * 24 * 3600);
  });

  it('both queues are encrypted and refuse plain HTTP', () => {
    for (const q of [queue, dlq]) expect(q.Properties!.SqsManagedSseEnabled).toBe(true);
    for (const q of [stack.statusQueues.queue, stack.statusQueues.deadLetterQueue]) {
      psp.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: psp.logicalId(q) }],
        PolicyDocument: {
          Statement: [
            {
              Effect: 'Deny',
              Action: 'sqs:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              Principal: { AWS: '*' },
            },
          ],
        },
      });
    }
  });
});

describe('keys', () => {
  it('the card-data key is RSA_2048 for encryption, retained', () => {
    const key = props(stack.keys.cardDataKey);
    expect(key.Properties).toMatchObject({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' });
    expect(key.DeletionPolicy).toBe('Retain');
  });

  it('the envelope and storage keys are symmetric, rotated and retained', () => {
    for (const k of [stack.keys.envelopeKey, stack.keys.storageKey]) {
      const key = props(k);
      expect(key.Properties!.KeySpec).toBeUndefined(); // SYMMETRIC_DEFAULT
      expect(key.Properties!.EnableKeyRotation).toBe(true);
      expect(key.DeletionPolicy).toBe('Retain');
    }
  });

  it('the Vipps credentials secret is retained', () => {
    expect(props(stack.vippsCredentials.secret).DeletionPolicy).toBe('Retain');
  });
});
