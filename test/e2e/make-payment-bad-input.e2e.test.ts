/**
 * Issue 3: what our makePaymentUrl does with requests that are not a well-formed, authentic,
 * first-time request (DESIGN.md answer table, "Order of checks"). Raw HTTP posts, as anyone on
 * the internet could send them. Each case proves it left nothing behind: the payment item is
 * unchanged (read through DynamoTransactionStore on dynalite) and the sandbox acquirer's ledger
 * has no authorisation for it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Transaction } from '../../lambdas/core/transaction.js';
import { testTokenForAmount } from '../../local/vipps-simulator/index.js';
import { type LocalStack, bootLocalStack } from '../support/local-stack.js';
import {
  createPayment,
  expectAnswer,
  expectNothingAtAcquirer,
  postMakePayment,
  stackStores,
  tokenOf,
  tokenRequest,
} from '../support/make-payment.js';

let stack: LocalStack;
let stores: ReturnType<typeof stackStores>;

beforeAll(async () => {
  stack = await bootLocalStack();
  stores = stackStores(stack);
});
afterAll(() => stack?.stop());

/** A fresh payment and its stored item before anything was sent to makePaymentUrl. */
async function freshPayment(amount = 10_000): Promise<{ id: string; before: Transaction }> {
  const id = await createPayment(stack, amount);
  return { id, before: await stores.payment(id) };
}

/** The item is exactly as before (no write at all) and the acquirer never heard of the payment. */
async function expectUntouched(id: string, before: Transaction): Promise<void> {
  const after = await stores.payment(id);
  expect(after).toEqual(before);
  expect(after.status).toBe('INITIATED');
  expect(after.makePayment).toBeUndefined();
  expectNothingAtAcquirer(stack, id);
}

const AMOUNT = 10_000;

describe('the body cannot be read → FAIL 71, nothing read or changed', () => {
  it.each([
    ['an empty body', ''],
    ['a body that is not JSON', '{"pspTransactionId": "abc", '],
    ['a JSON array', '[{"pspTransactionId":"abc"}]'],
    ['a JSON string', '"ACCEPTED"'],
    ['JSON null', 'null'],
  ])('%s → 71 without a pspTransactionId', async (_name, body) => {
    const { id, before } = await freshPayment();
    const answer = await postMakePayment(stack, body, tokenOf(stack, id));
    expectAnswer(answer, {
      status: 'FAIL',
      errorId: '71',
      errorText: 'Invalid request',
      pspTransactionId: null,
    });
    await expectUntouched(id, before);
  });

  it('a 1 MB body (a valid request padded out) → 71, the payment untouched', async () => {
    const { id, before } = await freshPayment();
    const body = JSON.stringify({ ...tokenRequest(stack, id, AMOUNT), padding: 'x'.repeat(1024 * 1024) });
    const answer = await postMakePayment(stack, body, tokenOf(stack, id));
    expectAnswer(answer, { status: 'FAIL', errorId: '71', pspTransactionId: null });
    await expectUntouched(id, before);
  });
});

describe('the body fails the schema → FAIL 71 echoing the pspTransactionId, nothing changed', () => {
  const token = testTokenForAmount(AMOUNT);
  it.each<[string, (id: string) => Record<string, unknown>]>([
    ['merchantSerialNumber as a number', () => ({ merchantSerialNumber: 123456 })],
    ['the token number as a number', () => ({ networkToken: { ...token, number: Number(token.number) } })],
    ['operations that are not an array', () => ({ operations: { operation: '3dssuccess' } })],
    ['paymentState unknown', () => ({ paymentState: 'MAYBE' })],
    ['no paymentState and no confirmed', () => ({ paymentState: undefined })],
    ['paymentInstrument TOKEN without networkToken', () => ({ networkToken: undefined })],
    ['paymentInstrument TOKEN with networkToken null', () => ({ networkToken: null })],
    ['an unknown paymentInstrument', () => ({ paymentInstrument: 'CASH' })],
    ['no paymentInstrument on an accepted payment', () => ({ paymentInstrument: undefined })],
    ['tokenType AMEX', () => ({ networkToken: { ...token, tokenType: 'AMEX' } })],
    ['expiryMonth 13', () => ({ networkToken: { ...token, expiryMonth: '13' } })],
    ['a two-digit expiryYear', () => ({ networkToken: { ...token, expiryYear: '30' } })],
    ['a token number with letters', () => ({ networkToken: { ...token, number: '4895370013193XXX' } })],
    ['no cryptogram', () => ({ networkToken: { ...token, cryptogram: undefined } })],
    ['no binNumber on a TOKEN payment', () => ({ binNumber: undefined })],
    ['an amount with decimals', () => ({ amount: 100.5 })],
    ['ENCRYPTEDCARD without cardData', () => ({ paymentInstrument: 'ENCRYPTEDCARD', networkToken: null })],
  ])('%s → 71', async (_name, change) => {
    const { id, before } = await freshPayment();
    const body = tokenRequest(stack, id, AMOUNT, change(id));
    const answer = await postMakePayment(stack, body);
    expectAnswer(answer, { status: 'FAIL', errorId: '71', pspTransactionId: id });
    await expectUntouched(id, before);
  });

  it('an invalid body is answered 71 before authentication: even with a wrong token', async () => {
    const { id, before } = await freshPayment();
    const body = tokenRequest(stack, id, AMOUNT, { merchantSerialNumber: 'abc' });
    const answer = await postMakePayment(stack, body, 'not-the-token');
    expectAnswer(answer, { status: 'FAIL', errorId: '71', pspTransactionId: id });
    await expectUntouched(id, before);
  });

  it('a validation answer never repeats the rejected card data', async () => {
    const { id } = await freshPayment();
    const number = '4895370013193500';
    const answer = await postMakePayment(
      stack,
      tokenRequest(stack, id, AMOUNT, { networkToken: { ...token, number, expiryMonth: '13' } }),
    );
    expectAnswer(answer, { status: 'FAIL', errorId: '71', pspTransactionId: id });
    expect(answer.text).not.toContain(number);
  });
});

describe('the request does not match the payment → FAIL 71, nothing changed', () => {
  it('a merchantSerialNumber that is not the payment’s', async () => {
    const { id, before } = await freshPayment();
    const answer = await postMakePayment(
      stack,
      tokenRequest(stack, id, AMOUNT, { merchantSerialNumber: '654321' }),
    );
    expectAnswer(answer, { status: 'FAIL', errorId: '71', pspTransactionId: id });
    await expectUntouched(id, before);
  });

  it('an amount that is not the payment’s', async () => {
    const { id, before } = await freshPayment();
    const answer = await postMakePayment(stack, tokenRequest(stack, id, AMOUNT, { amount: AMOUNT + 1 }));
    expectAnswer(answer, { status: 'FAIL', errorId: '71', pspTransactionId: id });
    await expectUntouched(id, before);
  });

  it('the payment’s own amount is accepted', async () => {
    const { id } = await freshPayment();
    const answer = await postMakePayment(stack, tokenRequest(stack, id, AMOUNT, { amount: AMOUNT }));
    expectAnswer(answer, { status: 'OK', pspTransactionId: id });
  });
});

describe('authentication → HTTP 401, nothing changed', () => {
  const expect401 = (answer: { status: number; text: string }) => {
    expect(answer.status).toBe(401);
    expect(answer.text).not.toMatch(/paymentInfo/);
  };

  it('an unknown pspTransactionId → 401', async () => {
    const { id } = await freshPayment();
    const answer = await postMakePayment(
      stack,
      tokenRequest(stack, 'f'.repeat(32), AMOUNT),
      tokenOf(stack, id), // a real token, of another payment
    );
    expect401(answer);
    expect(await stores.transactions.get('f'.repeat(32))).toBeUndefined();
  });

  it.each([
    ['a wrong token', 'wrong-token'],
    ['no Authorization header', null],
    ['the token with one character changed', 'CHANGE'],
  ])('%s → 401', async (_name, presented) => {
    const { id, before } = await freshPayment();
    const right = tokenOf(stack, id);
    const header =
      presented === 'CHANGE' ? `${right.slice(0, -1)}${right.endsWith('A') ? 'B' : 'A'}` : presented;
    expect401(await postMakePayment(stack, tokenRequest(stack, id, AMOUNT), header));
    await expectUntouched(id, before);
  });

  it('another payment’s token → 401', async () => {
    const { id, before } = await freshPayment();
    const other = await createPayment(stack, AMOUNT);
    expect401(await postMakePayment(stack, tokenRequest(stack, id, AMOUNT), tokenOf(stack, other)));
    await expectUntouched(id, before);
  });

  it('the right token with a "Bearer " prefix is accepted → OK', async () => {
    const { id } = await freshPayment();
    const answer = await postMakePayment(
      stack,
      tokenRequest(stack, id, AMOUNT),
      `Bearer ${tokenOf(stack, id)}`,
    );
    expectAnswer(answer, { status: 'OK', pspTransactionId: id });
    expect(await stores.payment(id)).toMatchObject({ status: 'RESERVED' });
    expect(stack.ledger.authorisations(id)).toHaveLength(1);
  });
});

describe('after a final answer', () => {
  it.each([
    ['OK', AMOUNT, 'OK', undefined, {}],
    ['FAIL 82', 10_082, 'FAIL', '82', {}],
    ['FAIL 93 (USER_CANCEL)', AMOUNT, 'FAIL', '93', { paymentState: 'USER_CANCEL' }],
  ] as const)(
    'the same request again after %s → the same answer, and no second authorisation',
    async (_n, amount, status, errorId, change) => {
      const { id } = await freshPayment(amount);
      const request = tokenRequest(stack, id, amount, change);
      const first = expectAnswer(await postMakePayment(stack, request), {
        status,
        errorId,
        pspTransactionId: id,
      });
      await stack.statusQueueIdle(); // the RESERVED update reaches Vipps (recorded on the item) first
      await stack.streamIdle(); // and the merchant event is handed over (the outbox mark) first
      const stored = await stores.payment(id);
      const events = stack.ledger.events(id);

      // Vipps may re-serialise: another key order and whitespace is still the same request.
      const reordered = JSON.stringify(Object.fromEntries(Object.entries(request).reverse()), null, 2);
      for (const again of [request, reordered]) {
        const answer = expectAnswer(await postMakePayment(stack, again, tokenOf(stack, id)), {
          status,
          errorId,
          pspTransactionId: id,
        });
        expect(answer).toEqual(first);
      }
      expect(await stores.payment(id)).toEqual(stored);
      expect(stack.ledger.events(id)).toEqual(events);
    },
  );

  it.each([
    ['OK', AMOUNT],
    ['FAIL 82', 10_082],
  ])('a different request after %s → FAIL 85, nothing changes', async (_n, amount) => {
    const { id } = await freshPayment(amount);
    await postMakePayment(stack, tokenRequest(stack, id, amount));
    await stack.statusQueueIdle();
    await stack.streamIdle();
    const stored = await stores.payment(id);
    const events = stack.ledger.events(id);

    const token = testTokenForAmount(amount);
    for (const different of [
      tokenRequest(stack, id, amount, {
        networkToken: { ...token, cryptogram: 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' },
      }),
      tokenRequest(stack, id, amount, { paymentState: 'USER_CANCEL' }),
    ]) {
      expectAnswer(await postMakePayment(stack, different), {
        status: 'FAIL',
        errorId: '85',
        errorText: 'Response received too late',
        pspTransactionId: id,
      });
    }
    expect(await stores.payment(id)).toEqual(stored);
    expect(stack.ledger.events(id)).toEqual(events);
  });
});
