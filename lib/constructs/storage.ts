/**
 * The DynamoDB tables, laid out exactly as lambdas/adapters/dynamo/table-design.ts describes
 * (the same description the local dynalite boot uses).
 *
 * Both tables are on-demand (payment traffic is spiky and small), encrypted with the customer-managed
 * storage key, point-in-time recoverable, deletion-protected and RETAINed in every stage: a sandbox
 * table holds the payments Vipps' test environment knows about, and losing them breaks the
 * checklist runs Vipps asks for before go-live.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { idempotencyTable, paymentsTable } from '../../lambdas/adapters/dynamo/table-design.js';

export interface PaymentTablesProps {
  encryptionKey: kms.IKey;
}

export class PaymentTables extends Construct {
  /** Payments, merchants, API key hashes and 3-D Secure sessions (single table). */
  readonly payments: dynamodb.Table;
  /** Powertools Idempotency records for the Merchant API. */
  readonly idempotency: dynamodb.Table;
  /** Names of the payments table's global secondary indexes (for index-scoped grants). */
  readonly paymentsIndexNames: readonly string[];

  constructor(scope: Construct, id: string, props: PaymentTablesProps) {
    super(scope, id);
    // Table, not TableV2: TableV2 (a global table) cannot render a customer-managed key in an
    // environment-agnostic stack, and this stack must synthesize without an account or region.
    const common = {
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.encryptionKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    } as const;

    this.payments = new dynamodb.Table(this, 'Payments', {
      ...common,
      partitionKey: { name: paymentsTable.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: paymentsTable.sortKey, type: dynamodb.AttributeType.STRING },
      // TTL only tidies up; expiry is always checked in code (TTL deletes lazily, dynalite never).
      timeToLiveAttribute: paymentsTable.ttlAttribute,
      // The outbox's relay: each payment's new image triggers the event dispatcher (merchant
      // webhooks), so the write's caller never waits for the hand-over. New images only: the
      // dispatcher needs nothing of the old one.
      stream: dynamodb.StreamViewType.NEW_IMAGE,
    });
    const indexNames: string[] = [];
    for (const [indexName, keys] of Object.entries(paymentsTable.indexes)) {
      this.payments.addGlobalSecondaryIndex({
        indexName,
        partitionKey: { name: keys.partitionKey, type: dynamodb.AttributeType.STRING },
        ...('sortKey' in keys
          ? { sortKey: { name: keys.sortKey, type: dynamodb.AttributeType.STRING } }
          : {}),
        projectionType: dynamodb.ProjectionType.ALL,
      });
      indexNames.push(indexName);
    }
    this.paymentsIndexNames = indexNames;

    this.idempotency = new dynamodb.Table(this, 'Idempotency', {
      ...common,
      partitionKey: { name: idempotencyTable.partitionKey, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: idempotencyTable.ttlAttribute,
    });
  }
}
