/**
 * Vipps' HMAC-SHA256 request signature, as Vipps signs webhooks and the ePayment card callback
 * (developer.vippsmobilepay.com/docs/APIs/webhooks-api/request-authentication; the PSP skill of
 * vippsas/agent-toolkit for the card callback, keyed with the PSP's client secret):
 *
 *   x-ms-content-sha256 = base64(SHA-256(raw body))
 *   string to sign      = "POST\n<path and query>\n<x-ms-date>;<host>;<x-ms-content-sha256>"
 *   Authorization       = "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=<base64 HMAC>"
 *
 * Pure functions (no I/O): `signVippsRequest` for the simulator, `verifyVippsSignature` for our
 * card-callback and webhook handlers. Verification runs on the raw bytes before anything is
 * parsed, takes host and path from the URL we configured (API Gateway and CloudFront may rewrite
 * Host), allows 15 minutes of clock skew and compares in constant time. The secret is used as
 * its UTF-8 bytes, as in Vipps' published C# and Node samples.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNED_HEADERS = 'x-ms-date;host;x-ms-content-sha256';
export const DEFAULT_MAX_CLOCK_SKEW_MS = 15 * 60_000;

export type RawBody = string | Uint8Array;

/** base64(SHA-256(body)): the x-ms-content-sha256 header. */
export function contentSha256(body: RawBody): string {
  return createHash('sha256').update(body).digest('base64');
}

/** The exact string Vipps signs, LF line breaks. `host` includes a port when the URL has one. */
export function stringToSign(method: string, url: URL, date: string, contentHash: string): string {
  return `${method.toUpperCase()}\n${url.pathname}${url.search}\n${date};${url.host};${contentHash}`;
}

function hmacBase64(secret: string, text: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(text, 'utf8').digest('base64');
}

export interface SignedHeaders {
  'x-ms-date': string;
  'x-ms-content-sha256': string;
  /** What Vipps' request carries as Host: the signed value. */
  host: string;
  authorization: string;
}

/** The headers Vipps sends with a signed POST of `body` to `url`. */
export function signVippsRequest(input: {
  url: string;
  body: RawBody;
  secret: string;
  date: Date;
  method?: string;
}): SignedHeaders {
  const url = new URL(input.url);
  const date = input.date.toUTCString();
  const hash = contentSha256(input.body);
  const signature = hmacBase64(input.secret, stringToSign(input.method ?? 'POST', url, date, hash));
  return {
    'x-ms-date': date,
    'x-ms-content-sha256': hash,
    host: url.host,
    authorization: `HMAC-SHA256 SignedHeaders=${SIGNED_HEADERS}&Signature=${signature}`,
  };
}

export type SignatureRejection =
  | 'missing-header'
  | 'malformed-authorization'
  | 'malformed-date'
  | 'stale-or-future-date'
  | 'content-hash-mismatch'
  | 'signature-mismatch';

export type SignatureCheck = { ok: true } | { ok: false; reason: SignatureRejection; detail: string };

export interface VerifyInput {
  method: string;
  rawBody: RawBody;
  /** Header lookup is case-insensitive; API Gateway may lower-case names or not. */
  headers: Readonly<Record<string, string | undefined>>;
  /** Our configured callback/webhook URL: the host and path Vipps signed. */
  expectedUrl: string;
  secret: string;
  now: Date;
  maxClockSkewMs?: number;
}

function headerOf(headers: VerifyInput['headers'], name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return value;
  }
  return undefined;
}

/** Equal strings, in time independent of where they differ (lengths are not secret). */
function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

const AUTHORIZATION = /^HMAC-SHA256 SignedHeaders=([^&\s]+)&Signature=([A-Za-z0-9+/]+={0,2})$/;

const reject = (reason: SignatureRejection, detail: string): SignatureCheck => ({
  ok: false,
  reason,
  detail,
});

/** Whether the request carries Vipps' valid signature. The `detail` never contains a secret. */
export function verifyVippsSignature(input: VerifyInput): SignatureCheck {
  const date = headerOf(input.headers, 'x-ms-date');
  const claimedHash = headerOf(input.headers, 'x-ms-content-sha256');
  const authorization = headerOf(input.headers, 'authorization');
  if (!date || !claimedHash || !authorization) {
    return reject('missing-header', 'x-ms-date, x-ms-content-sha256 and Authorization are required');
  }
  const parts = AUTHORIZATION.exec(authorization.trim());
  if (!parts || parts[1] !== SIGNED_HEADERS) {
    return reject(
      'malformed-authorization',
      `Authorization must be "HMAC-SHA256 SignedHeaders=${SIGNED_HEADERS}&Signature=<base64>"`,
    );
  }
  const signedAt = Date.parse(date);
  if (Number.isNaN(signedAt)) return reject('malformed-date', 'x-ms-date is not an HTTP date');
  const skew = Math.abs(input.now.getTime() - signedAt);
  if (skew > (input.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS)) {
    return reject('stale-or-future-date', `x-ms-date is ${Math.round(skew / 1000)} s away from our clock`);
  }
  const actualHash = contentSha256(input.rawBody);
  if (!constantTimeEqual(claimedHash, actualHash)) {
    return reject('content-hash-mismatch', 'x-ms-content-sha256 does not match the body');
  }
  const expected = hmacBase64(
    input.secret,
    stringToSign(input.method, new URL(input.expectedUrl), date, actualHash),
  );
  if (!constantTimeEqual(parts[2]!, expected)) {
    return reject('signature-mismatch', 'the signature does not match (secret, host, path or date)');
  }
  return { ok: true };
}
