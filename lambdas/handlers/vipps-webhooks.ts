/** Lambda entry: Vipps' ePayment webhook events. */
import { routes } from '../routes.js';
import { clock } from '../wiring/context.js';
import { vippsEvents, webhookSecret, webhookUrl } from '../wiring/epayment.js';
import { transactions } from '../wiring/storage.js';
import { apiGatewayRequestId, entryDependencies, lambdaEntry } from './lambda-entry.js';
import { createVippsWebhookHandler } from './vipps-webhooks/webhook-handler.js';

const maxBodyBytes = routes.find((r) => r.function === 'vippsWebhooks')!.maxBodyBytes;
const deps = entryDependencies({
  transactions,
  events: vippsEvents,
  clock,
  webhookUrl,
  webhookSecret,
  maxBodyBytes: () => maxBodyBytes,
});

export const handler = lambdaEntry(deps, createVippsWebhookHandler(deps), {
  correlationId: apiGatewayRequestId,
  emitsMetrics: true,
});
