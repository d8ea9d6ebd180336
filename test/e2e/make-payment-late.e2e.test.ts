/**
 * Issue 3, DESIGN.md answer table: "transaction already cancelled by us (user came back to
 * checkout), or our deadline passed → FAIL 85 Response received too late". Driven through the
 * Vipps simulator's approve over HTTP on the local stack, with a short payment deadline
 * (PAYMENT_TTL_SECONDS) so the deadline case needs no fake clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, bootLocalStack, merchantClient } from '../support/local-stack.js';
import {
  createPayment,
  exchangeAnswer,
  expectAnswer,
  expectNothingAtAcquirer,
  postMakePayment,
  stackStores,
  tokenRequest,
} from '../support/make-payment.js';

const TTL_SECONDS = 3;

let stack: LocalStack;
let stores: ReturnType<typeof stackStores>;

beforeAll(async () => {
  stack = await bootLocalStack({ env: { PAYMENT_TTL_SECONDS: String(TTL_SECONDS) } });
  stores = stackStores(stack);
});
afterAll(() => stack?.stop());

const tooLate = { status: 'FAIL', errorId: '85', errorText: 'Response received too late' } as const;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the merchant cancelled the payment before the user approved', () => {
  it('approve → FAIL 85, the payment stays CANCELLED, no authorisation', async () => {
    const id = await createPayment(stack);
    const cancelled = await merchantClient(stack).cancel(id);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'CANCELLED' });

    const approval = await stack.vipps.approve(id);
    const { expiresAt } = await stores.payment(id);
    // Honest only while the deadline has not passed (that would answer 85 for another reason).
    expect(Date.now()).toBeLessThan(Date.parse(expiresAt));
    expect(approval.outcome).toBe('FAIL');
    expectAnswer(exchangeAnswer(approval.makePaymentExchanges[0]!), { ...tooLate, pspTransactionId: id });

    const tx = await stores.payment(id);
    expect(tx.status).toBe('CANCELLED');
    expect(tx.makePayment).toBeUndefined();
    expectNothingAtAcquirer(stack, id);
  });

  it('Vipps reporting USER_CANCEL for it afterwards also gets 85 and changes nothing', async () => {
    const id = await createPayment(stack);
    await merchantClient(stack).cancel(id);
    await stack.statusQueueIdle(); // Vipps learns of the cancellation (recorded on the item) first
    await stack.streamIdle(); // and the merchant's event is handed over (the outbox mark) first
    const before = await stores.payment(id);
    expectAnswer(
      await postMakePayment(stack, tokenRequest(stack, id, 10_000, { paymentState: 'USER_CANCEL' })),
      {
        ...tooLate,
        pspTransactionId: id,
      },
    );
    expect(await stores.payment(id)).toEqual(before);
  });
});

describe('our deadline passed before Vipps called', () => {
  it('approve after the deadline → FAIL 85, the payment EXPIRED, no authorisation; a resend gets 85 again', async () => {
    const id = await createPayment(stack);
    const { expiresAt } = await stores.payment(id);
    expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(TTL_SECONDS * 1000);
    await sleep(Date.parse(expiresAt) - Date.now() + 100);

    const approval = await stack.vipps.approve(id);
    expectAnswer(exchangeAnswer(approval.makePaymentExchanges[0]!), { ...tooLate, pspTransactionId: id });
    const tx = await stores.payment(id);
    expect(tx.status).toBe('EXPIRED');
    expect(tx.history.at(-1)).toMatchObject({ operation: 'EXPIRE' });
    expectNothingAtAcquirer(stack, id);

    const again = await postMakePayment(stack, tokenRequest(stack, id, 10_000));
    expectAnswer(again, { ...tooLate, pspTransactionId: id });
    expect(await stores.payment(id)).toEqual(tx);
    expectNothingAtAcquirer(stack, id);
  });

  it('a payment approved inside its deadline is reserved (the short deadline is not what fails the others)', async () => {
    const id = await createPayment(stack);
    const approval = await stack.vipps.approve(id);
    expect(approval.outcome).toBe('OK');
    expect(await stores.payment(id)).toMatchObject({ status: 'RESERVED' });
  });
});
