/**
 * The headers of an ePayment / webhooks API call from a PSP, checked as Vipps documents them:
 * Bearer token and subscription key, Psp-Id on every call, the merchant's MSN (4–6 digits; not
 * needed for a PSP's webhook registration), Idempotency-Key on every payment POST (≤ 50),
 * Vipps-System-* ≤ 30 each, Content-Type application/json when there is a body.
 */
import type { AuthOptions } from '../auth.js';
import { type SimRequest, type SimResponse, header, unauthorized } from '../http-util.js';
import type { SimulatorState } from '../state.js';
import { problem, sources } from './problems.js';

export interface HeaderRules {
  merchantSerialNumber: 'required' | 'optional';
  idempotencyKey: boolean;
}

export type HeaderCheck =
  { ok: false; answer: SimResponse } | { ok: true; merchantSerialNumber?: string; idempotencyKey?: string };

const SYSTEM_HEADERS = [
  'vipps-system-name',
  'vipps-system-version',
  'vipps-system-plugin-name',
  'vipps-system-plugin-version',
];

function checkToken(state: SimulatorState, auth: AuthOptions, req: SimRequest): SimResponse | undefined {
  const subscriptionKey = header(req, 'ocp-apim-subscription-key');
  if (!subscriptionKey || (auth.credentials && subscriptionKey !== auth.credentials.subscriptionKey)) {
    return unauthorized('Access denied due to invalid subscription key.');
  }
  const match = /^Bearer (\S+)$/.exec(header(req, 'authorization') ?? '');
  const token = match?.[1] ? state.tokens.get(match[1]) : undefined;
  if (!token || token.revoked || state.clock.now().getTime() >= token.expiresAt) {
    return unauthorized('Access denied: missing, invalid or expired Bearer token.');
  }
  return undefined;
}

export function checkEPaymentHeaders(
  state: SimulatorState,
  auth: AuthOptions,
  req: SimRequest,
  rules: HeaderRules,
): HeaderCheck {
  const fail = (status: number, detail: string): HeaderCheck => ({
    ok: false,
    answer: problem(status, detail),
  });
  const tokenProblem = checkToken(state, auth, req);
  if (tokenProblem) return { ok: false, answer: tokenProblem };
  const pspId = header(req, 'psp-id');
  if (!pspId) return fail(400, `Psp-Id header is required on every PSP call (${sources.pspGuide})`);
  if (auth.pspId && pspId !== auth.pspId)
    return fail(403, 'Psp-Id is not the PSP these credentials belong to');
  const msn = header(req, 'merchant-serial-number');
  if (msn === undefined && rules.merchantSerialNumber === 'required') {
    return fail(400, `Merchant-Serial-Number header is required (${sources.spec})`);
  }
  if (msn !== undefined && !/^\d{4,6}$/.test(msn)) {
    return fail(400, `Merchant-Serial-Number must match ^[0-9]{4,6}$ (${sources.spec})`);
  }
  for (const name of SYSTEM_HEADERS) {
    const value = header(req, name);
    if (value !== undefined && value.length > 30) {
      return fail(400, `${name} must be at most 30 characters (${sources.spec})`);
    }
  }
  if (req.rawBody !== '' && !/^application\/json\b/i.test(header(req, 'content-type') ?? '')) {
    return fail(400, 'Content-Type must be application/json');
  }
  const idempotencyKey = header(req, 'idempotency-key');
  if (rules.idempotencyKey && !idempotencyKey) {
    return fail(400, `Idempotency-Key header is required (${sources.spec})`);
  }
  if (idempotencyKey !== undefined && idempotencyKey.length > 50) {
    return fail(400, `Idempotency-Key must be at most 50 characters (${sources.spec})`);
  }
  return {
    ok: true,
    ...(msn !== undefined ? { merchantSerialNumber: msn } : {}),
    ...(idempotencyKey ? { idempotencyKey } : {}),
  };
}
