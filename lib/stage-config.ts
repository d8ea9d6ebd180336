/**
 * What differs between deployments, read from CDK context (cdk.json or `-c key=value`) and
 * validated before a single construct is built. Nothing here is looked up in an AWS account, so
 * `cdk synth` works offline and the stack stays environment-agnostic.
 *
 * Context keys: stage, vippsBaseUrl, vippsPspId, acquirer (sandbox|clearhaus|adyen), clearhausBaseUrl,
 * adyenMerchantAccount, adyenEnvironment, adyenLiveUrlPrefix, threeDsBaseUrl, threeDsAcquirerBin,
 * threeDsAcquirerMerchantId, acquirerBudgetMs, cardDataOaepHash, encryptedCardEnabled, binTablePath, customDomain ({domainName, certificateArn}, as an object in
 * cdk.json or a JSON string on the command line), wafWebAclArn, bodyLimitFirewall, alarmEmail,
 * throttleRateLimit, throttleBurstLimit, authorizerCacheTtlSeconds.
 */
import * as z from 'zod/mini';

export type Stage = 'sandbox' | 'production';

export interface CustomDomain {
  domainName: string;
  /** A regional ACM certificate in the stack's region covering domainName. */
  certificateArn: string;
}

export interface StageConfig {
  stage: Stage;
  /** Vipps' test environment in sandbox, production API in production. */
  vippsBaseUrl: string;
  /**
   * Our PSP id at Vipps. When absent from context it becomes a required CloudFormation parameter
   * (VippsPspId) at deploy time rather than a made-up default.
   */
  vippsPspId?: string;
  /** sandbox (default outside production), or a real acquirer: production needs clearhaus or adyen. */
  acquirer: 'sandbox' | 'clearhaus' | 'adyen';
  /** Clearhaus' gateway (https://gateway.clearhaus.com, or its test host). */
  clearhausBaseUrl?: string;
  adyenMerchantAccount?: string;
  adyenEnvironment: 'TEST' | 'LIVE';
  adyenLiveUrlPrefix?: string;
  /** 3dsecure.io: the sandbox host outside production; required for production. */
  threeDsBaseUrl: string;
  threeDsAcquirerBin?: string;
  threeDsAcquirerMerchantId?: string;
  /** How long makePayment waits for the acquirer; must leave room inside the function timeout. */
  acquirerBudgetMs: number;
  cardDataOaepHash: 'SHA_256' | 'SHA_1';
  /** Legacy ENCRYPTEDCARD (card numbers in PCI scope): off unless a deployment turns it on. */
  encryptedCardEnabled: boolean;
  /**
   * Where the functions find the PSP's BIN table file (JSON or CSV), e.g. in a Lambda layer under
   * /opt. Production refuses to start without one; sandbox falls back to the built-in table.
   */
  binTablePath?: string;
  customDomain?: CustomDomain;
  /** An existing regional WAFv2 web ACL to associate with the API stage (it then owns all rules). */
  wafWebAclArn?: string;
  /**
   * Without wafWebAclArn: create a small web ACL that enforces the per-route body limits from
   * lambdas/routes.ts (default true; the REST API itself has no body-size setting).
   */
  bodyLimitFirewall: boolean;
  alarmEmail?: string;
  /** Per-method steady-state and burst limits (API Gateway applies stage defaults per method). */
  throttle: { rateLimit: number; burstLimit: number };
  /** How long API Gateway caches the merchant authorizer's answer for one API key. */
  authorizerCacheTtlSeconds: number;
}

const VIPPS_BASE_URLS: Record<Stage, string> = {
  sandbox: 'https://apitest.vipps.no',
  production: 'https://api.vipps.no',
};

const THROTTLE_DEFAULTS: Record<Stage, StageConfig['throttle']> = {
  sandbox: { rateLimit: 20, burstLimit: 40 },
  production: { rateLimit: 200, burstLimit: 400 },
};

const httpsUrl = z.pipe(
  z.url({ protocol: /^https$/, error: 'must be an https URL' }),
  z.transform((u: string) => u.replace(/\/+$/, '')),
);
const nonEmpty = z.string().check(z.minLength(1, 'must not be empty'));
const intFrom = (min: number, max: number) =>
  z.pipe(z.coerce.number(), z.int().check(z.gte(min), z.lte(max)));
const bool = z.pipe(
  z.union([z.boolean(), z.enum(['true', 'false'])]),
  z.transform((v: boolean | 'true' | 'false') => v === true || v === 'true'),
);
/** Objects arrive as objects from cdk.json and as JSON strings from `-c key='{"a":1}'`. */
const jsonObject = <T extends z.ZodMiniType>(schema: T) =>
  z.pipe(
    z.transform((v: unknown) => {
      if (typeof v !== 'string') return v;
      try {
        return JSON.parse(v) as unknown;
      } catch {
        return v;
      }
    }),
    schema,
  );

const contextSchema = z
  .object({
    stage: z.enum(['sandbox', 'production']),
    vippsBaseUrl: z.optional(httpsUrl),
    vippsPspId: z.optional(nonEmpty),
    threeDsBaseUrl: z.optional(httpsUrl),
    threeDsAcquirerBin: z.optional(z.string().check(z.regex(/^\d{6,11}$/, 'must be the acquirer BIN'))),
    threeDsAcquirerMerchantId: z.optional(nonEmpty),
    acquirer: z.optional(z.enum(['sandbox', 'clearhaus', 'adyen'])),
    clearhausBaseUrl: z.optional(httpsUrl),
    adyenMerchantAccount: z.optional(nonEmpty),
    adyenEnvironment: z.optional(z.enum(['TEST', 'LIVE'])),
    adyenLiveUrlPrefix: z.optional(z.string().check(z.regex(/^[a-z0-9-]+$/, 'must be the prefix only'))),
    acquirerBudgetMs: z._default(intFrom(1_000, 12_000), 10_000),
    cardDataOaepHash: z._default(z.enum(['SHA_256', 'SHA_1']), 'SHA_256'),
    encryptedCardEnabled: z._default(bool, false),
    binTablePath: z.optional(z.string().check(z.regex(/^\//, 'must be an absolute path in the function'))),
    customDomain: z.optional(
      jsonObject(
        z.object({
          domainName: z.string().check(z.regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, 'must be a DNS name')),
          certificateArn: z.string().check(z.regex(/^arn:aws[a-z-]*:acm:/, 'must be an ACM certificate ARN')),
        }),
      ),
    ),
    wafWebAclArn: z.optional(
      z
        .string()
        .check(
          z.regex(
            /^arn:aws[a-z-]*:wafv2:[^:]+:\d{12}:regional\/webacl\//,
            'must be a regional WAFv2 web ACL ARN',
          ),
        ),
    ),
    bodyLimitFirewall: z._default(bool, true),
    alarmEmail: z.optional(z.email()),
    throttleRateLimit: z.optional(intFrom(1, 10_000)),
    throttleBurstLimit: z.optional(intFrom(1, 5_000)),
    authorizerCacheTtlSeconds: z._default(intFrom(0, 3_600), 300),
  })
  .check(
    z.refine((c) => c.stage !== 'production' || c.acquirer === 'clearhaus' || c.acquirer === 'adyen', {
      message: 'production needs a real acquirer: clearhaus or adyen',
      path: ['acquirer'],
    }),
    z.refine((c) => c.stage !== 'production' || c.threeDsBaseUrl !== undefined, {
      message: 'is required for production (3dsecure.io)',
      path: ['threeDsBaseUrl'],
    }),
    z.refine((c) => c.stage !== 'production' || (c.threeDsAcquirerBin && c.threeDsAcquirerMerchantId), {
      message: 'threeDsAcquirerBin and threeDsAcquirerMerchantId are required for production (the AReq)',
      path: ['threeDsAcquirerBin'],
    }),
    z.refine((c) => c.acquirer !== 'clearhaus' || c.clearhausBaseUrl !== undefined, {
      message: 'is required when acquirer is clearhaus',
      path: ['clearhausBaseUrl'],
    }),
    z.refine((c) => c.acquirer !== 'adyen' || c.adyenMerchantAccount !== undefined, {
      message: 'is required when acquirer is adyen',
      path: ['adyenMerchantAccount'],
    }),
    z.refine(
      (c) =>
        c.acquirer !== 'adyen' ||
        (c.adyenEnvironment ?? (c.stage === 'production' ? 'LIVE' : 'TEST')) !== 'LIVE' ||
        c.adyenLiveUrlPrefix !== undefined,
      { message: 'is required for Adyen LIVE', path: ['adyenLiveUrlPrefix'] },
    ),
  );

/** 3dsecure.io's sandbox (its docs: service.sandbox.3dsecure.io). */
export const THREE_DS_SANDBOX_URL = 'https://service.sandbox.3dsecure.io';

export class StageConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid CDK context:\n  ${problems.join('\n  ')}`);
    this.name = 'StageConfigError';
  }
}

/** The context keys this module reads; `readStageConfig` takes them from a construct's node. */
export const stageContextKeys = Object.keys(contextSchema.def.shape);

/**
 * Validate raw context values into a StageConfig. Throws StageConfigError naming every bad key.
 *
 * @example
 * const config = parseStageConfig({ stage: 'sandbox', vippsPspId: 'psp-123' });
 */
export function parseStageConfig(raw: Record<string, unknown>): StageConfig {
  const result = contextSchema.safeParse(raw);
  if (!result.success) {
    throw new StageConfigError(
      result.error.issues.map((issue) => `${issue.path.join('.') || '(context)'}: ${issue.message}`),
    );
  }
  const c = result.data;
  return {
    stage: c.stage,
    vippsBaseUrl: c.vippsBaseUrl ?? VIPPS_BASE_URLS[c.stage],
    vippsPspId: c.vippsPspId,
    acquirer: c.acquirer ?? 'sandbox',
    clearhausBaseUrl: c.clearhausBaseUrl,
    adyenMerchantAccount: c.adyenMerchantAccount,
    adyenEnvironment: c.adyenEnvironment ?? (c.stage === 'production' ? 'LIVE' : 'TEST'),
    adyenLiveUrlPrefix: c.adyenLiveUrlPrefix,
    threeDsBaseUrl: c.threeDsBaseUrl ?? THREE_DS_SANDBOX_URL,
    threeDsAcquirerBin: c.threeDsAcquirerBin,
    threeDsAcquirerMerchantId: c.threeDsAcquirerMerchantId,
    acquirerBudgetMs: c.acquirerBudgetMs,
    cardDataOaepHash: c.cardDataOaepHash,
    encryptedCardEnabled: c.encryptedCardEnabled,
    binTablePath: c.binTablePath,
    customDomain: c.customDomain,
    wafWebAclArn: c.wafWebAclArn,
    bodyLimitFirewall: c.bodyLimitFirewall,
    alarmEmail: c.alarmEmail,
    throttle: {
      rateLimit: c.throttleRateLimit ?? THROTTLE_DEFAULTS[c.stage].rateLimit,
      burstLimit: c.throttleBurstLimit ?? THROTTLE_DEFAULTS[c.stage].burstLimit,
    },
    authorizerCacheTtlSeconds: c.authorizerCacheTtlSeconds,
  };
}

/** Read and validate the stage configuration from CDK context (see the module comment for keys). */
export function readStageConfig(node: { tryGetContext(key: string): unknown }): StageConfig {
  const raw: Record<string, unknown> = {};
  for (const key of stageContextKeys) {
    const value = node.tryGetContext(key);
    if (value !== undefined && value !== null && value !== '') raw[key] = value;
  }
  return parseStageConfig(raw);
}
