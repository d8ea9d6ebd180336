/** What every ePayment route needs: the shared simulator state, auth rules, store and webhooks. */
import type { AuthOptions } from '../auth.js';
import { type SimRequest, type SimResponse, sha256 } from '../http-util.js';
import type { SimulatorState } from '../state.js';
import type { CardCallbackDeps } from './card-callback.js';
import { problem } from './problems.js';
import type { EPaymentStore } from './store.js';
import type { WebhookDispatcher } from './webhooks.js';

export interface EPaymentContext {
  state: SimulatorState;
  auth: AuthOptions;
  store: EPaymentStore;
  webhooks: WebhookDispatcher;
  /** Known only once the server listens (the base URL). */
  callbackDeps: () => CardCallbackDeps;
}

/** Answers that are "not now" rather than Vipps' word on this request: never stored. */
const TRANSIENT = new Set([423, 429]);

/**
 * Same Idempotency-Key and same body → the first answer again (4xx included: "a 4xx stays 4xx
 * for that key", T4); the same key with another body → 409 with `conflictCode`.
 */
export function idempotent(
  ctx: EPaymentContext,
  scope: string,
  req: SimRequest,
  conflictCode: string,
  run: () => SimResponse,
): SimResponse {
  const bodyHash = sha256(req.rawBody);
  const stored = ctx.store.idempotent.get(scope);
  if (stored) {
    if (stored.bodyHash !== bodyHash) {
      return problem(409, 'Idempotency-Key was already used with another request body (T4)', conflictCode);
    }
    return { status: stored.status, json: stored.json, replayed: true };
  }
  const answer = run();
  if (answer.status < 500 && !TRANSIENT.has(answer.status)) {
    ctx.store.idempotent.set(scope, { bodyHash, status: answer.status, json: answer.json });
  }
  return answer;
}

/** http:// is accepted only to this machine (the local stack), with a warning: Vipps needs https. */
export function urlProblem(value: string, field: string, warnings: string[]): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${field} must be an absolute https:// URL`;
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
    warnings.push(`${field} is http:// on this machine: Vipps would refuse it (https only)`);
    return undefined;
  }
  return `${field} must be an https:// URL`;
}
