/** The hosted checkout: the links' HMAC key (from the Vipps credentials) and the link builder. */
import { createSecretsManagerClient } from '../adapters/aws-clients.js';
import { checkoutKeyFrom } from '../adapters/checkout/checkout-key.js';
import { secretsManagerCredentials, staticCredentials } from '../adapters/vipps-credentials/credentials.js';
import { signCheckoutToken } from '../core/checkout-token.js';
import { checkoutPath } from '../routes.js';
import { clock, config, once } from './context.js';

export const checkoutKey = /* @__PURE__ */ once(() => {
  const c = config();
  return checkoutKeyFrom(
    c.VIPPS_CREDENTIALS_SECRET_ID
      ? secretsManagerCredentials(createSecretsManagerClient(), c.VIPPS_CREDENTIALS_SECRET_ID)
      : staticCredentials({
          clientId: c.VIPPS_CLIENT_ID!,
          clientSecret: c.VIPPS_CLIENT_SECRET!,
          subscriptionKey: c.VIPPS_SUBSCRIPTION_KEY!,
        }),
  );
});

/** Our checkout page for a payment; the link lasts as long as the payment waits for the shopper. */
export const checkoutUrl = () => {
  const key = checkoutKey();
  return async (pspTransactionId: string): Promise<string> => {
    const c = config();
    const expiresAt = new Date(clock().now().getTime() + c.PAYMENT_TTL_SECONDS * 1000);
    return `${c.PUBLIC_BASE_URL}${checkoutPath(signCheckoutToken(await key(), pspTransactionId, expiresAt))}`;
  };
};
