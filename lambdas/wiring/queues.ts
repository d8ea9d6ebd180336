/** SQS: the FIFO status queue (the outbox for Vipps' updatestatus) and its dead-letter queue. */
import { createSqsClient } from '../adapters/aws-clients.js';
import { SqsDeadLetterQueue } from '../adapters/sqs/sqs-dead-letter-queue.js';
import { SqsStatusQueue } from '../adapters/sqs/sqs-status-queue.js';
import { config, once } from './context.js';

const sqsClient = /* @__PURE__ */ once(() => createSqsClient());

export const statusQueue = /* @__PURE__ */ once(
  () => new SqsStatusQueue({ client: sqsClient(), queueUrl: config().STATUS_QUEUE_URL }),
);
export const deadLetterQueue = /* @__PURE__ */ once(
  () => new SqsDeadLetterQueue({ client: sqsClient(), queueUrl: config().STATUS_DLQ_URL }),
);
