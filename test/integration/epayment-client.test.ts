/**
 * The production ePayment client against the Vipps simulator over real HTTP: every call with its
 * headers as the simulator saw them, token caching, Vipps' error codes as typed errors, and
 * retries on 5xx, timeouts and 423 — and on nothing else.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type EPaymentClientOptions,
  createEPaymentClient,
} from '../../lambdas/adapters/vipps/epayment/epayment-client.js';
import { ePaymentIdempotencyKey } from '../../lambdas/adapters/vipps/epayment/idempotency-key.js';
import {
  type EPaymentCreateRequest,
  EPaymentRejectedError,
  EPaymentRetryLaterError,
} from '../../lambdas/core/epayment-port.js';
import { VippsRejectedError, VippsUnavailableError } from '../../lambdas/core/errors.js';
import type { Log } from '../../lambdas/core/ports.js';
import { type VippsSimulator, startVippsSimulator } from '../../local/vipps-simulator/index.js';
import { type PspEndpoint, startPspEndpoint } from '../support/psp-endpoint.js';

const credentials = {
  clientId: 'client-id-for-tests',
  clientSecret: 'client-secret-for-tests-0123',
  subscriptionKey: 'subscription-key-for-tests-4567',
};
const PSP_ID = 'psp-id-for-tests';
const MSN = '234567';

let now = Date.parse('2026-09-01T10:00:00Z');
const clock = { now: () => new Date(now) };
let sim: VippsSimulator;
let psp: PspEndpoint;

beforeAll(async () => {
  sim = await startVippsSimulator({
    merchants: [MSN],
    credentials,
    pspId: PSP_ID,
    tokenLifetimeSeconds: 600,
    clock,
  });
  // Our card callback: every card is authorised.
  psp = await startPspEndpoint({
    clock,
    secretFor: () => credentials.clientSecret,
    answer: () => ({ status: 200, json: { status: 'RESERVE', networkTransactionReference: 'ntr-1' } }),
  });
});
afterEach(() => {
  // A test that fails early must not leave its faults to the next one.
  sim.faults.clear();
  sim.epayment.faults.clear();
});
afterAll(async () => {
  await sim.close();
  await psp.close();
});

function client(overrides: Partial<EPaymentClientOptions> = {}) {
  return createEPaymentClient({
    baseUrl: `${sim.baseUrl}/`,
    pspId: PSP_ID,
    credentials: () => Promise.resolve(credentials),
    systemName: 'vipps-psp-gateway',
    systemVersion: '0.1.0',
    pluginName: 'epayment-adapter',
    pluginVersion: '1',
    timeoutMs: 300,
    clock,
    retry: { attempts: 3, baseDelayMs: 5 },
    ...overrides,
  });
}

function createRequest(overrides: Partial<EPaymentCreateRequest> = {}): EPaymentCreateRequest {
  return {
    merchantSerialNumber: MSN,
    reference: `pay-${randomUUID()}`,
    amount: { currency: 'NOK', value: 10_000 },
    cardCallbackUrl: `${psp.baseUrl}/vipps/card-callback`,
    allowedCardTypes: ['VISA_DEBIT', 'MC_DEBIT'],
    returnUrl: 'https://shop.example/thanks',
    paymentDescription: 'One pair of socks',
    ...overrides,
  };
}

const lastSeq = () => sim.requests.at(-1)?.seq ?? 0;
const requestsTo = (pattern: RegExp, since: number) =>
  sim.requests.filter((r) => r.seq > since && pattern.test(r.path));
const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e,
  );

/** A payment Vipps has authorised (our callback answered RESERVE). */
async function authorised(value = 10_000) {
  const c = client();
  const request = createRequest({ amount: { currency: 'NOK', value } });
  await c.createPayment(request, ePaymentIdempotencyKey(request.reference, 'create', 0));
  const report = await sim.epayment.approve(request.reference);
  expect(report.outcome).toBe('RESERVE');
  return { c, reference: request.reference };
}

describe('ePayment client: requests', () => {
  it('creates a CARD_PASSTHROUGH payment with the documented headers and body', async () => {
    const since = lastSeq();
    const request = createRequest({ customerPhoneNumber: '4791234567' });
    const key = ePaymentIdempotencyKey(request.reference, 'create', 0);
    const answer = await client().createPayment(request, key);

    expect(answer.reference).toBe(request.reference);
    expect(answer.redirectUrl).toMatch(new RegExp(`^${sim.baseUrl}/epayment/landing\\?`));
    const [token] = requestsTo(/^\/accesstoken\/get$/, since);
    expect(token?.headers).toMatchObject({ client_id: credentials.clientId, client_secret: '***' });
    expect(token?.headers).not.toHaveProperty('psp-id');
    const [create] = requestsTo(/^\/epayment\/v1\/payments$/, since);
    expect(create?.status).toBe(201);
    expect(create?.headers).toMatchObject({
      authorization: 'Bearer ***',
      'ocp-apim-subscription-key': '***',
      'psp-id': PSP_ID,
      'merchant-serial-number': MSN,
      'idempotency-key': key,
      'content-type': 'application/json',
      'vipps-system-name': 'vipps-psp-gateway',
      'vipps-system-version': '0.1.0',
      'vipps-system-plugin-name': 'epayment-adapter',
      'vipps-system-plugin-version': '1',
    });
    expect(create?.body).toEqual({
      amount: { currency: 'NOK', value: 10_000 },
      paymentMethod: { type: 'CARD_PASSTHROUGH' },
      cardPassthrough: {
        pspReference: request.reference,
        cardCallbackUrl: request.cardCallbackUrl,
        allowedCardTypes: ['VISA_DEBIT', 'MC_DEBIT'],
        preferVisaPartOfVisaDankort: true,
      },
      reference: request.reference,
      userFlow: 'WEB_REDIRECT',
      returnUrl: 'https://shop.example/thanks',
      paymentDescription: 'One pair of socks',
      customer: { phoneNumber: '4791234567' },
    });
    expect(sim.epayment.payments.get(request.reference)).toMatchObject({
      state: 'CREATED',
      merchantSerialNumber: MSN,
    });
  });

  it('reports capture, refund and cancel and reads the payment and its events back', async () => {
    const { c, reference } = await authorised(10_000);
    const since = lastSeq();
    const captured = await c.capture(
      MSN,
      reference,
      { currency: 'NOK', value: 6_000 },
      ePaymentIdempotencyKey(reference, 'capture', 1),
    );
    expect(captured.aggregate.capturedAmount).toEqual({ currency: 'NOK', value: 6_000 });
    const refunded = await c.refund(
      MSN,
      reference,
      { currency: 'NOK', value: 2_000 },
      ePaymentIdempotencyKey(reference, 'refund', 2),
    );
    expect(refunded.aggregate.refundedAmount.value).toBe(2_000);
    const cancelled = await c.cancel(MSN, reference, ePaymentIdempotencyKey(reference, 'cancel', 3));
    // Cancel after a partial capture releases the uncaptured rest; the state stays AUTHORIZED.
    expect(cancelled).toMatchObject({
      state: 'AUTHORIZED',
      aggregate: { cancelledAmount: { value: 4_000 } },
    });

    const view = await c.getPayment(MSN, reference);
    expect(view.aggregate).toEqual({
      authorizedAmount: { currency: 'NOK', value: 10_000 },
      capturedAmount: { currency: 'NOK', value: 6_000 },
      refundedAmount: { currency: 'NOK', value: 2_000 },
      cancelledAmount: { currency: 'NOK', value: 4_000 },
    });
    const events = await c.getEvents(MSN, reference);
    expect(events.map((e) => [e.name, e.amount.value])).toEqual([
      ['CREATED', 10_000],
      ['AUTHORIZED', 10_000],
      ['CAPTURED', 6_000],
      ['REFUNDED', 2_000],
      ['CANCELLED', 4_000],
    ]);
    expect(events[2]?.idempotencyKey).toBe(ePaymentIdempotencyKey(reference, 'capture', 1));

    const calls = requestsTo(/^\/epayment\/v1\/payments\//, since);
    expect(calls.map((r) => `${r.method} ${r.path.replace(reference, 'REF')}`)).toEqual([
      'POST /epayment/v1/payments/REF/capture',
      'POST /epayment/v1/payments/REF/refund',
      'POST /epayment/v1/payments/REF/cancel',
      'GET /epayment/v1/payments/REF',
      'GET /epayment/v1/payments/REF/events',
    ]);
    for (const call of calls) {
      expect(call.headers).toMatchObject({ 'psp-id': PSP_ID, 'merchant-serial-number': MSN });
      expect(call.headers['idempotency-key'] !== undefined).toBe(call.method === 'POST');
    }
    expect(calls[0]?.body).toEqual({ modificationAmount: { currency: 'NOK', value: 6_000 } });
  });

  it('registers, lists and deletes webhooks for every sales unit (Psp-Id, no MSN)', async () => {
    const c = client();
    const since = lastSeq();
    const url = `${psp.baseUrl}/vipps/webhooks`;
    const registered = await c.register(url, ['epayments.payment.captured.v1']);
    expect(registered.secret.length).toBeGreaterThan(16);
    expect(await c.list()).toContainEqual({
      id: registered.id,
      url,
      events: ['epayments.payment.captured.v1'],
    });
    await c.delete(registered.id);
    expect((await c.list()).map((w) => w.id)).not.toContain(registered.id);
    const calls = requestsTo(/^\/webhooks\/v1\/webhooks/, since);
    expect(calls).toHaveLength(4);
    for (const call of calls) {
      expect(call.headers['psp-id']).toBe(PSP_ID);
      expect(call.headers).not.toHaveProperty('merchant-serial-number');
    }
  });

  it('replays the answer for a repeated Idempotency-Key and Vipps records one capture', async () => {
    const { c, reference } = await authorised();
    const key = ePaymentIdempotencyKey(reference, 'capture', 1);
    const first = await c.capture(MSN, reference, { currency: 'NOK', value: 1_000 }, key);
    const second = await c.capture(MSN, reference, { currency: 'NOK', value: 1_000 }, key);
    expect(second).toEqual(first);
    expect((await c.getPayment(MSN, reference)).aggregate.capturedAmount.value).toBe(1_000);
  });
});

describe('ePayment client: access token', () => {
  it('uses one token for many calls, concurrent ones included, and renews it before expiry', async () => {
    const c = client();
    const before = sim.tokensIssued;
    const request = createRequest();
    await c.createPayment(request, randomUUID());
    await Promise.all(Array.from({ length: 5 }, () => c.getPayment(MSN, request.reference)));
    expect(sim.tokensIssued - before).toBe(1);
    now += 560_000; // 600 s tokens are renewed 60 s early
    await c.getPayment(MSN, request.reference);
    expect(sim.tokensIssued - before).toBe(2);
  });

  it('fetches a new token once when Vipps answers 401', async () => {
    const c = client();
    const request = createRequest();
    await c.createPayment(request, randomUUID());
    sim.faults.expireTokens();
    const since = lastSeq();
    await expect(c.getPayment(MSN, request.reference)).resolves.toMatchObject({
      reference: request.reference,
    });
    expect(requestsTo(/^\/epayment\/v1\/payments\//, since).map((r) => r.status)).toEqual([401, 200]);
  });
});

describe('ePayment client: Vipps’ errors', () => {
  it('maps a reused reference to 4150, not retried', async () => {
    const c = client();
    const request = createRequest();
    await c.createPayment(request, randomUUID());
    const since = lastSeq();
    const error = await rejection(c.createPayment(request, randomUUID()));
    expect(error).toBeInstanceOf(EPaymentRejectedError);
    expect(error).toBeInstanceOf(VippsRejectedError);
    expect(error).toMatchObject({ errorCode: '4150', httpStatus: 409 });
    expect(requestsTo(/^\/epayment\/v1\/payments$/, since)).toHaveLength(1);
  });

  it('maps 4160 (payment method not valid for CardPassthrough) with Vipps’ detail', async () => {
    sim.epayment.faults.failNext('create', { status: 400, errorCode: '4160' });
    const error = await rejection(client().createPayment(createRequest(), randomUUID()));
    expect(error).toMatchObject({ errorCode: '4160', httpStatus: 400 });
    expect((error as Error).message).toMatch(/not valid for CARD_PASSTHROUGH/);
  });

  it('maps a capture before authorisation to 6080', async () => {
    const c = client();
    const request = createRequest();
    await c.createPayment(request, randomUUID());
    const error = await rejection(
      c.capture(MSN, request.reference, { currency: 'NOK', value: 100 }, randomUUID()),
    );
    expect(error).toMatchObject({ errorCode: '6080' });
  });

  it('maps too high a capture to 6090 and too high a refund to 6150', async () => {
    const { c, reference } = await authorised(5_000);
    const over = await rejection(c.capture(MSN, reference, { currency: 'NOK', value: 5_001 }, randomUUID()));
    expect(over).toMatchObject({ errorCode: '6090', httpStatus: 400 });
    await c.capture(MSN, reference, { currency: 'NOK', value: 3_000 }, randomUUID());
    const refund = await rejection(c.refund(MSN, reference, { currency: 'NOK', value: 3_001 }, randomUUID()));
    expect(refund).toMatchObject({ errorCode: '6150' });
  });

  it('maps cancelling a fully captured payment to 6040', async () => {
    const { c, reference } = await authorised(5_000);
    await c.capture(MSN, reference, { currency: 'NOK', value: 5_000 }, randomUUID());
    expect(await rejection(c.cancel(MSN, reference, randomUUID()))).toMatchObject({ errorCode: '6040' });
  });

  it('refuses to reuse an Idempotency-Key for another body, before sending', async () => {
    const { c, reference } = await authorised();
    const key = randomUUID();
    await c.capture(MSN, reference, { currency: 'NOK', value: 100 }, key);
    const since = lastSeq();
    await expect(c.capture(MSN, reference, { currency: 'NOK', value: 200 }, key)).rejects.toThrow(
      /Idempotency-Key was already used for another request; nothing was sent/,
    );
    await expect(c.refund(MSN, reference, { currency: 'NOK', value: 100 }, key)).rejects.toThrow(TypeError);
    expect(requestsTo(/capture$|refund$/, since)).toHaveLength(0);
  });

  it('maps Vipps’ 409 for a key reused with another body (by another process) to a rejection, not a retry', async () => {
    const { c, reference } = await authorised();
    const key = randomUUID();
    await c.capture(MSN, reference, { currency: 'NOK', value: 100 }, key);
    const since = lastSeq();
    const error = await rejection(client().capture(MSN, reference, { currency: 'NOK', value: 200 }, key));
    expect(error).toMatchObject({ httpStatus: 409, errorCode: '4010' });
    expect(requestsTo(/capture$/, since)).toHaveLength(1);
  });

  it('maps 6160 without 423 to "retry later" without retrying in the client', async () => {
    const { c, reference } = await authorised();
    sim.epayment.faults.failNext('capture', { status: 409, errorCode: '6160' });
    const since = lastSeq();
    const error = await rejection(c.capture(MSN, reference, { currency: 'NOK', value: 100 }, randomUUID()));
    expect(error).toBeInstanceOf(EPaymentRetryLaterError);
    expect(error).toBeInstanceOf(VippsUnavailableError);
    expect(requestsTo(/capture$/, since)).toHaveLength(1);
  });

  it('reports an unknown payment as rejected (404)', async () => {
    await expect(client().getPayment(MSN, `pay-${randomUUID()}`)).rejects.toMatchObject({ httpStatus: 404 });
  });
});

describe('ePayment client: surprising answers', () => {
  it('reports an answer without the fields we need as "retry later", naming the field', async () => {
    const { reference } = await authorised();
    const lying: typeof fetch = async (url, init) =>
      String(url).endsWith('/events')
        ? new Response('[{"name":"CAPTURED"}]', { status: 200 })
        : fetch(url, init);
    const error = await rejection(client({ fetch: lying }).getEvents(MSN, reference));
    expect(error).toBeInstanceOf(EPaymentRetryLaterError);
    expect((error as Error).message).toMatch(
      /Unexpected answer from Vipps events: 0\.reference: is required/,
    );
  });

  it('reports a redirect as "retry later" and accepts a bare array as the webhook list', async () => {
    sim.epayment.faults.failNext('get', { status: 302 });
    await expect(client().getPayment(MSN, `pay-${randomUUID()}`)).rejects.toThrow(/unexpected HTTP 302/);
    const bare: typeof fetch = async () =>
      new Response(JSON.stringify([{ id: 'w1', url: 'https://psp.example/w', events: ['e'] }]), {
        status: 200,
      });
    const tokenFirst: typeof fetch = async (url, init) =>
      String(url).includes('/webhooks/') ? bare(url, init) : fetch(url, init);
    await expect(client({ fetch: tokenFirst }).list()).resolves.toEqual([
      { id: 'w1', url: 'https://psp.example/w', events: ['e'] },
    ]);
  });
});

describe('ePayment client: retries', () => {
  it('retries 500 and 503 with the same Idempotency-Key and Vipps applies the capture once', async () => {
    const { c, reference } = await authorised();
    sim.epayment.faults.failNext('capture', { status: 500 });
    sim.epayment.faults.failNext('capture', { status: 503 });
    const since = lastSeq();
    const key = randomUUID();
    await c.capture(MSN, reference, { currency: 'NOK', value: 1_000 }, key);
    const calls = requestsTo(/capture$/, since);
    expect(calls.map((r) => r.status)).toEqual([500, 503, 200]);
    expect(new Set(calls.map((r) => r.headers['idempotency-key']))).toEqual(new Set([key]));
    expect((await c.getPayment(MSN, reference)).aggregate.capturedAmount.value).toBe(1_000);
  });

  it('retries 423 Locked and succeeds once the lock is gone', async () => {
    const { c, reference } = await authorised();
    sim.epayment.faults.failNext('refund', { status: 423, errorCode: '6160' });
    await c.capture(MSN, reference, { currency: 'NOK', value: 1_000 }, randomUUID());
    const since = lastSeq();
    await c.refund(MSN, reference, { currency: 'NOK', value: 500 }, randomUUID());
    expect(requestsTo(/refund$/, since).map((r) => r.status)).toEqual([423, 200]);
  });

  it('gives up on a lasting 423 with "retry later"', async () => {
    const { c, reference } = await authorised();
    sim.epayment.faults.failNext('capture', { status: 423, errorCode: '6160', times: 3 });
    const error = await rejection(c.capture(MSN, reference, { currency: 'NOK', value: 100 }, randomUUID()));
    expect(error).toBeInstanceOf(EPaymentRetryLaterError);
    expect((error as Error).message).toMatch(/HTTP 423/);
  });

  it('retries after a timeout; the late original is answered from Vipps’ idempotency store', async () => {
    const { c, reference } = await authorised();
    sim.epayment.faults.hangNext('capture', { delayMs: 600 });
    const since = lastSeq();
    const started = Date.now();
    await c.capture(MSN, reference, { currency: 'NOK', value: 700 }, randomUUID());
    expect(Date.now() - started).toBeLessThan(600);
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(requestsTo(/capture$/, since)).toHaveLength(2);
    expect((await c.getPayment(MSN, reference)).aggregate.capturedAmount.value).toBe(700);
  });

  it.each([400, 404, 409])('does not retry HTTP %i', async (status) => {
    const { c, reference } = await authorised();
    sim.epayment.faults.failNext('capture', { status });
    const since = lastSeq();
    const error = await rejection(c.capture(MSN, reference, { currency: 'NOK', value: 100 }, randomUUID()));
    expect(error).toBeInstanceOf(EPaymentRejectedError);
    expect(requestsTo(/capture$/, since)).toHaveLength(1);
  });

  it('gives up after the configured attempts on lasting 5xx with "retry later"', async () => {
    const c = client();
    sim.epayment.faults.failNext('create', { status: 502, times: 3 });
    const request = createRequest();
    await expect(c.createPayment(request, randomUUID())).rejects.toBeInstanceOf(EPaymentRetryLaterError);
    expect(sim.epayment.payments.get(request.reference)).toBeUndefined();
  });
});

describe('ePayment client: refuses bad input before calling Vipps', () => {
  it.each([
    [
      'an Idempotency-Key over 50 characters',
      (c: ReturnType<typeof client>) => c.createPayment(createRequest(), 'k'.repeat(51)),
    ],
    [
      'a malformed MSN',
      (c: ReturnType<typeof client>) => c.createPayment(createRequest({ merchantSerialNumber: '12' }), 'k1'),
    ],
    [
      'a reference with a slash',
      (c: ReturnType<typeof client>) => c.createPayment(createRequest({ reference: 'order/12345' }), 'k2'),
    ],
    [
      'a 2-character description',
      (c: ReturnType<typeof client>) => c.createPayment(createRequest({ paymentDescription: 'ab' }), 'k3'),
    ],
    [
      'a plain-http callback URL',
      (c: ReturnType<typeof client>) =>
        c.createPayment(createRequest({ cardCallbackUrl: 'http://psp.example/cb' }), 'k4'),
    ],
    [
      'a negative capture',
      (c: ReturnType<typeof client>) => c.capture(MSN, 'pay-12345678', { currency: 'NOK', value: -1 }, 'k5'),
    ],
  ])('%s', async (_what, call) => {
    const since = lastSeq();
    await expect(call(client())).rejects.toThrow(/nothing was sent to Vipps/);
    expect(requestsTo(/^\/epayment\//, since)).toHaveLength(0);
  });

  it('refuses a Vipps-System header over 30 characters at construction', () => {
    expect(() => client({ systemName: 'x'.repeat(31) })).toThrow(/Vipps-System-Name must be 1–30 characters/);
  });

  it('never logs secrets or tokens while retrying', async () => {
    const lines: string[] = [];
    const capture = (...args: unknown[]) => void lines.push(JSON.stringify(args));
    const log: Log = { debug: capture, info: capture, warn: capture, error: capture };
    sim.faults.failNext('accesstoken', { status: 500 });
    sim.epayment.faults.failNext('create', { status: 503 });
    await client({ log }).createPayment(createRequest(), randomUUID());
    expect(lines.length).toBeGreaterThanOrEqual(2);
    const logged = lines.join('\n');
    for (const secret of [credentials.clientSecret, credentials.subscriptionKey, 'sim.']) {
      expect(logged).not.toContain(secret);
    }
  });
});

describe('ePayment Idempotency-Keys', () => {
  it('are deterministic, distinct per operation and sequence, and at most 50 characters', () => {
    const reference = 'r'.repeat(50);
    expect(ePaymentIdempotencyKey(reference, 'capture', 1)).toBe(
      ePaymentIdempotencyKey(reference, 'capture', 1),
    );
    const keys = new Set([
      ePaymentIdempotencyKey(reference, 'capture', 1),
      ePaymentIdempotencyKey(reference, 'capture', 2),
      ePaymentIdempotencyKey(reference, 'refund', 1),
      ePaymentIdempotencyKey(`${reference.slice(1)}s`, 'capture', 1),
    ]);
    expect(keys.size).toBe(4);
    for (const key of keys) expect(key.length).toBeLessThanOrEqual(50);
    expect(ePaymentIdempotencyKey(reference, 'capture', Number.MAX_SAFE_INTEGER).length).toBeLessThanOrEqual(
      50,
    );
  });
});
