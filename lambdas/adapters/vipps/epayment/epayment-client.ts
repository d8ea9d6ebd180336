/**
 * The production ePayment adapter (EPaymentApi and VippsWebhooksApi in core/epayment-port.ts):
 * Vipps' ePayment API for a CARD_PASSTHROUGH PSP over HTTPS.
 *
 * Every call carries Authorization: Bearer (the PSP's token, shared with PSP API v3 through
 * ../access-token.ts), Ocp-Apim-Subscription-Key, Psp-Id, the merchant's Merchant-Serial-Number
 * (absent on webhook registration: the PSP's registration covers every sales unit) and the
 * Vipps-System-* headers; every POST carries the caller's Idempotency-Key, the same on each
 * retry. Retries: 5xx, network errors, timeouts and 423 Locked, with backoff; nothing else.
 * A 401 fetches a new token once. Tokens and secrets are never logged.
 */
import type * as z from 'zod/mini';
import { VippsUnavailableError } from '../../../core/errors.js';
import {
  type EPaymentAmount,
  type EPaymentApi,
  type EPaymentCreateRequest,
  EPaymentRetryLaterError,
  type EPaymentView,
  type VippsWebhooksApi,
} from '../../../core/epayment-port.js';
import { type Clock, type Log, systemClock } from '../../../core/ports.js';
import { type VippsCredentials, type VippsSession, createAccessTokenSource } from '../access-token.js';
import { formatIssues } from '../issues.js';
import { type RetryPolicy, type VippsHttpResponse, createVippsHttp, defaultRetry } from '../vipps-http.js';
import { MAX_IDEMPOTENCY_KEY_LENGTH } from './idempotency-key.js';
import { errorFor } from './problem.js';
import {
  CreatePaymentRequest,
  CreatePaymentResponse,
  MerchantSerialNumber,
  ModificationRequest,
  PaymentEvents,
  PaymentView,
  RegisterWebhookRequest,
  RegisterWebhookResponse,
  WebhookList,
} from './schemas.js';

export interface SystemHeaders {
  /** Vipps-System-Name / -Version / -Plugin-Name / -Plugin-Version: at most 30 characters each. */
  systemName: string;
  systemVersion: string;
  pluginName?: string;
  pluginVersion?: string;
}

export interface EPaymentClientOptions extends SystemHeaders {
  /** e.g. https://apitest.vipps.no (paths /accesstoken, /epayment/v1 and /webhooks/v1 are added). */
  baseUrl: string;
  pspId: string;
  credentials: () => Promise<VippsCredentials>;
  /** Per attempt. */
  timeoutMs: number;
  fetch?: typeof fetch;
  clock?: Clock;
  retry?: RetryPolicy;
  log?: Log;
  sleep?: (ms: number) => Promise<void>;
}

export interface EPaymentClient extends EPaymentApi, VippsWebhooksApi {
  /**
   * POST /epayment/v1/test/payments/{reference}/approve — Vipps' test environment and the
   * simulator only; never retried (a second approval is a second attempt). `extra` is merged into
   * the body for the simulator's `simulate` extension; the simulator's report is returned.
   */
  forceApprove(
    merchantSerialNumber: string,
    reference: string,
    body: { customer: { phoneNumber: string } } | { token: string },
    extra?: Record<string, unknown>,
  ): Promise<unknown>;
}

interface Call {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  label: string;
  merchantSerialNumber?: string;
  body?: unknown;
  idempotencyKey?: string;
  timeoutMs?: number;
  attempts?: number;
}

/** A bug of ours, caught before anything is sent. */
function refuse(label: string, problem: string): never {
  throw new TypeError(`ePayment ${label}: ${problem}; nothing was sent to Vipps`);
}

export function systemHeadersOf(system: SystemHeaders): Record<string, string> {
  const headers: Record<string, string | undefined> = {
    'Vipps-System-Name': system.systemName,
    'Vipps-System-Version': system.systemVersion,
    'Vipps-System-Plugin-Name': system.pluginName,
    'Vipps-System-Plugin-Version': system.pluginVersion,
  };
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    if (value.length === 0 || value.length > 30) refuse('configuration', `${name} must be 1–30 characters`);
    out[name] = value;
  }
  return out;
}

function checkCall(call: Call): void {
  if (
    call.merchantSerialNumber !== undefined &&
    !MerchantSerialNumber.safeParse(call.merchantSerialNumber).success
  ) {
    refuse(call.label, 'Merchant-Serial-Number must be 4–6 digits');
  }
  if (call.method === 'POST' && call.idempotencyKey !== undefined) {
    const length = call.idempotencyKey.length;
    if (length === 0 || length > MAX_IDEMPOTENCY_KEY_LENGTH) {
      refuse(call.label, `Idempotency-Key must be 1–${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The answer as `schema` describes it, or an "unexpected answer" error naming the fields. */
function read<T>(label: string, schema: z.ZodMiniType<T>, json: unknown): T {
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  throw new EPaymentRetryLaterError(
    `Unexpected answer from Vipps ${label}: ${formatIssues(parsed.error.issues).join('; ')}`,
  );
}

export function createEPaymentClient(options: EPaymentClientOptions): EPaymentClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const systemHeaders = systemHeadersOf(options);
  const http = createVippsHttp({
    fetch: options.fetch ?? globalThis.fetch,
    timeoutMs: options.timeoutMs,
    retry: options.retry ?? defaultRetry,
    retryStatuses: [423],
    ...(options.log ? { log: options.log } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
  });
  const tokens = createAccessTokenSource({
    baseUrl,
    credentials: options.credentials,
    http,
    clock: options.clock ?? systemClock,
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
        ...(call.merchantSerialNumber ? { 'Merchant-Serial-Number': call.merchantSerialNumber } : {}),
        Accept: 'application/json',
        ...systemHeaders,
        ...(call.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...(call.idempotencyKey ? { 'Idempotency-Key': call.idempotencyKey } : {}),
      },
      ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
      ...(call.timeoutMs !== undefined ? { timeoutMs: call.timeoutMs } : {}),
      ...(call.attempts !== undefined ? { attempts: call.attempts } : {}),
    });
  }

  async function exchange(call: Call): Promise<VippsHttpResponse> {
    let session = await tokens.get();
    let response = await send(call, session);
    if (response.status === 401) {
      // Revoked or expired early: one fresh token, one more try.
      tokens.invalidate(session);
      session = await tokens.get();
      response = await send(call, session);
    }
    return response;
  }

  /** One logical call: checks, token, retries, error mapping. Returns the parsed JSON. */
  async function call(request: Call): Promise<unknown> {
    checkCall(request);
    let response: VippsHttpResponse;
    try {
      response = await exchange(request);
    } catch (error) {
      if (error instanceof VippsUnavailableError && !(error instanceof EPaymentRetryLaterError)) {
        throw new EPaymentRetryLaterError(error.message);
      }
      throw error;
    }
    if (response.status >= 400) throw errorFor(request.label, response.status, response.text);
    if (response.status >= 300) {
      throw new EPaymentRetryLaterError(`Vipps ${request.label}: unexpected HTTP ${response.status}`);
    }
    return parseJson(response.text);
  }

  const payment = (reference: string, suffix = '') =>
    `/epayment/v1/payments/${encodeURIComponent(reference)}${suffix}`;

  async function modify(
    label: 'capture' | 'refund',
    merchantSerialNumber: string,
    reference: string,
    amount: EPaymentAmount,
    idempotencyKey: string,
  ): Promise<EPaymentView> {
    const body = { modificationAmount: { currency: amount.currency, value: amount.value } };
    const checked = ModificationRequest.safeParse(body);
    if (!checked.success) refuse(label, formatIssues(checked.error.issues).join('; '));
    const json = await call({
      method: 'POST',
      path: payment(reference, `/${label}`),
      label,
      merchantSerialNumber,
      body,
      idempotencyKey,
    });
    return read(label, PaymentView, json);
  }

  return {
    async createPayment(request: EPaymentCreateRequest, idempotencyKey: string) {
      const body = createBody(request);
      const checked = CreatePaymentRequest.safeParse(body);
      if (!checked.success) refuse('create', formatIssues(checked.error.issues).join('; '));
      const json = await call({
        method: 'POST',
        path: '/epayment/v1/payments',
        label: 'create',
        merchantSerialNumber: request.merchantSerialNumber,
        body,
        idempotencyKey,
      });
      const answer = read('create', CreatePaymentResponse, json);
      return {
        reference: answer.reference,
        ...(answer.redirectUrl ? { redirectUrl: answer.redirectUrl } : {}),
      };
    },

    capture: (msn, reference, amount, key) => modify('capture', msn, reference, amount, key),
    refund: (msn, reference, amount, key) => modify('refund', msn, reference, amount, key),

    async cancel(merchantSerialNumber, reference, idempotencyKey) {
      const json = await call({
        method: 'POST',
        path: payment(reference, '/cancel'),
        label: 'cancel',
        merchantSerialNumber,
        idempotencyKey,
      });
      return read('cancel', PaymentView, json);
    },

    async getPayment(merchantSerialNumber, reference) {
      const json = await call({
        method: 'GET',
        path: payment(reference),
        label: 'get',
        merchantSerialNumber,
      });
      return read('get', PaymentView, json);
    },

    async getEvents(merchantSerialNumber, reference) {
      const json = await call({
        method: 'GET',
        path: payment(reference, '/events'),
        label: 'events',
        merchantSerialNumber,
      });
      return read('events', PaymentEvents, json).map(({ pspReference, idempotencyKey, ...event }) => ({
        ...event,
        ...(pspReference ? { pspReference } : {}),
        ...(idempotencyKey ? { idempotencyKey } : {}),
      }));
    },

    async register(url, events) {
      const body = { url, events: [...events] };
      const checked = RegisterWebhookRequest.safeParse(body);
      if (!checked.success) refuse('webhook registration', formatIssues(checked.error.issues).join('; '));
      // Not retried blindly: Vipps' webhook API takes no Idempotency-Key, so a retried POST could
      // register twice (and the secret is shown only once).
      const json = await call({
        method: 'POST',
        path: '/webhooks/v1/webhooks',
        label: 'webhook registration',
        body,
        attempts: 1,
      });
      return read('webhook registration', RegisterWebhookResponse, json);
    },

    async list() {
      const json = await call({ method: 'GET', path: '/webhooks/v1/webhooks', label: 'webhook list' });
      const answer = read('webhook list', WebhookList, json);
      return Array.isArray(answer) ? answer : answer.webhooks;
    },

    async delete(id) {
      await call({
        method: 'DELETE',
        path: `/webhooks/v1/webhooks/${encodeURIComponent(id)}`,
        label: 'webhook delete',
      });
    },

    async forceApprove(merchantSerialNumber, reference, body, extra) {
      return call({
        method: 'POST',
        path: `/epayment/v1/test/payments/${encodeURIComponent(reference)}/approve`,
        label: 'approve',
        merchantSerialNumber,
        body: { ...extra, ...body },
        idempotencyKey: crypto.randomUUID(),
        // Approval makes Vipps post our card callback (20 s) and maybe run 3-D Secure.
        timeoutMs: Math.max(options.timeoutMs, 60_000),
        attempts: 1,
      });
    },
  };
}

/** The create body of DESIGN.md "ePayment PSP API" 1. */
function createBody(request: EPaymentCreateRequest): CreatePaymentRequest {
  return {
    amount: { currency: request.amount.currency, value: request.amount.value },
    paymentMethod: { type: 'CARD_PASSTHROUGH' },
    cardPassthrough: {
      pspReference: request.reference,
      cardCallbackUrl: request.cardCallbackUrl,
      allowedCardTypes: [...request.allowedCardTypes],
      // Until Vipps documents encryptedPan, a Visa/Dankort card must reach us as a Visa token.
      preferVisaPartOfVisaDankort: true,
    },
    reference: request.reference,
    userFlow: 'WEB_REDIRECT',
    returnUrl: request.returnUrl,
    ...(request.paymentDescription !== undefined ? { paymentDescription: request.paymentDescription } : {}),
    ...(request.customerPhoneNumber !== undefined
      ? { customer: { phoneNumber: request.customerPhoneNumber } }
      : {}),
  };
}
