/**
 * Adyen: the Checkout acquirer and the webhook HMAC key, from one Secrets Manager secret
 * {apiKey, hmacKey} (or plain variables on the local stack). Its own module, so only functions
 * that use Adyen bundle Adyen's library.
 */
import * as z from 'zod/mini';
import { secretJson } from '../adapters/acquirer/acquirer-secrets.js';
import { AdyenAcquirer } from '../adapters/acquirer/adyen/adyen-acquirer.js';
import { createSecretsManagerClient } from '../adapters/aws-clients.js';
import { createLogger } from '../adapters/observability/logger.js';
import type { Acquirer } from '../core/ports.js';
import { config, once } from './context.js';

export interface AdyenKeys {
  apiKey: string;
  /** The webhook HMAC key, hex. */
  hmacKey: string;
}

const adyenSecret = z.object({
  apiKey: z.string().check(z.minLength(1)),
  hmacKey: z.string().check(z.regex(/^([0-9a-fA-F]{2})+$/)),
});

export const adyenKeys = /* @__PURE__ */ once((): (() => Promise<AdyenKeys>) => {
  const c = config();
  if (c.ADYEN_SECRET_ID)
    return secretJson(createSecretsManagerClient(), c.ADYEN_SECRET_ID, adyenSecret, '{apiKey, hmacKey}');
  const local = { apiKey: c.ADYEN_API_KEY!, hmacKey: c.ADYEN_HMAC_KEY! };
  return () => Promise.resolve(local);
});

export function adyenAcquirer(): Acquirer {
  const c = config();
  const keys = adyenKeys();
  return new AdyenAcquirer({
    merchantAccount: c.ADYEN_MERCHANT_ACCOUNT!,
    environment: c.ADYEN_ENVIRONMENT,
    ...(c.ADYEN_LIVE_URL_PREFIX ? { liveUrlPrefix: c.ADYEN_LIVE_URL_PREFIX } : {}),
    apiKey: async () => (await keys()).apiKey,
    timeoutMs: c.ACQUIRER_BUDGET_MS,
    ...(c.ADYEN_CHECKOUT_URL ? { checkoutUrl: c.ADYEN_CHECKOUT_URL } : {}),
    log: createLogger(),
  });
}
