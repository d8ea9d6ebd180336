/**
 * The production Vipps client against the Vipps simulator over real HTTP: headers, token caching
 * and renewal, retries, error mapping, and status updates reaching Vipps' view.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type VippsClientOptions, createVippsClient } from '../../lambdas/adapters/vipps/vipps-client.js';
import { VippsRejectedError, VippsUnavailableError } from '../../lambdas/core/errors.js';
import type { Log, VippsInitRequest } from '../../lambdas/core/ports.js';
import type { StatusUpdate } from '../../lambdas/core/transaction.js';
import { type VippsSimulator, startVippsSimulator } from '../../local/vipps-simulator/index.js';

const credentials = {
  clientId: 'client-id-for-tests',
  clientSecret: 'client-secret-for-tests-0123',
  subscriptionKey: 'subscription-key-for-tests-4567',
};
const PSP_ID = 'psp-id-for-tests';

let now = Date.parse('2026-03-01T10:00:00Z');
const clock = { now: () => new Date(now) };
let sim: VippsSimulator;

beforeAll(async () => {
  sim = await startVippsSimulator({
    merchants: ['123456', '654321'],
    credentials,
    pspId: PSP_ID,
    tokenLifetimeSeconds: 600,
    clock,
  });
});
afterAll(() => sim.close());

function client(overrides: Partial<VippsClientOptions> = {}) {
  return createVippsClient({
    baseUrl: `${sim.baseUrl}/`,
    pspId: PSP_ID,
    credentials: () => Promise.resolve(credentials),
    systemName: 'vipps-psp-gateway',
    systemVersion: '0.1.0',
    timeoutMs: 300,
    clock,
    retry: { attempts: 3, baseDelayMs: 5 },
    ...overrides,
  });
}

function initRequest(overrides: Partial<VippsInitRequest> = {}): VippsInitRequest {
  return {
    pspTransactionId: randomUUID(),
    merchantSerialNumber: '123456',
    merchantOrderId: `order-${randomUUID().slice(0, 8)}`,
    amount: 10_000,
    currency: 'NOK',
    paymentText: 'One pair of socks',
    pspRedirectUrl: 'https://shop.example/return',
    makePaymentUrl: 'https://psp.example/vipps/make-payment',
    makePaymentToken: `mpt-${randomUUID()}`,
    isApp: false,
    ...overrides,
  };
}

function update(
  pspTransactionId: string,
  seq: number,
  status: StatusUpdate['status'],
  amount: number,
): StatusUpdate {
  return {
    pspTransactionId,
    merchantSerialNumber: '123456',
    seq,
    status,
    amount,
    currency: 'NOK',
    paymentText: 'One pair of socks',
    operationStatus: 'SUCCESS',
  };
}

const requestsTo = (endpoint: string, since = 0) =>
  sim.requests.filter((r) => r.endpoint === endpoint && r.seq > since);
const lastSeq = () => sim.requests.at(-1)?.seq ?? 0;

describe('Vipps client: requests', () => {
  it('initiates a payment with the documented headers and body and returns the landing URL', async () => {
    const since = lastSeq();
    const request = initRequest({ customerMobileNumber: '91234567' });
    const key = randomUUID();
    const { vippsRedirectUrl } = await client().initiatePayment(request, key);

    expect(vippsRedirectUrl).toMatch(new RegExp(`^${sim.baseUrl}/landing\\?token=[\\w-]+$`));
    const [tokenCall] = requestsTo('accesstoken', since);
    expect(tokenCall?.headers).toMatchObject({ client_id: credentials.clientId, client_secret: '***' });
    expect(tokenCall?.headers['ocp-apim-subscription-key']).toBe('***');
    expect(tokenCall?.headers).not.toHaveProperty('psp-id');

    const [init] = requestsTo('init', since);
    expect(init?.status).toBe(200);
    expect(init?.headers).toMatchObject({
      authorization: 'Bearer ***',
      'ocp-apim-subscription-key': '***',
      'psp-id': PSP_ID,
      'merchant-serial-number': '123456',
      'vipps-system-name': 'vipps-psp-gateway',
      'vipps-system-version': '0.1.0',
      'content-type': 'application/json',
      'idempotency-key': key,
    });
    expect(init?.body).toEqual({
      pspTransactionId: request.pspTransactionId,
      merchantOrderId: request.merchantOrderId,
      amount: 10_000,
      currency: 'NOK',
      paymentText: 'One pair of socks',
      pspRedirectUrl: 'https://shop.example/return',
      makePaymentUrl: 'https://psp.example/vipps/make-payment',
      makePaymentToken: '***',
      isApp: false,
      customerMobileNumber: '91234567',
    });
    expect(sim.payments.get(request.pspTransactionId)).toMatchObject({
      merchantSerialNumber: '123456',
      amount: 10_000,
      vippsRedirectUrl,
      appStatus: 'INITIATED',
    });
  });

  it('sends no Idempotency-Key on GET', async () => {
    const c = client();
    const request = initRequest();
    await c.initiatePayment(request, randomUUID());
    const since = lastSeq();
    await c.getDetails('123456', request.pspTransactionId);
    const [details] = requestsTo('details', since);
    expect(details?.headers['idempotency-key']).toBeUndefined();
    expect(details?.headers['psp-id']).toBe(PSP_ID);
  });

  it('replays the first answer when the same Idempotency-Key is sent again', async () => {
    const c = client();
    const request = initRequest();
    const key = randomUUID();
    const first = await c.initiatePayment(request, key);
    const second = await c.initiatePayment(request, key);
    expect(second).toEqual(first);
    expect(sim.payments.list().filter((p) => p.pspTransactionId === request.pspTransactionId)).toHaveLength(
      1,
    );
  });
});

describe('Vipps client: access token', () => {
  it('uses one token for many calls, concurrent ones included', async () => {
    const c = client();
    const before = sim.tokensIssued;
    const request = initRequest();
    await c.initiatePayment(request, randomUUID());
    await Promise.all(Array.from({ length: 5 }, () => c.getDetails('123456', request.pspTransactionId)));
    await c.updateStatus('123456', [update(request.pspTransactionId, 1, 'RESERVED', 10_000)], randomUUID());
    expect(sim.tokensIssued - before).toBe(1);
  });

  it('renews the token shortly before it expires', async () => {
    const c = client();
    const request = initRequest();
    const before = sim.tokensIssued;
    await c.initiatePayment(request, randomUUID());
    now += 500_000; // 600 s tokens are renewed 60 s early: at 540 s
    await c.getDetails('123456', request.pspTransactionId);
    expect(sim.tokensIssued - before).toBe(1);
    now += 60_000;
    await c.getDetails('123456', request.pspTransactionId);
    expect(sim.tokensIssued - before).toBe(2);
  });

  it('fetches a new token once when Vipps answers 401, and the call succeeds', async () => {
    const c = client();
    const request = initRequest();
    await c.initiatePayment(request, randomUUID());
    const before = sim.tokensIssued;
    const since = lastSeq();
    sim.faults.expireTokens();
    const details = await c.getDetails('123456', request.pspTransactionId);
    expect(details.pspTransactionId).toBe(request.pspTransactionId);
    expect(sim.tokensIssued - before).toBe(1);
    expect(requestsTo('details', since).map((r) => r.status)).toEqual([401, 200]);
  });

  it('gives up when a fresh token is refused too, without looping', async () => {
    const c = client();
    const request = initRequest();
    await c.initiatePayment(request, randomUUID());
    const since = lastSeq();
    sim.faults.failNext('details', { status: 401, times: 2 });
    await expect(c.getDetails('123456', request.pspTransactionId)).rejects.toBeInstanceOf(
      VippsUnavailableError,
    );
    expect(requestsTo('details', since)).toHaveLength(2);
  });

  it('reports wrong credentials as Vipps being unavailable, naming what to check', async () => {
    const c = client({ credentials: () => Promise.resolve({ ...credentials, clientSecret: 'wrong' }) });
    await expect(c.getDetails('123456', 'whatever')).rejects.toThrow(
      /client id, secret and subscription key/,
    );
  });
});

describe('Vipps client: failures', () => {
  it('retries 500 and 503 with the same Idempotency-Key and applies the update once', async () => {
    const c = client();
    const request = initRequest();
    await c.initiatePayment(request, randomUUID());
    const since = lastSeq();
    const callsBefore = sim.updateStatusCalls;
    sim.faults.failNext('updatestatus', { status: 500 });
    sim.faults.failNext('updatestatus', { status: 503 });
    const key = randomUUID();
    await c.updateStatus('123456', [update(request.pspTransactionId, 1, 'RESERVED', 10_000)], key);

    const calls = requestsTo('updatestatus', since);
    expect(calls.map((r) => r.status)).toEqual([500, 503, 200]);
    expect(new Set(calls.map((r) => r.headers['idempotency-key']))).toEqual(new Set([key]));
    expect(sim.updateStatusCalls - callsBefore).toBe(1);
    expect(
      sim.statusUpdates.filter((u) => u.transaction.pspTransactionId === request.pspTransactionId),
    ).toHaveLength(1);
  });

  it('retries after a timeout; the late original is answered from the idempotency store', async () => {
    const c = client();
    const request = initRequest();
    const since = lastSeq();
    sim.faults.hangNext('init', { delayMs: 800 });
    const started = Date.now();
    const { vippsRedirectUrl } = await c.initiatePayment(request, randomUUID());
    expect(Date.now() - started).toBeLessThan(800);
    expect(sim.payments.get(request.pspTransactionId)?.vippsRedirectUrl).toBe(vippsRedirectUrl);

    await new Promise((resolve) => setTimeout(resolve, 900));
    const inits = requestsTo('init', since);
    expect(inits).toHaveLength(2);
    expect(inits[0]).toMatchObject({ fault: 'hang 800 ms', status: 200, replayed: true });
    expect(sim.payments.list().filter((p) => p.pspTransactionId === request.pspTransactionId)).toHaveLength(
      1,
    );
  });

  it('retries a dropped connection', async () => {
    const c = client();
    const request = initRequest();
    await c.initiatePayment(request, randomUUID());
    sim.faults.dropNext('details');
    await expect(c.getDetails('123456', request.pspTransactionId)).resolves.toMatchObject({
      pspTransactionId: request.pspTransactionId,
    });
  });

  it('gives up after the configured attempts with VippsUnavailableError', async () => {
    const c = client();
    const request = initRequest();
    const since = lastSeq();
    sim.faults.failNext('init', { status: 503, times: 3 });
    await expect(c.initiatePayment(request, randomUUID())).rejects.toBeInstanceOf(VippsUnavailableError);
    expect(requestsTo('init', since)).toHaveLength(3);
    expect(sim.payments.get(request.pspTransactionId)).toBeUndefined();
  });

  it('does not retry a 400 and reports Vipps’ error codes', async () => {
    const c = client();
    const request = initRequest();
    await c.initiatePayment(request, randomUUID());
    const since = lastSeq();
    sim.faults.failNext('updatestatus', {
      status: 400,
      errors: [{ errorCode: '51', errorMessage: 'Invalid request' }],
    });
    const error = await c
      .updateStatus('123456', [update(request.pspTransactionId, 1, 'RESERVED', 10_000)], randomUUID())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VippsRejectedError);
    expect((error as VippsRejectedError).httpStatus).toBe(400);
    expect((error as VippsRejectedError).errors).toMatchObject([
      { errorCode: '51', errorMessage: 'Invalid request' },
    ]);
    expect(requestsTo('updatestatus', since)).toHaveLength(1);
  });

  it.each([
    ['an inactive sales unit', { merchantSerialNumber: '999999' }, '21'],
    ['an amount under 1 kr', { amount: 50 }, 'amount'],
    ['a makePaymentUrl that is no URL', { makePaymentUrl: 'not a url' }, 'makePaymentUrl'],
  ])('maps Vipps’ init error for %s', async (_what, overrides, code) => {
    const error = await client()
      .initiatePayment(initRequest(overrides), randomUUID())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VippsRejectedError);
    expect((error as VippsRejectedError).firstCode).toBe(code);
  });

  it('maps duplicate pspTransactionId (44) and duplicate merchantOrderId (99)', async () => {
    const c = client();
    const request = initRequest();
    await c.initiatePayment(request, randomUUID());
    const sameId = await c
      .initiatePayment({ ...request, merchantOrderId: 'another-order' }, randomUUID())
      .catch((e: unknown) => e);
    expect((sameId as VippsRejectedError).firstCode).toBe('44');
    const sameOrder = await c
      .initiatePayment({ ...request, pspTransactionId: randomUUID() }, randomUUID())
      .catch((e: unknown) => e);
    expect((sameOrder as VippsRejectedError).firstCode).toBe('99');
  });

  it('reports an unknown payment on details as rejected', async () => {
    await expect(client().getDetails('123456', randomUUID())).rejects.toBeInstanceOf(VippsRejectedError);
  });

  it('never logs secrets, tokens or the makePaymentToken', async () => {
    const lines: string[] = [];
    const capture = (...args: unknown[]) => void lines.push(JSON.stringify(args));
    const log: Log = { debug: capture, info: capture, warn: capture, error: capture };
    const c = client({ log });
    const request = initRequest();
    sim.faults.failNext('accesstoken', { status: 500 });
    sim.faults.failNext('init', { status: 503 });
    sim.faults.dropNext('init');
    await c.initiatePayment(request, randomUUID());
    expect(lines.length).toBeGreaterThanOrEqual(3);
    const logged = lines.join('\n');
    for (const secret of [
      credentials.clientSecret,
      credentials.subscriptionKey,
      request.makePaymentToken,
      'sim.',
    ]) {
      expect(logged).not.toContain(secret);
    }
  });
});

describe('Vipps client: status updates', () => {
  it('sends every update of one MSN in one call and Vipps’ details reflect them', async () => {
    const c = client();
    const request = initRequest();
    await c.initiatePayment(request, randomUUID());
    const callsBefore = sim.updateStatusCalls;
    await c.updateStatus(
      '123456',
      [
        update(request.pspTransactionId, 1, 'RESERVED', 10_000),
        update(request.pspTransactionId, 2, 'CAPTURED', 4_000),
      ],
      randomUUID(),
    );
    expect(sim.updateStatusCalls - callsBefore).toBe(1);
    const mine = sim.statusUpdates.filter((u) => u.transaction.pspTransactionId === request.pspTransactionId);
    expect(mine.map((u) => u.transaction)).toEqual([
      {
        pspTransactionId: request.pspTransactionId,
        status: 'RESERVED',
        amount: 10_000,
        currency: 'NOK',
        paymentText: 'One pair of socks',
        operationStatus: 'SUCCESS',
      },
      {
        pspTransactionId: request.pspTransactionId,
        status: 'CAPTURED',
        amount: 4_000,
        currency: 'NOK',
        paymentText: 'One pair of socks',
        operationStatus: 'SUCCESS',
      },
    ]);
    expect(new Set(mine.map((u) => u.callIndex)).size).toBe(1);

    const details = await c.getDetails('123456', request.pspTransactionId);
    expect(details.transactionSummary).toEqual({
      capturedAmount: 4_000,
      remainingAmountToCapture: 6_000,
      refundedAmount: 0,
      remainingAmountToRefund: 4_000,
    });
    expect(details.transactionLogHistory?.map((e) => [e.operation, e.amount, e.operationSuccess])).toEqual([
      ['RESERVED', 10_000, true],
      ['CAPTURED', 4_000, true],
    ]);
  });

  it('refuses to mix sales units in one call, before calling Vipps', async () => {
    const since = lastSeq();
    const other = { ...update('x1', 1, 'RESERVED', 100), merchantSerialNumber: '654321' };
    await expect(client().updateStatus('123456', [other], randomUUID())).rejects.toThrow(/MSN/);
    expect(requestsTo('updatestatus', since)).toHaveLength(0);
  });
});
