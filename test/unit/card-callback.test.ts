/**
 * The ePayment card callback as Vipps sees it (DESIGN.md "ePayment PSP API" §2–3), through the
 * handler with in-memory stores, a scripted acquirer and a fixed clock: the HTTP answers, what
 * the acquirer was asked, what the payment became, and what ops see in logs and metrics. The
 * same flows over real HTTP, dynalite and KMS are in test/e2e/epayment-card-callback.e2e.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { AuthorisationResult } from '../../lambdas/core/ports.js';
import type { Transaction } from '../../lambdas/core/transaction.js';
import { answerCardCallback, callbackAnswerOf } from '../../lambdas/core/use-cases/card-callback.js';
import {
  type CardCallbackHandlerDeps,
  createCardCallbackHandler,
} from '../../lambdas/handlers/card-callback/card-callback-handler.js';
import type { HttpEvent } from '../../lambdas/handlers/http/api-gateway.js';
import { type SignOptions, signedEvent } from '../support/epayment-fakes.js';
import { RecordingMetrics } from '../support/recording-metrics.js';
import { contextBoundVault } from '../support/context-bound-vault.js';
import { MemoryThreeDsSessions, ScriptedAcquirer } from '../support/payment-fakes.js';
import { InMemoryTransactionStore } from '../support/in-memory-transaction-store.js';
import { RecordingLog, TestClock } from '../support/three-ds-harness.js';
import { initiatedPayment } from '../support/transactions.js';

const NOW = new Date('2026-11-24T10:05:00.000Z');
const SECRET = 'psp-client-secret';
const CALLBACK_URL = 'https://psp.example/vipps/card-callback';
const ID = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const MSN = '234567';
const COMPLETED = 'https://api.vipps.no/mobileintercept?transactionId=a1b2';
const CRYPTOGRAM = 'AlhlvxmN2ZKuAAESNFZ4GoABFA==';
const TOKEN_NUMBER = '4895370013193500';

const approved: AuthorisationResult = {
  outcome: 'APPROVED',
  acquirerReference: 'ACQ-1',
  funding: 'DEBIT',
  networkTransactionReference: 'NTR-123456',
};
const softDecline: AuthorisationResult = { outcome: 'SOFT_DECLINE', canStepUp: true, responseCode: '1A' };
const authentication = {
  cavv: 'AAABBEg0VhI0VniQEjRWAAAAAAA=',
  eci: '05',
  threeDsTransactionId: 'ds-1',
  version: '2.2.0',
};

type Body = Record<string, unknown>;

function callbackBody(overrides: Body = {}, cardInfo: Body = {}): Body {
  return {
    pspReference: ID,
    authorizationAttemptId: 'attempt-1',
    merchantSerialNumber: MSN,
    amount: { currency: 'NOK', value: 10_000 },
    softDeclineCompletedRedirectUrl: COMPLETED,
    cardInfo: {
      cardType: 'VISA-DEBIT',
      cardDataType: 'TOKEN',
      networkToken: {
        number: TOKEN_NUMBER,
        cryptogram: CRYPTOGRAM,
        expiryMonth: '03',
        expiryYear: '2030',
        tokenType: 'VISA',
        eci: '07',
        paymentAccountReference: 'V0010013019326106627478485217',
      },
      ...cardInfo,
    },
    ...overrides,
  };
}

function setup(
  answers: AuthorisationResult[] = [],
  payment: Partial<Transaction> = {},
  extra: Partial<CardCallbackHandlerDeps> = {},
) {
  const transactions = new InMemoryTransactionStore([
    initiatedPayment({ merchantSerialNumber: MSN, vippsApi: 'epayment', ...payment }),
  ]);
  const sessions = new MemoryThreeDsSessions();
  const acquirer = new ScriptedAcquirer(answers);
  const log = new RecordingLog();
  const metrics = new RecordingMetrics();
  const enqueued: unknown[] = [];
  const deps = {
    transactions,
    threeDsSessions: sessions,
    acquirer,
    cardFunding: { lookup: () => Promise.resolve('DEBIT' as const) },
    cardData: {
      decrypt: () => Promise.reject(new Error('an ePayment callback never decrypts')),
      publicKeyPem: () => Promise.reject(new Error('not used')),
    },
    vault: contextBoundVault(),
    statusQueue: { enqueue: (u: unknown) => Promise.resolve(void enqueued.push(u)) },
    clock: new TestClock(NOW),
    log,
    metrics: metrics.asMetrics(),
    acquirerBudgetMs: 1_000,
    threeDsSessionTtlSeconds: 900,
    threeDsUrl: (id: string) => `https://psp.example/3ds/${id}`,
    pollIntervalMs: 1,
    maxBodyBytes: 64 * 1024,
    cardCallbackUrl: CALLBACK_URL,
    signingSecret: () => Promise.resolve(SECRET),
    ...extra,
  };
  const handler = createCardCallbackHandler(deps);
  const post = async (body: Body | string, sign: SignOptions = {}) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    return handler(signedEvent(CALLBACK_URL, text, SECRET, NOW, sign));
  };
  /** Status and parsed body of the answer. */
  const call = async (body: Body | string, sign: SignOptions = {}) => {
    const response = await post(body, sign);
    return { status: response.statusCode, body: JSON.parse(response.body) as unknown };
  };
  const stored = () => transactions.peek(ID)!;
  return { transactions, sessions, acquirer, log, metrics, enqueued, deps, handler, post, call, stored };
}

const logged = (log: RecordingLog, message: string) =>
  log.entries.filter((e) => e.message === message).map((e) => e.extra[0]);

describe('card callback: the answers Vipps gets', () => {
  it('RESERVE carries the acquirer’s networkTransactionReference; the payment is RESERVED and Vipps told', async () => {
    const env = setup([approved]);
    expect(await env.call(callbackBody())).toEqual({
      status: 200,
      body: { status: 'RESERVE', networkTransactionReference: 'NTR-123456' },
    });
    expect(env.stored()).toMatchObject({ status: 'RESERVED', acquirerReference: 'ACQ-1' });
    expect(env.enqueued).toHaveLength(1);
  });

  it('RESERVE without a networkTransactionReference when the acquirer gives none', async () => {
    const env = setup([{ outcome: 'APPROVED', acquirerReference: 'ACQ-1', funding: 'DEBIT' }]);
    const response = await env.post(callbackBody());
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('{"status":"RESERVE"}');
    expect(response.headers).toMatchObject({ 'Content-Type': 'application/json' });
  });

  it('the acquirer is asked for the stored amount with the network token Vipps sent', async () => {
    const env = setup([approved]);
    await env.call(callbackBody({ amount: undefined }));
    expect(env.acquirer.requests).toEqual([
      expect.objectContaining({
        pspTransactionId: ID,
        merchantSerialNumber: MSN,
        amount: 10_000,
        currency: 'NOK',
        card: {
          kind: 'NETWORK_TOKEN',
          number: TOKEN_NUMBER,
          expiryMonth: '03',
          expiryYear: '2030',
          cryptogram: CRYPTOGRAM,
          eci: '07',
          tokenType: 'VISA',
        },
      }),
    ]);
  });

  it('a Mastercard token is authorised as Mastercard, named by tokenType or by cardType', async () => {
    const byTokenType = setup([approved]);
    await byTokenType.call(
      callbackBody({}, { cardType: undefined, networkToken: { ...token(), tokenType: 'mastercard' } }),
    );
    expect(byTokenType.acquirer.requests[0]!.card).toMatchObject({ tokenType: 'MASTERCARD' });

    const byCardType = setup([approved]);
    await byCardType.call(
      callbackBody({}, { cardType: 'mc-debit', networkToken: { ...token(), tokenType: undefined } }),
    );
    expect(byCardType.acquirer.requests[0]!.card).toMatchObject({ tokenType: 'MASTERCARD' });

    const visa = setup([approved]);
    await visa.call(
      callbackBody({}, { cardType: undefined, networkToken: { ...token(), tokenType: undefined } }),
    );
    expect(visa.acquirer.requests[0]!.card).toMatchObject({ tokenType: 'VISA' });
  });

  it('a token without an ECI is sent to the acquirer with an empty one', async () => {
    const env = setup([approved]);
    await env.call(callbackBody({}, { networkToken: { ...token(), eci: undefined } }));
    expect(env.acquirer.requests[0]!.card).toMatchObject({ eci: '' });
  });

  it('FAIL carries the errorCode and errorMessage of the reason (82 Refused by Issuer), not its errorId', async () => {
    const env = setup([{ outcome: 'DECLINED', reason: 'REFUSED', responseCode: '05' }]);
    const response = await env.post(callbackBody());
    expect(JSON.parse(response.body)).toStrictEqual({
      status: 'FAIL',
      errorCode: 82,
      errorMessage: 'Refused by Issuer',
    });
    expect(env.stored()).toMatchObject({ status: 'FAILED' });
  });

  it('FAIL uses the PSP’s own code table when one is configured', async () => {
    const failCodes = { '82': { errorCode: 5, errorMessage: 'Declined by the bank' } };
    const env = setup([{ outcome: 'DECLINED', reason: 'REFUSED' }], {}, { failCodes });
    expect((await env.call(callbackBody())).body).toEqual({
      status: 'FAIL',
      errorCode: 5,
      errorMessage: 'Declined by the bank',
    });
  });

  it('SOFT_DECLINE sends the app to our 3-D Secure page, which ends at softDeclineCompletedRedirectUrl', async () => {
    const env = setup([softDecline]);
    const { status, body } = await env.call(callbackBody());
    const sessionId = env.stored().threeDsSessionId!;
    expect(status).toBe(200);
    expect(body).toEqual({ status: 'SOFT_DECLINE', softDeclineUrl: `https://psp.example/3ds/${sessionId}` });
    expect(env.sessions.items.get(sessionId)).toMatchObject({
      pspTransactionId: ID,
      state: 'PENDING',
      operations: [{ operation: '3dssuccess', url: COMPLETED }],
    });
  });

  it('a soft decline without softDeclineCompletedRedirectUrl cannot be stepped up: FAIL 94', async () => {
    const env = setup([softDecline]);
    const { body } = await env.call(callbackBody({ softDeclineCompletedRedirectUrl: undefined }));
    expect(body).toEqual({ status: 'FAIL', errorCode: 94, errorMessage: 'Unhandled soft decline' });
    expect(env.sessions.items.size).toBe(0);
  });

  it('the second callback after 3-D Secure (new cryptogram) gets RESERVE, authorised with the authentication', async () => {
    const env = setup([softDecline, approved]);
    expect((await env.call(callbackBody())).body).toMatchObject({ status: 'SOFT_DECLINE' });
    const sessionId = env.stored().threeDsSessionId!;
    await env.sessions.complete(sessionId, {
      state: 'SUCCEEDED',
      completedAt: NOW.toISOString(),
      authentication,
    });
    const second = callbackBody(
      {},
      { networkToken: { ...token(), cryptogram: 'AgAAAAAABk4DWZ4C28yUQAAAAAA=' } },
    );
    expect(await env.call(second)).toEqual({
      status: 200,
      body: { status: 'RESERVE', networkTransactionReference: 'NTR-123456' },
    });
    expect(env.acquirer.requests[1]).toMatchObject({
      card: { cryptogram: 'AgAAAAAABk4DWZ4C28yUQAAAAAA=' },
      threeDs: { cavv: authentication.cavv },
    });
    expect(env.stored().status).toBe('RESERVED');
  });

  it('the second callback is never a second SOFT_DECLINE: soft-declined again → FAIL', async () => {
    const env = setup([softDecline, softDecline]);
    await env.call(callbackBody());
    const sessionId = env.stored().threeDsSessionId!;
    await env.sessions.complete(sessionId, {
      state: 'SUCCEEDED',
      completedAt: NOW.toISOString(),
      authentication,
    });
    const { body } = await env.call(callbackBody({ authorizationAttemptId: 'attempt-1', amount: undefined }));
    expect(body).toMatchObject({ status: 'FAIL', errorCode: 94 });
    expect(env.stored().status).toBe('FAILED');
  });

  it('the same callback again is answered from the store: one authorisation, the same RESERVE', async () => {
    const env = setup([approved, approved]);
    const first = await env.call(callbackBody());
    // Keys in another order: the same callback (the hash is over the canonical body).
    const reordered = Object.fromEntries(Object.entries(callbackBody()).reverse());
    expect(await env.call(reordered)).toEqual(first);
    expect(env.acquirer.requests).toHaveLength(1);
    expect(logged(env.log, 'Card callback answered')).toEqual([
      expect.objectContaining({ replayed: false, acquirerLatencyMs: expect.any(Number) }),
      {
        pspTransactionId: ID,
        authorizationAttemptId: 'attempt-1',
        status: 'RESERVE',
        replayed: true,
        acquirerLatencyMs: undefined,
      },
    ]);
  });

  it('another callback after a final answer is too late (85), and nothing is authorised again', async () => {
    const env = setup([approved, approved]);
    await env.call(callbackBody());
    expect((await env.call(callbackBody({ authorizationAttemptId: 'attempt-2' }))).body).toEqual({
      status: 'FAIL',
      errorCode: 85,
      errorMessage: 'Response received too late',
    });
    expect(env.acquirer.requests).toHaveLength(1);
  });
});

describe('card callback: refused before anything is authorised', () => {
  const refusals: Array<[string, Body, Body, { errorCode: number; errorMessage: string }, string]> = [
    [
      'another MSN',
      { merchantSerialNumber: '123456' },
      {},
      { errorCode: 71, errorMessage: 'Invalid request' },
      'merchantSerialNumber differs from the payment',
    ],
    [
      'another amount',
      { amount: { currency: 'NOK', value: 9_999 } },
      {},
      { errorCode: 71, errorMessage: 'Invalid request' },
      'amount differs from the payment',
    ],
    [
      'another currency',
      { amount: { currency: 'SEK', value: 10_000 } },
      {},
      { errorCode: 71, errorMessage: 'Invalid request' },
      'amount differs from the payment',
    ],
    [
      'cardDataType PAN',
      {},
      { cardDataType: 'PAN', networkToken: undefined, encryptedPan: 'AAAA' },
      { errorCode: 92, errorMessage: 'Unable to decrypt' },
      'cardDataType PAN: no encryptedPan key is registered',
    ],
    [
      'an unknown cardDataType',
      {},
      { cardDataType: 'WALLET' },
      { errorCode: 71, errorMessage: 'Invalid request' },
      'no network token in the callback',
    ],
    [
      'TOKEN without a token',
      {},
      { networkToken: undefined },
      { errorCode: 71, errorMessage: 'Invalid request' },
      'no network token in the callback',
    ],
    [
      'a credit card on a debit-only merchant',
      {},
      { cardType: 'VISA-CREDIT' },
      { errorCode: 88, errorMessage: 'Merchant does not allow credit cards' },
      'credit card type',
    ],
  ];
  for (const [what, overrides, cardInfo, fail, why] of refusals) {
    it(`${what} → FAIL ${fail.errorCode}, nothing authorised, the payment still waits`, async () => {
      const env = setup([approved], { allowCreditCards: false });
      const before = env.stored();
      expect(await env.call(callbackBody(overrides, cardInfo))).toEqual({
        status: 200,
        body: { status: 'FAIL', ...fail },
      });
      expect(env.acquirer.requests).toHaveLength(0);
      expect(env.stored()).toEqual(before);
      expect(logged(env.log, 'Card callback refused before authorisation')).toEqual([
        { pspTransactionId: ID, errorId: String(fail.errorCode), why },
      ]);
      expect(logged(env.log, 'Card callback answered')).toEqual([
        expect.objectContaining({ status: 'FAIL', replayed: false }),
      ]);
    });
  }

  it('a credit card where the merchant allows credit, or a debit card where it does not, is authorised', async () => {
    const credit = setup([approved], { allowCreditCards: true });
    expect((await credit.call(callbackBody({}, { cardType: 'VISA-CREDIT' }))).body).toMatchObject({
      status: 'RESERVE',
    });
    const debit = setup([approved], { allowCreditCards: false });
    expect((await debit.call(callbackBody({}, { cardType: 'VISA-DEBIT' }))).body).toMatchObject({
      status: 'RESERVE',
    });
    const untyped = setup([approved], { allowCreditCards: false });
    expect((await untyped.call(callbackBody({}, { cardType: undefined }))).body).toMatchObject({
      status: 'RESERVE',
    });
  });

  it('no amount in the callback: the stored amount is authoritative and the callback is authorised', async () => {
    const env = setup([approved]);
    expect((await env.call(callbackBody({ amount: undefined }))).body).toMatchObject({ status: 'RESERVE' });
  });
});

describe('card callback: who may call', () => {
  it('an unknown pspReference → 401 revealing nothing, logged with the reference', async () => {
    const env = setup([approved]);
    const other = '0123456789abcdef0123456789abcdef';
    expect(await env.call(callbackBody({ pspReference: other }))).toEqual({
      status: 401,
      body: { message: 'Unauthorized' },
    });
    expect(logged(env.log, 'Card callback for an unknown payment')).toEqual([{ pspReference: other }]);
    expect(env.acquirer.requests).toHaveLength(0);
  });

  it('a PSP API v3 payment → 401 like an unknown one', async () => {
    const env = setup([approved], { vippsApi: 'psp-v3' });
    expect((await env.call(callbackBody())).status).toBe(401);
    expect(env.acquirer.requests).toHaveLength(0);
    expect(env.stored().status).toBe('INITIATED');
  });

  const forgeries: Array<[string, SignOptions, string]> = [
    ['unsigned', { unsigned: true }, 'missing-header'],
    ['signed with another secret', { secret: 'not-the-secret' }, 'signature-mismatch'],
    ['signed 16 minutes ago', { date: new Date(NOW.getTime() - 16 * 60_000) }, 'stale-or-future-date'],
    ['signed over another body', { signedBody: '{"pspReference":"x"}' }, 'content-hash-mismatch'],
    ['signed for another path', { signedUrl: 'https://psp.example/vipps/webhooks' }, 'signature-mismatch'],
  ];
  for (const [what, sign, reason] of forgeries) {
    it(`${what} → 401, nothing read or changed, the reason logged for ops`, async () => {
      const env = setup([approved]);
      const before = env.stored();
      expect(await env.call(callbackBody(), { ...sign, sourceIp: '203.0.113.9' })).toEqual({
        status: 401,
        body: { message: 'Unauthorized' },
      });
      expect(env.acquirer.requests).toHaveLength(0);
      expect(env.stored()).toEqual(before);
      expect(logged(env.log, 'Card callback signature refused')).toEqual([
        { reason, detail: expect.any(String), sourceIp: '203.0.113.9' },
      ]);
    });
  }

  it('a refused request without a source address (no requestContext, or no identity) → 401 all the same', async () => {
    const env = setup([approved]);
    const forged = signedEvent(CALLBACK_URL, JSON.stringify(callbackBody()), SECRET, NOW, { unsigned: true });
    const { requestContext: _omitted, ...noContext } = forged;
    expect((await env.handler(noContext as HttpEvent)).statusCode).toBe(401);
    const noIdentity = { ...forged, requestContext: {} } as unknown as HttpEvent;
    expect((await env.handler(noIdentity)).statusCode).toBe(401);
    expect(logged(env.log, 'Card callback signature refused')).toEqual([
      expect.objectContaining({ sourceIp: undefined }),
      expect.objectContaining({ sourceIp: undefined }),
    ]);
  });

  it('a request without headers at all → 401', async () => {
    const env = setup([approved]);
    const event = {
      ...signedEvent(CALLBACK_URL, JSON.stringify(callbackBody()), SECRET, NOW),
      headers: null,
    };
    expect((await env.handler(event as unknown as HttpEvent)).statusCode).toBe(401);
  });

  it('the signature is checked with the secret of the moment and our clock', async () => {
    const env = setup([approved], {}, { signingSecret: () => Promise.resolve('rotated-secret') });
    expect((await env.call(callbackBody())).status).toBe(401);
    expect((await env.call(callbackBody(), { secret: 'rotated-secret' })).status).toBe(200);
    // Signed 14 minutes before our clock: within Vipps' 15 minutes of skew.
    const late = setup([approved]);
    expect((await late.call(callbackBody(), { date: new Date(NOW.getTime() - 14 * 60_000) })).status).toBe(
      200,
    );
  });

  it('a base64-encoded body (API Gateway binary) is verified and read as the bytes Vipps sent', async () => {
    const env = setup([approved]);
    expect(await env.call(callbackBody(), { base64: true })).toMatchObject({
      status: 200,
      body: { status: 'RESERVE' },
    });
  });
});

describe('card callback: bad bodies', () => {
  it('a signed body that is not JSON → 400, nothing changes', async () => {
    const env = setup([approved]);
    expect(await env.call('not json')).toEqual({ status: 400, body: { message: 'Body is not JSON' } });
    expect(env.stored().version).toBe(1);
  });

  it('a callback missing fields → 400 naming them (paths only), logged for ops', async () => {
    const env = setup([approved]);
    const body = callbackBody({ authorizationAttemptId: undefined }, { cardDataType: undefined });
    expect(await env.call(body)).toEqual({
      status: 400,
      body: { message: 'Invalid card callback: authorizationAttemptId, cardInfo.cardDataType' },
    });
    expect(logged(env.log, 'Card callback body invalid')).toEqual([
      { fields: ['authorizationAttemptId', 'cardInfo.cardDataType'] },
    ]);
    expect(env.acquirer.requests).toHaveLength(0);
  });

  it('a JSON body that is not an object → 400 naming the body', async () => {
    const env = setup([approved]);
    expect(await env.call('[1]')).toEqual({
      status: 400,
      body: { message: 'Invalid card callback: (body)' },
    });
  });

  it('a body larger than allowed → 400 before anything else; exactly the limit is read', async () => {
    const text = JSON.stringify(callbackBody());
    const size = Buffer.byteLength(text);
    const tooSmall = setup([approved], {}, { maxBodyBytes: size - 1 });
    expect(await tooSmall.call(text)).toEqual({ status: 400, body: { message: 'Body too large' } });
    expect(tooSmall.acquirer.requests).toHaveLength(0);
    const exact = setup([approved], {}, { maxBodyBytes: size });
    expect((await exact.call(text)).status).toBe(200);
  });

  it('no body at all → 401 (its signature cannot match), nothing read', async () => {
    const env = setup([approved]);
    const event = { ...signedEvent(CALLBACK_URL, '', SECRET, NOW, { signedBody: 'x' }), body: null };
    expect((await env.handler(event as unknown as HttpEvent)).statusCode).toBe(401);
    // …while a correctly signed empty body passes the signature and is not JSON.
    expect(await env.call('')).toEqual({ status: 400, body: { message: 'Body is not JSON' } });
  });
});

describe('card callback: when something breaks', () => {
  it('the store failing → 200 FAIL 91 Internal error (Vipps gets an answer), logged as an error', async () => {
    const env = setup([approved]);
    env.transactions.get = () => Promise.reject(new Error('DynamoDB unavailable'));
    expect(await env.call(callbackBody())).toEqual({
      status: 200,
      body: { status: 'FAIL', errorCode: 91, errorMessage: 'Internal error' },
    });
    expect(logged(env.log, 'Card callback failed unexpectedly')).toEqual([
      { pspTransactionId: ID, error: 'Error: DynamoDB unavailable' },
    ]);
    expect(env.metrics.emitted.find((m) => m.name === 'CardCallbackAnswer')?.dimensions).toEqual({
      result: '91',
    });
  });

  it('…with the PSP’s own code for 91 when configured', async () => {
    const failCodes = { '91': { errorCode: 500, errorMessage: 'Try again' } };
    const env = setup([approved], {}, { failCodes });
    env.transactions.get = () => Promise.reject(new Error('DynamoDB unavailable'));
    expect((await env.call(callbackBody())).body).toEqual({
      status: 'FAIL',
      errorCode: 500,
      errorMessage: 'Try again',
    });
  });
});

describe('card callback: metrics ops read', () => {
  const answerMetric = (env: ReturnType<typeof setup>) =>
    env.metrics.emitted.filter((m) => m.name === 'CardCallbackAnswer');

  it('every answer is counted by result (RESERVE, SOFT_DECLINE, a FAIL’s errorId, 400, 401) with its latency', async () => {
    const env = setup([approved]);
    await env.call(callbackBody());
    await env.call('not json');
    await env.call(callbackBody(), { unsigned: true });
    await env.call(callbackBody({ authorizationAttemptId: 'attempt-2' }));
    expect(answerMetric(env)).toEqual(
      ['RESERVE', '400', '401', '85'].map((result) => ({
        name: 'CardCallbackAnswer',
        unit: 'Count',
        value: 1,
        dimensions: { result },
      })),
    );
    const latencies = env.metrics.emitted.filter((m) => m.name === 'CardCallbackLatency');
    expect(latencies).toHaveLength(4);
    for (const latency of latencies) {
      expect(latency).toMatchObject({ unit: 'Milliseconds', dimensions: {} });
      expect(latency.value).toBeGreaterThanOrEqual(0);
      expect(latency.value).toBeLessThan(5_000);
    }
  });

  it('a soft decline is counted as SOFT_DECLINE', async () => {
    const env = setup([softDecline]);
    await env.call(callbackBody());
    expect(answerMetric(env).map((m) => m.dimensions.result)).toEqual(['SOFT_DECLINE']);
  });

  it('without metrics configured the answer is the same', async () => {
    const env = setup([approved], {}, { metrics: undefined });
    expect((await env.call(callbackBody())).body).toMatchObject({ status: 'RESERVE' });
  });
});

describe('card callback use case: its outcome', () => {
  const command = {
    pspReference: ID,
    authorizationAttemptId: 'attempt-1',
    merchantSerialNumber: MSN,
    cardDataType: 'TOKEN',
    networkToken: { number: TOKEN_NUMBER, cryptogram: CRYPTOGRAM, expiryMonth: '03', expiryYear: '2030' },
    requestHash: 'hash-1',
  };

  it('a fresh authorisation reports the acquirer latency; the replay reports none', async () => {
    const env = setup([approved]);
    const first = await answerCardCallback(command, env.deps);
    expect(first).toMatchObject({ kind: 'ANSWER', replayed: false, acquirerLatencyMs: expect.any(Number) });
    expect(await answerCardCallback(command, env.deps)).toStrictEqual({
      kind: 'ANSWER',
      answer: { status: 'RESERVE', networkTransactionReference: 'NTR-123456' },
      replayed: true,
    });
  });

  it('a refusal before authorisation is a fresh FAIL answer, not a replay', async () => {
    const env = setup([approved]);
    expect(await answerCardCallback({ ...command, merchantSerialNumber: '999999' }, env.deps)).toStrictEqual({
      kind: 'ANSWER',
      answer: { status: 'FAIL', errorCode: 71, errorMessage: 'Invalid request', errorId: '71' },
      replayed: false,
    });
  });

  it('callbackAnswerOf: only a SOFT_DECLINE answer becomes SOFT_DECLINE', () => {
    const refused = { errorId: '82', errorText: 'Refused by Issuer' };
    expect(
      callbackAnswerOf(
        { status: 'FAIL', error: refused, url3dSecure: 'https://psp.example/3ds/x' },
        undefined,
      ),
    ).toMatchObject({ status: 'FAIL', errorCode: 82 });
  });

  it('callbackAnswerOf: OK without a reference is a bare RESERVE; a FAIL without a reason is 91', () => {
    expect(callbackAnswerOf({ status: 'OK' }, undefined)).toStrictEqual({ status: 'RESERVE' });
    expect(callbackAnswerOf({ status: 'FAIL' }, undefined)).toStrictEqual({
      status: 'FAIL',
      errorCode: 91,
      errorMessage: 'Internal error',
      errorId: '91',
    });
    expect(
      callbackAnswerOf(
        { status: 'SOFT_DECLINE', error: { errorId: '1036', errorText: 'Soft Decline' } },
        undefined,
      ),
    ).toMatchObject({ status: 'FAIL', errorCode: 1036 });
  });
});

function token(): Body {
  return (callbackBody().cardInfo as { networkToken: Body }).networkToken;
}
