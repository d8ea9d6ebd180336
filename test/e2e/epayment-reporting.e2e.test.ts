/**
 * Issue 11 item 5 end to end: captures, refunds and cancels of an ePayment payment go to the
 * acquirer first, then through the status outbox as ePayment calls — in order, one call per
 * operation, retried when Vipps is busy, dead-lettered with the reason on a 4xx.
 */
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqsClient } from '../../lambdas/adapters/aws-clients.js';
import { type LocalStack, bootLocalStack, merchantClient, newOrderId } from '../support/local-stack.js';

let stack: LocalStack;
beforeAll(async () => {
  stack = await bootLocalStack({ statusQueueVisibilitySeconds: 1 });
});
afterAll(() => stack?.stop());

async function createEPayment(amount = 10_000) {
  const created = await merchantClient(stack).createPayment({
    merchantSerialNumber: stack.ePaymentSerialNumber,
    merchantOrderId: newOrderId('ep'),
    amount,
  });
  expect(created.status).toBe(201);
  return created.body.pspTransactionId;
}

async function reservedEPayment(amount = 10_000) {
  const id = await createEPayment(amount);
  expect(await stack.vipps.epayment.approve(id)).toMatchObject({ outcome: 'RESERVE' });
  return id;
}

const eventsAtVipps = (id: string) =>
  stack.vipps.epayment.payments.get(id)!.events.map((e) => `${e.name}:${e.amount.value}`);

describe('ePayment reporting through the status outbox', () => {
  it('create → RESERVE → partial capture → capture → refund: Vipps learns each, in order, once', async () => {
    const merchant = merchantClient(stack);
    const id = await reservedEPayment(10_000);
    expect((await merchant.capture(id, 4_000)).status).toBe(200);
    expect((await merchant.capture(id, 6_000)).status).toBe(200);
    expect((await merchant.refund(id, 2_500)).status).toBe(200);
    await stack.statusQueueIdle();
    expect(stack.vipps.epayment.payments.get(id)).toMatchObject({
      state: 'AUTHORIZED',
      authorized: 10_000,
      captured: 10_000,
      refunded: 2_500,
    });
    expect(eventsAtVipps(id)).toEqual([
      'CREATED:10000',
      'AUTHORIZED:10000',
      'CAPTURED:4000',
      'CAPTURED:6000',
      'REFUNDED:2500',
    ]);
    // Nothing went to PSP API v3's updatestatus for it.
    expect(stack.vipps.statusUpdates.filter((u) => u.transaction.pspTransactionId === id)).toEqual([]);
    expect((await merchant.get(`/v1/payments/${id}?include=vipps`)).body).toMatchObject({
      vippsSync: { acknowledgedSeq: 4, inSync: true },
    });
  });

  it('cancel after a partial capture releases the rest at Vipps', async () => {
    const merchant = merchantClient(stack);
    const id = await reservedEPayment(10_000);
    await merchant.capture(id, 3_000);
    expect((await merchant.cancel(id)).body).toMatchObject({ status: 'CANCELLED' });
    await stack.statusQueueIdle();
    expect(stack.vipps.epayment.payments.get(id)).toMatchObject({ captured: 3_000, cancelled: 7_000 });
  });

  it('cancel before the callback terminates the payment at Vipps', async () => {
    const id = await createEPayment(10_000);
    expect((await merchantClient(stack).cancel(id)).body).toMatchObject({ status: 'CANCELLED' });
    await stack.statusQueueIdle();
    expect(stack.vipps.epayment.payments.get(id)).toMatchObject({ state: 'TERMINATED' });
  });

  it('Vipps busy (6160) is retried with the same key; the capture is recorded once', async () => {
    const id = await reservedEPayment(10_000);
    stack.vipps.epayment.faults.failNext('capture', { status: 409, errorCode: '6160', times: 2 });
    await merchantClient(stack).capture(id, 5_000);
    await stack.statusQueueIdle();
    expect(stack.vipps.epayment.payments.get(id)).toMatchObject({ captured: 5_000 });
    expect(eventsAtVipps(id).filter((e) => e.startsWith('CAPTURED'))).toEqual(['CAPTURED:5000']);
  });

  it('a 4xx goes to the dead-letter queue with the reason and stays owed on the payment', async () => {
    const id = await reservedEPayment(10_000);
    stack.vipps.epayment.faults.failNext('refund', { status: 400, errorCode: '6150' });
    const merchant = merchantClient(stack);
    await merchant.capture(id, 10_000);
    await merchant.refund(id, 1_000);
    await stack.statusQueueIdle();
    const read = await merchant.get(`/v1/payments/${id}?include=vipps`);
    expect(read.body).toMatchObject({ vippsSync: { acknowledgedSeq: 2, inSync: false } });
    expect(JSON.stringify(read.body)).toContain('6150');
    const sqs = createSqsClient({ endpoint: stack.endpoints.sqs, counter: false });
    const dead = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: stack.statusDlqUrl,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
      }),
    );
    const mine = (dead.Messages ?? []).filter((m) => m.Body?.includes(id));
    expect(mine).toHaveLength(1);
    expect(JSON.stringify(mine[0])).toContain('6150');
  });
});
