/**
 * The Vipps simulator's ePayment side as our card callback and webhook endpoint see it: a test
 * approve posts a card callback signed as Vipps signs it (verified here with our own verifier),
 * the soft-decline loop runs through our 3-D Secure page to softDeclineCompletedRedirectUrl and
 * back, webhooks arrive signed with the registration secret, and create is validated against
 * what Vipps publishes — not against what our client happens to send.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CardCallbackRequest } from '../../lambdas/adapters/vipps/epayment/card-callback-schemas.js';
import { createEPaymentClient } from '../../lambdas/adapters/vipps/epayment/epayment-client.js';
import { EPaymentRetryLaterError, type EPaymentCreateRequest } from '../../lambdas/core/epayment-port.js';
import type { CardApprovalReport } from '../../local/vipps-simulator/epayment/index.js';
import { type VippsSimulator, startVippsSimulator } from '../../local/vipps-simulator/index.js';
import {
  type Answer,
  type PspEndpoint,
  type ReceivedRequest,
  startPspEndpoint,
} from '../support/psp-endpoint.js';

const credentials = {
  clientId: 'epay-client',
  clientSecret: 'epay-client-secret-42',
  subscriptionKey: 'epay-sub',
};
const PSP_ID = 'psp-epay';
const MSN = '234567';
const now = Date.parse('2026-09-01T10:00:00Z');
const clock = { now: () => new Date(now) };

let sim: VippsSimulator;
let psp: PspEndpoint;
/** What our card callback answers next; tests set it. */
let callbackAnswer: (request: ReceivedRequest, baseUrl: string) => Answer | Promise<Answer>;
const webhookSecrets = new Map<string, string>();

beforeAll(async () => {
  sim = await startVippsSimulator({ merchants: [MSN], credentials, pspId: PSP_ID, clock });
  psp = await startPspEndpoint({
    clock,
    secretFor: (path) =>
      path === '/vipps/card-callback' ? credentials.clientSecret : webhookSecrets.get(path),
    answer: (request, baseUrl) => {
      if (request.path === '/vipps/card-callback') return callbackAnswer(request, baseUrl);
      if (request.path.startsWith('/3ds/')) return threeDsPage(request);
      return { status: 200 };
    },
  });
});
afterEach(() => sim.epayment.faults.clear());
afterAll(async () => {
  await sim.close();
  await psp.close();
});

/** Our 3-D Secure page, reduced to redirects: /3ds/start → /3ds/done → the completed URL. */
function threeDsPage(request: ReceivedRequest): Answer {
  const first = psp.received.find(
    (r) => r.path === '/vipps/card-callback' && r.rawBody.includes(request.path.split('?')[1] ?? '§'),
  );
  if (request.path.startsWith('/3ds/start'))
    return { status: 302, headers: { Location: `/3ds/done?${request.path.split('?')[1]}` } };
  const body = JSON.parse(first!.rawBody) as { softDeclineCompletedRedirectUrl: string };
  return { status: 303, headers: { Location: body.softDeclineCompletedRedirectUrl } };
}

const client = () =>
  createEPaymentClient({
    baseUrl: sim.baseUrl,
    pspId: PSP_ID,
    credentials: () => Promise.resolve(credentials),
    systemName: 'vipps-psp-gateway',
    systemVersion: '0.1.0',
    timeoutMs: 2_000,
    clock,
    retry: { attempts: 1, baseDelayMs: 5 },
  });

async function created(value = 10_000, overrides: Partial<EPaymentCreateRequest> = {}) {
  const reference = `pay-${randomUUID()}`;
  const answer = await client().createPayment(
    {
      merchantSerialNumber: MSN,
      reference,
      amount: { currency: 'NOK', value },
      cardCallbackUrl: `${psp.baseUrl}/vipps/card-callback`,
      allowedCardTypes: ['VISA_DEBIT', 'MC_DEBIT'],
      returnUrl: 'https://shop.example/thanks',
      ...overrides,
    },
    randomUUID(),
  );
  return { reference, redirectUrl: answer.redirectUrl! };
}

const callbacksFor = (reference: string) =>
  psp.received.filter((r) => r.path === '/vipps/card-callback' && r.rawBody.includes(reference));
/** A card callback or webhook event body, as far as the tests read it. */
interface SentBody extends Record<string, unknown> {
  reference?: string;
  name?: string;
  authorizationAttemptId?: string;
  amount: { currency: string; value: number };
  cardInfo: { cardDataType: string; encryptedPan?: string; networkToken?: { cryptogram: string } };
}
const bodyOf = (r: ReceivedRequest | undefined) => JSON.parse(r!.rawBody) as SentBody;
const reserve: typeof callbackAnswer = () => ({
  status: 200,
  json: { status: 'RESERVE', networkTransactionReference: 'ntr-9' },
});

describe('ePayment simulator: the card callback', () => {
  it('approve posts a callback signed as Vipps signs it, with the magic-amount token, and authorises on RESERVE', async () => {
    callbackAnswer = reserve;
    const { reference, redirectUrl } = await created(2200);
    const token = new URL(redirectUrl).searchParams.get('token')!;
    const report = (await client().forceApprove(MSN, reference, { token })) as CardApprovalReport;

    expect(report).toMatchObject({ outcome: 'RESERVE', networkTransactionReference: 'ntr-9' });
    const [callback] = callbacksFor(reference);
    expect(callback?.signature).toEqual({ ok: true });
    expect(callback?.headers.authorization).toMatch(
      /^HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=/,
    );
    const body = bodyOf(callback);
    expect(body).toMatchObject({
      pspReference: reference,
      merchantSerialNumber: MSN,
      amount: { currency: 'NOK', value: 2200 },
      softDeclineCompletedRedirectUrl: `${sim.baseUrl}/mobileintercept?transactionId=${reference}&responsecode=OK`,
      cardInfo: {
        maskedCardNumber: '52266031XXXX8031',
        cardType: 'MC-DEBIT',
        cardDataType: 'TOKEN',
        networkToken: {
          number: '5226603115488031',
          expiryMonth: '05',
          expiryYear: '2025',
          tokenType: 'MASTERCARD',
          eci: '06',
        },
      },
    });
    expect(body.authorizationAttemptId).toBe(report.authorizationAttemptId);
    // What the simulator sends is what our handler's schema reads.
    expect(CardCallbackRequest.safeParse(body).success).toBe(true);
    expect(JSON.stringify(report)).not.toContain('5226603115488031');
    expect(sim.epayment.payments.get(reference)).toMatchObject({ state: 'AUTHORIZED', authorized: 2200 });
  });

  it('a callback signed with another secret fails our verification (the check can fail)', async () => {
    callbackAnswer = reserve;
    const other = await startVippsSimulator({
      merchants: [MSN],
      clock,
      cardCallbackSecret: 'not-our-secret',
    });
    try {
      const c = createEPaymentClient({
        baseUrl: other.baseUrl,
        pspId: 'x',
        credentials: () => Promise.resolve({ clientId: 'a', clientSecret: 'b', subscriptionKey: 'c' }),
        systemName: 's',
        systemVersion: '1',
        timeoutMs: 2_000,
      });
      const reference = `pay-${randomUUID()}`;
      await c.createPayment(
        {
          merchantSerialNumber: MSN,
          reference,
          amount: { currency: 'NOK', value: 1000 },
          cardCallbackUrl: `${psp.baseUrl}/vipps/card-callback`,
          allowedCardTypes: ['VISA_DEBIT'],
          returnUrl: 'https://shop.example',
        },
        randomUUID(),
      );
      await other.epayment.approve(reference);
      expect(callbacksFor(reference)[0]?.signature).toMatchObject({
        ok: false,
        reason: 'signature-mismatch',
      });
    } finally {
      await other.close();
    }
  });

  it('a FAIL leaves the payment open for another attempt with a new authorizationAttemptId', async () => {
    callbackAnswer = () => ({
      status: 200,
      json: { status: 'FAIL', errorCode: 82, errorMessage: 'Refused by Issuer' },
    });
    const { reference } = await created();
    const first = (await sim.epayment.approve(reference)) as CardApprovalReport;
    expect(first.outcome).toBe('FAIL');
    expect(first.exchanges[0]?.problems).toEqual([]);
    expect(sim.epayment.payments.get(reference)?.state).toBe('CREATED');
    callbackAnswer = reserve;
    const second = (await sim.epayment.approve(reference)) as CardApprovalReport;
    expect(second.outcome).toBe('RESERVE');
    expect(second.authorizationAttemptId).not.toBe(first.authorizationAttemptId);
  });

  it('runs the soft-decline loop: our 3DS page, softDeclineCompletedRedirectUrl, a second callback with the same attempt and a new cryptogram', async () => {
    const { reference } = await created(4200);
    callbackAnswer = (request, baseUrl) =>
      callbacksFor(reference).length === 1
        ? {
            status: 200,
            json: { status: 'SOFT_DECLINE', softDeclineUrl: `${baseUrl}/3ds/start?${reference}` },
          }
        : reserve(request, baseUrl);
    const report = (await sim.epayment.approve(reference)) as CardApprovalReport;

    expect(report.outcome).toBe('RESERVE');
    expect(report.threeDs).toMatchObject({ operation: '3dssuccess', problems: [] });
    expect(report.threeDs?.steps.map((s) => [s.method, s.status])).toEqual([
      ['GET', 302],
      ['GET', 303],
    ]);
    const [first, second] = callbacksFor(reference);
    expect(second?.signature).toEqual({ ok: true });
    expect(bodyOf(second).authorizationAttemptId).toBe(bodyOf(first).authorizationAttemptId);
    expect(bodyOf(second).cardInfo.networkToken?.cryptogram).not.toBe(
      bodyOf(first).cardInfo.networkToken?.cryptogram,
    );
    expect(sim.epayment.payments.get(reference)?.state).toBe('AUTHORIZED');
  });

  it('flags a second SOFT_DECLINE and ends the attempt as failed', async () => {
    const { reference } = await created();
    callbackAnswer = (_request, baseUrl) => ({
      status: 200,
      json: { status: 'SOFT_DECLINE', softDeclineUrl: `${baseUrl}/3ds/start?${reference}` },
    });
    const report = (await sim.epayment.approve(reference)) as CardApprovalReport;
    expect(report.outcome).toBe('FAIL');
    expect(report.exchanges[1]?.problems.join()).toMatch(/second SOFT_DECLINE/);
    expect(sim.epayment.payments.get(reference)?.state).toBe('CREATED');
  });

  it.each([
    ['HTTP 500', { status: 500, json: { status: 'RESERVE' } }, /HTTP 500/],
    ['the pre-launch CAPTURE', { status: 200, json: { status: 'CAPTURE' } }, /CAPTURE.*pre-launch/],
    [
      'a FAIL without errorCode',
      { status: 200, json: { status: 'FAIL', errorMessage: 'no' } },
      /integer errorCode/,
    ],
    [
      'a pre-launch softDeclineRedirectUrl',
      { status: 200, json: { status: 'SOFT_DECLINE', softDeclineRedirectUrl: 'https://x' } },
      /softDeclineRedirectUrl/,
    ],
  ])('reports %s as a problem with our answer', async (_what, answer, problem) => {
    callbackAnswer = () => answer;
    const { reference } = await created();
    const report = (await sim.epayment.approve(reference)) as CardApprovalReport;
    expect(report.outcome).toBe('FAIL');
    expect(report.exchanges[0]?.problems.join('; ')).toMatch(problem);
  });

  it('sends an opaque encryptedPan and no token when asked for PAN', async () => {
    callbackAnswer = () => ({
      status: 200,
      json: { status: 'FAIL', errorCode: 87, errorMessage: 'Invalid card' },
    });
    const { reference } = await created();
    await sim.epayment.approve(reference, { cardDataType: 'PAN' });
    const info = bodyOf(callbacksFor(reference)[0]).cardInfo;
    expect(info.cardDataType).toBe('PAN');
    expect(info.encryptedPan).toEqual(expect.any(String));
    expect(info.networkToken).toBeUndefined();
  });

  it('offers no card of a type the payment does not allow', async () => {
    const { reference } = await created(2200, { allowedCardTypes: ['VISA_DEBIT'] });
    const report = (await sim.epayment.approve(reference)) as CardApprovalReport;
    expect(report.outcome).toBe('CARD_NOT_ALLOWED');
    expect(callbacksFor(reference)).toHaveLength(0);
  });

  it('locks the payment while our callback runs: a capture meanwhile gets 423 / 6160', async () => {
    const { reference } = await created();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    callbackAnswer = async () => {
      await released;
      return reserve({} as ReceivedRequest, '');
    };
    const approval = sim.epayment.approve(reference);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const capture = client().capture(MSN, reference, { currency: 'NOK', value: 100 }, randomUUID());
    await expect(capture).rejects.toBeInstanceOf(EPaymentRetryLaterError);
    release();
    await approval;
    await expect(
      client().capture(MSN, reference, { currency: 'NOK', value: 100 }, randomUUID()),
    ).resolves.toMatchObject({
      aggregate: { capturedAmount: { value: 100 } },
    });
  });
});

describe('ePayment simulator: webhooks', () => {
  it('delivers each event to the registrations that asked for it, signed with that registration’s secret', async () => {
    callbackAnswer = reserve;
    const c = client();
    const path = `/vipps/webhooks/${randomUUID()}`;
    const registration = await c.register(`${psp.baseUrl}${path}`, [
      'epayments.payment.authorized.v1',
      'epayments.payment.captured.v1',
      'epayments.payment.terminated.v1',
    ]);
    webhookSecrets.set(path, registration.secret);
    try {
      const { reference } = await created(5_000);
      await sim.epayment.approve(reference);
      const key = randomUUID();
      await c.capture(MSN, reference, { currency: 'NOK', value: 3_000 }, key);
      const other = await created(1_000);
      await c.cancel(MSN, other.reference, randomUUID());
      await sim.epayment.webhooks.flush();

      const delivered = psp.received.filter((r) => r.path === path);
      expect(delivered.map((r) => r.signature)).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
      const events = delivered.map((r) => bodyOf(r));
      expect(events.map((e) => [e.reference, e.name, e.amount.value])).toEqual([
        [reference, 'AUTHORIZED', 5_000],
        [reference, 'CAPTURED', 3_000],
        [other.reference, 'TERMINATED', 1_000],
      ]);
      expect(events[1]).toMatchObject({
        msn: MSN,
        idempotencyKey: key,
        success: true,
        amount: { currency: 'NOK' },
      });
      expect(events[1]?.pspReference).toEqual(expect.any(String));
    } finally {
      await c.delete(registration.id);
    }
  });

  it('sends aborted and expired payments as events too', async () => {
    const c = client();
    const path = `/vipps/webhooks/${randomUUID()}`;
    const registration = await c.register(`${psp.baseUrl}${path}`, [
      'epayments.payment.aborted.v1',
      'epayments.payment.expired.v1',
    ]);
    webhookSecrets.set(path, registration.secret);
    const aborted = await created();
    const expired = await created();
    await sim.epayment.approve(aborted.reference, { userAction: 'ABORT' });
    await sim.epayment.approve(expired.reference, { userAction: 'EXPIRE' });
    await sim.epayment.webhooks.flush();
    const names = psp.received.filter((r) => r.path === path).map((r) => bodyOf(r).name);
    expect(names).toEqual(['ABORTED', 'EXPIRED']);
    expect((await c.getPayment(MSN, aborted.reference)).state).toBe('ABORTED');
    await c.delete(registration.id);
  });
});

describe('ePayment simulator: create follows the published rules', () => {
  async function raw(body: unknown, headers: Record<string, string> = {}) {
    const token = (await (
      await fetch(`${sim.baseUrl}/accesstoken/get`, {
        method: 'POST',
        headers: {
          client_id: credentials.clientId,
          client_secret: credentials.clientSecret,
          'Ocp-Apim-Subscription-Key': credentials.subscriptionKey,
        },
      })
    ).json()) as { access_token: string };
    const response = await fetch(`${sim.baseUrl}/epayment/v1/payments`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${token.access_token}`,
        'Ocp-Apim-Subscription-Key': credentials.subscriptionKey,
        'Psp-Id': PSP_ID,
        'Merchant-Serial-Number': MSN,
        'Idempotency-Key': randomUUID(),
        'Content-Type': 'application/json',
        ...headers,
      },
      body: JSON.stringify(body),
    });
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      json: (await response.json()) as { detail: string; traceId: string; extraDetails: unknown },
    };
  }

  const valid = (overrides: Record<string, unknown> = {}) => ({
    amount: { currency: 'NOK', value: 1000 },
    paymentMethod: { type: 'CARD_PASSTHROUGH' },
    cardPassthrough: {
      pspReference: 'p1',
      cardCallbackUrl: 'https://psp.example/cb',
      allowedCardTypes: ['VISA_DEBIT'],
    },
    reference: `ref-${randomUUID()}`,
    userFlow: 'WEB_REDIRECT',
    returnUrl: 'https://shop.example',
    ...overrides,
  });

  it('accepts a 64-character reference, which Vipps allows and our client never sends', async () => {
    const answer = await raw(valid({ reference: 'a'.repeat(64) }));
    expect(answer.status).toBe(201);
  });

  it.each([
    ['another payment method', { paymentMethod: { type: 'WALLET' } }, 400, '4160', /CARD_PASSTHROUGH/],
    ['an unsupported currency', { amount: { currency: 'JPY', value: 1000 } }, 400, '5040', /currency/],
    [
      'PUSH_MESSAGE',
      { userFlow: 'PUSH_MESSAGE', customer: { phoneNumber: '4791234567' } },
      400,
      '5080',
      /PUSH_MESSAGE/,
    ],
    ['WEB_REDIRECT without returnUrl', { returnUrl: undefined }, 400, '4140', /returnUrl/],
    ['less than 1 kr', { amount: { currency: 'NOK', value: 99 } }, 400, undefined, /100–65000000.*spec/],
    [
      'a 65-character reference',
      { reference: 'a'.repeat(65) },
      400,
      undefined,
      /\{8,64\}.*ePayment API spec/,
    ],
    [
      'the pre-launch cardCallbackAuthHeader',
      {
        cardPassthrough: {
          pspReference: 'p',
          cardCallbackUrl: 'https://x.example',
          cardCallbackAuthHeader: 's',
        },
      },
      400,
      undefined,
      /unknown field.*cardCallbackAuthHeader/,
    ],
    [
      'a plain-http callback elsewhere',
      { cardPassthrough: { pspReference: 'p', cardCallbackUrl: 'http://psp.example/cb' } },
      400,
      undefined,
      /https/,
    ],
  ])('refuses %s with Vipps’ problem answer', async (_what, overrides, status, code, detail) => {
    const answer = await raw(valid(overrides));
    expect(answer.status).toBe(status);
    expect(answer.type).toMatch(/^application\/problem\+json/);
    expect(answer.json.detail).toMatch(detail);
    expect(answer.json.traceId).toEqual(expect.any(String));
    expect(answer.json.extraDetails).toEqual(code ? [{ name: 'ErrorCode', reason: code }] : []);
  });

  it.each([
    ['no Psp-Id', { 'Psp-Id': '' }, /Psp-Id/],
    ['a 3-digit MSN', { 'Merchant-Serial-Number': '123' }, /\^\[0-9\]\{4,6\}\$/],
    ['an Idempotency-Key over 50', { 'Idempotency-Key': 'k'.repeat(51) }, /50 characters/],
    ['a Vipps-System-Name over 30', { 'Vipps-System-Name': 'n'.repeat(31) }, /30 characters/],
  ])('refuses %s', async (_what, headers, detail) => {
    const answer = await raw(valid(), headers);
    expect(answer.status).toBe(400);
    expect(answer.json.detail).toMatch(detail);
  });

  it('warns (without refusing) where the documents disagree or Vipps would refuse in production', async () => {
    const reference = `ref-${randomUUID()}`;
    await raw(
      valid({ reference, cardPassthrough: { pspReference: 'p', cardCallbackUrl: 'http://127.0.0.1:1/cb' } }),
    );
    expect(sim.epayment.payments.get(reference)?.warnings.join('\n')).toMatch(
      /allowedCardTypes omitted[\s\S]*https only/,
    );
  });
});
