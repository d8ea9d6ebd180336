/** Lambda entry: Vipps' ePayment card callback (CARD_PASSTHROUGH). */
import { routes } from '../routes.js';
import { acquirer, cardFunding } from '../wiring/acquirer.js';
import { clock, config } from '../wiring/context.js';
import { cardCallbackUrl } from '../wiring/epayment.js';
import { cardData, vault } from '../wiring/keys.js';
import { statusQueue } from '../wiring/queues.js';
import { threeDsSessions, transactions } from '../wiring/storage.js';
import { threeDsUrl, vippsCredentials } from '../wiring/vipps.js';
import { createCardCallbackHandler } from './card-callback/card-callback-handler.js';
import { apiGatewayRequestId, entryDependencies, lambdaEntry } from './lambda-entry.js';

const maxBodyBytes = routes.find((r) => r.function === 'cardCallback')!.maxBodyBytes;
/** What the card callback is built from: the wiring's factories, each read on first use. */
export const cardCallbackFactories = {
  transactions,
  threeDsSessions,
  acquirer,
  cardFunding,
  cardData,
  vault,
  statusQueue,
  clock,
  threeDsUrl,
  cardCallbackUrl,
  signingSecret: () => async () => (await vippsCredentials()()).clientSecret,
  failCodes: () => config().CARD_CALLBACK_FAIL_CODES,
  acquirerBudgetMs: () => config().ACQUIRER_BUDGET_MS,
  threeDsSessionTtlSeconds: () => config().THREE_DS_SESSION_TTL_SECONDS,
  allowHttpOnLoopback: () => config().STAGE === 'local',
  maxBodyBytes: () => maxBodyBytes,
};
const deps = entryDependencies(cardCallbackFactories);

export const handler = lambdaEntry(deps, createCardCallbackHandler(deps), {
  correlationId: apiGatewayRequestId,
  emitsMetrics: true,
});
