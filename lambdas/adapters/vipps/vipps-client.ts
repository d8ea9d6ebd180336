/**
 * The production Vipps adapter: PSP API v3 over HTTPS (VippsApi in core/ports.ts).
 *
 * Every API call carries Authorization: Bearer, Ocp-Apim-Subscription-Key, Psp-Id,
 * Merchant-Serial-Number, Vipps-System-Name/-Version and Content-Type; POSTs also carry the
 * caller's Idempotency-Key (the same on every retry, so Vipps can recognise a repeat).
 * Outcomes: 2xx → the answer, validated with the schemas; 4xx with Vipps' error array →
 * VippsRejectedError (never retried); 5xx / network error / timeout → retried with backoff, then
 * VippsUnavailableError. A 401 is answered by fetching a new token once. Tokens and secrets are
 * never logged.
 */
import { VippsRejectedError, VippsUnavailableError } from '../../core/errors.js';
import type { Clock, Log, VippsApi, VippsInitRequest, VippsPaymentDetails } from '../../core/ports.js';
import { systemClock } from '../../core/ports.js';
import type { StatusUpdate } from '../../core/transaction.js';
import {
  type VippsCredentials,
  type VippsSession,
  createAccessTokenSource,
  sendWithFreshTokenOn401,
} from './access-token.js';
import { formatIssues } from './issues.js';
import {
  type ErrorDetails,
  ErrorDetailsList,
  type ForceApproveRequest,
  type InitiatePaymentRequest,
  PaymentDetailsRepresentation,
  PaymentInitiationRepresentation,
  type PaymentStatus,
  Response as UpdateStatusResponse,
  type TransactionInfo,
} from './schemas.js';
import { type RetryPolicy, type VippsHttpResponse, createVippsHttp, defaultRetry } from './vipps-http.js';

export type { VippsCredentials };

export interface VippsClientOptions {
  /** e.g. https://apitest.vipps.no or https://api.vipps.no (paths /accesstoken and /psp/v3 are added). */
  baseUrl: string;
  pspId: string;
  /** Called whenever a new access token is needed (so rotated secrets are picked up). */
  credentials: () => Promise<VippsCredentials>;
  /** Vipps-System-Name / -Version: max 30 characters each. */
  systemName: string;
  systemVersion: string;
  /** Per attempt. */
  timeoutMs: number;
  fetch?: typeof fetch;
  clock?: Clock;
  retry?: RetryPolicy;
  log?: Log;
  /** Tests only: replace the backoff wait. */
  sleep?: (ms: number) => Promise<void>;
}

export interface VippsClient extends VippsApi {
  /**
   * POST /psp/v3/integration-test/psppayments/{id}/approve — Vipps' test environment (and the
   * simulator) only. `extra` is merged into the body, for the simulator's `simulate` extension.
   * Returns the parsed JSON answer, if any (Vipps sends none; the simulator reports what it did).
   */
  forceApprove(
    merchantSerialNumber: string,
    pspTransactionId: string,
    body: ForceApproveRequest,
    options?: { idempotencyKey?: string; extra?: Record<string, unknown> },
  ): Promise<unknown>;
}

interface Call {
  method: 'GET' | 'POST';
  path: string;
  merchantSerialNumber: string;
  label: string;
  body?: unknown;
  idempotencyKey?: string;
  timeoutMs?: number;
  attempts?: number;
}

function parseJson(text: string): unknown {
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Vipps' error array if the body is one; otherwise one entry describing the status. */
function errorsOf(response: VippsHttpResponse): ErrorDetails[] {
  const parsed = ErrorDetailsList.safeParse(parseJson(response.text));
  if (parsed.success && parsed.data.length > 0) return parsed.data;
  return [{ errorCode: String(response.status), errorMessage: `HTTP ${response.status}` }];
}

export function toTransactionInfo(update: StatusUpdate): TransactionInfo {
  return {
    pspTransactionId: update.pspTransactionId,
    status: update.status,
    amount: update.amount,
    currency: update.currency,
    paymentText: update.paymentText,
    operationStatus: update.operationStatus,
  };
}

export function createVippsClient(options: VippsClientOptions): VippsClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const clock = options.clock ?? systemClock;
  const http = createVippsHttp({
    fetch: options.fetch ?? globalThis.fetch,
    timeoutMs: options.timeoutMs,
    retry: options.retry ?? defaultRetry,
    ...(options.log ? { log: options.log } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
  });
  const systemHeaders = {
    'Vipps-System-Name': options.systemName,
    'Vipps-System-Version': options.systemVersion,
  };
  const tokens = createAccessTokenSource({
    baseUrl,
    credentials: options.credentials,
    http,
    clock,
    systemHeaders,
  });

  function send(call: Call, session: VippsSession): Promise<VippsHttpResponse> {
    return http({
      method: call.method,
      url: `${baseUrl}${call.path}`,
      label: call.label,
      headers: {
        Authorization: `Bearer ${session.accessToken}`,
        'Ocp-Apim-Subscription-Key': session.subscriptionKey,
        'Psp-Id': options.pspId,
        'Merchant-Serial-Number': call.merchantSerialNumber,
        'Content-Type': 'application/json',
        Accept: 'application/json',
        ...systemHeaders,
        ...(call.method === 'POST' && call.idempotencyKey ? { 'Idempotency-Key': call.idempotencyKey } : {}),
      },
      ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
      ...(call.timeoutMs !== undefined ? { timeoutMs: call.timeoutMs } : {}),
      ...(call.attempts !== undefined ? { attempts: call.attempts } : {}),
    });
  }

  /** One logical call: token, retries, one token refresh on 401, error mapping. Returns the JSON. */
  async function call(request: Call): Promise<unknown> {
    const response = await sendWithFreshTokenOn401(tokens, (session) => send(request, session));
    if (response.status === 401) {
      throw new VippsUnavailableError(`Vipps ${request.label}: HTTP 401 even with a fresh access token`);
    }
    // 403 (our keys lack access) and 429 (rate limited) are not about the request body: the
    // caller should try again later rather than give the request up as rejected.
    if (response.status === 403 || response.status === 429) {
      throw new VippsUnavailableError(`Vipps ${request.label}: HTTP ${response.status}`);
    }
    if (response.status >= 400) throw new VippsRejectedError(response.status, errorsOf(response));
    if (response.status >= 300) {
      throw new VippsUnavailableError(`Vipps ${request.label}: unexpected HTTP ${response.status}`);
    }
    return parseJson(response.text);
  }

  function unexpected(label: string, detail: string): never {
    throw new VippsUnavailableError(`Unexpected answer from Vipps ${label}: ${detail}`);
  }

  return {
    async initiatePayment(request: VippsInitRequest, idempotencyKey: string) {
      const body: InitiatePaymentRequest = {
        pspTransactionId: request.pspTransactionId,
        merchantOrderId: request.merchantOrderId,
        amount: request.amount,
        currency: request.currency,
        paymentText: request.paymentText,
        pspRedirectUrl: request.pspRedirectUrl,
        makePaymentUrl: request.makePaymentUrl,
        makePaymentToken: request.makePaymentToken,
        isApp: request.isApp,
        ...(request.customerMobileNumber ? { customerMobileNumber: request.customerMobileNumber } : {}),
      };
      const json = await call({
        method: 'POST',
        path: '/psp/v3/psppayments/init',
        merchantSerialNumber: request.merchantSerialNumber,
        label: 'init',
        body,
        idempotencyKey,
      });
      const parsed = PaymentInitiationRepresentation.safeParse(json, { reportInput: true });
      if (!parsed.success) unexpected('init', formatIssues(parsed.error.issues).join('; '));
      // Optional in the OpenAPI, but without it the merchant cannot send the user anywhere.
      if (!parsed.data.vippsRedirectUrl) unexpected('init', 'no vippsRedirectUrl');
      return { vippsRedirectUrl: parsed.data.vippsRedirectUrl };
    },

    async updateStatus(merchantSerialNumber, updates, idempotencyKey) {
      if (updates.length === 0) return;
      const foreign = updates.find((u) => u.merchantSerialNumber !== merchantSerialNumber);
      if (foreign) {
        // One call is for one sales unit (the Merchant-Serial-Number header): a caller bug.
        throw new Error(
          `updateStatus for MSN ${merchantSerialNumber} got an update of MSN ${foreign.merchantSerialNumber}`,
        );
      }
      const body: PaymentStatus = { transactions: updates.map(toTransactionInfo) };
      const json = await call({
        method: 'POST',
        path: '/psp/v3/psppayments/updatestatus',
        merchantSerialNumber,
        label: 'updatestatus',
        body,
        idempotencyKey,
      });
      // Vipps answers 200 to every valid payload (it applies them in a nightly batch); the body
      // is informational, so a surprising one is not worth failing an acknowledged update over.
      const parsed = UpdateStatusResponse.safeParse(json);
      const code = parsed.success ? parsed.data.responseInfo?.responseCode : undefined;
      if (code !== undefined && code !== '9000') {
        options.log?.warn('Vipps updatestatus answered an unexpected responseCode', { responseCode: code });
      }
    },

    async getDetails(merchantSerialNumber, pspTransactionId): Promise<VippsPaymentDetails> {
      const json = await call({
        method: 'GET',
        path: `/psp/v3/psppayments/${encodeURIComponent(pspTransactionId)}/details`,
        merchantSerialNumber,
        label: 'details',
      });
      const parsed = PaymentDetailsRepresentation.safeParse(json, { reportInput: true });
      if (!parsed.success) unexpected('details', formatIssues(parsed.error.issues).join('; '));
      const details = parsed.data;
      return {
        pspTransactionId: details.pspTransactionId ?? pspTransactionId,
        ...(details.merchantOrderId !== undefined ? { merchantOrderId: details.merchantOrderId } : {}),
        ...(details.transactionSummary ? { transactionSummary: details.transactionSummary } : {}),
        ...(details.transactionLogHistory ? { transactionLogHistory: details.transactionLogHistory } : {}),
      };
    },

    async forceApprove(merchantSerialNumber, pspTransactionId, body, approveOptions) {
      return call({
        method: 'POST',
        path: `/psp/v3/integration-test/psppayments/${encodeURIComponent(pspTransactionId)}/approve`,
        merchantSerialNumber,
        label: 'approve',
        body: { ...approveOptions?.extra, ...body },
        idempotencyKey: approveOptions?.idempotencyKey ?? crypto.randomUUID(),
        // Approval makes Vipps call makePaymentUrl (15 s budget) and maybe run 3-D Secure: give
        // it time, and never repeat it — a second approval is a second payment attempt.
        timeoutMs: Math.max(options.timeoutMs, 60_000),
        attempts: 1,
      });
    },
  };
}
