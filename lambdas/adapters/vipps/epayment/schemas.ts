/**
 * zod schemas for the Vipps ePayment API messages of a CARD_PASSTHROUGH PSP
 * (../shared/research/epayment-psp-contract.md has every field with its source).
 *
 * Policy, as for PSP API v3: requests WE send are strict (a bug of ours fails before it reaches
 * Vipps); answers FROM Vipps are tolerant — unknown fields are ignored, and only what we act on
 * is required. The card callback and webhook bodies are in card-callback-schemas.ts.
 */
import * as z from 'zod/mini';

// ── Shared field schemas ────────────────────────────────────────────────────────────────────

/** ePayment MSN: `^[0-9]{4,6}$` (ePayment spec 1.4.1). */
export const MerchantSerialNumber = z.string().check(z.regex(/^\d{4,6}$/, 'must be 4–6 digits'));

/**
 * Vipps allows `^[a-zA-Z0-9-]{8,64}$` today and allowed `{8,50}` in 2024; we send at most 50,
 * which passes both (contract §1 SAFE).
 */
export const Reference = z
  .string()
  .check(z.regex(/^[a-zA-Z0-9-]{8,50}$/, 'must be 8–50 of a-z, A-Z, 0-9 and -'));

export const Currency = z.enum(['NOK', 'DKK', 'EUR', 'SEK', 'USD', 'GBP']);

/** Minor units, 0–65 000 000 (ePayment spec 1.4.1). */
export const Amount = z.strictObject({
  currency: Currency,
  value: z.int().check(z.minimum(0), z.maximum(65_000_000)),
});

/** In answers: any currency string, any integer (we compare, we do not validate Vipps). */
const AnswerAmount = z.object({ currency: z.string(), value: z.int() });

export const CardType = z.enum(['VISA_DEBIT', 'VISA_CREDIT', 'MC_DEBIT', 'MC_CREDIT', 'DANKORT']);

/**
 * Vipps calls only https URLs; http:// to this machine is let through for the local stack (whose
 * Vipps is the simulator, which warns about it) — a deployed stack's URLs are never loopback.
 */
const CALLABLE_URL = /^(https:\/\/\S+|http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/\S*)?)$/;
const httpsUrl = (what: string) => z.string().check(z.regex(CALLABLE_URL, `${what} must be an https:// URL`));

// ── POST /epayment/v1/payments ──────────────────────────────────────────────────────────────

export const CardPassthrough = z.strictObject({
  pspReference: z.string().check(z.minLength(1), z.maxLength(50)),
  cardCallbackUrl: httpsUrl('cardCallbackUrl'),
  allowedCardTypes: z.array(CardType).check(z.minLength(1)),
  preferVisaPartOfVisaDankort: z.optional(z.boolean()),
});

/** The create body we send (DESIGN.md "ePayment PSP API" 1). */
export const CreatePaymentRequest = z.strictObject({
  amount: Amount,
  paymentMethod: z.strictObject({ type: z.literal('CARD_PASSTHROUGH') }),
  cardPassthrough: CardPassthrough,
  reference: Reference,
  userFlow: z.literal('WEB_REDIRECT'),
  returnUrl: z.string().check(z.minLength(1)),
  paymentDescription: z.optional(z.string().check(z.minLength(3), z.maxLength(100))),
  customer: z.optional(
    z.strictObject({ phoneNumber: z.string().check(z.regex(/^\d{10,15}$/, 'must be 10–15 digits')) }),
  ),
});
export type CreatePaymentRequest = z.infer<typeof CreatePaymentRequest>;

export const CreatePaymentResponse = z.object({
  reference: z.string(),
  redirectUrl: z.optional(z.string()),
});

// ── capture / refund / cancel ───────────────────────────────────────────────────────────────

export const ModificationRequest = z.strictObject({ modificationAmount: Amount });
export type ModificationRequest = z.infer<typeof ModificationRequest>;

const Aggregate = z.object({
  authorizedAmount: AnswerAmount,
  capturedAmount: AnswerAmount,
  refundedAmount: AnswerAmount,
  cancelledAmount: AnswerAmount,
});

/** ModificationResponse and GetPaymentResponse share what we read. */
export const PaymentView = z.object({
  reference: z.string(),
  state: z.string(),
  aggregate: Aggregate,
  amount: z.optional(AnswerAmount),
  pspReference: z.optional(z.string()),
  captureGuaranteedUntil: z.optional(z.string()),
});

// ── GET …/events ────────────────────────────────────────────────────────────────────────────

export const PaymentEvent = z.object({
  reference: z.string(),
  pspReference: z.optional(z.nullable(z.string())),
  name: z.string(),
  amount: AnswerAmount,
  timestamp: z.string(),
  idempotencyKey: z.optional(z.nullable(z.string())),
  success: z.boolean(),
});
export const PaymentEvents = z.array(PaymentEvent);

// ── /webhooks/v1/webhooks ───────────────────────────────────────────────────────────────────

export const RegisterWebhookRequest = z.strictObject({
  url: httpsUrl('url'),
  events: z.array(z.string().check(z.minLength(1))).check(z.minLength(1)),
});
export const RegisterWebhookResponse = z.object({ id: z.string(), secret: z.string() });
const Registration = z.object({ id: z.string(), url: z.string(), events: z.array(z.string()) });
/** Vipps answers `{webhooks:[…]}`; a bare array is accepted too. */
export const WebhookList = z.union([z.object({ webhooks: z.array(Registration) }), z.array(Registration)]);

// ── Errors (RFC 7807) ───────────────────────────────────────────────────────────────────────

/** Vipps' problem answer; ErrorCode travels in extraDetails (`{name:"ErrorCode",reason:"6090"}`). */
export const Problem = z.object({
  type: z.optional(z.string()),
  title: z.optional(z.string()),
  status: z.optional(z.number()),
  detail: z.optional(z.string()),
  instance: z.optional(z.string()),
  traceId: z.optional(z.string()),
  extraDetails: z.optional(
    z.array(z.object({ name: z.optional(z.string()), reason: z.optional(z.string()) })),
  ),
});
export type Problem = z.infer<typeof Problem>;
