/**
 * The request shapes as Vipps publishes them (not as our client builds them): the simulator
 * validates our requests against these, so where our client is stricter the simulator accepts
 * (reference up to 64), and where it is looser the simulator refuses with the rule and source.
 * Sources: ../../../../shared/research/epayment-psp-contract.md §1 and §4.
 */
import * as z from 'zod/mini';
import { sources } from './problems.js';

const rule = (text: string, source: string) => `${text} (${source})`;

const Amount = z.strictObject({
  currency: z.string(),
  value: z.int().check(z.minimum(0, rule('amount.value must be 0–65000000 minor units', sources.spec))),
});

/** cardPassthrough as the launched PSP guide shows it; unknown fields are refused (T4). */
const CardPassthrough = z.strictObject({
  pspReference: z.string().check(z.minLength(1)),
  cardCallbackUrl: z.string().check(z.minLength(1)),
  allowedCardTypes: z.optional(z.array(z.string())),
  preferVisaPartOfVisaDankort: z.optional(z.boolean()),
  publicEncryptionKeyId: z.optional(z.string()),
});

export const PublishedCreateRequest = z.strictObject({
  amount: Amount,
  paymentMethod: z.strictObject({ type: z.string() }),
  cardPassthrough: z.optional(CardPassthrough),
  reference: z
    .string()
    .check(z.regex(/^[a-zA-Z0-9-]{8,64}$/, rule('reference must match ^[a-zA-Z0-9-]{8,64}$', sources.spec))),
  userFlow: z.enum(['WEB_REDIRECT', 'PUSH_MESSAGE', 'QR', 'NATIVE_REDIRECT']),
  returnUrl: z.optional(z.string()),
  customer: z.optional(
    z.strictObject({
      phoneNumber: z
        .string()
        .check(z.regex(/^\d{10,15}$/, rule('customer.phoneNumber must be 10–15 digits, no +', sources.spec))),
    }),
  ),
  customerInteraction: z.optional(z.enum(['CUSTOMER_PRESENT', 'CUSTOMER_NOT_PRESENT'])),
  paymentDescription: z.optional(
    z
      .string()
      .check(
        z.minLength(3, rule('paymentDescription must be 3–100 characters', sources.spec)),
        z.maxLength(100, rule('paymentDescription must be 3–100 characters', sources.spec)),
      ),
  ),
  metadata: z.optional(z.record(z.string(), z.string())),
  expiresAt: z.optional(z.string()),
  minimumUserAge: z.optional(z.int()),
  receipt: z.optional(z.unknown()),
  receiptUrl: z.optional(z.string()),
  industryData: z.optional(z.unknown()),
  profile: z.optional(z.unknown()),
  shipping: z.optional(z.unknown()),
});
export type PublishedCreateRequest = z.infer<typeof PublishedCreateRequest>;

export const PublishedModificationRequest = z.strictObject({ modificationAmount: Amount });
export const PublishedCancelRequest = z.strictObject({ cancelTransactionOnly: z.optional(z.boolean()) });

export const PublishedApproveRequest = z.union([
  z.object({ customer: z.object({ phoneNumber: z.string() }) }),
  z.object({ token: z.string() }),
]);

export const PublishedWebhookRequest = z.strictObject({
  url: z.string().check(z.minLength(1)),
  events: z.array(z.string()).check(z.minLength(1)),
});

export const MAX_AMOUNT = 65_000_000;
export const CURRENCIES = ['NOK', 'DKK', 'EUR', 'SEK', 'USD', 'GBP'];
export const CARD_TYPES = ['VISA_DEBIT', 'VISA_CREDIT', 'MC_CREDIT', 'MC_DEBIT', 'DANKORT', 'VISA_DANKORT'];
export const EVENT_NAMES = [
  'created',
  'aborted',
  'expired',
  'cancelled',
  'captured',
  'refunded',
  'authorized',
  'terminated',
];
