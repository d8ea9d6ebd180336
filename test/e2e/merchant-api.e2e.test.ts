/**
 * Issue 2 end to end: a merchant creates a payment through the Merchant API on the local stack,
 * the Vipps simulator approves it (calling our makePaymentUrl), the merchant reads it back.
 * Every bad input gets a specific problem+json and writes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoDbDocumentClient } from '../../lambdas/adapters/aws-clients.js';
import { DynamoMerchantStore } from '../../lambdas/adapters/dynamo/merchant-store.js';
import { DynamoTransactionStore } from '../../lambdas/adapters/dynamo/transaction-store.js';
import { sha256Hex } from '../../lambdas/core/secrets.js';
import { type LocalStack, bootLocalStack, merchantClient, newOrderId } from '../support/local-stack.js';

let stack: LocalStack;
let store: DynamoTransactionStore;
const OTHER_KEY = 'other_merchant_key_0123456789abcdef';

beforeAll(async () => {
  stack = await bootLocalStack();
  const documents = createDynamoDbDocumentClient({ endpoint: stack.endpoints.dynamodb, counter: false });
  const tableName = stack.environment.TABLE_NAME!;
  store = new DynamoTransactionStore({ client: documents, tableName });
  await new DynamoMerchantStore({ client: documents, tableName }).put(
    {
      merchantId: 'other-merchant',
      name: 'Other AS',
      merchantSerialNumbers: ['654321'],
      allowCreditCards: true,
    },
    sha256Hex(OTHER_KEY),
  );
  stack.vipps.merchants.activate('654321');
});
afterAll(() => stack?.stop());

const nothingStoredFor = async (merchantOrderId: string, msn = '123456') =>
  expect(await store.findByMerchantOrder(msn, merchantOrderId)).toBeUndefined();

describe('create → Vipps approves → read', () => {
  it('creates the payment with Vipps, reserves it through makePaymentUrl, and shows what Vipps acknowledged', async () => {
    const merchant = merchantClient(stack);
    const created = await merchant.createPayment({ amount: 25_000 });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/v1/payments/${created.body.pspTransactionId}`);
    expect(created.body).toMatchObject({
      status: 'INITIATED',
      vippsRedirectUrl: expect.stringContaining(stack.vipps.baseUrl),
    });

    const init = stack.vipps.payments.get(created.body.pspTransactionId)!;
    expect(init).toMatchObject({ amount: 25_000, makePaymentUrl: `${stack.baseUrl}/vipps/make-payment` });

    const approval = await stack.vipps.approve(created.body.pspTransactionId);
    expect(approval.outcome).toBe('OK');
    await stack.statusQueueIdle();

    const read = await merchant.payment(created.body.pspTransactionId);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      status: 'RESERVED',
      amounts: { reserved: 25_000, captured: 0, refunded: 0 },
      vippsSync: { statusUpdatesSent: 1, acknowledgedSeq: 1, inSync: true },
    });
    expect(JSON.stringify(read.body)).not.toMatch(/makePaymentToken|TokenHash/);
    const withVipps = await merchant.get(`/v1/payments/${created.body.pspTransactionId}?include=vipps`);
    expect(withVipps.body).toMatchObject({
      vipps: { transactionLogHistory: [{ operation: 'RESERVED', amount: 25_000 }] },
    });
  });
});

describe('bad input: a specific 4xx problem and nothing written', () => {
  const valid = () => ({
    merchantSerialNumber: '123456',
    merchantOrderId: newOrderId('bad'),
    amount: 10_000,
    currency: 'NOK',
    paymentText: 'Socks',
    redirectUrl: 'https://shop.example/done',
  });

  it.each([
    ['amount as a string', { amount: '100' }, 'amount'],
    ['amount below 1 kr', { amount: 99 }, 'amount must be at least 100'],
    ['fractional amount', { amount: 100.5 }, 'whole number'],
    ['unknown currency', { currency: 'EUR' }, 'currency'],
    ['merchantOrderId with a space', { merchantOrderId: 'order 1' }, 'merchantOrderId'],
    ['merchantOrderId over 50 characters', { merchantOrderId: 'a'.repeat(51) }, 'merchantOrderId'],
    [
      'mobile number of 7 digits',
      { customerMobileNumber: '9123456' },
      'customerMobileNumber must be 8 digits',
    ],
    ['redirectUrl not a URL', { redirectUrl: 'javascript:alert(1)' }, 'redirectUrl'],
    ['an unknown field', { amout: 100 }, 'amout'],
  ])('%s → 400 validation-error', async (_name, change, expected) => {
    const body = { ...valid(), ...change };
    const answer = await merchantClient(stack).post('/v1/payments', body);
    expect(answer.status).toBe(400);
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
    expect(answer.body).toMatchObject({ type: '/problems/validation-error', status: 400 });
    expect(String(answer.body.detail)).toContain(expected);
    await nothingStoredFor(String(body.merchantOrderId));
  });

  it('malformed JSON → 400 malformed-json', async () => {
    const answer = await merchantClient(stack).post('/v1/payments', '{"amount": 100,');
    expect(answer.body).toMatchObject({ status: 400, type: '/problems/malformed-json' });
  });

  it('a JSON array → 400 validation-error', async () => {
    const answer = await merchantClient(stack).post('/v1/payments', '[1,2]');
    expect(answer.body).toMatchObject({ status: 400, type: '/problems/validation-error' });
  });

  it('an oversized body → 413', async () => {
    const body = { ...valid(), paymentText: 'x'.repeat(40_000) };
    const answer = await merchantClient(stack).post('/v1/payments', body);
    expect(answer.status).toBe(413);
    expect(answer.body).toMatchObject({ type: '/problems/payload-too-large' });
    await nothingStoredFor(body.merchantOrderId);
  });

  it('a non-JSON content type → 415', async () => {
    const res = await fetch(`${stack.baseUrl}/v1/payments`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${stack.merchantApiKey}`,
        'Content-Type': 'text/plain',
        'Idempotency-Key': 'k-415',
      },
      body: JSON.stringify(valid()),
    });
    expect(res.status).toBe(415);
  });

  it.each([
    ['no Authorization header', undefined],
    ['a wrong key', 'Bearer not_the_right_key_0123456789'],
    ['a key without the Bearer scheme', 'demo_key_without_scheme_0123456789'],
  ])('%s → 401', async (_name, authorization) => {
    const body = valid();
    const res = await fetch(`${stack.baseUrl}/v1/payments`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'Idempotency-Key': 'k-401',
        ...(authorization ? { Authorization: authorization } : {}),
      },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ type: '/problems/unauthorized' });
    await nothingStoredFor(body.merchantOrderId);
  });

  it('another merchant’s MSN → 403 msn-not-allowed', async () => {
    const body = { ...valid(), merchantSerialNumber: '654321' };
    const answer = await merchantClient(stack).post('/v1/payments', body);
    expect(answer.status).toBe(403);
    expect(answer.body).toMatchObject({ type: '/problems/msn-not-allowed' });
    await nothingStoredFor(body.merchantOrderId, '654321');
  });

  it('another merchant’s payment id answers 404, exactly like an unknown id', async () => {
    const other = merchantClient(stack, OTHER_KEY);
    const theirs = await other.createPayment({ merchantSerialNumber: '654321' });
    expect(theirs.status).toBe(201);
    const mine = merchantClient(stack);
    const read = await mine.payment(theirs.body.pspTransactionId);
    const unknown = await mine.payment('0123456789abcdef0123456789abcdef');
    expect(read.status).toBe(404);
    expect(read.body).toMatchObject({ type: '/problems/payment-not-found' });
    expect(unknown.status).toBe(404);
    expect((await mine.cancel(theirs.body.pspTransactionId)).status).toBe(404);
    expect((await other.payment(theirs.body.pspTransactionId)).body.status).toBe('INITIATED');
  });

  it('a POST without Idempotency-Key → 400 idempotency-key-required', async () => {
    const answer = await merchantClient(stack).post('/v1/payments', valid(), '');
    expect(answer.body).toMatchObject({ status: 400, type: '/problems/idempotency-key-required' });
  });

  it('a duplicate merchantOrderId → 409', async () => {
    const merchant = merchantClient(stack);
    const body = valid();
    expect((await merchant.post('/v1/payments', body)).status).toBe(201);
    const again = await merchant.post('/v1/payments', body);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ type: '/problems/duplicate-merchant-order-id' });
  });
});

describe('Idempotency-Key', () => {
  it('replays the first answer for the same key and body, 201 included, without a second payment', async () => {
    const merchant = merchantClient(stack);
    const orderId = newOrderId('idem');
    const first = await merchant.createPayment({ merchantOrderId: orderId }, 'same-key-1');
    const second = await merchant.createPayment({ merchantOrderId: orderId }, 'same-key-1');
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(stack.vipps.payments.list().filter((p) => p.merchantOrderId === orderId)).toHaveLength(1);
  });

  it('the same key with a different body → 422 idempotency-key-mismatch', async () => {
    const merchant = merchantClient(stack);
    await merchant.createPayment({ amount: 10_000 }, 'same-key-2');
    const other = await merchant.createPayment({ amount: 20_000 }, 'same-key-2');
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ type: '/problems/idempotency-key-mismatch' });
  });

  it('keys are scoped per merchant', async () => {
    const mine = await merchantClient(stack).createPayment({}, 'shared-key');
    const theirs = await merchantClient(stack, OTHER_KEY).createPayment(
      { merchantSerialNumber: '654321' },
      'shared-key',
    );
    expect(mine.status).toBe(201);
    expect(theirs.status).toBe(201);
    expect(theirs.body.pspTransactionId).not.toBe(mine.body.pspTransactionId);
  });

  it('while the first request is still running → 409 idempotency-key-in-use', async () => {
    stack.vipps.faults.hangNext('init', { delayMs: 800 });
    const merchant = merchantClient(stack);
    const orderId = newOrderId('slow');
    const first = merchant.createPayment({ merchantOrderId: orderId }, 'slow-key');
    await new Promise((r) => setTimeout(r, 200));
    const second = await merchant.createPayment({ merchantOrderId: orderId }, 'slow-key');
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ type: '/problems/idempotency-key-in-use' });
    expect((await first).status).toBe(201);
  });
});

describe('Vipps errors at init', () => {
  it('a merchant Vipps does not know as active → 422 naming Vipps’ code, payment FAILED', async () => {
    stack.vipps.merchants.deactivate('123456');
    try {
      const orderId = newOrderId('inactive');
      const answer = await merchantClient(stack).createPayment({ merchantOrderId: orderId });
      expect(answer.status).toBe(422);
      expect(answer.body).toMatchObject({
        type: '/problems/vipps-rejected',
        vippsErrors: [{ errorCode: '21' }],
      });
      const stored = await store.findByMerchantOrder('123456', orderId);
      expect(stored?.status).toBe('FAILED');
      expect(stored?.failure?.errorId).toBe('vipps-21');
    } finally {
      stack.vipps.merchants.activate('123456');
    }
  });

  it('Vipps unavailable (503 after retries) → 502, the payment waits INITIATED, and a retry with the same key runs again', async () => {
    stack.vipps.faults.failNext('init', { status: 503, times: 5 });
    const merchant = merchantClient(stack);
    const orderId = newOrderId('down');
    const answer = await merchant.createPayment({ merchantOrderId: orderId }, 'retry-after-outage');
    expect(answer.status).toBe(502);
    expect(answer.body).toMatchObject({ type: '/problems/vipps-unavailable' });
    // Not FAILED: Vipps never answered, so the same request may resume it (issue 9 item 6).
    expect(await store.get(String(answer.body.pspTransactionId))).toMatchObject({
      status: 'INITIATED',
      merchantOrderId: orderId,
    });
    stack.vipps.faults.clear();
    const retried = await merchant.createPayment({ merchantOrderId: orderId }, 'retry-after-outage');
    expect(retried.status).toBe(201);
    expect(retried.body.pspTransactionId).toBe(answer.body.pspTransactionId);
  });
});
