/**
 * Issue 13, Adyen's asynchronous modifications through the local stack with ACQUIRER=adyen: a
 * capture stays pending (counted, not captured) until Adyen's HMAC-signed webhook arrives; a late
 * webhook completes it, a repeated one changes nothing, a refused one releases it; a wrong
 * signature or an unknown operation touches nothing. The completing write produces the merchant
 * webhook event (payment.captured) like every other state change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NotificationItem } from '../../local/simulators/adyen/notifications.js';
import { createPayment } from '../support/make-payment.js';
import { type LocalStack, bootLocalStack, merchantClient } from '../support/local-stack.js';

let stack: LocalStack;
const adyen = () => stack.acquirer.adyen!;

beforeAll(async () => {
  stack = await bootLocalStack({ acquirer: 'adyen', env: { POWERTOOLS_LOG_LEVEL: 'ERROR' } });
  adyen().holdWebhooks(true);
}, 60_000);
afterAll(() => stack?.stop());

async function reserved(amount = 10_000): Promise<string> {
  const id = await createPayment(stack, amount);
  const approved = await stack.vipps.approve(id, {});
  expect(approved.makePaymentExchanges.at(-1)?.response).toMatchObject({ paymentInfo: { status: 'OK' } });
  return id;
}
const view = async (id: string) =>
  (
    await merchantClient(stack).get<{
      status: string;
      capturedAmount?: number;
      operationsInProgress?: unknown[];
      amounts?: { captured: number };
    }>(`/v1/payments/${id}`)
  ).body;
const eventsOf = async (id: string) =>
  (
    await merchantClient(stack).get<{ events: Array<{ type: string; version: number }> }>(
      `/v1/events?paymentId=${id}`,
    )
  ).body.events;
const captured = async (id: string) => {
  const v = (await view(id)) as Record<string, unknown>;
  return JSON.stringify(v);
};

describe('Adyen webhooks settle asynchronous operations', () => {
  it('a capture is pending until the webhook; a late webhook completes it, a second one changes nothing', async () => {
    const id = await reserved();
    const answer = await merchantClient(stack).post(`/v1/payments/${id}/capture`, { amount: 4_000 });
    expect(answer.status).toBe(200);
    const pending = await view(id);
    expect(pending.status).toBe('RESERVED');
    expect(pending.operationsInProgress).toHaveLength(1);
    // Merchant webhooks: nothing captured yet, so no payment.captured event either.
    const before = await eventsOf(id);
    expect(before.map((e) => e.type)).toEqual(['payment.reserved']);
    await new Promise((resolve) => setTimeout(resolve, 300)); // "late"
    expect(await adyen().deliverWebhooks(2)).toEqual(['[accepted]', '[accepted]']);
    const done = await view(id);
    expect(done.status).toBe('PARTIALLY_CAPTURED');
    // The settling write produced its event (once, though Adyen reported twice), with the version.
    const after = await eventsOf(id);
    expect(after.map((e) => e.type)).toEqual(['payment.reserved', 'payment.captured']);
    expect(after[1]!.version).toBeGreaterThan(before[0]!.version);
    expect(done.operationsInProgress ?? []).toHaveLength(0);
    expect(await captured(id)).toContain('4000');
    await stack.statusQueueIdle();
    const captures = stack.vipps.statusUpdates.filter(
      (u) => u.transaction.pspTransactionId === id && u.transaction.status === 'CAPTURED',
    );
    expect(captures).toHaveLength(1);
  });

  it('a webhook with a wrong HMAC is refused (401) and nothing changes', async () => {
    const id = await reserved();
    await merchantClient(stack).post(`/v1/payments/${id}/capture`, { amount: 10_000 });
    const [item] = adyen().pendingWebhooks() as [NotificationItem];
    const forged = await adyen().sendWebhook(
      { ...item, additionalData: {} },
      'ffffffffffffffffffffffffffffffff',
    );
    expect(forged.status).toBe(401);
    expect((await view(id)).status).toBe('RESERVED');
    await adyen().deliverWebhooks();
    expect((await view(id)).status).toBe('CAPTURED');
  });

  it('Adyen refusing the capture afterwards (success=false) releases it: nothing captured', async () => {
    const id = await reserved();
    await merchantClient(stack).post(`/v1/payments/${id}/capture`, { amount: 10_000 });
    const [item] = adyen().pendingWebhooks() as [NotificationItem];
    adyen().pendingWebhooks().length = 0;
    await adyen().deliverWebhooks(0); // drop the held success
    const refused = await adyen().sendWebhook(
      { ...item, success: 'false', reason: 'Insufficient balance on payment', additionalData: {} },
      stack.environment.ADYEN_HMAC_KEY,
    );
    expect(refused.text).toBe('[accepted]');
    const after = await view(id);
    expect(after.status).toBe('RESERVED');
    expect(after.operationsInProgress ?? []).toHaveLength(0);
  });

  it('a signed webhook for an operation we do not know is accepted and changes nothing', async () => {
    const unknown = await adyen().sendWebhook(
      {
        amount: { currency: 'NOK', value: 100 },
        eventCode: 'CAPTURE',
        eventDate: new Date().toISOString(),
        merchantAccountCode: stack.environment.ADYEN_MERCHANT_ACCOUNT!,
        merchantReference: `${'0'.repeat(32)}-capture-nope`,
        pspReference: 'NOPE',
        success: 'true',
      },
      stack.environment.ADYEN_HMAC_KEY,
    );
    expect(unknown.text).toBe('[accepted]');
  });
});
