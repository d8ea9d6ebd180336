/**
 * The HTTP plumbing every handler shares: headers found whatever their case, API Gateway's
 * base64 bodies decoded, JSON media types recognised, prototype pollution dropped, and zod
 * issues worded so a merchant's developer knows what to fix.
 */
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import {
  type HttpEvent,
  bodyBytes,
  bodyText,
  header,
  isJsonContentType,
  parseJson,
} from '../../lambdas/handlers/http/api-gateway.js';
import { describeIssues } from '../../lambdas/handlers/http/zod-issues.js';

const event = (overrides: Partial<HttpEvent>): HttpEvent =>
  ({ headers: {}, body: null, ...overrides }) as HttpEvent;

describe('API Gateway events', () => {
  it('finds a header whatever its case, and none when there are no headers', () => {
    expect(header(event({ headers: { 'idempotency-KEY': 'k1' } }), 'Idempotency-Key')).toBe('k1');
    expect(header(event({ headers: { Other: 'x' } }), 'Idempotency-Key')).toBeUndefined();
    expect(header(event({ headers: null as unknown as HttpEvent['headers'] }), 'Accept')).toBeUndefined();
  });

  it('decodes a base64 body and counts its bytes, not its characters', () => {
    const text = '{"paymentText":"Sokker på salg"}';
    const encoded = event({ body: Buffer.from(text).toString('base64'), isBase64Encoded: true });
    expect(bodyText(encoded)).toBe(text);
    expect(bodyBytes(encoded)).toBe(Buffer.byteLength(text));
    const plain = event({ body: text, isBase64Encoded: false });
    expect(bodyText(plain)).toBe(text);
    expect(bodyBytes(plain)).toBe(Buffer.byteLength(text));
    expect([bodyText(event({})), bodyBytes(event({}))]).toEqual(['', 0]);
  });

  it('takes application/json and +json media types, with parameters, and nothing else', () => {
    expect(isJsonContentType('Application/JSON; charset=utf-8')).toBe(true);
    expect(isJsonContentType('application/merge-patch+json')).toBe(true);
    expect(isJsonContentType('text/plain')).toBe(false);
    expect(isJsonContentType('')).toBe(false);
    expect(isJsonContentType(undefined)).toBe(false);
  });

  it('parses JSON without __proto__ or constructor keys, and says why bad JSON is bad', () => {
    const parsed = parseJson('{"amount":100,"__proto__":{"admin":true},"constructor":{"x":1}}');
    expect(parsed).toEqual({ ok: true, value: { amount: 100 } });
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    expect(parseJson('{"amount":')).toMatchObject({ ok: false, message: expect.stringMatching(/JSON/) });
  });
});

describe('zod issues in words', () => {
  const schema = z.strictObject({ amount: z.number(), order: z.object({ id: z.string() }) });
  const issuesOf = (input: unknown) => {
    const result = schema.safeParse(input, { reportInput: true }); // as the handler parses
    if (result.success) throw new Error('expected a failure');
    return describeIssues(result.error);
  };

  it('names unknown fields, one or several', () => {
    expect(issuesOf({ amount: 1, order: { id: 'x' }, extra: 1 })).toEqual([
      { field: '(body)', message: 'unknown field: extra' },
    ]);
    expect(issuesOf({ amount: 1, order: { id: 'x' }, a: 1, b: 2 })).toEqual([
      { field: '(body)', message: 'unknown fields: a, b' },
    ]);
  });

  it('says what is missing and what type a field must have, by its path', () => {
    expect(issuesOf({ order: 'x' })).toEqual([
      { field: 'amount', message: 'is required' },
      { field: 'order', message: 'must be a JSON object' },
    ]);
    expect(issuesOf({ amount: '1', order: { id: 2 } })).toEqual([
      { field: 'amount', message: 'must be a number' },
      { field: 'order.id', message: 'must be a string' },
    ]);
  });
});
