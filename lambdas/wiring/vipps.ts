/** The Vipps PSP API v3 client, with credentials from Secrets Manager in AWS. */
import { createSecretsManagerClient } from '../adapters/aws-clients.js';
import { secretsManagerCredentials, staticCredentials } from '../adapters/vipps-credentials/credentials.js';
import { createVippsClient } from '../adapters/vipps/vipps-client.js';
import { MAKE_PAYMENT_PATH, threeDsPath } from '../routes.js';
import { config, once } from './context.js';

/** The PSP's Vipps credentials (shared by PSP API v3 and ePayment; the client secret also keys the card-callback HMAC). */
export const vippsCredentials = /* @__PURE__ */ once(() => {
  const c = config();
  return c.VIPPS_CREDENTIALS_SECRET_ID
    ? secretsManagerCredentials(createSecretsManagerClient(), c.VIPPS_CREDENTIALS_SECRET_ID)
    : staticCredentials({
        clientId: c.VIPPS_CLIENT_ID!,
        clientSecret: c.VIPPS_CLIENT_SECRET!,
        subscriptionKey: c.VIPPS_SUBSCRIPTION_KEY!,
      });
});

export const vipps = /* @__PURE__ */ once(() => {
  const c = config();
  return createVippsClient({
    baseUrl: c.VIPPS_BASE_URL,
    pspId: c.VIPPS_PSP_ID,
    systemName: c.VIPPS_SYSTEM_NAME,
    systemVersion: c.VIPPS_SYSTEM_VERSION,
    timeoutMs: c.VIPPS_TIMEOUT_MS,
    credentials: vippsCredentials(),
  });
});

/** PUBLIC_BASE_URL + the make-payment path: what we send Vipps at init. */
export const makePaymentUrl = () => `${config().PUBLIC_BASE_URL}${MAKE_PAYMENT_PATH}`;
export const threeDsUrl = () => (sessionId: string) => `${config().PUBLIC_BASE_URL}${threeDsPath(sessionId)}`;
