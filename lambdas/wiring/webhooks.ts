/** Merchant webhooks: the endpoint/event store, the delivery queue, and the HTTP poster. */
import { createSqsClient } from '../adapters/aws-clients.js';
import { DynamoWebhookStore } from '../adapters/dynamo/webhook-store.js';
import { SqsDeliveryQueue } from '../adapters/sqs/sqs-delivery-queue.js';
import { HttpWebhookPoster } from '../adapters/webhooks/http-poster.js';
import type { DeliveryQueue } from '../core/webhooks/ports.js';
import type { DispatchDeps } from '../core/webhooks/dispatch.js';
import { clock, config, once } from './context.js';
import { documents } from './storage-clients.js';

export const webhookStore = /* @__PURE__ */ once(
  () => new DynamoWebhookStore({ client: documents(), tableName: config().TABLE_NAME }),
);

const sqsClient = /* @__PURE__ */ once(() => createSqsClient());

export const deliveryQueue = /* @__PURE__ */ once((): DeliveryQueue => {
  const queueUrl = config().WEBHOOK_QUEUE_URL;
  if (!queueUrl) {
    return {
      send: () => Promise.reject(new Error('WEBHOOK_QUEUE_URL is not set: events stay in the outbox')),
    };
  }
  return new SqsDeliveryQueue({ client: sqsClient(), queueUrl });
});

export const eventDispatch = /* @__PURE__ */ once((): DispatchDeps => ({
  webhooks: webhookStore(),
  deliveries: deliveryQueue(),
  outbox: webhookStore(),
  clock: clock(),
}));

/** Only the local stage may post to http or to a receiver on the laptop's own network. */
export const webhookPoster = /* @__PURE__ */ once(
  () => new HttpWebhookPoster({ allowPrivateNetwork: config().STAGE === 'local' }),
);
