/** Lambda entry: Vipps' makePaymentUrl. */
import { acquirer, cardFunding } from '../wiring/acquirer.js';
import { clock, config } from '../wiring/context.js';
import { cardData, vault } from '../wiring/keys.js';
import { statusQueue } from '../wiring/queues.js';
import { threeDsSessions, transactions } from '../wiring/storage.js';
import { threeDsUrl } from '../wiring/vipps.js';
import { apiGatewayRequestId, entryDependencies, lambdaEntry } from './lambda-entry.js';
import { createMakePaymentHandler } from './make-payment/make-payment-handler.js';
import { makePaymentSettings } from './make-payment/settings.js';

const deps = entryDependencies({
  transactions,
  threeDsSessions,
  acquirer,
  cardFunding,
  cardData,
  vault,
  statusQueue,
  clock,
  threeDsUrl,
  ...makePaymentSettings(config),
});

export const handler = lambdaEntry(deps, createMakePaymentHandler(deps), {
  correlationId: apiGatewayRequestId,
  emitsMetrics: true,
});
