/**
 * Issue 9 item 6: merchantOrderId is unique per MSN atomically (a conditional put of an order-key
 * item, not a query then a write), and a create that failed because Vipps was down can be retried
 * with the same Idempotency-Key and order id once Vipps is back — with one payment at Vipps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, bootLocalStack, merchantClient, newOrderId } from '../support/local-stack.js';

let stack: LocalStack;

beforeAll(async () => {
  stack = await bootLocalStack();
});
afterAll(() => stack?.stop());

/** Init calls that reached the simulator's handler for this order (faulted ones included). */
const initsAtVipps = (orderId: string) =>
  stack.vipps.requests.filter(
    (r) =>
      r.endpoint === 'init' &&
      (r.body as { merchantOrderId?: string } | undefined)?.merchantOrderId === orderId,
  ).length;
const paymentsAtVipps = (orderId: string) =>
  stack.vipps.payments.list().filter((p) => p.merchantOrderId === orderId);

describe('merchantOrderId is unique per MSN', () => {
  it('ten parallel creates with one order id → one 201, nine 409, one init at Vipps', async () => {
    const merchant = merchantClient(stack);
    const orderId = newOrderId('race');
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => merchant.createPayment({ merchantOrderId: orderId }, `race-${i}`)),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
    const created = answers.find((a) => a.status === 201)!;
    for (const duplicate of answers.filter((a) => a.status === 409)) {
      expect(duplicate.body).toMatchObject({
        type: '/problems/duplicate-merchant-order-id',
        pspTransactionId: created.body.pspTransactionId,
      });
    }
    expect(initsAtVipps(orderId)).toBe(1);
    expect(paymentsAtVipps(orderId)).toHaveLength(1);
  });

  it('the same order id under another Idempotency-Key after the first succeeded → 409', async () => {
    const merchant = merchantClient(stack);
    const orderId = newOrderId('again');
    expect((await merchant.createPayment({ merchantOrderId: orderId }, 'first-key')).status).toBe(201);
    const again = await merchant.createPayment({ merchantOrderId: orderId }, 'second-key');
    expect(again.status).toBe(409);
    expect(initsAtVipps(orderId)).toBe(1);
  });
});

describe('a create that failed because Vipps was down', () => {
  it('succeeds when retried with the same Idempotency-Key and order id once Vipps is back, one payment at Vipps', async () => {
    const merchant = merchantClient(stack);
    const orderId = newOrderId('outage');
    stack.vipps.faults.failNext('init', { status: 503, times: 5 });
    try {
      const down = await merchant.createPayment({ merchantOrderId: orderId }, 'outage-key');
      expect(down.status).toBe(502);
      expect(down.body).toMatchObject({ type: '/problems/vipps-unavailable' });
    } finally {
      stack.vipps.faults.clear();
    }

    const retried = await merchant.createPayment({ merchantOrderId: orderId }, 'outage-key');
    expect(retried.status).toBe(201);
    expect(retried.body.vippsRedirectUrl).toMatch(/^http/);
    const [atVipps, ...more] = paymentsAtVipps(orderId);
    expect(more).toEqual([]);
    expect(atVipps?.pspTransactionId).toBe(retried.body.pspTransactionId);
    expect((await merchant.payment(retried.body.pspTransactionId)).body).toMatchObject({
      status: 'INITIATED',
      merchantOrderId: orderId,
    });

    // …and the payment really works: Vipps' approval reaches makePaymentUrl with the new token.
    const approval = await stack.vipps.approve(retried.body.pspTransactionId);
    expect(approval.outcome).toBe('OK');
  });

  it('another Idempotency-Key cannot take the order over while it waits for the retry → 409', async () => {
    const merchant = merchantClient(stack);
    const orderId = newOrderId('outage2');
    stack.vipps.faults.failNext('init', { status: 503, times: 5 });
    try {
      expect((await merchant.createPayment({ merchantOrderId: orderId }, 'outage-key-2')).status).toBe(502);
    } finally {
      stack.vipps.faults.clear();
    }
    expect((await merchant.createPayment({ merchantOrderId: orderId }, 'someone-else')).status).toBe(409);
    expect(paymentsAtVipps(orderId)).toEqual([]);
  });
});
