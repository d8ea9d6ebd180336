/**
 * Direct sends to the FIFO dead-letter queue, for messages we know can never succeed (Vipps
 * answered 4xx, or the body is not a status update): retrying them would only block their group.
 * The reason travels as a message attribute so ops see it beside the body before a redrive.
 */
import { createHash } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

export const DEAD_LETTER_REASON_ATTRIBUTE = 'deadLetterReason';
/** SQS caps a message (body + attributes); reasons are for humans, keep them short. */
const MAX_REASON_LENGTH = 1024;

export interface SqsDeadLetterQueueOptions {
  client: SQSClient;
  /** The FIFO dead-letter queue of the status queue. */
  queueUrl: string;
}

export class SqsDeadLetterQueue {
  private readonly sqs: SQSClient;
  private readonly queueUrl: string;

  constructor(options: SqsDeadLetterQueueOptions) {
    this.sqs = options.client;
    this.queueUrl = options.queueUrl;
  }

  /**
   * `groupId` keeps dead letters of one payment together and in order. The deduplication id is
   * the hash of the body and the source message id, so a poison message that is dead-lettered
   * twice (a retried invocation) is stored once, but one rejected again after a redrive (a new
   * message id, within SQS's 5-minute window) is stored again rather than silently dropped.
   */
  async send(body: string, reason: string, groupId: string, sourceMessageId = ''): Promise<void> {
    const text = reason.trim() || 'unspecified';
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: body,
        MessageGroupId: groupId,
        MessageDeduplicationId: createHash('sha256')
          .update(`${sourceMessageId}\n${body}`, 'utf8')
          .digest('hex'),
        MessageAttributes: {
          [DEAD_LETTER_REASON_ATTRIBUTE]: {
            DataType: 'String',
            StringValue: text.length > MAX_REASON_LENGTH ? `${text.slice(0, MAX_REASON_LENGTH - 1)}…` : text,
          },
        },
      }),
    );
  }
}
