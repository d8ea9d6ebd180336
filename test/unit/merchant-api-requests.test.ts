/**
 * The Merchant API's request plumbing, as a merchant's developer meets it: who is calling, which
 * route, the body (size, media type, JSON), the Idempotency-Key, and what an unexpected fault
 * looks like. The handler runs on in-memory ports (test/support/merchant-api-harness.ts).
 */
import { describe, expect, it } from 'vitest';
import { type Transaction, reserve } from '../../lambdas/core/transaction.js';
import { ConcurrentUpdateError } from '../../lambdas/core/errors.js';
import { apiEvent, merchantApi, other, sokker } from '../support/merchant-api-harness.js';
import { applied, initiatedPayment } from '../support/transactions.js';

const at = '2026-11-24T10:01:00.000Z';
function reservedPayment(amount = 10_000): Transaction {
  const tx = initiatedPayment({ amount });
  return applied(tx, reserve(tx, { at, acquirerReference: `SBX-${amount}-0123456789ab` }));
}
const ID = initiatedPayment().pspTransactionId;
const capture = (options: Parameters<typeof apiEvent>[2] = {}) =>
  apiEvent('POST', '/v1/payments/{pspTransactionId}/capture', {
    path: { pspTransactionId: ID },
    key: 'cap-1',
    body: { amount: 1_000 },
    ...options,
  });

describe('who is calling', () => {
  it('without the authorizer’s merchant the answer is 401 and nothing is looked up', async () => {
    const api = merchantApi({ transactions: [reservedPayment()] });
    const res = await api.call(capture({ merchant: null }));
    expect(res).toMatchObject({
      status: 401,
      headers: { 'Content-Type': 'application/problem+json' },
      body: {
        type: '/problems/unauthorized',
        title: 'Missing or invalid API key',
        detail: 'Send Authorization: Bearer <your API key>.',
      },
    });
    expect(api.ledger.events(ID)).toEqual([]);
    expect(api.idempotency.requests).toEqual([]);
  });
});

describe('routing', () => {
  it('an unknown route is a 404 naming it', async () => {
    const res = await merchantApi().call(apiEvent('PUT', '/v1/payments/{pspTransactionId}'));
    expect(res).toMatchObject({
      status: 404,
      body: {
        type: '/problems/route-not-found',
        title: 'No such route',
        detail: 'PUT /v1/payments/{pspTransactionId}',
      },
    });
  });
});

describe('the request body', () => {
  it('a body over the size limit is refused with 413 before anything runs', async () => {
    const api = merchantApi({ transactions: [reservedPayment()], deps: { maxBodyBytes: 20 } });
    const res = await api.call(capture({ rawBody: JSON.stringify({ amount: 1_000, pad: 'x'.repeat(10) }) }));
    expect(res).toMatchObject({
      status: 413,
      body: {
        type: '/problems/payload-too-large',
        title: 'Request body too large',
        detail: 'At most 20 bytes',
      },
    });
    expect(api.idempotency.requests).toEqual([]);
  });

  it('a body of exactly the limit is read', async () => {
    const body = '{"amount":1000}';
    const api = merchantApi({ transactions: [reservedPayment()], deps: { maxBodyBytes: body.length } });
    expect((await api.call(capture({ rawBody: body }))).status).toBe(200);
  });

  it('the limit counts bytes, not characters, and a base64 body is decoded first', async () => {
    const body = JSON.stringify({ amount: 1_000 });
    const api = merchantApi({ transactions: [reservedPayment()], deps: { maxBodyBytes: body.length } });
    expect((await api.call(capture({ rawBody: body, base64: true }))).status).toBe(200);
    const wide = merchantApi({ deps: { maxBodyBytes: 14 } });
    const res = await wide.call(
      apiEvent('POST', '/v1/webhook-endpoints', { key: 'k', rawBody: '{"url":"øøø"}' }),
    );
    expect(res.status).toBe(413);
  });

  it('a body that is not declared JSON is refused with 415', async () => {
    const res = await merchantApi({ transactions: [reservedPayment()] }).call(
      capture({ headers: { 'Content-Type': 'text/plain' } }),
    );
    expect(res).toMatchObject({
      status: 415,
      body: {
        type: '/problems/unsupported-media-type',
        title: 'Send JSON',
        detail: 'Content-Type must be application/json',
      },
    });
  });

  it('a body that is not JSON is a 400 with the parser’s reason', async () => {
    const res = await merchantApi({ transactions: [reservedPayment()] }).call(
      capture({ rawBody: '{"amount":' }),
    );
    expect(res).toMatchObject({
      status: 400,
      body: {
        type: '/problems/malformed-json',
        title: 'Body is not valid JSON',
        detail: expect.stringMatching(/JSON/),
      },
    });
  });

  it('an empty or blank body is an empty object: cancel needs no body and no Content-Type', async () => {
    for (const rawBody of ['', '   ']) {
      const api = merchantApi({ transactions: [reservedPayment()] });
      const res = await api.call(
        apiEvent('POST', '/v1/payments/{pspTransactionId}/cancel', {
          path: { pspTransactionId: ID },
          key: 'cancel-1',
          rawBody,
          headers: { 'Content-Type': '' },
        }),
      );
      expect(res).toMatchObject({ status: 200, body: { status: 'CANCELLED' } });
      expect(api.idempotency.requests[0]?.fingerprint).toMatchObject({ body: {} });
    }
  });

  it('an invalid body is a 400 naming each field, before the Idempotency-Key is even looked at', async () => {
    const res = await merchantApi({ transactions: [reservedPayment()] }).call(
      capture({ key: undefined, body: { amount: 10.5, note: 'x' } }),
    );
    expect(res).toMatchObject({
      status: 400,
      body: {
        type: '/problems/validation-error',
        title: 'The request is not valid',
        detail: 'amount: amount must be a whole number of øre (no decimals); (body): unknown field: note',
        errors: [
          { field: 'amount', message: 'amount must be a whole number of øre (no decimals)' },
          { field: '(body)', message: 'unknown field: note' },
        ],
      },
    });
  });

  it.each([
    ['an array', [1]],
    ['a string', 'amount=1000'],
    ['a number', 1000],
    ['null', null],
  ])('a body that is %s, not an object, is told so', async (_what, body) => {
    const res = await merchantApi({ transactions: [reservedPayment()] }).call(capture({ body }));
    expect(res).toMatchObject({
      status: 400,
      body: { errors: [{ field: '(body)', message: 'must be a JSON object' }] },
    });
  });
});

describe('the Idempotency-Key', () => {
  it('a POST without one is refused with 400 and does nothing', async () => {
    const api = merchantApi({ transactions: [reservedPayment()] });
    const res = await api.call(capture({ key: undefined }));
    expect(res).toMatchObject({
      status: 400,
      body: {
        type: '/problems/idempotency-key-required',
        title: 'Idempotency-Key header required',
        detail: expect.stringContaining('so a retry cannot act twice') as string,
      },
    });
    expect(api.ledger.events(ID)).toEqual([]);
  });

  it('a malformed one is refused with 400 and does nothing', async () => {
    const api = merchantApi({ transactions: [reservedPayment()] });
    const res = await api.call(capture({ key: 'has spaces in it' }));
    expect(res).toMatchObject({
      status: 400,
      body: {
        type: '/problems/idempotency-key-invalid',
        title: 'Invalid Idempotency-Key',
        detail: 'Use 1–64 characters: letters, digits, _ . : -',
      },
    });
    expect(api.idempotency.requests).toEqual([]);
  });

  it('is read whatever the header’s case, and scoped to the merchant, the route, the payment and the body', async () => {
    const api = merchantApi({ transactions: [reservedPayment()] });
    const res = await api.call(capture({ key: undefined, headers: { 'idempotency-key': 'cap-1' } }));
    expect(res.status).toBe(200);
    expect(api.idempotency.requests).toEqual([
      {
        merchantId: 'merchant-1',
        key: 'cap-1',
        fingerprint: {
          route: 'POST /v1/payments/{pspTransactionId}/capture',
          id: ID,
          body: { amount: 1_000 },
        },
      },
    ]);
  });

  it('a route without a payment id is keyed with an empty id', async () => {
    const api = merchantApi();
    await api.call(
      apiEvent('POST', '/v1/webhook-endpoints', { key: 'we-1', body: { url: 'https://shop.example/h' } }),
    );
    expect(api.idempotency.requests[0]).toMatchObject({
      fingerprint: { route: 'POST /v1/webhook-endpoints', id: '', body: { url: 'https://shop.example/h' } },
    });
  });

  it('GET and DELETE need none and are never kept', async () => {
    const api = merchantApi({ transactions: [reservedPayment()] });
    const read = await api.call(
      apiEvent('GET', '/v1/payments/{pspTransactionId}', { path: { pspTransactionId: ID } }),
    );
    const gone = await api.call(
      apiEvent('DELETE', '/v1/webhook-endpoints/{id}', { path: { id: 'we_none' } }),
    );
    expect(read.status).toBe(200);
    expect(gone.status).toBe(404);
    expect(api.idempotency.requests).toEqual([]);
  });
});

describe('faults', () => {
  it('an unexpected error is a 500 that says a retry is safe, logged for ops', async () => {
    const api = merchantApi({ transactions: [reservedPayment()] });
    api.transactions.get = () => Promise.reject(new Error('table on fire'));
    const res = await api.call(capture());
    expect(res).toMatchObject({
      status: 500,
      body: {
        type: '/problems/internal-error',
        title: 'Internal error',
        detail: 'Something went wrong on our side; it is safe to retry with the same Idempotency-Key.',
      },
    });
    expect(api.log.entries).toContainEqual({
      level: 'error',
      message: 'Merchant API request failed',
      extra: [{ error: expect.objectContaining({ message: 'table on fire' }) as Error }],
    });
  });

  it('a domain error is its problem document, not a 500, and is not logged as a fault', async () => {
    const api = merchantApi({ transactions: [reservedPayment()] });
    api.transactions.get = () => Promise.reject(new ConcurrentUpdateError(ID));
    const res = await api.call(capture());
    expect(res).toMatchObject({
      status: 409,
      headers: { 'Retry-After': '1' },
      body: { type: '/problems/concurrent-update', retryable: true },
    });
    expect(api.log.entries.filter((e) => e.level === 'error')).toEqual([]);
  });

  it('a GET that fails unexpectedly is a 500 too', async () => {
    const api = merchantApi();
    api.transactions.get = () => Promise.reject(new Error('table on fire'));
    const res = await api.call(
      apiEvent('GET', '/v1/payments/{pspTransactionId}', { path: { pspTransactionId: ID } }),
    );
    expect(res).toMatchObject({ status: 500, body: { type: '/problems/internal-error' } });
  });
});

describe('merchants never reach each other’s payments', () => {
  it.each([
    ['GET', '/v1/payments/{pspTransactionId}', undefined],
    ['POST', '/v1/payments/{pspTransactionId}/capture', { amount: 1_000 }],
    ['POST', '/v1/payments/{pspTransactionId}/refund', { amount: 1_000 }],
    ['POST', '/v1/payments/{pspTransactionId}/cancel', {}],
  ])('%s %s of another merchant’s payment is 404, as if it did not exist', async (method, resource, body) => {
    const api = merchantApi({ transactions: [reservedPayment()] });
    const res = await api.call(
      apiEvent(method, resource, { merchant: other, path: { pspTransactionId: ID }, key: 'k-1', body }),
    );
    expect(res).toMatchObject({
      status: 404,
      body: { type: '/problems/payment-not-found', detail: `No payment ${ID} for this merchant` },
    });
    expect(api.transactions.peek(ID)?.version).toBe(reservedPayment().version);
    expect(api.ledger.events(ID)).toEqual([]);
  });

  it('nor a payment of the merchant’s own id on a sales unit no longer theirs', async () => {
    const moved = { ...sokker, merchantSerialNumbers: ['234567'] };
    const res = await merchantApi({ transactions: [reservedPayment()] }).call(
      apiEvent('GET', '/v1/payments/{pspTransactionId}', { merchant: moved, path: { pspTransactionId: ID } }),
    );
    expect(res.status).toBe(404);
  });
});
