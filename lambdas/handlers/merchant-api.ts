/** Lambda entry: the Merchant API (every /v1 route). */
import { routes } from '../routes.js';
import { checkoutUrl } from '../wiring/checkout.js';
import { acquirer } from '../wiring/acquirer.js';
import { clock, config } from '../wiring/context.js';
import { ePaymentClient, ePaymentStart } from '../wiring/epayment.js';
import { idempotency } from '../wiring/idempotency.js';
import { statusQueue } from '../wiring/queues.js';
import { transactions } from '../wiring/storage.js';
import { makePaymentUrl, vipps } from '../wiring/vipps.js';
import { deliveryQueue, webhookStore } from '../wiring/webhooks.js';
import { vault } from '../wiring/keys.js';
import { apiGatewayRequestId, entryDependencies, lambdaEntry } from './lambda-entry.js';
import { createMerchantApiHandler } from './merchant-api/merchant-api-handler.js';

const maxBodyBytes = Math.max(
  ...routes.filter((r) => r.function === 'merchantApi').map((r) => r.maxBodyBytes),
);
const deps = entryDependencies({
  transactions,
  acquirer,
  statusQueue,
  vipps,
  idempotency,
  clock,
  makePaymentUrl,
  checkoutUrl,
  epayment: ePaymentStart,
  ePaymentReader: ePaymentClient,
  paymentTtlSeconds: () => config().PAYMENT_TTL_SECONDS,
  maxBodyBytes: () => maxBodyBytes,
  allowHttpRedirectUrl: () => config().STAGE === 'local',
  webhooks: webhookStore,
  deliveries: deliveryQueue,
  vault,
});

export const handler = lambdaEntry(deps, createMerchantApiHandler(deps), {
  correlationId: apiGatewayRequestId,
});
