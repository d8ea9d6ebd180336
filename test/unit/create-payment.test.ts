/**
 * createPayment on the in-memory store (its order-id claim behaves like the conditional put) and
 * a scripted Vipps: one payment per order id, what a retry with the same Idempotency-Key gets at
 * each point the first attempt may have stopped, and what Vipps' refusals leave behind. Over
 * dynalite and HTTP: test/integration/create-payment-resume.test.ts and the e2e tests.
 */
import { describe, expect, it } from 'vitest';
import { VippsRejectedError, VippsUnavailableError } from '../../lambdas/core/errors.js';
import type { Merchant, VippsApi, VippsInitRequest } from '../../lambdas/core/ports.js';
import {
  type CreatePaymentDeps,
  type CreatePaymentRequest,
  DuplicateMerchantOrderError,
  MsnNotAllowedError,
  VippsInitFailedError,
  createPayment,
} from '../../lambdas/core/use-cases/create-payment.js';
import { InMemoryTransactionStore } from '../support/in-memory-transaction-store.js';
import { RecordingLog, TestClock } from '../support/three-ds-harness.js';
import { initiatedPayment } from '../support/transactions.js';
import { sha256Hex } from '../../lambdas/core/secrets.js';

const merchant: Merchant = {
  merchantId: 'merchant-1',
  name: 'Sokker AS',
  merchantSerialNumbers: ['123456'],
  allowCreditCards: true,
};
const { merchantSerialNumber, merchantOrderId, amount, currency, paymentText, redirectUrl } =
  initiatedPayment();
const request: CreatePaymentRequest = {
  merchantSerialNumber,
  merchantOrderId,
  amount,
  currency,
  paymentText,
  redirectUrl,
};

function setup() {
  const transactions = new InMemoryTransactionStore();
  const inits: Array<{ request: VippsInitRequest; key: string }> = [];
  let answer: () => Promise<{ vippsRedirectUrl: string }> = () =>
    Promise.resolve({ vippsRedirectUrl: `https://vipps.example/landing/${inits.length}` });
  const vipps: VippsApi = {
    initiatePayment: (r, key) => {
      inits.push({ request: r, key });
      return answer();
    },
    updateStatus: () => Promise.reject(new Error('not used')),
    getDetails: () => Promise.reject(new Error('not used')),
  };
  const deps: CreatePaymentDeps = {
    transactions,
    vipps,
    clock: new TestClock(new Date('2026-11-24T10:00:00.000Z')),
    log: new RecordingLog(),
    makePaymentUrl: 'https://psp.example/make-payment',
    paymentTtlSeconds: 900,
  };
  const vippsAnswers = (next: () => Promise<{ vippsRedirectUrl: string }>) => void (answer = next);
  return { transactions, inits, deps, vippsAnswers };
}

describe('createPayment', () => {
  it('refuses a sales unit that is not the merchant’s before anything is stored', async () => {
    const { deps, inits } = setup();
    await expect(
      createPayment(merchant, { ...request, merchantSerialNumber: '654321' }, deps, 'k1'),
    ).rejects.toThrow(MsnNotAllowedError);
    expect(inits).toEqual([]);
  });

  it('passes the customer’s number and app flag to Vipps, and stores them', async () => {
    const { deps, inits, transactions } = setup();
    const created = await createPayment(
      merchant,
      { ...request, customerMobileNumber: '4791234567', isApp: true },
      deps,
      'k1',
    );
    expect(inits[0]!.request).toMatchObject({ customerMobileNumber: '4791234567', isApp: true });
    expect(inits[0]!.key).toBe(created.pspTransactionId);
    expect(transactions.peek(created.pspTransactionId)).toMatchObject({
      customerMobileNumber: '4791234567',
      isApp: true,
      dueAt: '2026-11-24T10:15:00.000Z',
    });
  });

  it('the same request again after Vipps answered gets the same answer; Vipps is asked once', async () => {
    const { deps, inits } = setup();
    const first = await createPayment(merchant, request, deps, 'k1');
    expect(await createPayment(merchant, request, deps, 'k1')).toEqual(first);
    expect(inits).toHaveLength(1);
  });

  it('the same order id without an Idempotency-Key is a duplicate, even with the same body', async () => {
    const { deps } = setup();
    const first = await createPayment(merchant, request, deps);
    const again = createPayment(merchant, request, deps);
    await expect(again).rejects.toThrow(DuplicateMerchantOrderError);
    await expect(again).rejects.toMatchObject({ pspTransactionId: first.pspTransactionId });
  });

  it('Vipps unreachable: the payment stays INITIATED and the same request resumes it with a fresh token', async () => {
    const { deps, inits, transactions, vippsAnswers } = setup();
    vippsAnswers(() => Promise.reject(new VippsUnavailableError('HTTP 503')));
    const failed = createPayment(merchant, request, deps, 'k1');
    await expect(failed).rejects.toThrow(VippsInitFailedError);
    const id = inits[0]!.key;
    const before = transactions.peek(id)!;
    expect(before.status).toBe('INITIATED');

    vippsAnswers(() => Promise.resolve({ vippsRedirectUrl: 'https://vipps.example/landing/2' }));
    const resumed = await createPayment(merchant, request, deps, 'k1');
    expect(resumed).toEqual({
      pspTransactionId: id,
      vippsRedirectUrl: 'https://vipps.example/landing/2',
      status: 'INITIATED',
    });
    expect(inits[1]!.request.makePaymentToken).not.toBe(inits[0]!.request.makePaymentToken);
    const after = transactions.peek(id)!;
    expect(after.makePaymentTokenHash).not.toBe(before.makePaymentTokenHash);
    expect(after.history.at(-1)).toMatchObject({ operation: 'INITIATE', note: 'Vipps init retried' });
  });

  it('Vipps refusing leaves the payment FAILED with Vipps’ code; the same request again is a duplicate', async () => {
    const { deps, inits, transactions, vippsAnswers } = setup();
    vippsAnswers(() =>
      Promise.reject(new VippsRejectedError(400, [{ errorCode: '34', errorMessage: 'Invalid MSN' }])),
    );
    await expect(createPayment(merchant, request, deps, 'k1')).rejects.toMatchObject({
      vippsError: { httpStatus: 400 },
    });
    const id = inits[0]!.key;
    expect(transactions.peek(id)).toMatchObject({ status: 'FAILED', failure: { errorId: 'vipps-34' } });
    await expect(createPayment(merchant, request, deps, 'k1')).rejects.toThrow(DuplicateMerchantOrderError);
  });

  it('a refusal without an error code is recorded by its HTTP status', async () => {
    const { deps, inits, transactions, vippsAnswers } = setup();
    vippsAnswers(() => Promise.reject(new VippsRejectedError(409, [])));
    await expect(createPayment(merchant, request, deps, 'k1')).rejects.toThrow(VippsInitFailedError);
    expect(transactions.peek(inits[0]!.key)?.failure?.errorId).toBe('vipps-409');
  });

  it('an unexpected error from the Vipps client is not disguised as a Vipps answer', async () => {
    const { deps, vippsAnswers } = setup();
    vippsAnswers(() => Promise.reject(new TypeError('bug in the client')));
    await expect(createPayment(merchant, request, deps, 'k1')).rejects.toThrow(TypeError);
  });

  it('Vipps calling makePaymentUrl before the redirect URL is stored does not lose the answer', async () => {
    const { deps, transactions } = setup();
    transactions.conflictOnNextApplies(1);
    const created = await createPayment(merchant, request, deps, 'k1');
    expect(created.vippsRedirectUrl).toMatch(/^https:\/\/vipps\.example\//);
    expect(transactions.peek(created.pspTransactionId)?.vippsRedirectUrl).toBeUndefined();
  });

  it('a store failure storing the redirect URL is not swallowed', async () => {
    const { deps, transactions } = setup();
    transactions.beforeNextApply(() => {
      throw new Error('DynamoDB unavailable');
    });
    await expect(createPayment(merchant, request, deps, 'k1')).rejects.toThrow('DynamoDB unavailable');
  });

  it('stores the new payment INITIATED with the merchant’s snapshot, its deadline and only the token’s hash', async () => {
    const { deps, inits, transactions } = setup();
    const created = await createPayment(merchant, request, deps, 'k1');
    expect(created).toEqual({
      pspTransactionId: inits[0]!.key,
      vippsRedirectUrl: 'https://vipps.example/landing/1',
      status: 'INITIATED',
    });
    const at = '2026-11-24T10:00:00.000Z';
    const stored = transactions.peek(created.pspTransactionId)!;
    expect(stored).toEqual({
      pspTransactionId: created.pspTransactionId,
      merchantId: 'merchant-1',
      merchantName: 'Sokker AS',
      allowCreditCards: true,
      ...request,
      isApp: false,
      vippsApi: 'psp-v3',
      status: 'INITIATED',
      version: 2,
      createdAt: at,
      updatedAt: at,
      expiresAt: '2026-11-24T10:15:00.000Z',
      makePaymentTokenHash: sha256Hex(inits[0]!.request.makePaymentToken),
      vippsRedirectUrl: 'https://vipps.example/landing/1',
      reservedAmount: 0,
      capturedAmount: 0,
      refundedAmount: 0,
      history: [{ operation: 'INITIATE', amount: 10_000, at }],
      pendingOperations: [],
      statusSeq: 0,
      vippsSync: { acknowledgedSeq: 0 },
      dueAt: '2026-11-24T10:15:00.000Z',
    });
    expect(JSON.stringify(stored)).not.toContain(inits[0]!.request.makePaymentToken);
    expect((deps.log as RecordingLog).entries).toContainEqual({
      level: 'info',
      message: 'Payment initiated',
      extra: [{ pspTransactionId: created.pspTransactionId, amount: 10_000 }],
    });
  });

  it.each([
    ['amount', { amount: 10_001 }],
    ['currency', { currency: 'EUR' }],
    ['payment text', { paymentText: 'Shoes' }],
    ['redirect URL', { redirectUrl: 'https://shop.example/other' }],
    ['customer number', { customerMobileNumber: '4791234567' }],
    ['app flag', { isApp: true }],
  ] as const)(
    'the same key and order id with another %s is a duplicate, not a resume',
    async (_name, change) => {
      const { deps, inits } = setup();
      const first = await createPayment(merchant, request, deps, 'k1');
      const again = createPayment(merchant, { ...request, ...change } as CreatePaymentRequest, deps, 'k1');
      await expect(again).rejects.toThrow(
        `merchantOrderId ${merchantOrderId} is already used for MSN ${merchantSerialNumber}`,
      );
      await expect(again).rejects.toMatchObject({ pspTransactionId: first.pspTransactionId });
      expect(inits).toHaveLength(1);
    },
  );

  it('the same order id under another Idempotency-Key, or from another merchant, is a duplicate', async () => {
    const { deps } = setup();
    await createPayment(merchant, request, deps, 'k1');
    await expect(createPayment(merchant, request, deps, 'k2')).rejects.toThrow(DuplicateMerchantOrderError);
    const other = { ...merchant, merchantId: 'merchant-2' };
    await expect(createPayment(other, request, deps, 'k1')).rejects.toThrow(DuplicateMerchantOrderError);
  });

  it('names the sales unit it refuses', async () => {
    const { deps } = setup();
    await expect(
      createPayment(merchant, { ...request, merchantSerialNumber: '654321' }, deps, 'k1'),
    ).rejects.toThrow('Sales unit 654321 does not belong to this merchant');
  });

  it('a first attempt that stopped between claiming the order and storing the payment is finished under the claimed id', async () => {
    const { deps, inits, transactions } = setup();
    const create = transactions.create.bind(transactions);
    let claimedId = '';
    transactions.create = (tx) => {
      claimedId = tx.pspTransactionId;
      transactions.create = create;
      return Promise.reject(new Error('process killed'));
    };
    await expect(createPayment(merchant, request, deps, 'k1')).rejects.toThrow('process killed');
    const resumed = await createPayment(merchant, request, deps, 'k1');
    expect(resumed.pspTransactionId).toBe(claimedId);
    expect(inits.map((i) => i.key)).toEqual([claimedId]);
    expect(transactions.peek(claimedId)).toMatchObject({ status: 'INITIATED', version: 2 });
  });

  it('a resumed init gets a new deadline from the retry’s time, and Vipps unavailable is logged', async () => {
    const { deps, transactions, vippsAnswers } = setup();
    vippsAnswers(() => Promise.reject(new VippsUnavailableError('HTTP 503')));
    const failed = await createPayment(merchant, request, deps, 'k1').catch((e: unknown) => e);
    expect(failed).toMatchObject({ message: 'HTTP 503' });
    const id = (failed as VippsInitFailedError).pspTransactionId;
    expect((deps.log as RecordingLog).entries).toContainEqual({
      level: 'warn',
      message: 'Vipps init unavailable; the payment waits for a retry',
      extra: [{ pspTransactionId: id }],
    });
    (deps.clock as TestClock).advance(60_000);
    vippsAnswers(() => Promise.resolve({ vippsRedirectUrl: 'https://vipps.example/landing/2' }));
    await createPayment(merchant, request, deps, 'k1');
    expect(transactions.peek(id)).toMatchObject({
      expiresAt: '2026-11-24T10:16:00.000Z',
      updatedAt: '2026-11-24T10:01:00.000Z',
      dueAt: '2026-11-24T10:16:00.000Z',
    });
    expect(transactions.peek(id)!.history.at(-1)).toEqual({
      operation: 'INITIATE',
      amount: 10_000,
      at: '2026-11-24T10:01:00.000Z',
      note: 'Vipps init retried',
    });
  });

  it('a refusal by Vipps is recorded with its note and logged with the code', async () => {
    const { deps, inits, transactions, vippsAnswers } = setup();
    vippsAnswers(() =>
      Promise.reject(new VippsRejectedError(400, [{ errorCode: '34', errorMessage: 'Invalid MSN' }])),
    );
    const error = await createPayment(merchant, request, deps, 'k1').catch((e: unknown) => e);
    expect(error).toMatchObject({ message: 'Vipps rejected the request (HTTP 400): 34 Invalid MSN' });
    const id = inits[0]!.key;
    expect(transactions.peek(id)!.history.at(-1)).toMatchObject({
      operation: 'FAIL',
      note: 'Vipps init failed',
    });
    expect(transactions.peek(id)!.failure).toEqual({
      errorId: 'vipps-34',
      errorText: 'Vipps rejected the request (HTTP 400): 34 Invalid MSN',
    });
    expect((deps.log as RecordingLog).entries).toContainEqual({
      level: 'warn',
      message: 'Vipps init failed',
      extra: [{ pspTransactionId: id, reason: 'vipps-34' }],
    });
  });

  it('an omitted app flag is the same request as isApp false: the retry resumes it', async () => {
    const { deps, inits } = setup();
    const first = await createPayment(merchant, request, deps, 'k1');
    expect(await createPayment(merchant, { ...request, isApp: false }, deps, 'k1')).toEqual(first);
    expect(inits).toHaveLength(1);
  });

  it('the same request for a payment that has since ended is a duplicate, not the old answer', async () => {
    const { deps, transactions } = setup();
    const first = await createPayment(merchant, request, deps, 'k1');
    transactions.put({ ...transactions.peek(first.pspTransactionId)!, status: 'EXPIRED' });
    await expect(createPayment(merchant, request, deps, 'k1')).rejects.toThrow(DuplicateMerchantOrderError);
  });

  it('the init failure carries Vipps’ error as its cause', async () => {
    const { deps, vippsAnswers } = setup();
    const vippsError = new VippsUnavailableError('HTTP 503');
    vippsAnswers(() => Promise.reject(vippsError));
    await expect(createPayment(merchant, request, deps, 'k1')).rejects.toMatchObject({
      cause: vippsError,
      vippsError,
    });
  });
});
