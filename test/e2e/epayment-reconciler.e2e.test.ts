/**
 * Issue 11 item 6, polling: an ePayment payment still waiting at its deadline is looked up at
 * Vipps (GET /epayment/v1/payments/{reference}); an ending Vipps knows (here without a webhook)
 * is recorded as Vipps' (93), otherwise our own expiry stands.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, bootLocalStack, merchantClient, newOrderId } from '../support/local-stack.js';

let stack: LocalStack;
beforeAll(async () => {
  stack = await bootLocalStack({ env: { PAYMENT_TTL_SECONDS: '1' } });
});
afterAll(() => stack?.stop());

async function createEPayment() {
  const created = await merchantClient(stack).createPayment({
    merchantSerialNumber: stack.ePaymentSerialNumber,
    merchantOrderId: newOrderId('rc'),
  });
  expect(created.status).toBe(201);
  return created.body.pspTransactionId;
}

const payment = async (id: string) => (await merchantClient(stack).payment(id)).body;
const pastDeadline = () => new Promise((resolve) => setTimeout(resolve, 1_200));

describe('the reconciler and waiting ePayment payments', () => {
  it('Vipps says the user aborted (no webhook came): the payment is CANCELLED with 93', async () => {
    const id = await createEPayment();
    await stack.vipps.epayment.approve(id, { userAction: 'ABORT' });
    await pastDeadline();
    await stack.runReconciler();
    expect(await payment(id)).toMatchObject({ status: 'CANCELLED', failure: { errorId: '93' } });
  });

  it('Vipps still waits too: our expiry stands', async () => {
    const id = await createEPayment();
    await pastDeadline();
    await stack.runReconciler();
    expect(await payment(id)).toMatchObject({ status: 'EXPIRED' });
  });
});
