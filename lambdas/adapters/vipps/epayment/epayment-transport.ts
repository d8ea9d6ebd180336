/**
 * One ePayment call over HTTPS: checks of our own request, the PSP's access token (shared with
 * PSP API v3 through ../access-token.ts, refreshed once on a 401), the standard headers, retries
 * on 5xx / network errors / timeouts / 423 (../vipps-http.ts) and Vipps' errors mapped to the
 * core's typed errors (problem.ts). Tokens and secrets are never logged.
 */
import type * as z from 'zod/mini';
import { VippsUnavailableError } from '../../../core/errors.js';
import { EPaymentRetryLaterError } from '../../../core/epayment-port.js';
import { type Clock, type Log, systemClock } from '../../../core/ports.js';
import {
  type VippsCredentials,
  type VippsSession,
  createAccessTokenSource,
  sendWithFreshTokenOn401,
} from '../access-token.js';
import { formatIssues } from '../issues.js';
import { type RetryPolicy, type VippsHttpResponse, createVippsHttp, defaultRetry } from '../vipps-http.js';
import { IdempotencyKeyLedger, MAX_IDEMPOTENCY_KEY_LENGTH } from './idempotency-key.js';
import { errorFor } from './problem.js';
import { MerchantSerialNumber } from './schemas.js';

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
export function refuse(label: string, problem: string): never {
  throw new TypeError(`ePayment ${label}: ${problem}; nothing was sent to Vipps`);
}

function systemHeadersOf(system: SystemHeaders): Record<string, string> {
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
export function read<T>(label: string, schema: z.ZodMiniType<T>, json: unknown): T {
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  throw new EPaymentRetryLaterError(
    `Unexpected answer from Vipps ${label}: ${formatIssues(parsed.error.issues).join('; ')}`,
  );
}

export function createEPaymentTransport(options: EPaymentClientOptions): (request: Call) => Promise<unknown> {
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

  const exchange = (call: Call): Promise<VippsHttpResponse> =>
    sendWithFreshTokenOn401(tokens, (session) => send(call, session));

  const keys = new IdempotencyKeyLedger();

  /** One logical call: checks, token, retries, error mapping. Returns the parsed JSON. */
  async function call(request: Call): Promise<unknown> {
    checkCall(request);
    if (request.idempotencyKey !== undefined) {
      const { method, path, merchantSerialNumber, body } = request;
      const what = JSON.stringify([method, path, merchantSerialNumber, body]);
      if (!keys.claim(request.idempotencyKey, what)) {
        refuse(request.label, 'this Idempotency-Key was already used for another request');
      }
    }
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

  return call;
}
