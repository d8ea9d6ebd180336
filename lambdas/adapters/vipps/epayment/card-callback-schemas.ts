/**
 * What Vipps sends to our cardCallbackUrl and webhook URL, and what we answer the callback
 * (contract §2, §5). The published schema is incomplete (no required flags, lengths or
 * cardType enum), so parsing is tolerant: unknown fields are ignored, enums we do not know are
 * kept as strings, and only what an authorisation cannot do without is required. Parse only
 * after verifySignature (shared/hmac-signature.ts) has accepted the raw body.
 */
import * as z from 'zod/mini';

const AnswerAmount = z.object({ currency: z.string(), value: z.int() });

export const NetworkToken = z.object({
  number: z.string().check(z.regex(/^\d{12,19}$/, 'must be 12–19 digits')),
  cryptogram: z.string().check(z.minLength(1)),
  expiryMonth: z.string().check(z.regex(/^(0[1-9]|1[0-2])$/, 'must be 01–12')),
  expiryYear: z.string().check(z.regex(/^\d{4}$/, 'must be four digits')),
  tokenType: z.optional(z.string()),
  eci: z.optional(z.string()),
  paymentAccountReference: z.optional(z.string()),
});

export const CardInfo = z.object({
  maskedCardNumber: z.optional(z.string()),
  /** "VISA-DEBIT" in Vipps' example; normalise with normaliseCardType. Unknown values are kept. */
  cardType: z.optional(z.string()),
  cardIssuedInCountryCode: z.optional(z.string()),
  /** TOKEN | PAN; another value is kept so the handler can FAIL it with a clear reason. */
  cardDataType: z.string(),
  networkToken: z.optional(NetworkToken),
  encryptedPan: z.optional(z.string()),
});

export const CardCallbackRequest = z.object({
  pspReference: z.string().check(z.minLength(1)),
  authorizationAttemptId: z.string().check(z.minLength(1)),
  merchantSerialNumber: z.string().check(z.minLength(1)),
  /** Shape not published ([A] {currency, value}): optional, the stored amount is authoritative. */
  amount: z.optional(AnswerAmount),
  /** Required since June 2026; optional here so an older sender still reaches a clear FAIL. */
  softDeclineCompletedRedirectUrl: z.optional(z.string()),
  cardInfo: CardInfo,
});
export type CardCallbackRequest = z.infer<typeof CardCallbackRequest>;

/** "VISA-DEBIT" → "VISA_DEBIT", so callback and allowedCardTypes spellings compare. */
export function normaliseCardType(cardType: string | undefined): string | undefined {
  return cardType?.trim().toUpperCase().replace(/-/g, '_');
}

/** Our answer. CAPTURE (pre-launch only) is deliberately absent: we never send it. */
export const CardCallbackResponse = z.discriminatedUnion('status', [
  z.strictObject({ status: z.literal('RESERVE'), networkTransactionReference: z.optional(z.string()) }),
  z.strictObject({
    status: z.literal('FAIL'),
    errorCode: z.int(),
    errorMessage: z.string().check(z.minLength(1)),
  }),
  z.strictObject({ status: z.literal('SOFT_DECLINE'), softDeclineUrl: z.string().check(z.minLength(1)) }),
]);
export type CardCallbackResponse = z.infer<typeof CardCallbackResponse>;

/** Vipps' epayments.payment.*.v1 webhook payload (webhooks-api events page). */
export const EPaymentWebhookEvent = z.object({
  msn: z.string(),
  reference: z.string(),
  /** The event's own id, not the payment's pspReference. */
  pspReference: z.optional(z.nullable(z.string())),
  name: z.string(),
  amount: AnswerAmount,
  timestamp: z.string(),
  idempotencyKey: z.optional(z.nullable(z.string())),
  success: z.boolean(),
  captureGuaranteedUntil: z.optional(z.string()),
});
export type EPaymentWebhookEvent = z.infer<typeof EPaymentWebhookEvent>;
