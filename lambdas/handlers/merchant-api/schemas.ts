/** The Merchant API's request bodies, validated with zod at the edge. */
import * as z from 'zod/mini';
import { CURRENCIES, MAX_AMOUNT, MIN_PAYMENT_AMOUNT } from '../../core/money.js';

const wholeOre = (min: number, what: string) =>
  z
    .number({ error: `${what} must be a number of øre` })
    .check(
      z.int(`${what} must be a whole number of øre (no decimals)`),
      z.gte(min, `${what} must be at least ${min} øre`),
      z.lte(MAX_AMOUNT, `${what} must be at most ${MAX_AMOUNT} øre`),
    );

const createPaymentFields = z.strictObject({
  merchantSerialNumber: z
    .string({ error: 'merchantSerialNumber must be a string' })
    .check(z.regex(/^\d{6}$/, 'merchantSerialNumber must be the 6-digit Vipps MSN')),
  merchantOrderId: z
    .string({ error: 'merchantOrderId must be a string' })
    .check(z.regex(/^[a-zA-Z0-9-]{1,50}$/, 'merchantOrderId must be 1–50 characters a-z, A-Z, 0-9 or -')),
  amount: wholeOre(MIN_PAYMENT_AMOUNT, 'amount'),
  currency: z.enum(CURRENCIES, { error: `currency must be one of ${CURRENCIES.join(', ')}` }),
  paymentText: z
    .string({ error: 'paymentText must be a string' })
    .check(
      z.minLength(1, 'paymentText must not be empty'),
      z.maxLength(100, 'paymentText must be at most 100 characters'),
    ),
  redirectUrl: z
    .url({ error: 'redirectUrl must be a URL' })
    .check(z.maxLength(2048, 'redirectUrl is too long')),
  customerMobileNumber: z.optional(
    z
      .string({ error: 'customerMobileNumber must be a string' })
      .check(z.regex(/^\d{8}$/, 'customerMobileNumber must be 8 digits')),
  ),
  isApp: z.optional(z.boolean({ error: 'isApp must be true or false' })),
});

/** Schemes that run code or read local files in the app or browser: never a redirect. */
const UNSAFE_SCHEMES = new Set(['javascript', 'data', 'vbscript', 'file', 'blob', 'about']);
const schemeOf = (url: string) => url.slice(0, url.indexOf(':')).toLowerCase();

/**
 * Where the user goes after Vipps: https outside the local stage (http only on a laptop). With
 * `isApp: true` an app-switch URL (custom scheme, e.g. `myshop://done`) is allowed too, as Vipps'
 * guide says: with isApp the pspRedirectUrl is not validated as a web URL ("URL Validation").
 */
function redirectUrlProblem(url: string, isApp: boolean, allowHttp: boolean): string | undefined {
  const scheme = schemeOf(url);
  if (scheme === 'https' || (scheme === 'http' && allowHttp)) return undefined;
  const web = allowHttp ? 'an http(s) URL' : 'an https URL';
  if (!isApp) return `redirectUrl must be ${web} (an app-switch URL needs isApp: true)`;
  if (scheme === 'http' || UNSAFE_SCHEMES.has(scheme)) {
    return `redirectUrl must be ${web} or an app-switch URL (yourapp://…)`;
  }
  return undefined;
}

/** The create body; `allowHttpRedirectUrl` only on the local stage. */
export function createPaymentSchema(options: { allowHttpRedirectUrl: boolean }) {
  return createPaymentFields.check(
    z.superRefine((body, ctx) => {
      const problem = redirectUrlProblem(body.redirectUrl, body.isApp === true, options.allowHttpRedirectUrl);
      if (problem) {
        // Stryker disable next-line StringLiteral: the issue code is never read (describeIssues words custom issues by their message)
        ctx.addIssue({ code: 'custom', message: problem, path: ['redirectUrl'], input: body.redirectUrl });
      }
    }),
  );
}

export const amountSchema = z.strictObject({ amount: wholeOre(1, 'amount') });

/** Cancel takes no fields; an empty body or `{}` is fine. */
export const cancelSchema = z.strictObject({});
