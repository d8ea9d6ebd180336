/**
 * Issue 14 item 8: the demo shop believes only webhooks signed per Standard Webhooks with its
 * endpoint's secret (verified with the `standardwebhooks` package). Until the merchant-webhook
 * sender is merged, this test signs the deliveries itself with the same package, over real HTTP to
 * the shop, which runs against the local stack's Merchant API.
 */
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoShop, startDemoShop } from '../../local/simulators/demo-shop/index.js';
import { type LocalStack, bootLocalStack } from '../support/local-stack.js';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
let stack: LocalStack;
let shop: DemoShop;

beforeAll(async () => {
  stack = await bootLocalStack({ demoShop: true });
  shop = await startDemoShop({
    apiBaseUrl: stack.baseUrl,
    apiKey: stack.merchantApiKey,
    merchantSerialNumber: stack.merchantSerialNumber,
    webhookSecret: SECRET,
  });
});
afterAll(async () => {
  await shop?.close();
  await stack?.stop();
});

/** Put one product in a fresh basket and check out, as a browser would (cookie kept by hand). */
async function checkout(
  productId = 'wool',
): Promise<{ orderId: string; pspTransactionId: string; location: string }> {
  const added = await fetch(`${shop.baseUrl}/basket`, {
    method: 'POST',
    body: new URLSearchParams({ productId }),
    redirect: 'manual',
  });
  const cookie = added.headers.get('set-cookie')!.split(';')[0]!;
  const done = await fetch(`${shop.baseUrl}/checkout`, {
    method: 'POST',
    headers: { cookie },
    redirect: 'manual',
  });
  expect(done.status).toBe(303);
  const order = shop.orders.list().at(-1)!;
  return {
    orderId: order.orderId,
    pspTransactionId: order.pspTransactionId!,
    location: done.headers.get('location')!,
  };
}

function deliver(event: object, options: { secret?: string; id?: string } = {}): Promise<Response> {
  const body = JSON.stringify(event);
  const id = options.id ?? `msg_${randomBytes(8).toString('hex')}`;
  const at = new Date();
  return fetch(`${shop.baseUrl}/webhooks`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(options.secret ?? SECRET).sign(id, at, body),
    },
    body,
  });
}

const statusShown = async (orderId: string) =>
  /data-status="(\w+)"/.exec(await (await fetch(`${shop.baseUrl}/orders/${orderId}`)).text())?.[1];

describe('the demo shop', () => {
  it('is what the npm start banner prints first, at a URL that serves the shop', async () => {
    const [first] = stack.describe();
    expect(first).toMatch(/^Demo shop +http:\/\/127\.0\.0\.1:\d+ /);
    const url = /http:\/\/\S+/.exec(first!)![0];
    expect(url).toBe(stack.demoShop!.baseUrl);
    const page = await (await fetch(url)).text();
    expect(page).toContain('Wool socks');
  });

  it('sends the shopper to our hosted checkout for the basket total, with its order page as redirectUrl', async () => {
    const { location, pspTransactionId, orderId } = await checkout('wool');
    expect(location).toMatch(new RegExp(`^${stack.baseUrl}/checkout/${pspTransactionId}\\.`));
    const payment = await fetch(`${stack.baseUrl}/v1/payments/${pspTransactionId}`, {
      headers: { Authorization: `Bearer ${stack.merchantApiKey}` },
    }).then((r) => r.json() as Promise<Record<string, unknown>>);
    expect(payment).toMatchObject({ amount: 14_900, merchantOrderId: orderId });
    expect(await statusShown(orderId)).toBe('waiting');
  });

  it('shows "paid" once a verified payment.reserved webhook arrives', async () => {
    const { orderId, pspTransactionId } = await checkout();
    const answer = await deliver({
      type: 'payment.reserved',
      timestamp: new Date().toISOString(),
      data: { pspTransactionId, status: 'RESERVED', version: 2 },
    });
    expect(answer.status).toBe(204);
    expect(await statusShown(orderId)).toBe('paid');
  });

  it('refuses a webhook signed with another secret (400) and changes nothing', async () => {
    const { orderId, pspTransactionId } = await checkout();
    const other = `whsec_${randomBytes(32).toString('base64')}`;
    const answer = await deliver(
      { type: 'payment.reserved', data: { pspTransactionId, version: 2 } },
      { secret: other },
    );
    expect(answer.status).toBe(400);
    expect(await statusShown(orderId)).toBe('waiting');
  });

  it('applies a redelivered event once, and never lets an older version undo a newer one', async () => {
    const { orderId, pspTransactionId } = await checkout();
    await deliver(
      { type: 'payment.captured', data: { pspTransactionId, version: 3 } },
      { id: 'msg_captured' },
    );
    await deliver(
      { type: 'payment.captured', data: { pspTransactionId, version: 3 } },
      { id: 'msg_captured' },
    );
    await deliver({ type: 'payment.reserved', data: { pspTransactionId, version: 2 } }); // late
    expect(await statusShown(orderId)).toBe('captured');
    expect(shop.orders.get(orderId)!.events.map((e) => e.type)).toEqual([
      'payment.captured',
      'payment.reserved',
    ]);
  });
});
