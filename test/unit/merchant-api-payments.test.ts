/**
 * The Merchant API's payment routes on in-memory ports: what a merchant gets back for create,
 * read (with Vipps' own view), capture, refund and cancel, and what the card holder's payment
 * looks like in the store afterwards.
 */
import { describe, expect, it } from 'vitest';
import { type Transaction, reserve } from '../../lambdas/core/transaction.js';
import type { MerchantApiDeps } from '../../lambdas/handlers/merchant-api/merchant-api-handler.js';
import { apiEvent, merchantApi, sokker } from '../support/merchant-api-harness.js';
import { applied, initiatedPayment } from '../support/transactions.js';

const at = '2026-11-24T10:01:00.000Z';
function reservedPayment(overrides: Partial<Transaction> = {}): Transaction {
  const tx = initiatedPayment(overrides);
  return applied(tx, reserve(tx, { at, acquirerReference: `SBX-${tx.amount}-0123456789ab` }));
}
const ID = initiatedPayment().pspTransactionId;
const order = {
  merchantSerialNumber: '123456',
  merchantOrderId: 'order-77',
  amount: 25_000,
  currency: 'NOK',
  paymentText: 'Ullsokker',
  redirectUrl: 'https://shop.example/done',
};
const create = (body: unknown, key = 'create-1') => apiEvent('POST', '/v1/payments', { key, body });
const operation = (name: string, body: unknown, key = `${name}-1`) =>
  apiEvent('POST', `/v1/payments/{pspTransactionId}/${name}`, { path: { pspTransactionId: ID }, key, body });
const read = (query?: Record<string, string>) =>
  apiEvent('GET', '/v1/payments/{pspTransactionId}', {
    path: { pspTransactionId: ID },
    ...(query ? { query } : {}),
  });

describe('POST /v1/payments', () => {
  it('creates the payment at Vipps and answers 201 with where to send the customer', async () => {
    const api = merchantApi({
      deps: { checkoutUrl: (id) => Promise.resolve(`https://psp.example/checkout/${id}`) },
    });
    const res = await api.call(create(order));
    const id = res.body.pspTransactionId as string;
    expect(res).toMatchObject({
      status: 201,
      headers: { Location: `/v1/payments/${id}`, 'Content-Type': 'application/json' },
      body: {
        status: 'INITIATED',
        vippsRedirectUrl: 'https://vipps.example/landing/1',
        checkoutUrl: `https://psp.example/checkout/${id}`,
      },
    });
    expect(api.vipps.inits).toHaveLength(1);
    expect(api.transactions.peek(id)).toMatchObject({
      merchantId: 'merchant-1',
      amount: 25_000,
      merchantOrderId: 'order-77',
      // paymentTtlSeconds (900) after the clock's now
      expiresAt: '2026-11-24T10:15:00.000Z',
    });
  });

  it('without a hosted checkout there is no checkoutUrl in the answer', async () => {
    const res = await merchantApi().call(create(order));
    expect(res.status).toBe(201);
    expect(res.body).not.toHaveProperty('checkoutUrl');
  });

  it('a retry with the same Idempotency-Key resumes the same payment; another key is a duplicate order', async () => {
    const api = merchantApi();
    const first = await api.call(create(order, 'create-1'));
    const retry = await api.call(create(order, 'create-1'));
    expect(retry.status).toBe(201);
    expect(retry.body.pspTransactionId).toBe(first.body.pspTransactionId);
    const other = await api.call(create(order, 'create-2'));
    expect(other).toMatchObject({
      status: 409,
      body: { type: '/problems/duplicate-merchant-order-id', pspTransactionId: first.body.pspTransactionId },
    });
  });

  it('a sales unit that is not the merchant’s is 403 msn-not-allowed, and Vipps is never asked', async () => {
    const api = merchantApi();
    const res = await api.call(create({ ...order, merchantSerialNumber: '654321' }));
    expect(res).toMatchObject({
      status: 403,
      body: { type: '/problems/msn-not-allowed', merchantSerialNumber: '654321' },
    });
    expect(api.vipps.inits).toEqual([]);
  });

  const refused = async (body: unknown, deps: Partial<MerchantApiDeps> = {}) => {
    const api = merchantApi({ deps });
    const res = await api.call(create(body));
    expect(res).toMatchObject({ status: 400, body: { type: '/problems/validation-error' } });
    expect(api.vipps.inits).toEqual([]);
    return res.body.errors as Array<{ field: string; message: string }>;
  };

  it.each([
    [-100, 'amount must be at least 100 øre'],
    [0, 'amount must be at least 100 øre'],
    [99, 'amount must be at least 100 øre'],
    [100.5, 'amount must be a whole number of øre (no decimals)'],
    [2_147_483_648, 'amount must be at most 2147483647 øre'],
    ['1000', 'amount must be a number of øre'],
  ])('amount %j is refused: %s', async (amount, message) => {
    expect(await refused({ ...order, amount })).toContainEqual({ field: 'amount', message });
  });

  it('the smallest and largest amounts are accepted', async () => {
    for (const amount of [100, 2_147_483_647]) {
      expect((await merchantApi().call(create({ ...order, amount }))).status).toBe(201);
    }
  });

  it.each([
    [{ currency: 'SEK' }, 'currency', 'currency must be one of NOK'],
    [
      { merchantSerialNumber: '12345' },
      'merchantSerialNumber',
      'merchantSerialNumber must be the 6-digit Vipps MSN',
    ],
    [{ merchantSerialNumber: 123456 }, 'merchantSerialNumber', 'merchantSerialNumber must be a string'],
    [
      { merchantOrderId: 'order 1' },
      'merchantOrderId',
      'merchantOrderId must be 1–50 characters a-z, A-Z, 0-9 or -',
    ],
    [
      { merchantOrderId: 'x'.repeat(51) },
      'merchantOrderId',
      'merchantOrderId must be 1–50 characters a-z, A-Z, 0-9 or -',
    ],
    [{ merchantOrderId: 7 }, 'merchantOrderId', 'merchantOrderId must be a string'],
    [{ paymentText: '' }, 'paymentText', 'paymentText must not be empty'],
    [{ paymentText: 'x'.repeat(101) }, 'paymentText', 'paymentText must be at most 100 characters'],
    [{ paymentText: 5 }, 'paymentText', 'paymentText must be a string'],
    [{ redirectUrl: 'not a url' }, 'redirectUrl', 'redirectUrl must be a URL'],
    [{ redirectUrl: `https://shop.example/${'x'.repeat(2048)}` }, 'redirectUrl', 'redirectUrl is too long'],
    [{ customerMobileNumber: '4791234' }, 'customerMobileNumber', 'customerMobileNumber must be 8 digits'],
    [{ customerMobileNumber: 91234567 }, 'customerMobileNumber', 'customerMobileNumber must be a string'],
    [{ isApp: 'yes' }, 'isApp', 'isApp must be true or false'],
    [{ tip: 100 }, '(body)', 'unknown field: tip'],
  ])('%j is refused naming %s', async (change, field, message) => {
    expect(await refused({ ...order, ...change })).toContainEqual({ field, message });
  });

  it('names each missing field', async () => {
    const { amount: _a, currency: _c, ...rest } = order;
    const errors = await refused(rest);
    expect(errors.map((e) => e.field)).toEqual(expect.arrayContaining(['amount', 'currency']));
  });

  it('the edges of the text fields are accepted', async () => {
    const body = {
      ...order,
      merchantOrderId: 'A'.repeat(50),
      paymentText: 'x'.repeat(100),
      customerMobileNumber: '91234567',
      isApp: false,
    };
    expect((await merchantApi().call(create(body))).status).toBe(201);
  });

  describe('redirectUrl', () => {
    it('must be https outside the local stage', async () => {
      expect(await refused({ ...order, redirectUrl: 'http://shop.example/done' })).toEqual([
        {
          field: 'redirectUrl',
          message: 'redirectUrl must be an https URL (an app-switch URL needs isApp: true)',
        },
      ]);
    });

    it('may be http on the local stage', async () => {
      const api = merchantApi({ deps: { allowHttpRedirectUrl: true } });
      expect((await api.call(create({ ...order, redirectUrl: 'http://localhost:3000/done' }))).status).toBe(
        201,
      );
    });

    it('an app-switch URL needs isApp: true', async () => {
      expect(await refused({ ...order, redirectUrl: 'myshop://done' })).toEqual([
        {
          field: 'redirectUrl',
          message: 'redirectUrl must be an https URL (an app-switch URL needs isApp: true)',
        },
      ]);
      expect(
        await refused({ ...order, redirectUrl: 'myshop://done' }, { allowHttpRedirectUrl: true }),
      ).toEqual([
        {
          field: 'redirectUrl',
          message: 'redirectUrl must be an http(s) URL (an app-switch URL needs isApp: true)',
        },
      ]);
      const api = merchantApi();
      expect((await api.call(create({ ...order, redirectUrl: 'MyShop://done', isApp: true }))).status).toBe(
        201,
      );
    });

    it.each([
      'javascript:alert(1)',
      'DATA:text/html,hi',
      'vbscript:x',
      'file:///etc/passwd',
      'blob:x',
      'about:blank',
      'http://shop.example/',
    ])('%s is never a redirect, not even for an app', async (redirectUrl) => {
      expect(await refused({ ...order, redirectUrl, isApp: true })).toEqual([
        {
          field: 'redirectUrl',
          message: 'redirectUrl must be an https URL or an app-switch URL (yourapp://…)',
        },
      ]);
    });

    it('on the local stage the app refusal says http(s)', async () => {
      expect(
        await refused(
          { ...order, redirectUrl: 'javascript:alert(1)', isApp: true },
          { allowHttpRedirectUrl: true },
        ),
      ).toEqual([
        {
          field: 'redirectUrl',
          message: 'redirectUrl must be an http(s) URL or an app-switch URL (yourapp://…)',
        },
      ]);
    });
  });
});

describe('GET /v1/payments/{id}', () => {
  it('answers the payment as the merchant sees it', async () => {
    const api = merchantApi({ transactions: [reservedPayment()] });
    const res = await api.call(read());
    expect(res).toMatchObject({
      status: 200,
      body: {
        pspTransactionId: ID,
        status: 'RESERVED',
        amounts: { reserved: 10_000, remainingToCapture: 10_000 },
      },
    });
    expect(res.body).not.toHaveProperty('vipps');
    expect(api.vipps.detailsAsked).toEqual([]);
  });

  it('with include=vipps adds Vipps’ PSP API view of the payment', async () => {
    const api = merchantApi({ transactions: [reservedPayment()] });
    const res = await api.call(read({ include: 'vipps' }));
    expect(res).toMatchObject({
      status: 200,
      body: { status: 'RESERVED', vipps: { transactionSummary: 'at Vipps' } },
    });
    expect(api.vipps.detailsAsked).toEqual([{ msn: '123456', id: ID }]);
  });

  it('an ePayment payment shows the ePayment API’s view instead', async () => {
    const asked: string[] = [];
    const api = merchantApi({
      transactions: [reservedPayment({ vippsApi: 'epayment' })],
      deps: {
        ePaymentReader: {
          getPayment: (msn, reference) => {
            asked.push(`${msn}/${reference}`);
            return Promise.resolve({ state: 'AUTHORIZED' } as never);
          },
        },
      },
    });
    const res = await api.call(read({ include: 'vipps' }));
    expect(res.body.vipps).toEqual({ state: 'AUTHORIZED' });
    expect(asked).toEqual([`123456/${ID}`]);
    expect(api.vipps.detailsAsked).toEqual([]);
  });

  it('a PSP API payment is not read from the ePayment API even where one is wired', async () => {
    const api = merchantApi({
      transactions: [reservedPayment()],
      deps: { ePaymentReader: { getPayment: () => Promise.reject(new Error('wrong API')) } },
    });
    expect((await api.call(read({ include: 'vipps' }))).body.vipps).toEqual({
      transactionSummary: 'at Vipps',
    });
  });

  it('when Vipps cannot be read, the payment is still answered and ops see why', async () => {
    const api = merchantApi({ transactions: [reservedPayment()] });
    api.vipps.answerDetails(() => Promise.reject(new Error('HTTP 503')));
    const res = await api.call(read({ include: 'vipps' }));
    expect(res).toMatchObject({
      status: 200,
      body: { status: 'RESERVED', vipps: { error: 'Vipps details are unavailable right now' } },
    });
    expect(api.log.entries).toContainEqual({
      level: 'warn',
      message: 'Vipps details unavailable',
      extra: [{ pspTransactionId: ID, merchantId: 'merchant-1', error: 'Error: HTTP 503' }],
    });
  });

  it('include=vipps on an unknown payment is the 404, and Vipps is not asked', async () => {
    const api = merchantApi();
    expect((await api.call(read({ include: 'vipps' }))).status).toBe(404);
    expect(api.vipps.detailsAsked).toEqual([]);
  });

  it('another include is ignored', async () => {
    const api = merchantApi({ transactions: [reservedPayment()] });
    expect((await api.call(read({ include: 'history' }))).body).not.toHaveProperty('vipps');
  });
});

describe('capture, refund and cancel', () => {
  it('capture takes the amount from the reservation and answers the payment', async () => {
    const api = merchantApi({ transactions: [reservedPayment()] });
    const res = await api.call(operation('capture', { amount: 4_000 }));
    expect(res).toMatchObject({
      status: 200,
      body: { pspTransactionId: ID, amounts: { captured: 4_000, remainingToCapture: 6_000 } },
    });
    expect(api.enqueued).toHaveLength(1);
  });

  it('the Idempotency-Key reaches the operation: the same key with another amount is refused', async () => {
    const api = merchantApi({ transactions: [reservedPayment()] });
    await api.call(operation('capture', { amount: 4_000 }, 'cap-1'));
    const res = await api.call(operation('capture', { amount: 5_000 }, 'cap-1'));
    expect(res).toMatchObject({ status: 422, body: { type: '/problems/idempotency-key-mismatch' } });
    expect(api.transactions.peek(ID)?.capturedAmount).toBe(4_000);
  });

  it('refund gives back what was captured', async () => {
    const api = merchantApi({ transactions: [reservedPayment()] });
    await api.call(operation('capture', { amount: 4_000 }));
    const res = await api.call(operation('refund', { amount: 1_500 }));
    expect(res).toMatchObject({
      status: 200,
      body: { amounts: { refunded: 1_500, remainingToRefund: 2_500 } },
    });
    const reused = await api.call(operation('refund', { amount: 1_000 }, 'refund-1'));
    expect(reused).toMatchObject({ status: 422, body: { type: '/problems/idempotency-key-mismatch' } });
  });

  it('a capture over the reservation is 422 with what remains', async () => {
    const api = merchantApi({ transactions: [reservedPayment()] });
    const res = await api.call(operation('capture', { amount: 10_001 }));
    expect(res).toMatchObject({
      status: 422,
      body: { type: '/problems/amount-exceeds-remaining', requested: 10_001, remaining: 10_000 },
    });
  });

  it.each([
    [0, 'amount must be at least 1 øre'],
    [-5, 'amount must be at least 1 øre'],
    [1.5, 'amount must be a whole number of øre (no decimals)'],
    [2_147_483_648, 'amount must be at most 2147483647 øre'],
  ])('an operation amount of %j is refused: %s', async (amount, message) => {
    for (const name of ['capture', 'refund']) {
      const api = merchantApi({ transactions: [reservedPayment()] });
      const res = await api.call(operation(name, { amount }));
      expect(res).toMatchObject({ status: 400, body: { errors: [{ field: 'amount', message }] } });
    }
  });

  it('an operation of 1 øre is allowed', async () => {
    const api = merchantApi({ transactions: [reservedPayment()] });
    expect((await api.call(operation('capture', { amount: 1 }))).status).toBe(200);
  });

  it('cancel releases the reservation; sent again with the same key it answers the same', async () => {
    const api = merchantApi({ transactions: [reservedPayment()] });
    const first = await api.call(operation('cancel', {}, 'cancel-1'));
    expect(first).toMatchObject({
      status: 200,
      body: { status: 'CANCELLED', amounts: { released: 10_000 } },
    });
    const again = await api.call(operation('cancel', {}, 'cancel-1'));
    expect(again).toMatchObject({ status: 200, body: { status: 'CANCELLED' } });
  });

  it('cancel takes no fields', async () => {
    const res = await merchantApi({ transactions: [reservedPayment()] }).call(
      operation('cancel', { amount: 5 }),
    );
    expect(res).toMatchObject({
      status: 400,
      body: { errors: [{ field: '(body)', message: 'unknown field: amount' }] },
    });
  });

  it('a merchant with several sales units reaches payments on each', async () => {
    const api = merchantApi({ transactions: [reservedPayment({ merchantSerialNumber: '234567' })] });
    const res = await api.call(
      apiEvent('GET', '/v1/payments/{pspTransactionId}', {
        merchant: sokker,
        path: { pspTransactionId: ID },
      }),
    );
    expect(res.body.merchantSerialNumber).toBe('234567');
  });
});
