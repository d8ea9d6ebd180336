/**
 * The checkout links' HMAC key, derived (HKDF-SHA256) from the PSP's Vipps client secret: it is
 * already a high-entropy secret in Secrets Manager that both the Merchant API (which signs links)
 * and the checkout page (which checks them) can read, so no KMS call and no second secret to
 * provision. Rotating the Vipps secret invalidates open checkout links; they live minutes only.
 */
import { hkdfSync } from 'node:crypto';
import type { VippsCredentials } from '../vipps-credentials/credentials.js';

const SALT = 'vipps-psp-gateway';
const INFO = 'checkout-token/v1';

export function checkoutKeyFrom(credentials: () => Promise<VippsCredentials>): () => Promise<Uint8Array> {
  let cached: { secret: string; key: Uint8Array } | undefined;
  return async () => {
    const { clientSecret } = await credentials();
    if (cached?.secret !== clientSecret) {
      cached = {
        secret: clientSecret,
        key: new Uint8Array(hkdfSync('sha256', clientSecret, SALT, INFO, 32)),
      };
    }
    return cached.key;
  };
}
