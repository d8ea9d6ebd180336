/** Lambda entry: Vipps' makePaymentUrl. */
import { routes } from '../routes.js';
import { acquirer, cardFunding } from '../wiring/acquirer.js';
import { clock, config } from '../wiring/context.js';
import { cardData, vault } from '../wiring/keys.js';
import { statusQueue } from '../wiring/queues.js';
import { threeDsSessions, transactions } from '../wiring/storage.js';
import { threeDsUrl } from '../wiring/vipps.js';
import { apiGatewayRequestId, entryDependencies, lambdaEntry } from './lambda-entry.js';
import { createMakePaymentHandler } from './make-payment/make-payment-handler.js';

const maxBodyBytes = routes.find((r) => r.function === 'makePayment')!.maxBodyBytes;
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
  acquirerBudgetMs: () => config().ACQUIRER_BUDGET_MS,
  threeDsSessionTtlSeconds: () => config().THREE_DS_SESSION_TTL_SECONDS,
  // Only the local stage's simulator has http operations URLs (on 127.0.0.1).
  allowHttpOnLoopback: () => config().STAGE === 'local',
  maxBodyBytes: () => maxBodyBytes,
});

export const handler = lambdaEntry(deps, createMakePaymentHandler(deps), {
  correlationId: apiGatewayRequestId,
  emitsMetrics: true,
});
