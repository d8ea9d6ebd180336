/**
 * Issue 11 items 1, 3 and 4 end to end: a payment on the demo merchant's ePayment MSN (234567)
 * is created at Vipps' ePayment API, and Vipps' signed card callback is authorised by the same
 * core as makePaymentUrl — RESERVE, FAIL, SOFT_DECLINE through our 3-D Secure page — while
 * unsigned, forged, stale and mismatched callbacks change nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signVippsRequest } from '../../lambdas/adapters/vipps/shared/hmac-signature.js';
import { testTokenForAmount } from '../../local/vipps-simulator/index.js';
import { type LocalStack, bootLocalStack, merchantClient, newOrderId } from '../support/local-stack.js';

let stack: LocalStack;
beforeAll(async () => {
  stack = await bootLocalStack();
});
afterAll(() => stack?.stop());

const SECRET = 'local-client-secret';
const callbackUrl = () => `${stack.baseUrl}/vipps/card-callback`;

async function createEPayment(amount = 10_000) {
  const created = await merchantClient(stack).createPayment({
    merchantSerialNumber: stack.ePaymentSerialNumber,
    merchantOrderId: newOrderId('ep'),
    amount,
  });
  expect(created.status).toBe(201);
  return created.body.pspTransactionId;
}

function callbackBody(reference: string, amount: number, overrides: Record<string, unknown> = {}) {
  const token = testTokenForAmount(amount);
  return {
    pspReference: reference,
    authorizationAttemptId: `attempt-${reference}`,
    merchantSerialNumber: stack.ePaymentSerialNumber,
    amount: { currency: 'NOK', value: amount },
    softDeclineCompletedRedirectUrl: `${stack.vipps.baseUrl}/mobileintercept?transactionId=${reference}`,
    cardInfo: { cardType: 'VISA-DEBIT', cardDataType: 'TOKEN', networkToken: token },
    ...overrides,
  };
}

async function postCallback(
  body: unknown,
  sign: { secret?: string; date?: Date; signedBody?: string; unsigned?: boolean } = {},
) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const signed = signVippsRequest({
    url: callbackUrl(),
    body: sign.signedBody ?? text,
    secret: sign.secret ?? SECRET,
    date: sign.date ?? new Date(),
  });
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (!sign.unsigned) {
    headers['x-ms-date'] = signed['x-ms-date'];
    headers['x-ms-content-sha256'] = signed['x-ms-content-sha256'];
    headers.Authorization = signed.authorization;
  }
  const response = await fetch(callbackUrl(), { method: 'POST', headers, body: text });
  const answer = await response.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(answer) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: response.status, body: json };
}

const statusOf = async (id: string) => (await merchantClient(stack).payment(id)).body.status;

describe('create on an ePayment sales unit', () => {
  it('creates the payment at Vipps’ ePayment API with our card callback, and the PSP API v3 MSN still uses init', async () => {
    const id = await createEPayment();
    const atVipps = stack.vipps.epayment.payments.get(id);
    expect(atVipps).toMatchObject({
      reference: id,
      merchantSerialNumber: stack.ePaymentSerialNumber,
      cardCallbackUrl: callbackUrl(),
      allowedCardTypes: ['VISA_DEBIT', 'MC_DEBIT'],
    });
    expect(stack.vipps.payments.get(id)).toBeUndefined();
    const v3 = await merchantClient(stack).createPayment();
    expect(v3.status).toBe(201);
    expect(stack.vipps.payments.get(v3.body.pspTransactionId)).toBeDefined();
    expect(stack.vipps.epayment.payments.get(v3.body.pspTransactionId)).toBeUndefined();
  });
});

describe('card callback answers', () => {
  it('RESERVE: Vipps’ approval reserves the payment, and the same callback again is answered from the store', async () => {
    const id = await createEPayment(10_000);
    const report = await stack.vipps.epayment.approve(id);
    expect(report).toMatchObject({ outcome: 'RESERVE' });
    expect((report as { exchanges: Array<{ problems: string[] }> }).exchanges[0]!.problems).toEqual([]);
    expect(await statusOf(id)).toBe('RESERVED');
    // ?include=vipps reads Vipps' ePayment view of it (not PSP API v3's details).
    const withVipps = await merchantClient(stack).get(`/v1/payments/${id}?include=vipps`);
    expect(withVipps.body).toMatchObject({
      vippsApi: 'epayment',
      vipps: { state: 'AUTHORIZED', aggregate: { authorizedAmount: { value: 10_000 } } },
    });

    const body = callbackBody(id, 10_000);
    const first = await postCallback(body);
    const again = await postCallback(body);
    // A new attempt id is a new body: the payment is already reserved, so it is too late.
    expect(first).toEqual({
      status: 200,
      body: { status: 'FAIL', errorCode: 85, errorMessage: 'Response received too late' },
    });
    expect(again).toEqual(first);
  });

  it('the same callback twice: one authorisation, the same RESERVE', async () => {
    const id = await createEPayment(10_000);
    const body = callbackBody(id, 10_000);
    const first = await postCallback(body);
    const second = await postCallback(body);
    expect(first).toEqual({
      status: 200,
      body: { status: 'RESERVE', networkTransactionReference: expect.stringMatching(/\S/) },
    });
    // The replay carries the same reference: it is the stored answer, not a new authorisation.
    expect(second).toEqual(first);
    expect(stack.ledger.authorisations(id)).toHaveLength(1);
    expect(await statusOf(id)).toBe('RESERVED');
  });

  it('FAIL with the PSP API v3 errorId and text of the reason (82 Refused by Issuer)', async () => {
    const id = await createEPayment(10_082);
    const report = await stack.vipps.epayment.approve(id);
    expect(report).toMatchObject({ outcome: 'FAIL' });
    const answer = (report as { exchanges: Array<{ response: unknown }> }).exchanges[0]!.response;
    expect(answer).toEqual({ status: 'FAIL', errorCode: 82, errorMessage: 'Refused by Issuer' });
    expect(await statusOf(id)).toBe('FAILED');
  });

  it('SOFT_DECLINE → our 3-D Secure page → softDeclineCompletedRedirectUrl → second callback → RESERVE', async () => {
    const id = await createEPayment(10_036);
    const report = (await stack.vipps.epayment.approve(id)) as {
      outcome: string;
      exchanges: Array<{ response: Record<string, unknown>; problems: string[] }>;
      threeDs?: { operation?: string };
    };
    expect(report.exchanges[0]!.response).toMatchObject({ status: 'SOFT_DECLINE' });
    expect(String(report.exchanges[0]!.response.softDeclineUrl)).toMatch(`${stack.baseUrl}/3ds/`);
    expect(report.threeDs?.operation).toBe('3dssuccess');
    expect(report.exchanges[1]!.response).toMatchObject({
      status: 'RESERVE',
      networkTransactionReference: expect.any(String),
    });
    expect(report.exchanges.flatMap((e) => e.problems)).toEqual([]);
    expect(report.outcome).toBe('RESERVE');
    expect(await statusOf(id)).toBe('RESERVED');
  });

  it('a wrong 3-D Secure code: the second callback is a FAIL, never a second SOFT_DECLINE', async () => {
    const id = await createEPayment(10_036);
    const report = (await stack.vipps.epayment.approve(id, { otp: '0000' })) as {
      outcome: string;
      exchanges: Array<{ response: Record<string, unknown> }>;
    };
    expect(report.exchanges).toHaveLength(2);
    expect(report.exchanges[1]!.response).toMatchObject({ status: 'FAIL' });
    expect(await statusOf(id)).toBe('FAILED');
  });
});

describe('bad callbacks change nothing', () => {
  it('unsigned, wrongly signed, stale, or replayed with another body → 401; the payment still waits', async () => {
    const id = await createEPayment(10_000);
    const body = callbackBody(id, 10_000);
    expect((await postCallback(body, { unsigned: true })).status).toBe(401);
    expect((await postCallback(body, { secret: 'not-the-secret' })).status).toBe(401);
    expect((await postCallback(body, { date: new Date(Date.now() - 16 * 60_000) })).status).toBe(401);
    const other = JSON.stringify(callbackBody(id, 10_000, { authorizationAttemptId: 'forged' }));
    expect((await postCallback(body, { signedBody: other })).status).toBe(401);
    expect(await statusOf(id)).toBe('INITIATED');
    // …and the genuine one still works afterwards.
    expect((await postCallback(body)).body).toMatchObject({
      status: 'RESERVE',
      networkTransactionReference: expect.any(String),
    });
  });

  it('an unknown pspReference, or a PSP API v3 payment, is 401 like a bad signature', async () => {
    expect((await postCallback(callbackBody('0123456789abcdef0123456789abcdef', 10_000))).status).toBe(401);
    const v3 = await merchantClient(stack).createPayment();
    expect((await postCallback(callbackBody(v3.body.pspTransactionId, 10_000))).status).toBe(401);
  });

  it('a signed body that is not JSON, or not a callback, is 400', async () => {
    expect(await postCallback('not json')).toMatchObject({ status: 400 });
    expect(await postCallback({ pspReference: 'x' })).toMatchObject({ status: 400 });
  });

  it('amount or MSN mismatch, or a PAN → FAIL, nothing authorised, the payment still waits', async () => {
    const id = await createEPayment(10_000);
    const amount = await postCallback(callbackBody(id, 10_000, { amount: { currency: 'NOK', value: 1 } }));
    expect(amount.body).toEqual({ status: 'FAIL', errorCode: 71, errorMessage: 'Invalid request' });
    const msn = await postCallback(callbackBody(id, 10_000, { merchantSerialNumber: '123456' }));
    expect(msn.body).toMatchObject({ status: 'FAIL', errorCode: 71 });
    const pan = await postCallback(
      callbackBody(id, 10_000, { cardInfo: { cardDataType: 'PAN', encryptedPan: 'AAAA' } }),
    );
    expect(pan.body).toMatchObject({ status: 'FAIL', errorCode: 92 });
    expect(stack.ledger.authorisations(id)).toHaveLength(0);
    expect(await statusOf(id)).toBe('INITIATED');
  });
});
