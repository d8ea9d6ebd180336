/**
 * DeliveryQueue on a standard SQS queue: one message per delivery attempt, delayed by up to
 * SQS's 900 s. Longer waits in the backoff schedule are several hops: the worker sends a task
 * that arrives before its `notBefore` back with the rest of the wait.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod/mini';
import { MAX_QUEUE_DELAY_SECONDS } from '../../core/webhooks/backoff.js';
import type { DeliveryQueue, DeliveryTask } from '../../core/webhooks/ports.js';

export const deliveryTaskSchema = z.object({
  merchantId: z.string().check(z.minLength(1)),
  eventId: z.string().check(z.minLength(1)),
  endpointId: z.string().check(z.minLength(1)),
  attempt: z.int().check(z.positive()),
  notBefore: z.iso.datetime(),
});

export class SqsDeliveryQueue implements DeliveryQueue {
  constructor(private readonly options: { client: SQSClient; queueUrl: string }) {}

  async send(task: DeliveryTask, delaySeconds: number): Promise<void> {
    await this.options.client.send(
      new SendMessageCommand({
        QueueUrl: this.options.queueUrl,
        MessageBody: JSON.stringify(task),
        DelaySeconds: Math.min(MAX_QUEUE_DELAY_SECONDS, Math.max(0, Math.round(delaySeconds))),
      }),
    );
  }
}
