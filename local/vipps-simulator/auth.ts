/**
 * Access tokens and the headers every PSP API call must carry. The checks are deliberately
 * stricter than "it works": they encode our client's contract (Psp-Id on API calls but not on
 * the token call, an Idempotency-Key on init and updatestatus, short Vipps-System-* values).
 */
import { randomBytes } from 'node:crypto';
import {
  type SimRequest,
  type SimResponse,
  header,
  invalidRequest,
  json,
  unauthorized,
} from './http-util.js';
import type { SimulatorState } from './state.js';

export interface SimulatorCredentials {
  clientId: string;
  clientSecret: string;
  subscriptionKey: string;
}

export interface AuthOptions {
  /** When absent, any non-empty values are accepted. */
  credentials?: SimulatorCredentials;
  /** When absent, any non-empty Psp-Id is accepted. */
  pspId?: string;
  tokenLifetimeSeconds: number;
}

/** POST /accesstoken/get */
export function issueToken(state: SimulatorState, options: AuthOptions, req: SimRequest): SimResponse {
  const clientId = header(req, 'client_id');
  const clientSecret = header(req, 'client_secret');
  const subscriptionKey = header(req, 'ocp-apim-subscription-key');
  if (header(req, 'psp-id') !== undefined) {
    return json(400, {
      error: 'invalid_request',
      error_description: 'Psp-Id must not be sent to /accesstoken/get',
    });
  }
  if (!subscriptionKey || (options.credentials && subscriptionKey !== options.credentials.subscriptionKey)) {
    return unauthorized('Access denied due to invalid subscription key.');
  }
  const expected = options.credentials;
  if (
    !clientId ||
    !clientSecret ||
    (expected && (clientId !== expected.clientId || clientSecret !== expected.clientSecret))
  ) {
    return json(401, {
      error: 'unauthorized_client',
      error_description: 'Invalid client_id or client_secret',
    });
  }
  const now = state.clock.now().getTime();
  const lifetime = options.tokenLifetimeSeconds;
  // Vipps' tokens are JWTs of 1000+ characters; ours only need to be unguessable and opaque.
  const accessToken = `sim.${randomBytes(32).toString('base64url')}`;
  state.tokens.set(accessToken, { expiresAt: now + lifetime * 1000, revoked: false });
  state.tokensIssued++;
  const seconds = Math.floor(now / 1000);
  // Every field is a string, exactly like Vipps' AuthorizationTokenResponse.
  return json(200, {
    token_type: 'Bearer',
    expires_in: String(lifetime),
    ext_expires_in: '0',
    expires_on: String(seconds + lifetime),
    not_before: String(seconds),
    resource: '00000002-0000-0000-c000-000000000000',
    access_token: accessToken,
  });
}

/**
 * The headers of a PSP API call. Returns the problem answer, or the MSN header on success.
 * `requireIdempotencyKey`: our client sends one on every POST it makes to init/updatestatus.
 */
export function checkApiHeaders(
  state: SimulatorState,
  options: AuthOptions,
  req: SimRequest,
  requireIdempotencyKey: boolean,
): { ok: false; answer: SimResponse } | { ok: true; merchantSerialNumber: string; idempotencyKey?: string } {
  const fail = (answer: SimResponse) => ({ ok: false as const, answer });
  const subscriptionKey = header(req, 'ocp-apim-subscription-key');
  if (!subscriptionKey || (options.credentials && subscriptionKey !== options.credentials.subscriptionKey)) {
    return fail(unauthorized('Access denied due to invalid subscription key.'));
  }
  const authorization = header(req, 'authorization') ?? '';
  const match = /^Bearer (\S+)$/.exec(authorization);
  const token = match?.[1] ? state.tokens.get(match[1]) : undefined;
  if (!token || token.revoked || state.clock.now().getTime() >= token.expiresAt) {
    return fail(unauthorized('Access denied: missing, invalid or expired Bearer token.'));
  }
  const pspId = header(req, 'psp-id');
  if (!pspId) return fail(invalidRequest('header Psp-Id is required'));
  if (options.pspId && pspId !== options.pspId) {
    return fail(invalidRequest('this MSN is not valid for the provided PSP id'));
  }
  const merchantSerialNumber = header(req, 'merchant-serial-number');
  if (!merchantSerialNumber || !/^\d{6}$/.test(merchantSerialNumber)) {
    return fail(invalidRequest('header Merchant-Serial-Number must be six digits'));
  }
  for (const name of ['vipps-system-name', 'vipps-system-version']) {
    const value = header(req, name);
    if (value !== undefined && value.length > 30)
      return fail(invalidRequest(`header ${name} is over 30 characters`));
  }
  const idempotencyKey = header(req, 'idempotency-key');
  if (req.method === 'POST') {
    const contentType = header(req, 'content-type') ?? '';
    if (!/^application\/json\b/i.test(contentType)) {
      return fail(invalidRequest('Content-Type must be application/json'));
    }
    if (requireIdempotencyKey && !idempotencyKey)
      return fail(invalidRequest('header Idempotency-Key is required'));
    // Vipps documents 50 characters as the limit for Idempotency-Key.
    if (idempotencyKey !== undefined && idempotencyKey.length > 50) {
      return fail(invalidRequest('header Idempotency-Key is over 50 characters'));
    }
  }
  return { ok: true, merchantSerialNumber, ...(idempotencyKey ? { idempotencyKey } : {}) };
}
