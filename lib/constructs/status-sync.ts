/**
 * The outbox of status updates for Vipps: an SQS FIFO queue (MessageGroupId = pspTransactionId,
 * so one payment's updates stay in order) and its FIFO dead-letter queue.
 *
 * - Visibility timeout is 6× the updater's timeout (AWS's rule for Lambda-consumed queues), taken
 *   from lambdas/routes.ts so a longer timeout there cannot silently break the mapping.
 * - maxReceiveCount 5: throttling alone must not dead-letter a message (AWS guidance).
 * - High-throughput FIFO (dedup and throughput per message group): ordering only matters within
 *   one payment.
 * - SSE-SQS: status messages carry ids, amounts and states, never card data.
 * - The updater also writes Vipps-4xx poison to the DLQ itself, with the reason as an attribute.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Stage } from '../stage-config.js';

/** Lambda requires a visibility timeout ≥ the function timeout; AWS recommends 6×. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;
export const MAX_RECEIVE_COUNT = 5;

export interface StatusQueuesProps {
  stage: Stage;
  /** Timeout of the function that consumes the queue. */
  consumerTimeout: Duration;
}

export class StatusQueues extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: StatusQueuesProps) {
    super(scope, id);
    // In-flight updates are owed to Vipps: keep the queues if a production stack is ever deleted.
    const removalPolicy = props.stage === 'production' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      fifo: true,
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy,
    });

    this.queue = new sqs.Queue(this, 'Queue', {
      fifo: true,
      contentBasedDeduplication: false,
      deduplicationScope: sqs.DeduplicationScope.MESSAGE_GROUP,
      fifoThroughputLimit: sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
      visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * VISIBILITY_TIMEOUT_FACTOR),
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
      removalPolicy,
    });
  }
}

/**
 * The merchant-webhook delivery queue (standard: order is not promised, events carry their
 * version) and its DLQ. Receivers' failures never reach the DLQ — each retry is a new, delayed
 * message — only messages our own delivery function kept failing on (table or KMS down).
 */
export class WebhookQueues extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: StatusQueuesProps) {
    super(scope, id);
    const removalPolicy = props.stage === 'production' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy,
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * VISIBILITY_TIMEOUT_FACTOR),
      retentionPeriod: Duration.days(4),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
      removalPolicy,
    });
  }
}
