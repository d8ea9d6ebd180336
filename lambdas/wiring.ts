/**
 * Every adapter at once, for the local stack and tests. Lambda entry points do NOT import this
 * file: each composes only the factories it uses from lambdas/wiring/ so its bundle carries only
 * the SDK clients it needs. The factories are memoised per container, so an object from here
 * shares its instances (e.g. the acquirer) with the handlers running in the same process.
 */
import { acquirer, cardFunding } from './wiring/acquirer.js';
import { clock, config, lazyDependencies, type Resolved } from './wiring/context.js';
import { ePaymentClient, ePaymentStart } from './wiring/epayment.js';
import { idempotency } from './wiring/idempotency.js';
import { cardData, vault } from './wiring/keys.js';
import { deadLetterQueue, statusQueue } from './wiring/queues.js';
import { merchants, threeDsSessions, transactions } from './wiring/storage.js';
import { threeDsServer } from './wiring/three-ds.js';
import { makePaymentUrl, threeDsUrl, vipps } from './wiring/vipps.js';

export { resetDependencies } from './wiring/context.js';

const all = {
  config,
  clock,
  transactions,
  merchants,
  threeDsSessions,
  statusQueue,
  deadLetterQueue,
  vipps,
  acquirer,
  cardFunding,
  cardData,
  vault,
  threeDsServer,
  idempotency,
  makePaymentUrl,
  threeDsUrl,
  ePaymentClient,
  epayment: ePaymentStart,
};

export type AllDependencies = Resolved<typeof all>;

export function getDependencies(): AllDependencies {
  return lazyDependencies(all);
}
