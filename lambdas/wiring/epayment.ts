/** The Vipps ePayment API client (CARD_PASSTHROUGH), sharing the PSP API v3 credentials and token. */
import { createEPaymentClient } from '../adapters/vipps/epayment/epayment-client.js';
import { createStatusReporter } from '../adapters/vipps/status-reporter.js';
import type { EPaymentStartDeps } from '../core/use-cases/start-at-vipps.js';
import { DynamoVippsEventStore } from '../adapters/dynamo/vipps-event-store.js';
import { CARD_CALLBACK_PATH, VIPPS_WEBHOOKS_PATH } from '../routes.js';
import { config, once } from './context.js';
import { documents } from './storage-clients.js';
import { vipps, vippsCredentials } from './vipps.js';

export const ePaymentClient = /* @__PURE__ */ once(() => {
  const c = config();
  return createEPaymentClient({
    baseUrl: c.VIPPS_BASE_URL,
    pspId: c.VIPPS_PSP_ID,
    systemName: c.VIPPS_SYSTEM_NAME,
    systemVersion: c.VIPPS_SYSTEM_VERSION,
    timeoutMs: c.VIPPS_TIMEOUT_MS,
    credentials: vippsCredentials(),
  });
});

/** PUBLIC_BASE_URL + the card-callback path: what we send at create, and the URL Vipps signs. */
export const cardCallbackUrl = () => `${config().PUBLIC_BASE_URL}${CARD_CALLBACK_PATH}`;

export const ePaymentStart = (): EPaymentStartDeps => ({
  api: ePaymentClient(),
  cardCallbackUrl: cardCallbackUrl(),
});

/** The status outbox's sender: PSP API v3 updatestatus, or ePayment calls, by the payment's API. */
export const statusReporter = /* @__PURE__ */ once(() =>
  createStatusReporter({ pspV3: vipps(), ePayment: ePaymentClient }),
);

/** PUBLIC_BASE_URL + the webhooks path: what the PSP registers, and the URL Vipps signs. */
export const webhookUrl = () => `${config().PUBLIC_BASE_URL}${VIPPS_WEBHOOKS_PATH}`;

/** VIPPS_WEBHOOK_SECRET, else `webhookSecret` in the Vipps credentials secret (rotation without redeploy). */
export const webhookSecret = () => async (): Promise<string | undefined> =>
  config().VIPPS_WEBHOOK_SECRET ?? (await vippsCredentials()()).webhookSecret;

export const vippsEvents = /* @__PURE__ */ once(
  () => new DynamoVippsEventStore({ client: documents(), tableName: config().TABLE_NAME }),
);
