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

export const createPaymentSchema = z.strictObject({
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
  redirectUrl: z.url({ protocol: /^https?$/, error: 'redirectUrl must be an http(s) URL' }),
  customerMobileNumber: z.optional(
    z
      .string({ error: 'customerMobileNumber must be a string' })
      .check(z.regex(/^\d{8}$/, 'customerMobileNumber must be 8 digits')),
  ),
  isApp: z.optional(z.boolean({ error: 'isApp must be true or false' })),
});

export const amountSchema = z.strictObject({ amount: wholeOre(1, 'amount') });

/** Cancel takes no fields; an empty body or `{}` is fine. */
export const cancelSchema = z.strictObject({});

export type CreatePaymentBody = z.output<typeof createPaymentSchema>;
