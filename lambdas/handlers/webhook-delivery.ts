/**
 * Lambda entry: the merchant-webhook delivery queue (standard SQS) → one signed delivery attempt
 * per message (core/webhooks/deliver.ts). A failed attempt is not a failed message: the next one
 * is queued with its delay by the use case, so this message is done either way. Only an error of
 * our own (table or queue unreachable) fails the message, and SQS redelivers it (then the DLQ).
 */
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { deliveryTaskSchema } from '../adapters/sqs/sqs-delivery-queue.js';
import { standardWebhooksSigner } from '../adapters/webhooks/standard-webhooks-signer.js';
import type { Log } from '../core/ports.js';
import { type DeliverDeps, type DeliveryResult, deliverEvent } from '../core/webhooks/deliver.js';
import { metricNames } from '../observability.js';
import { clock } from '../wiring/context.js';
import { vault } from '../wiring/keys.js';
import { deliveryQueue, webhookPoster, webhookStore } from '../wiring/webhooks.js';
import { entryDependencies, lambdaEntry } from './lambda-entry.js';

/** Attempts that reached a receiver and failed: what the "failing for an hour" alarm counts. */
const FAILED: ReadonlySet<DeliveryResult> = new Set(['retry-scheduled', 'gave-up', 'endpoint-disabled']);

export function createWebhookDeliveryHandler(
  deps: DeliverDeps & { log: Log; metrics?: Pick<Metrics, 'addMetric'> },
) {
  return async function webhookDelivery(event: SQSEvent): Promise<SQSBatchResponse> {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    await Promise.all(
      event.Records.map(async (record) => {
        const parsed = deliveryTaskSchema.safeParse(safeJson(record.body));
        if (!parsed.success) {
          // Not ours to retry: a malformed task never becomes valid.
          deps.log.error('Unreadable webhook delivery task dropped', { messageId: record.messageId });
          return;
        }
        try {
          const result = await deliverEvent(parsed.data, deps);
          if (result === 'delivered')
            deps.metrics?.addMetric(metricNames.webhookDeliveries, MetricUnit.Count, 1);
          else if (FAILED.has(result))
            deps.metrics?.addMetric(metricNames.webhookDeliveryFailures, MetricUnit.Count, 1);
        } catch (error) {
          deps.log.error('Webhook delivery failed on our side; SQS will redeliver', {
            messageId: record.messageId,
            error: String(error),
          });
          batchItemFailures.push({ itemIdentifier: record.messageId });
        }
      }),
    );
    return { batchItemFailures };
  };
}

/** The body as JSON, or undefined (which the task schema refuses) when it is not JSON. */
function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // not JSON: undefined below
  }
  return undefined;
}

let entry: ((event: SQSEvent, context: Context) => Promise<SQSBatchResponse>) | undefined;

export const handler = (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  if (!entry) {
    const deps = entryDependencies({
      webhooks: webhookStore,
      deliveries: deliveryQueue,
      poster: webhookPoster,
      signer: () => standardWebhooksSigner,
      vault,
      clock,
    });
    entry = lambdaEntry(deps, createWebhookDeliveryHandler(deps), { emitsMetrics: true });
  }
  return entry(event, context);
};
