/**
 * zod schemas for the Vipps PSP API v3 messages we send and receive (shapes from Vipps' OpenAPI,
 * ../shared/vipps/psp-api-v3.openapi.yaml; test/integration/vipps-openapi-conformance.test.ts
 * keeps required fields and enums in step with it).
 *
 * Policy: requests WE send are modelled strictly (the Vipps simulator validates every request
 * with these schemas, so a bug of ours fails a test instead of a Vipps call); answers and calls
 * FROM Vipps are modelled as leniently as the OpenAPI allows, and only made stricter where our
 * processing depends on a field (each such place says why).
 *
 * The makePayment messages (Vipps → us) live in make-payment-schemas.ts and are re-exported here.
 */
import * as z from 'zod/mini';

export * from './make-payment-schemas.js';

// ── Shared field schemas ────────────────────────────────────────────────────────────────────

/** ISO 4217 code; whether Vipps supports it (only NOK) is a business rule, not a shape rule. */
const CurrencyCode = z.string().check(z.regex(/^[A-Z]{3}$/, 'must be a three-letter ISO 4217 code'));

export const TransactionStatus = z.enum(['RESERVED', 'CAPTURED', 'CANCELLED', 'REFUNDED']);
export const OperationStatus = z.enum(['FAILED', 'SUCCESS']);

// ── Errors ──────────────────────────────────────────────────────────────────────────────────

/** One element of the array Vipps answers 400/500 with. */
export const ErrorDetails = z.object({
  errorCode: z.optional(z.string()),
  errorMessage: z.optional(z.string()),
  contextId: z.optional(z.string()),
});
export const ErrorDetailsList = z.array(ErrorDetails);
export type ErrorDetails = z.infer<typeof ErrorDetails>;

// ── POST /psp/v3/psppayments/init ───────────────────────────────────────────────────────────

export const InitiatePaymentRequest = z.strictObject({
  // The OpenAPI pattern is the unanchored "[a-z0-9]" (at least one such character) with maxLength
  // 36; we keep exactly that rather than guess what Vipps meant.
  pspTransactionId: z.string().check(z.maxLength(36), z.regex(/[a-z0-9]/, 'must contain [a-z0-9]')),
  merchantOrderId: z.string().check(z.regex(/^[a-zA-Z0-9-]{1,50}$/, 'must be 1–50 of a-z, A-Z, 0-9 and -')),
  customerMobileNumber: z.optional(z.string().check(z.regex(/^\d{8}$/, 'must be eight digits'))),
  amount: z.int32(),
  currency: CurrencyCode,
  pspRedirectUrl: z.string(),
  makePaymentUrl: z.string(),
  makePaymentToken: z.optional(z.string().check(z.maxLength(255))),
  paymentText: z.optional(z.string()),
  isApp: z.optional(z.boolean()),
  skipLandingPage: z.optional(z.boolean()),
  merchantAgreementUrl: z.optional(z.string()),
});
export type InitiatePaymentRequest = z.infer<typeof InitiatePaymentRequest>;

/** Vipps' answer to init. Nothing is required by the OpenAPI; the client insists on vippsRedirectUrl. */
export const PaymentInitiationRepresentation = z.object({
  pspTransactionId: z.optional(z.string()),
  merchantOrderId: z.optional(z.string()),
  vippsRedirectUrl: z.optional(z.string()),
});
export type PaymentInitiationRepresentation = z.infer<typeof PaymentInitiationRepresentation>;

// ── POST /psp/v3/psppayments/updatestatus ───────────────────────────────────────────────────

export const TransactionInfo = z.strictObject({
  pspTransactionId: z.string().check(z.minLength(1), z.maxLength(36)),
  status: TransactionStatus,
  // Amounts are øre; a negative amount is always a bug of ours.
  amount: z.int32().check(z.nonnegative()),
  currency: z.optional(CurrencyCode),
  paymentText: z.optional(z.string()),
  operationStatus: z.optional(OperationStatus),
});
export type TransactionInfo = z.infer<typeof TransactionInfo>;

export const PaymentStatus = z.strictObject({
  transactions: z.optional(z.array(TransactionInfo)),
});
export type PaymentStatus = z.infer<typeof PaymentStatus>;

/** updatestatus answer: `{"responseInfo":{"responseCode":"9000","responseMessage":"SUCCESS"}}`. */
export const Response = z.object({
  responseInfo: z.optional(
    z.object({
      responseCode: z.optional(z.string()),
      responseMessage: z.optional(z.string()),
    }),
  ),
});
export type Response = z.infer<typeof Response>;

// ── GET /psp/v3/psppayments/{pspTransactionId}/details ──────────────────────────────────────

export const TransactionSummary = z.object({
  capturedAmount: z.optional(z.number()),
  remainingAmountToCapture: z.optional(z.number()),
  refundedAmount: z.optional(z.number()),
  remainingAmountToRefund: z.optional(z.number()),
});

export const PaymentTransactionDetails = z.object({
  amount: z.optional(z.number()),
  paymentText: z.optional(z.string()),
  timeStamp: z.optional(z.string()),
  // The OpenAPI enum (RESERVED, CAPTURED, CANCELLED, REFUNDED) is accepted, and so is any other
  // string: this is informational data in an answer, and an operation name Vipps adds later (the
  // older revision of the OpenAPI had no enum at all) must not make us unable to read the details.
  operation: z.optional(z.union([TransactionStatus, z.string()])),
  operationSuccess: z.optional(z.boolean()),
});

export const PaymentDetailsRepresentation = z.object({
  pspTransactionId: z.optional(z.string()),
  merchantOrderId: z.optional(z.string()),
  transactionSummary: z.optional(TransactionSummary),
  transactionLogHistory: z.optional(z.array(PaymentTransactionDetails)),
});
export type PaymentDetailsRepresentation = z.infer<typeof PaymentDetailsRepresentation>;

// ── POST /psp/v3/integration-test/psppayments/{id}/approve (test environment only) ──────────

export const ForceApproveRequest = z.object({
  customerPhoneNumber: z.string().check(z.regex(/^\d{8}$/, 'must be eight digits')),
  /** The `token` query parameter of the vippsRedirectUrl init returned. */
  token: z.string().check(z.minLength(1)),
});
export type ForceApproveRequest = z.infer<typeof ForceApproveRequest>;

// ── POST /accesstoken/get ───────────────────────────────────────────────────────────────────

const epochSeconds = z.string().check(z.regex(/^\d+$/, 'must be a whole number of seconds, as a string'));

/**
 * Vipps' AuthorizationTokenResponse: every field is a JSON string, numbers included. We need the
 * token and a lifetime (expires_in, or failing that expires_on); the rest is informational.
 */
export const AccessTokenResponse = z
  .object({
    token_type: z.optional(z.string()),
    expires_in: z.optional(epochSeconds),
    ext_expires_in: z.optional(z.string()),
    expires_on: z.optional(epochSeconds),
    not_before: z.optional(z.string()),
    resource: z.optional(z.string()),
    access_token: z.string().check(z.minLength(1)),
  })
  .check(
    z.refine((t) => t.expires_in !== undefined || t.expires_on !== undefined, {
      message: 'expires_in or expires_on is required',
      path: ['expires_in'],
    }),
  );
export type AccessTokenResponse = z.infer<typeof AccessTokenResponse>;
