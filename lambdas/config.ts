/**
 * The configuration, from environment variables, validated once at cold start. A missing or
 * malformed variable stops start-up with an error naming it. Secrets (Vipps credentials) come
 * from Secrets Manager in AWS (VIPPS_CREDENTIALS_SECRET_ID, CLEARHAUS_SECRET_ID, ADYEN_SECRET_ID)
 * and from plain variables only locally.
 */
import * as z from 'zod/mini';
import { OFFICIAL_BUTTON_SCRIPT_URL } from './adapters/checkout/vipps-button.js';
import { acquirerRules, acquirerSettings } from './config/acquirer-settings.js';

const nonEmpty = z.string().check(z.minLength(1, 'must not be empty'));
const positiveInt = (fallback: number) =>
  z._default(
    z.pipe(z.coerce.number(), z.int().check(z.positive('must be a positive whole number'))),
    fallback,
  );
const flag = (fallback: boolean) =>
  z._default(
    z.pipe(
      z.enum(['true', 'false'], { error: 'must be true or false' }),
      z.transform((v: 'true' | 'false') => v === 'true'),
    ),
    fallback,
  );
const baseUrl = z.pipe(
  z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  z.transform((u: string) => u.replace(/\/+$/, '')),
);

/**
 * FRAME_ANCESTORS: who may frame the 3-D Secure pages (CSP frame-ancestors), separated by spaces
 * or commas: 'self', https origins (a leading `*.` wildcard allowed), http on loopback (local
 * stage only), or 'none' alone. Never `*` or a bare scheme: any site could then frame the page.
 * Unset: 'self' and Vipps' own domains (see pages/security-headers.ts).
 */
const FRAME_SOURCE = [
  /^'self'$/,
  /^https:\/\/(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)+(:\d{1,5})?$/i,
  /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d{1,5})?$/i,
];
const frameSources = (value: string) => value.split(/[\s,]+/).filter(Boolean);
const frameAncestors = z.pipe(
  z.string().check(
    z.refine((value) => {
      const sources = frameSources(value);
      if (sources.length === 1 && sources[0] === "'none'") return true;
      return sources.length > 0 && sources.every((s) => FRAME_SOURCE.some((re) => re.test(s)));
    }, "must be 'none' or a list of 'self' and https origins (http only on loopback), never *"),
  ),
  z.transform(frameSources),
);

/** Where production talks to others: a simulator or stand-in is plain http here, real parties https. */
const HTTPS_IN_PRODUCTION = [
  'VIPPS_BASE_URL',
  'PUBLIC_BASE_URL',
  'CLEARHAUS_BASE_URL',
  'CHECKOUT_BUTTON_SCRIPT_URL',
] as const;

function httpsInProduction(name: (typeof HTTPS_IN_PRODUCTION)[number]) {
  return z.refine<{ STAGE: string } & Partial<Record<typeof name, string>>>(
    (c) => c.STAGE !== 'production' || !c[name] || c[name].startsWith('https://'),
    { message: 'production talks to real parties over https only', path: [name] },
  );
}

const configSchema = z
  .object({
    STAGE: z.enum(['local', 'sandbox', 'production']),
    TABLE_NAME: nonEmpty,
    IDEMPOTENCY_TABLE_NAME: nonEmpty,
    STATUS_QUEUE_URL: z.url({ error: 'must be the SQS queue URL' }),
    /** The status queue's FIFO dead-letter queue: the updater puts Vipps-4xx poison here with the reason. */
    STATUS_DLQ_URL: z.url({ error: 'must be the SQS queue URL' }),
    /**
     * The merchant-webhook delivery queue (standard SQS). Unset: events stay in each payment's
     * outbox (nothing is lost) and the reconciler logs that it cannot hand them over.
     */
    WEBHOOK_QUEUE_URL: z.optional(z.url({ error: 'must be the SQS queue URL' })),
    CARD_DATA_KEY_ID: nonEmpty,
    CARD_DATA_OAEP_HASH: z._default(z.enum(['SHA_256', 'SHA_1']), 'SHA_256'),
    /**
     * Legacy ENCRYPTEDCARD brings card numbers into PCI scope and Vipps dropped it from its docs in
     * 2022: off unless a deployment turns it on (off → 92 without decrypting).
     */
    ENCRYPTED_CARD_ENABLED: flag(false),
    ENVELOPE_KEY_ID: nonEmpty,
    PUBLIC_BASE_URL: baseUrl,
    VIPPS_BASE_URL: baseUrl,
    VIPPS_PSP_ID: nonEmpty,
    VIPPS_CREDENTIALS_SECRET_ID: z.optional(nonEmpty),
    VIPPS_CLIENT_ID: z.optional(nonEmpty),
    VIPPS_CLIENT_SECRET: z.optional(nonEmpty),
    VIPPS_SUBSCRIPTION_KEY: z.optional(nonEmpty),
    VIPPS_SYSTEM_NAME: z._default(z.string().check(z.maxLength(30)), 'vipps-psp-gateway'),
    VIPPS_SYSTEM_VERSION: z._default(z.string().check(z.maxLength(30)), '0.1.0'),
    VIPPS_TIMEOUT_MS: positiveInt(5_000),
    /** `sandbox` (outcomes by amount), or a real acquirer: `clearhaus` or `adyen` (settings below). */
    ACQUIRER: z._default(z.enum(['sandbox', 'clearhaus', 'adyen']), 'sandbox'),
    ...acquirerSettings,
    /** How long makePayment waits for the acquirer; the whole answer must leave well inside 15 s. */
    ACQUIRER_BUDGET_MS: z._default(
      z.pipe(
        z.coerce.number(),
        z.int().check(z.positive(), z.lte(12_000, 'must leave room inside Vipps’ 15 s')),
      ),
      10_000,
    ),
    /** How long a payment may wait for Vipps' makePayment before it is expired (seconds). */
    PAYMENT_TTL_SECONDS: positiveInt(15 * 60),
    THREE_DS_SESSION_TTL_SECONDS: positiveInt(15 * 60),
    /** The PSP's BIN table file (JSON or CSV: from, to, funding); without it, the sandbox table. */
    BIN_TABLE_PATH: z.optional(nonEmpty),
    FRAME_ANCESTORS: z.optional(frameAncestors),
    /**
     * Which 3-D Secure server THREE_DS_BASE_URL points at: `3dsecureio` (its sandbox or production)
     * or `simulator` (the local 3dsecure.io + ACS simulator). The adapter is the same; production
     * refuses the simulator.
     */
    THREE_DS_SERVER: z._default(z.enum(['3dsecureio', 'simulator']), 'simulator'),
    /** The 3DS server: 3dsecure.io (https://service.sandbox.3dsecure.io, production) or the local simulator. */
    THREE_DS_BASE_URL: z.optional(baseUrl),
    /** Secrets Manager secret holding the 3dsecure.io API key (AWS). */
    THREE_DS_API_KEY_SECRET_ID: z.optional(nonEmpty),
    /** The API key as a plain variable (local only). */
    THREE_DS_API_KEY: z.optional(nonEmpty),
    /** Per call to the 3DS server; past 3dsecure.io's own 10 s DS timeout, inside the function's 15 s. */
    THREE_DS_TIMEOUT_MS: z._default(
      z.pipe(
        z.coerce.number(),
        z.int().check(z.positive(), z.lte(13_000, 'must leave room inside the 15 s function')),
      ),
      11_000,
    ),
    /** AReq merchant data: the acquirer's BIN and merchant id, MCC, ISO 3166 numeric country. */
    THREE_DS_ACQUIRER_BIN: z.optional(z.string().check(z.regex(/^\d{6,11}$/, 'must be the acquirer BIN'))),
    THREE_DS_ACQUIRER_MERCHANT_ID: z.optional(nonEmpty),
    THREE_DS_MCC: z._default(z.string().check(z.regex(/^\d{4}$/, 'must be a 4-digit MCC')), '5999'),
    THREE_DS_MERCHANT_COUNTRY: z._default(
      z.string().check(z.regex(/^\d{3}$/, 'must be ISO 3166 numeric')),
      '578',
    ),
    /**
     * Vipps' official button component on the hosted checkout. Local stacks and tests point it at
     * a stand-in that records its attributes; we never ship Vipps' artwork ourselves.
     */
    CHECKOUT_BUTTON_SCRIPT_URL: z._default(
      z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
      OFFICIAL_BUTTON_SCRIPT_URL,
    ),
    /**
     * ePayment card callback FAIL codes, overriding the default (the PSP API v3 errorId and its
     * text) per errorId: JSON {"82": {"errorCode": 82, "errorMessage": "Refused by Issuer"}}.
     */
    CARD_CALLBACK_FAIL_CODES: z._default(
      z.pipe(
        z.pipe(
          nonEmpty,
          z.transform((text: string, ctx) => {
            try {
              return JSON.parse(text) as unknown;
            } catch {
              ctx.issues.push({ code: 'custom', message: 'must be JSON', input: text });
              return z.NEVER;
            }
          }),
        ),
        z.record(z.string(), z.object({ errorCode: z.int(), errorMessage: nonEmpty })),
      ),
      {},
    ),
    /** The PSP's webhook registration secret (ePayment webhooks); in AWS: `webhookSecret` in the credentials secret. */
    VIPPS_WEBHOOK_SECRET: z.optional(nonEmpty),
  })
  .check(
    z.refine(
      (c) =>
        c.VIPPS_CREDENTIALS_SECRET_ID ||
        (c.VIPPS_CLIENT_ID && c.VIPPS_CLIENT_SECRET && c.VIPPS_SUBSCRIPTION_KEY),
      {
        message:
          'set VIPPS_CREDENTIALS_SECRET_ID, or VIPPS_CLIENT_ID + VIPPS_CLIENT_SECRET + VIPPS_SUBSCRIPTION_KEY',
        path: ['VIPPS_CREDENTIALS_SECRET_ID'],
      },
    ),
    ...acquirerRules,
    z.refine(
      // (Runs even when FRAME_ANCESTORS itself was refused, so it may still be the raw string.)
      (c) =>
        c.STAGE === 'local' ||
        !(Array.isArray(c.FRAME_ANCESTORS) && c.FRAME_ANCESTORS.some((s) => s.startsWith('http:'))),
      {
        message: 'http origins are for the local stage only',
        path: ['FRAME_ANCESTORS'],
      },
    ),
    // Production never runs a sandbox adapter: each rule names the setting to change.
    ...HTTPS_IN_PRODUCTION.map(httpsInProduction),
    z.refine(
      (c) =>
        c.STAGE !== 'production' || (c.VIPPS_CREDENTIALS_SECRET_ID !== undefined && !c.VIPPS_CLIENT_SECRET),
      {
        message: 'production reads the Vipps credentials from Secrets Manager (not VIPPS_CLIENT_*)',
        path: ['VIPPS_CREDENTIALS_SECRET_ID'],
      },
    ),
    z.refine((c) => c.STAGE !== 'production' || (c.THREE_DS_BASE_URL?.startsWith('https://') ?? false), {
      message: 'production needs the 3DS server (3dsecure.io) as an https URL',
      path: ['THREE_DS_BASE_URL'],
    }),
    z.refine((c) => c.STAGE !== 'production' || (c.THREE_DS_API_KEY_SECRET_ID && !c.THREE_DS_API_KEY), {
      message: 'production reads the 3dsecure.io API key from Secrets Manager (not THREE_DS_API_KEY)',
      path: ['THREE_DS_API_KEY_SECRET_ID'],
    }),
    z.refine(
      (c) => c.STAGE !== 'production' || (c.THREE_DS_ACQUIRER_BIN && c.THREE_DS_ACQUIRER_MERCHANT_ID),
      {
        message: 'production needs THREE_DS_ACQUIRER_BIN and THREE_DS_ACQUIRER_MERCHANT_ID for the AReq',
        path: ['THREE_DS_ACQUIRER_BIN'],
      },
    ),
    z.refine((c) => c.STAGE !== 'production' || c.ACQUIRER !== 'sandbox', {
      message: 'production must use a real acquirer (clearhaus or adyen), never the sandbox',
      path: ['ACQUIRER'],
    }),
    z.refine((c) => c.STAGE !== 'production' || c.THREE_DS_SERVER !== 'simulator', {
      message:
        'production needs a real 3-D Secure server; the simulator shows the code on the page and sends the acquirer a made-up CAVV',
      path: ['THREE_DS_SERVER'],
    }),
    z.refine((c) => c.STAGE !== 'production' || c.BIN_TABLE_PATH !== undefined, {
      message: 'production needs the PSP’s BIN table file, never the built-in sandbox BIN table',
      path: ['BIN_TABLE_PATH'],
    }),
  );

export type Config = z.output<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Parse the environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = configSchema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const name = issue.path.join('.') || '(environment)';
        const missing = issue.code === 'invalid_type' && env[String(issue.path[0])] === undefined;
        return missing ? `${name}: is required but not set` : `${name}: ${issue.message}`;
      }),
    );
  }
  return Object.freeze(result.data);
}

export const configVariables = Object.keys(configSchema.def.shape);
