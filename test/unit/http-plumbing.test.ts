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
  json,
  parseJson,
  problem,
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

  it('skips a header entry without a value and finds the one that has it', () => {
    const headers = { accept: undefined, Accept: 'application/json' } as unknown as HttpEvent['headers'];
    expect(header(event({ headers }), 'Accept')).toBe('application/json');
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
    expect(isJsonContentType('application/json ;charset=utf-8')).toBe(true);
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

describe('responses', () => {
  it('JSON answers are never cached and may add headers', () => {
    expect(json(201, { id: 'a1' }, { Location: '/v1/payments/a1' })).toEqual({
      statusCode: 201,
      headers: {
        'Content-Type': 'application/json',
        'Cache-Control': 'no-store',
        Location: '/v1/payments/a1',
      },
      body: '{"id":"a1"}',
    });
  });

  it('problem details are never cached, and extensions cannot overwrite the standard members', () => {
    const result = problem(422, 'amount-exceeds-remaining', 'Amount too large', 'Only 3000 øre remain', {
      status: 200,
      remaining: 3_000,
    });
    expect(result.statusCode).toBe(422);
    expect(result.headers).toEqual({
      'Content-Type': 'application/problem+json',
      'Cache-Control': 'no-store',
    });
    expect(JSON.parse(result.body)).toEqual({
      type: '/problems/amount-exceeds-remaining',
      title: 'Amount too large',
      status: 422,
      detail: 'Only 3000 øre remain',
      remaining: 3_000,
    });
    expect(JSON.parse(problem(404, 'not-found', 'Not found').body)).not.toHaveProperty('detail');
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

  it('keeps the schema’s own wording, for type errors and every other check', () => {
    const worded = z.object({
      amount: z.number({ error: 'must be a whole number of øre' }),
      text: z.string().check(z.minLength(3, 'must be at least 3 characters')),
      kind: z.union([z.literal('a'), z.literal('b')]),
    });
    const result = worded.safeParse({ amount: 'x', text: 'ab', kind: 'c' }, { reportInput: true });
    expect(describeIssues(result.error!)).toEqual([
      { field: 'amount', message: 'must be a whole number of øre' },
      { field: 'text', message: 'must be at least 3 characters' },
      { field: 'kind', message: result.error!.issues[2]!.message },
    ]);
    expect(result.error!.issues[2]).toMatchObject({ code: 'invalid_union', message: 'Invalid input' });
  });
});
