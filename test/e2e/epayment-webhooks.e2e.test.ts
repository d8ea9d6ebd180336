/**
 * Issue 11 item 6 end to end: the PSP registers its webhook with `npm run vipps-webhooks`, Vipps'
 * signed events arrive at POST /vipps/webhooks, are stored once and settle payments that ended on
 * Vipps' side; unsigned, forged and unknown-payment events change nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEPaymentClient } from '../../lambdas/adapters/vipps/epayment/epayment-client.js';
import { signVippsRequest } from '../../lambdas/adapters/vipps/shared/hmac-signature.js';
import { resetDependencies } from '../../lambdas/wiring.js';
import { run } from '../../bin/vipps-webhooks.js';
import { type LocalStack, bootLocalStack, merchantClient, newOrderId } from '../support/local-stack.js';

let stack: LocalStack;
let secret: string;
let registrationId: string;
const lines: string[] = [];
const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };

function webhooksClient() {
  const env = stack.environment;
  return createEPaymentClient({
    baseUrl: stack.vipps.baseUrl,
    pspId: env.VIPPS_PSP_ID!,
    credentials: async () => ({
      clientId: env.VIPPS_CLIENT_ID!,
      clientSecret: env.VIPPS_CLIENT_SECRET!,
      subscriptionKey: env.VIPPS_SUBSCRIPTION_KEY!,
    }),
    systemName: 'test',
    systemVersion: '1',
    timeoutMs: 5_000,
  });
}

beforeAll(async () => {
  stack = await bootLocalStack();
  expect(await run(['register'], webhooksClient(), { PUBLIC_BASE_URL: stack.baseUrl }, io)).toBe(0);
  secret = /secret[^:]*: (\S+)$/.exec(lines.find((l) => l.startsWith('secret'))!)![1]!;
  registrationId = /^registered (\S+)/.exec(lines[0]!)![1]!;
  process.env.VIPPS_WEBHOOK_SECRET = secret;
  resetDependencies();
});
afterAll(async () => {
  delete process.env.VIPPS_WEBHOOK_SECRET;
  await stack?.stop();
});

async function createEPayment() {
  const created = await merchantClient(stack).createPayment({
    merchantSerialNumber: stack.ePaymentSerialNumber,
    merchantOrderId: newOrderId('wh'),
  });
  expect(created.status).toBe(201);
  return created.body.pspTransactionId;
}

const payment = async (id: string) => (await merchantClient(stack).payment(id)).body;

async function postEvent(body: unknown, options: { secret?: string; unsigned?: boolean } = {}) {
  const url = `${stack.baseUrl}/vipps/webhooks`;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const signed = signVippsRequest({ url, body: text, secret: options.secret ?? secret, date: new Date() });
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (!options.unsigned)
    Object.assign(headers, {
      'x-ms-date': signed['x-ms-date'],
      'x-ms-content-sha256': signed['x-ms-content-sha256'],
      Authorization: signed.authorization,
    });
  return (await fetch(url, { method: 'POST', headers, body: text })).status;
}

const event = (reference: string, name: string) => ({
  msn: stack.ePaymentSerialNumber,
  reference,
  pspReference: `evt-${reference}-${name}`,
  name,
  amount: { currency: 'NOK', value: 10_000 },
  timestamp: '2026-11-30T07:00:00Z',
  success: true,
});

describe('Vipps webhooks', () => {
  it('register and list through npm run vipps-webhooks', async () => {
    lines.length = 0;
    expect(await run(['list'], webhooksClient(), {}, io)).toBe(0);
    expect(lines.join('\n')).toContain(`${registrationId}  ${stack.baseUrl}/vipps/webhooks`);
    expect(lines.join('\n')).toContain('epayments.payment.aborted.v1');
  });

  it('the user aborts in the app: Vipps’ signed ABORTED event cancels the waiting payment', async () => {
    const id = await createEPayment();
    await stack.vipps.epayment.approve(id, { userAction: 'ABORT' });
    await stack.vipps.epayment.webhooks.flush();
    const delivered = stack.vipps.epayment.webhooks.deliveries.filter((d) => d.event.reference === id);
    expect(delivered.map((d) => `${String(d.event.name)}:${d.httpStatus}`)).toContain('ABORTED:200');
    expect(delivered.every((d) => d.httpStatus === 200)).toBe(true);
    expect(await payment(id)).toMatchObject({ status: 'CANCELLED', failure: { errorId: '93' } });
  });

  it('EXPIRED expires it; the same event again is accepted and changes nothing', async () => {
    const id = await createEPayment();
    expect(await postEvent(event(id, 'EXPIRED'))).toBe(200);
    const after = await payment(id);
    expect(after).toMatchObject({ status: 'EXPIRED' });
    expect(await postEvent(event(id, 'EXPIRED'))).toBe(200);
    expect(await payment(id)).toEqual(after);
  });

  it('unsigned, wrongly signed or for an unknown payment → 401; not JSON → 400; the payment still waits', async () => {
    const id = await createEPayment();
    expect(await postEvent(event(id, 'ABORTED'), { unsigned: true })).toBe(401);
    expect(await postEvent(event(id, 'ABORTED'), { secret: 'wrong' })).toBe(401);
    expect(await postEvent(event('0123456789abcdef0123456789abcdef', 'ABORTED'))).toBe(401);
    expect(await postEvent('not json')).toBe(400);
    expect(await payment(id)).toMatchObject({ status: 'INITIATED' });
  });

  it('delete removes the registration', async () => {
    expect(await run(['delete', registrationId], webhooksClient(), {}, io)).toBe(0);
    expect(stack.vipps.epayment.webhooks.list()).toEqual([]);
  });
});
