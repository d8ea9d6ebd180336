/**
 * Vipps access token (POST {base}/accesstoken/get, "standard authentication"): fetched with the
 * PSP's client_id / client_secret / subscription key headers — and no Psp-Id, which the token
 * call must not carry — cached until shortly before it expires, and shared by concurrent callers
 * (one token request for a burst of calls). Tokens live 1 h in Vipps' test environment and 24 h
 * in production, so a warm Lambda fetches one rarely.
 */
import { VippsUnavailableError } from '../../core/errors.js';
import type { Clock } from '../../core/ports.js';
import { formatIssues } from './issues.js';
import { AccessTokenResponse } from './schemas.js';
import type { VippsHttp } from './vipps-http.js';

export interface VippsCredentials {
  clientId: string;
  clientSecret: string;
  subscriptionKey: string;
}

/** What an API call needs: the bearer token and the subscription key it was issued for. */
export interface VippsSession {
  accessToken: string;
  subscriptionKey: string;
}

export interface AccessTokenSource {
  /** A valid session: the cached one, or one fetched for all concurrent callers together. */
  get(): Promise<VippsSession>;
  /** Forget `session` if it is still the cached one (Vipps answered 401 to it). */
  invalidate(session: VippsSession): void;
}

/**
 * Send with the cached session; on a 401 (the token was revoked or expired early) forget it and
 * try once more with a fresh one. The caller decides what a second 401 means.
 */
export async function sendWithFreshTokenOn401<R extends { status: number }>(
  tokens: AccessTokenSource,
  send: (session: VippsSession) => Promise<R>,
): Promise<R> {
  const session = await tokens.get();
  const response = await send(session);
  if (response.status !== 401) return response;
  tokens.invalidate(session);
  return send(await tokens.get());
}

export interface AccessTokenSourceOptions {
  /** e.g. https://apitest.vipps.no (no trailing slash). */
  baseUrl: string;
  credentials: () => Promise<VippsCredentials>;
  http: VippsHttp;
  clock: Clock;
  /** Vipps-System-Name / -Version, sent on the token call too. */
  systemHeaders: Record<string, string>;
}

/** Renew this long before expiry: 5 minutes, or a tenth of a short-lived token's lifetime. */
function refreshMarginMs(lifetimeMs: number): number {
  return Math.min(5 * 60_000, lifetimeMs / 10);
}

export function createAccessTokenSource(options: AccessTokenSourceOptions): AccessTokenSource {
  let cached: { session: VippsSession; renewAt: number } | undefined;
  let inFlight: Promise<VippsSession> | undefined;

  async function fetchSession(): Promise<VippsSession> {
    const credentials = await options.credentials();
    const requestedAt = options.clock.now().getTime();
    const response = await options.http({
      method: 'POST',
      url: `${options.baseUrl}/accesstoken/get`,
      headers: {
        client_id: credentials.clientId,
        client_secret: credentials.clientSecret,
        'Ocp-Apim-Subscription-Key': credentials.subscriptionKey,
        ...options.systemHeaders,
      },
      label: 'accesstoken',
    });
    if (response.status !== 200) {
      // 401/403 here means our credentials are wrong: no retry helps, and no request body is at
      // fault either, so callers treat it as Vipps being unavailable to us (and alarms fire).
      throw new VippsUnavailableError(
        `Vipps refused the access token request (HTTP ${response.status}); check the client id, secret and subscription key`,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(response.text);
    } catch {
      throw new VippsUnavailableError('Vipps access token answer is not JSON');
    }
    const parsed = AccessTokenResponse.safeParse(json, { reportInput: true });
    if (!parsed.success) {
      throw new VippsUnavailableError(
        `Unexpected access token answer: ${formatIssues(parsed.error.issues).join('; ')}`,
      );
    }
    const token = parsed.data;
    // expires_in is relative, so immune to clock skew between us and Vipps; expires_on is the
    // fallback when it is missing.
    const expiresAt =
      token.expires_in !== undefined
        ? requestedAt + Number(token.expires_in) * 1000
        : Number(token.expires_on) * 1000;
    const lifetime = Math.max(0, expiresAt - requestedAt);
    const session = { accessToken: token.access_token, subscriptionKey: credentials.subscriptionKey };
    cached = { session, renewAt: expiresAt - refreshMarginMs(lifetime) };
    return session;
  }

  return {
    async get() {
      if (cached && options.clock.now().getTime() < cached.renewAt) return cached.session;
      inFlight ??= fetchSession().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
    invalidate(session) {
      if (cached?.session.accessToken === session.accessToken) cached = undefined;
    },
  };
}
