/**
 * Vipps' HMAC-SHA256 request signature (webhooks and the ePayment card callback): a known answer
 * computed outside our code, and every way a forged, replayed or misdirected request must fail.
 */
import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  signVippsRequest,
  verifyVippsSignature,
} from '../../lambdas/adapters/vipps/shared/hmac-signature.js';

const secret = 'psp-client-secret';
const callbackUrl = 'https://psp.example:8443/vipps/card-callback?x=1';
const body = '{"pspReference":"psp-ref-1","amount":{"currency":"NOK","value":49900}}';
const date = 'Tue, 01 Sep 2026 10:00:00 GMT';
const signedAt = new Date(date);

// Computed with openssl, not with our code:
//   printf '%s' "$BODY" | openssl dgst -sha256 -binary | base64
//   printf 'POST\n/vipps/card-callback?x=1\n<date>;psp.example:8443;<hash>' \
//     | openssl dgst -sha256 -hmac psp-client-secret -binary | base64
const knownHash = 'gtrh6vpfMNql1owvKQatQmLsDVFP8N2anusp7cd+OvE=';
const knownSignature = 'tEpd5iCX6C/WVh55Ay2liny/8mkAwjHyn0A9q36vgPU=';

function vippsHeaders(overrides: Record<string, string | undefined> = {}) {
  return {
    'X-Ms-Date': date,
    'x-ms-content-sha256': knownHash,
    Authorization: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${knownSignature}`,
    ...overrides,
  };
}

function verify(overrides: Partial<Parameters<typeof verifyVippsSignature>[0]> = {}) {
  return verifyVippsSignature({
    method: 'POST',
    rawBody: body,
    headers: vippsHeaders(),
    expectedUrl: callbackUrl,
    secret,
    now: signedAt,
    ...overrides,
  });
}

describe('Vipps HMAC signature: signing', () => {
  it('produces the known-answer headers for the documented string to sign', () => {
    const headers = signVippsRequest({ url: callbackUrl, body, secret, date: signedAt });
    expect(headers).toEqual({
      'x-ms-date': date,
      'x-ms-content-sha256': knownHash,
      host: 'psp.example:8443',
      authorization: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${knownSignature}`,
    });
  });

  it('agrees with a by-hand HMAC over the documented string for a default-port URL', () => {
    const url = 'https://psp.example/vipps/webhooks';
    const hash = createHash('sha256').update(body).digest('base64');
    const expected = createHmac('sha256', secret)
      .update(`POST\n/vipps/webhooks\n${date};psp.example;${hash}`)
      .digest('base64');
    const headers = signVippsRequest({ url, body, secret, date: signedAt });
    expect(headers.authorization.endsWith(`&Signature=${expected}`)).toBe(true);
    expect(headers.host).toBe('psp.example');
  });
});

describe('Vipps HMAC signature: verification', () => {
  it('accepts the known-answer request, header names in any case', () => {
    expect(verify()).toEqual({ ok: true });
  });

  it('accepts bytes as well as text for the raw body', () => {
    expect(verify({ rawBody: Buffer.from(body, 'utf8') })).toEqual({ ok: true });
  });

  it('rejects a tampered body even when the attacker fixes the content hash', () => {
    const tampered = body.replace('49900', '1');
    expect(verify({ rawBody: tampered })).toMatchObject({ ok: false, reason: 'content-hash-mismatch' });
    const rehashed = createHash('sha256').update(tampered).digest('base64');
    expect(
      verify({ rawBody: tampered, headers: vippsHeaders({ 'x-ms-content-sha256': rehashed }) }),
    ).toMatchObject({ ok: false, reason: 'signature-mismatch' });
  });

  it('rejects a body that differs only in whitespace (the raw bytes are signed, not the JSON)', () => {
    expect(verify({ rawBody: `${body}\n` })).toMatchObject({ ok: false, reason: 'content-hash-mismatch' });
  });

  it.each([
    ['another host', 'https://evil.example:8443/vipps/card-callback?x=1'],
    ['another port', 'https://psp.example/vipps/card-callback?x=1'],
    ['another path', 'https://psp.example:8443/vipps/webhooks?x=1'],
    ['another query', 'https://psp.example:8443/vipps/card-callback?x=2'],
  ])('rejects a request signed for %s than our configured URL', (_what, expectedUrl) => {
    expect(verify({ expectedUrl })).toMatchObject({ ok: false, reason: 'signature-mismatch' });
  });

  it('rejects the wrong secret', () => {
    expect(verify({ secret: 'another-secret' })).toMatchObject({ ok: false, reason: 'signature-mismatch' });
  });

  it('rejects a changed x-ms-date (a replay with a fresh date)', () => {
    const later = 'Tue, 01 Sep 2026 10:05:00 GMT';
    expect(verify({ headers: vippsHeaders({ 'X-Ms-Date': later }), now: new Date(later) })).toMatchObject({
      ok: false,
      reason: 'signature-mismatch',
    });
  });

  it('accepts 15 minutes of clock skew either way and nothing beyond', () => {
    const at = (ms: number) => new Date(signedAt.getTime() + ms);
    expect(verify({ now: at(15 * 60_000) })).toEqual({ ok: true });
    expect(verify({ now: at(-15 * 60_000) })).toEqual({ ok: true });
    expect(verify({ now: at(15 * 60_000 + 1000) })).toMatchObject({ reason: 'stale-or-future-date' });
    expect(verify({ now: at(-15 * 60_000 - 1000) })).toMatchObject({ reason: 'stale-or-future-date' });
  });

  it('rejects a date that is not an HTTP date', () => {
    expect(verify({ headers: vippsHeaders({ 'X-Ms-Date': 'yesterday' }) })).toMatchObject({
      reason: 'malformed-date',
    });
  });

  it.each(['X-Ms-Date', 'x-ms-content-sha256', 'Authorization'])('rejects a request without %s', (name) => {
    expect(verify({ headers: vippsHeaders({ [name]: undefined }) })).toMatchObject({
      ok: false,
      reason: 'missing-header',
    });
  });

  it.each([
    ['a Bearer token', 'Bearer abc'],
    ['other signed headers', `HMAC-SHA256 SignedHeaders=x-ms-date;host&Signature=${knownSignature}`],
    ['no signature', 'HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature='],
  ])('rejects an Authorization header with %s', (_what, authorization) => {
    expect(verify({ headers: vippsHeaders({ Authorization: authorization }) })).toMatchObject({
      ok: false,
      reason: 'malformed-authorization',
    });
  });

  it('never puts the secret or the signature into the rejection detail', () => {
    const check = verify({ secret: 'another-secret' });
    expect(JSON.stringify(check)).not.toContain('another-secret');
    expect(JSON.stringify(check)).not.toContain(knownSignature);
  });

  it('round-trips what the signer produces', () => {
    const url = 'https://gw.example/prod/vipps/card-callback/s3cr3t-path';
    const headers = signVippsRequest({ url, body, secret, date: signedAt });
    expect(
      verifyVippsSignature({
        method: 'POST',
        rawBody: body,
        headers: { ...headers, host: 'rewritten-by-api-gateway.internal' },
        expectedUrl: url,
        secret,
        now: signedAt,
      }),
    ).toEqual({ ok: true });
  });
});
