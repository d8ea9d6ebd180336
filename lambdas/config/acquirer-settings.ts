/**
 * Each real acquirer's settings, checked at start when it is the one selected (ACQUIRER), each
 * problem naming the variable. Keys come from Secrets Manager (`*_SECRET_ID`, JSON); the plain
 * key variables are for the local stack and its simulators only.
 */
import * as z from 'zod/mini';

const nonEmpty = z.string().check(z.minLength(1, 'must not be empty'));
const url = z.pipe(
  z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  z.transform((u: string) => u.replace(/\/+$/, '')),
);

export const acquirerSettings = {
  /** https://gateway.clearhaus.com, or https://gateway.test.clearhaus.com for Clearhaus' test. */
  CLEARHAUS_BASE_URL: z.optional(url),
  /** Secret JSON {apiKey, signingApiKey, signingPrivateKey}. */
  CLEARHAUS_SECRET_ID: z.optional(nonEmpty),
  CLEARHAUS_API_KEY: z.optional(nonEmpty),
  CLEARHAUS_SIGNING_API_KEY: z.optional(nonEmpty),
  CLEARHAUS_SIGNING_PRIVATE_KEY: z.optional(
    z.string().check(z.regex(/-----BEGIN (RSA )?PRIVATE KEY-----/, 'must be an RSA private key in PEM')),
  ),
  /** Adyen's TEST or LIVE platform. */
  ADYEN_ENVIRONMENT: z._default(z.enum(['TEST', 'LIVE']), 'TEST'),
  /** LIVE only: the account's prefix for checkout-live URLs (Customer Area → API URLs). */
  ADYEN_LIVE_URL_PREFIX: z.optional(z.string().check(z.regex(/^[a-z0-9-]+$/, 'must be the prefix only'))),
  ADYEN_MERCHANT_ACCOUNT: z.optional(nonEmpty),
  /** Secret JSON {apiKey, hmacKey}: the Checkout API key and the webhook HMAC key (hex). */
  ADYEN_SECRET_ID: z.optional(nonEmpty),
  ADYEN_API_KEY: z.optional(nonEmpty),
  ADYEN_HMAC_KEY: z.optional(z.string().check(z.regex(/^([0-9a-fA-F]{2})+$/, 'must be hex'))),
  /** Local only: the Adyen simulator instead of Adyen's Checkout URL. */
  ADYEN_CHECKOUT_URL: z.optional(url),
};

interface AcquirerFields {
  STAGE: string;
  ACQUIRER: string;
  CLEARHAUS_BASE_URL?: string | undefined;
  CLEARHAUS_SECRET_ID?: string | undefined;
  CLEARHAUS_API_KEY?: string | undefined;
  CLEARHAUS_SIGNING_API_KEY?: string | undefined;
  CLEARHAUS_SIGNING_PRIVATE_KEY?: string | undefined;
  ADYEN_ENVIRONMENT?: string;
  ADYEN_LIVE_URL_PREFIX?: string | undefined;
  ADYEN_MERCHANT_ACCOUNT?: string | undefined;
  ADYEN_SECRET_ID?: string | undefined;
  ADYEN_API_KEY?: string | undefined;
  ADYEN_HMAC_KEY?: string | undefined;
  ADYEN_CHECKOUT_URL?: string | undefined;
}

const when = (acquirer: string, test: (c: AcquirerFields) => unknown, path: string, message: string) =>
  z.refine<AcquirerFields>((c) => c.ACQUIRER !== acquirer || Boolean(test(c)), { message, path: [path] });

export const acquirerRules = [
  when('clearhaus', (c) => c.CLEARHAUS_BASE_URL, 'CLEARHAUS_BASE_URL', 'is required when ACQUIRER=clearhaus'),
  when(
    'clearhaus',
    (c) =>
      c.CLEARHAUS_SECRET_ID ||
      (c.CLEARHAUS_API_KEY && c.CLEARHAUS_SIGNING_API_KEY && c.CLEARHAUS_SIGNING_PRIVATE_KEY),
    'CLEARHAUS_SECRET_ID',
    'set CLEARHAUS_SECRET_ID, or CLEARHAUS_API_KEY + CLEARHAUS_SIGNING_API_KEY + CLEARHAUS_SIGNING_PRIVATE_KEY (local only)',
  ),
  when('adyen', (c) => c.ADYEN_MERCHANT_ACCOUNT, 'ADYEN_MERCHANT_ACCOUNT', 'is required when ACQUIRER=adyen'),
  when(
    'adyen',
    (c) => c.ADYEN_SECRET_ID || (c.ADYEN_API_KEY && c.ADYEN_HMAC_KEY),
    'ADYEN_SECRET_ID',
    'set ADYEN_SECRET_ID, or ADYEN_API_KEY + ADYEN_HMAC_KEY (local only)',
  ),
  when(
    'adyen',
    (c) => c.ADYEN_ENVIRONMENT !== 'LIVE' || c.ADYEN_LIVE_URL_PREFIX,
    'ADYEN_LIVE_URL_PREFIX',
    'is required when ADYEN_ENVIRONMENT=LIVE',
  ),
  // Keys in plain variables and the simulator URL are for a laptop, never for a deployment.
  z.refine<AcquirerFields>(
    (c) =>
      c.STAGE === 'local' ||
      !(c.CLEARHAUS_API_KEY || c.CLEARHAUS_SIGNING_PRIVATE_KEY || c.ADYEN_API_KEY || c.ADYEN_HMAC_KEY),
    {
      message: 'acquirer keys come from Secrets Manager outside the local stage (use *_SECRET_ID)',
      path: ['ACQUIRER'],
    },
  ),
  z.refine<AcquirerFields>((c) => c.STAGE === 'local' || !c.ADYEN_CHECKOUT_URL, {
    message: 'is for the local Adyen simulator only',
    path: ['ADYEN_CHECKOUT_URL'],
  }),
] as const;
