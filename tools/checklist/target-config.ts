/**
 * What `npm run checklist -- --target <our deployed API>` needs, from flags and the environment,
 * validated before anything is sent:
 *   MERCHANT_API_KEY, MERCHANT_SERIAL_NUMBER      the merchant whose payments the run creates
 *   VIPPS_TEST_PHONE                              optional: approve with Vipps' force-approve
 *     VIPPS_BASE_URL (default https://apitest.vipps.no), VIPPS_CLIENT_ID, VIPPS_CLIENT_SECRET,
 *     VIPPS_SUBSCRIPTION_KEY, VIPPS_PSP_ID        required with it (force-approve is a Vipps API)
 * Without VIPPS_TEST_PHONE a person approves each payment from the printed link.
 */
import * as z from 'zod/mini';

export interface TargetFlags {
  target: string;
  approvalTimeoutSeconds: number;
  syncTimeoutSeconds: number;
  reconcileTimeoutSeconds: number;
  acquirerBudgetMs: number;
  manual: boolean;
}

export interface TargetConfig extends TargetFlags {
  merchantApiKey: string;
  merchantSerialNumber: string;
  forceApprove?: {
    testPhone: string;
    vippsBaseUrl: string;
    clientId: string;
    clientSecret: string;
    subscriptionKey: string;
    pspId: string;
  };
}

export class TargetConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid --target configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'TargetConfigError';
  }
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/;

/** https, or plain http on this machine (a local stack); no credentials, query or fragment. */
const serviceUrl = z.string().check(
  z.refine(
    (value) => {
      try {
        const url = new URL(value);
        const secure = url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.test(url.hostname));
        return secure && !url.username && !url.password && !url.search && !url.hash;
      } catch {
        return false;
      }
    },
    { message: 'must be an https URL (http only on 127.0.0.1/localhost), without credentials or query' },
  ),
);

const required = z.string().check(z.minLength(1, 'is required but not set'));

const Env = z.object({
  MERCHANT_API_KEY: required,
  MERCHANT_SERIAL_NUMBER: z.string().check(z.regex(/^\d{1,10}$/, 'must be the sales unit number (digits)')),
  VIPPS_TEST_PHONE: z.optional(
    z.string().check(z.regex(/^\d{8}$/, 'must be eight digits (a Vipps test user)')),
  ),
});

const VippsEnv = z.object({
  VIPPS_BASE_URL: z._default(
    serviceUrl.check(
      z.refine((u) => new URL(u).hostname !== 'api.vipps.no', {
        message: "is Vipps' production API: force-approve exists only in the test environment",
      }),
    ),
    'https://apitest.vipps.no',
  ),
  VIPPS_CLIENT_ID: required,
  VIPPS_CLIENT_SECRET: required,
  VIPPS_SUBSCRIPTION_KEY: required,
  VIPPS_PSP_ID: required,
});

const Flags = z.object({
  target: serviceUrl,
  approvalTimeoutSeconds: z.int().check(z.positive()),
  syncTimeoutSeconds: z.int().check(z.positive()),
  reconcileTimeoutSeconds: z.int().check(z.positive()),
  acquirerBudgetMs: z.int().check(z.positive()),
  manual: z.boolean(),
});

const FLAG_NAMES: Record<string, string> = {
  target: 'target',
  approvalTimeoutSeconds: 'approval-timeout',
  syncTimeoutSeconds: 'sync-timeout',
  reconcileTimeoutSeconds: 'reconcile-timeout',
  acquirerBudgetMs: 'acquirer-budget-ms',
  manual: 'no-manual',
};

function problemsOf(error: z.core.$ZodError, env: Record<string, string | undefined>): string[] {
  return error.issues.map((issue) => {
    const name = issue.path.join('.') || '(environment)';
    const missing = issue.code === 'invalid_type' && env[String(issue.path[0])] === undefined;
    return `${name}: ${missing ? 'is required but not set' : issue.message}`;
  });
}

/** Throws TargetConfigError naming every bad flag or variable (values are never echoed). */
export function parseTargetConfig(flags: TargetFlags, env: Record<string, string | undefined>): TargetConfig {
  const problems: string[] = [];
  const f = Flags.safeParse(flags);
  if (!f.success)
    problems.push(
      ...f.error.issues.map(
        (issue) => `--${FLAG_NAMES[String(issue.path[0])] ?? issue.path.join('.')}: ${issue.message}`,
      ),
    );
  const e = Env.safeParse(env);
  if (!e.success) problems.push(...problemsOf(e.error, env));
  const testPhone = e.success ? e.data.VIPPS_TEST_PHONE : undefined;
  const v = testPhone ? VippsEnv.safeParse(env) : undefined;
  if (v && !v.success)
    problems.push(
      ...problemsOf(v.error, env).map((p) => `${p} (needed for force-approve with VIPPS_TEST_PHONE)`),
    );
  if (problems.length > 0 || !f.success || !e.success) throw new TargetConfigError(problems);
  return {
    ...f.data,
    target: f.data.target.replace(/\/+$/, ''),
    merchantApiKey: e.data.MERCHANT_API_KEY,
    merchantSerialNumber: e.data.MERCHANT_SERIAL_NUMBER,
    ...(testPhone && v?.success
      ? {
          forceApprove: {
            testPhone,
            vippsBaseUrl: v.data.VIPPS_BASE_URL.replace(/\/+$/, ''),
            clientId: v.data.VIPPS_CLIENT_ID,
            clientSecret: v.data.VIPPS_CLIENT_SECRET,
            subscriptionKey: v.data.VIPPS_SUBSCRIPTION_KEY,
            pspId: v.data.VIPPS_PSP_ID,
          },
        }
      : {}),
  };
}
