/**
 * The Vipps ePayment API (CARD_PASSTHROUGH) as the core sees it: create a payment, report the
 * captures, refunds and cancels our acquirer did, read Vipps' view back, and manage the PSP's
 * webhook registration. The HTTPS adapter is adapters/vipps/epayment/epayment-client.ts.
 *
 * Errors: a request Vipps refused for good → EPaymentRejectedError (a VippsRejectedError, so an
 * outbox treats it as poison); Vipps busy, locked or unreachable after the adapter's retries →
 * EPaymentRetryLaterError (a VippsUnavailableError: try again later, same Idempotency-Key).
 */
import { VippsRejectedError, VippsUnavailableError } from './errors.js';
import type { MinorUnits } from './money.js';

/** ISO 4217 codes a PSP may use with ePayment if its agreement covers them. */
export type EPaymentCurrency = 'NOK' | 'DKK' | 'EUR' | 'SEK' | 'USD' | 'GBP';

export interface EPaymentAmount {
  currency: EPaymentCurrency;
  value: MinorUnits;
}

/** An amount in Vipps' answers: compared with ours, so any currency string is kept as sent. */
export interface ReportedAmount {
  currency: string;
  value: MinorUnits;
}

export type CardType = 'VISA_DEBIT' | 'VISA_CREDIT' | 'MC_DEBIT' | 'MC_CREDIT' | 'DANKORT';

export interface EPaymentCreateRequest {
  /** The merchant's sales unit (never the PSP's own MSN). */
  merchantSerialNumber: string;
  /** Vipps' `reference` and our `cardPassthrough.pspReference`: the pspTransactionId. */
  reference: string;
  amount: EPaymentAmount;
  /** Our card callback, e.g. <PUBLIC_BASE_URL>/vipps/card-callback. */
  cardCallbackUrl: string;
  allowedCardTypes: readonly CardType[];
  /** The merchant's redirectUrl: where Vipps sends the user afterwards (WEB_REDIRECT). */
  returnUrl: string;
  /** 3–100 characters; the merchant's paymentText. */
  paymentDescription?: string;
  /** MSISDN without "+" (e.g. 4791234567), pre-fills the landing page. */
  customerPhoneNumber?: string;
}

export type EPaymentState = 'CREATED' | 'AUTHORIZED' | 'ABORTED' | 'EXPIRED' | 'TERMINATED';

export interface EPaymentAggregate {
  authorizedAmount: ReportedAmount;
  capturedAmount: ReportedAmount;
  refundedAmount: ReportedAmount;
  cancelledAmount: ReportedAmount;
}

/** Vipps' view of a payment (GET, and the answer to every modification). */
export interface EPaymentView {
  reference: string;
  /** Stays AUTHORIZED after captures, refunds and cancels (read `aggregate`); new states are kept. */
  state: EPaymentState | (string & {});
  aggregate: EPaymentAggregate;
  amount?: ReportedAmount;
  pspReference?: string;
  captureGuaranteedUntil?: string;
}

export interface EPaymentEvent {
  reference: string;
  pspReference?: string;
  /** CREATED, AUTHORIZED, CAPTURED, REFUNDED, CANCELLED, ABORTED, EXPIRED, TERMINATED, … */
  name: string;
  amount: ReportedAmount;
  timestamp: string;
  idempotencyKey?: string;
  success: boolean;
}

export interface EPaymentApi {
  /** POST /epayment/v1/payments. `redirectUrl` is absent only for PUSH_MESSAGE flows. */
  createPayment(
    request: EPaymentCreateRequest,
    idempotencyKey: string,
  ): Promise<{ reference: string; redirectUrl?: string }>;
  /** POST …/{reference}/capture: report a capture the acquirer did. */
  capture(
    merchantSerialNumber: string,
    reference: string,
    amount: EPaymentAmount,
    idempotencyKey: string,
  ): Promise<EPaymentView>;
  /** POST …/{reference}/refund: report a refund the acquirer did. */
  refund(
    merchantSerialNumber: string,
    reference: string,
    amount: EPaymentAmount,
    idempotencyKey: string,
  ): Promise<EPaymentView>;
  /** POST …/{reference}/cancel: before the callback terminates; after a partial capture releases the rest. */
  cancel(merchantSerialNumber: string, reference: string, idempotencyKey: string): Promise<EPaymentView>;
  /** GET /epayment/v1/payments/{reference} */
  getPayment(merchantSerialNumber: string, reference: string): Promise<EPaymentView>;
  /** GET …/{reference}/events */
  getEvents(merchantSerialNumber: string, reference: string): Promise<EPaymentEvent[]>;
}

export interface WebhookRegistration {
  id: string;
  url: string;
  events: string[];
}

/** The PSP's webhook registrations (POST/GET/DELETE /webhooks/v1/webhooks, no MSN: every sales unit). */
export interface VippsWebhooksApi {
  /** The secret is shown once: the caller must store it. */
  register(url: string, events: readonly string[]): Promise<{ id: string; secret: string }>;
  list(): Promise<WebhookRegistration[]>;
  delete(id: string): Promise<void>;
}

// ── Errors ──────────────────────────────────────────────────────────────────────────────────

/**
 * Vipps' ePayment error codes we act on (extraDetails ErrorCode of the RFC 7807 answer; the
 * vippsas/agent-toolkit epayment errors reference, and the ePayment changelog for 6260/6280).
 */
export const ePaymentErrorCodes = {
  '4010': 'capture retried with the same Idempotency-Key and another body',
  '4020': 'Idempotency-Key already used',
  '4140': 'a required parameter is missing',
  '4150': 'the reference already exists (or a refund conflicts)',
  '4160': 'the payment method type is not valid for CARD_PASSTHROUGH',
  '5040': 'invalid currency',
  '5080': 'PUSH_MESSAGE is not allowed for this sales unit',
  '6040': 'cannot cancel: the payment is fully captured',
  '6060': 'cancelTransactionOnly is not allowed on an authorized payment',
  '6080': 'cannot capture before the payment is authorized',
  '6090': 'the capture amount is higher than what remains authorized',
  '6100': 'the capture period has expired',
  '6140': 'the full amount must be captured',
  '6150': 'the refund amount is higher than what remains refundable',
  '6160': 'the payment is locked by another operation: retry shortly',
  '6260': 'the funds are no longer available',
  '6280': 'Vipps cannot process this now: retry later',
} as const;

/** Codes that mean "not now": the same request with the same key may succeed later. */
export const ePaymentRetryLaterCodes: ReadonlySet<string> = new Set(['6160', '6280']);

export interface EPaymentProblem {
  httpStatus: number;
  /** Vipps' ErrorCode (e.g. "6090") when the answer carried one. */
  errorCode?: string;
  title?: string;
  detail?: string;
  traceId?: string;
}

function describeProblem(p: EPaymentProblem): string {
  const known = p.errorCode ? ePaymentErrorCodes[p.errorCode as keyof typeof ePaymentErrorCodes] : undefined;
  return [p.detail ?? p.title, known].filter(Boolean).join(' — ') || `HTTP ${p.httpStatus}`;
}

/** Vipps refused the request for good (4xx): retrying the same request will not help. */
export class EPaymentRejectedError extends VippsRejectedError {
  readonly problem: EPaymentProblem;
  constructor(problem: EPaymentProblem) {
    super(problem.httpStatus, [
      { errorCode: problem.errorCode ?? String(problem.httpStatus), errorMessage: describeProblem(problem) },
    ]);
    this.problem = problem;
  }
  get errorCode(): string | undefined {
    return this.problem.errorCode;
  }
}

/** Vipps is locked, rate-limited, busy or unreachable: try again later with the same key. */
export class EPaymentRetryLaterError extends VippsUnavailableError {
  constructor(
    message: string,
    readonly problem?: EPaymentProblem,
  ) {
    super(message);
  }
}
