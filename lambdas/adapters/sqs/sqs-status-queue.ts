/**
 * StatusQueue on SQS FIFO: one message per status update. MessageGroupId = pspTransactionId keeps
 * one payment's updates in order; MessageDeduplicationId = `${pspTransactionId}-${seq}` makes a
 * re-enqueue of the same update (a retried request, the reconciler re-sending) a no-op for
 * SQS's 5-minute deduplication window — beyond it the updater's acknowledged-seq check decides.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { StatusQueue } from '../../core/ports.js';
import type { StatusUpdate } from '../../core/transaction.js';
import { serializeStatusUpdate } from './status-update-message.js';

export function statusMessageDeduplicationId(update: Pick<StatusUpdate, 'pspTransactionId' | 'seq'>): string {
  return `${update.pspTransactionId}-${update.seq}`;
}

export interface SqsStatusQueueOptions {
  client: SQSClient;
  /** The FIFO status queue. */
  queueUrl: string;
}

export class SqsStatusQueue implements StatusQueue {
  private readonly sqs: SQSClient;
  private readonly queueUrl: string;

  constructor(options: SqsStatusQueueOptions) {
    this.sqs = options.client;
    this.queueUrl = options.queueUrl;
  }

  async enqueue(update: StatusUpdate): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: serializeStatusUpdate(update),
        MessageGroupId: update.pspTransactionId,
        MessageDeduplicationId: statusMessageDeduplicationId(update),
      }),
    );
  }
}
