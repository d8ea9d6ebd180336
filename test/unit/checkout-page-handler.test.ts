/**
 * GET /checkout/{token} (handlers/checkout.ts → core/use-cases/show-checkout.ts) on an in-memory
 * store: the page a shopper sees for a payment still waiting, where they go once it is paid, and
 * the plain problem page (with its status) for every link that cannot be paid — nothing changes.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { type Mock, beforeEach, describe, expect, it, vi } from 'vitest';
import { signCheckoutToken } from '../../lambdas/core/checkout-token.js';
import type { Log } from '../../lambdas/core/ports.js';
import type { Transaction, TransactionStatus } from '../../lambdas/core/transaction.js';
import { showCheckout } from '../../lambdas/core/use-cases/show-checkout.js';
import { createCheckoutHandler } from '../../lambdas/handlers/checkout.js';
import { InMemoryTransactionStore } from '../support/in-memory-transaction-store.js';
import { initiatedPayment } from '../support/transactions.js';

const KEY = new Uint8Array(32).fill(7);
const now = new Date('2026-11-24T10:05:00.000Z');
const linkExpiry = new Date('2026-11-24T10:15:00.000Z');
const BUTTON_SCRIPT = 'https://checkout.vipps.example/button.js';
const ID = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';

const waiting = (overrides: Partial<Transaction> = {}) =>
  initiatedPayment({ vippsRedirectUrl: 'https://api.vipps.example/landing?token=t1', ...overrides });

const request = (token: string, overrides: Partial<APIGatewayProxyEvent> = {}): APIGatewayProxyEvent =>
  ({
    httpMethod: 'GET',
    headers: {},
    pathParameters: { token },
    ...overrides,
  }) as unknown as APIGatewayProxyEvent;

describe('the hosted checkout page', () => {
  let store: InMemoryTransactionStore;
  let log: { [K in keyof Log]: Mock<Log[K]> };
  const deps = () => ({
    transactions: store,
    clock: { now: () => now },
    checkoutKey: () => Promise.resolve(KEY),
  });
  const page = () => createCheckoutHandler({ ...deps(), log, buttonScriptUrl: BUTTON_SCRIPT });
  const link = (id = ID, expires = linkExpiry) => signCheckoutToken(KEY, id, expires);

  beforeEach(() => {
    store = new InMemoryTransactionStore([waiting()]);
    log = {
      debug: vi.fn<Log['debug']>(),
      info: vi.fn<Log['info']>(),
      warn: vi.fn<Log['warn']>(),
      error: vi.fn<Log['error']>(),
    };
  });

  it('shows the merchant, amount and text, with the Vipps button going to Vipps', async () => {
    const result = await page()(request(link()));

    expect(result.statusCode).toBe(200);
    expect(result.headers?.['Content-Type']).toBe('text/html; charset=utf-8');
    expect(result.headers?.['Cache-Control']).toBe('no-store');
    expect(result.body).toContain('Sokker AS');
    expect(result.body).toContain('100,00');
    expect(result.body).toContain('Socks');
    expect(result.body).toContain('href="https://api.vipps.example/landing?token=t1" id="pay-with-vipps"');
    expect(result.body).toContain(`src="${BUTTON_SCRIPT}"`);
    expect(result.body).toContain(`href="https://shop.example/done?pspTransactionId=${ID}"`);
    expect(await showCheckout(link(), deps())).toEqual({
      kind: 'SHOW',
      view: {
        merchantName: 'Sokker AS',
        amount: 10_000,
        currency: 'NOK',
        paymentText: 'Socks',
        vippsRedirectUrl: 'https://api.vipps.example/landing?token=t1',
        returnUrl: `https://shop.example/done?pspTransactionId=${ID}`,
      },
    });
  });

  it('the page, its script and its style share one fresh nonce, allowed by the CSP', async () => {
    const first = await page()(request(link()));
    const second = await page()(request(link()));
    const nonceOf = (body: string) => /<script nonce="([^"]+)"/.exec(body)?.[1];
    const nonce = nonceOf(first.body);
    expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(first.body).toContain(`<style nonce="${nonce}">`);
    expect(first.headers?.['Content-Security-Policy']).toContain(
      `script-src 'nonce-${nonce}' https://checkout.vipps.example`,
    );
    expect(nonceOf(second.body)).not.toBe(nonce);
  });

  it('speaks the shopper’s language', async () => {
    const norwegian = await page()(
      request(link(), { headers: { 'Accept-Language': 'nb-NO,nb;q=0.9,en;q=0.5' } }),
    );
    expect(norwegian.body).toContain('<html lang="nb">');
    expect(norwegian.body).toContain('Betal med Vipps');
    const english = await page()(request(link()));
    expect(english.body).toContain('<html lang="en">');
  });

  it('an approved payment sends the shopper back to the merchant with the payment id', async () => {
    store = new InMemoryTransactionStore([waiting({ status: 'RESERVED' })]);
    const result = await page()(request(link()));
    expect(result.statusCode).toBe(303);
    expect(result.headers?.Location).toBe(`https://shop.example/done?pspTransactionId=${ID}`);
    expect(result.body).toBe('');
    expect(await showCheckout(link(), deps())).toEqual({
      kind: 'ALREADY_PAID',
      merchantName: 'Sokker AS',
      returnUrl: `https://shop.example/done?pspTransactionId=${ID}`,
    });
  });

  it.each<[string, () => string, () => Transaction[], number, string]>([
    [
      'a tampered link',
      () => link().replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
      () => [waiting()],
      400,
      'This payment link is not valid',
    ],
    [
      'a link that is not one of ours',
      () => 'hello',
      () => [waiting()],
      400,
      'This payment link is not valid',
    ],
    ['an expired link', () => link(ID, now), () => [waiting()], 410, 'This payment link has expired'],
    ['a link for a payment we do not have', () => link('ffff'), () => [waiting()], 404, 'Payment not found'],
    [
      'a payment past its expiry',
      () => link(),
      () => [waiting({ expiresAt: now.toISOString() })],
      410,
      'This payment can no longer be paid',
    ],
    [
      'a payment Vipps has not started',
      () => link(),
      () => [initiatedPayment()],
      409,
      'The payment is not ready yet',
    ],
    ...(['FAILED', 'CANCELLED', 'EXPIRED'] as TransactionStatus[]).map(
      (status): [string, () => string, () => Transaction[], number, string] => [
        `a ${status} payment`,
        () => link(),
        () => [waiting({ status })],
        410,
        'This payment can no longer be paid',
      ],
    ),
  ])('%s gets a problem page (%#)', async (_case, token, payments, status, title) => {
    store = new InMemoryTransactionStore(payments());
    const before = await store.get(ID);
    const result = await page()(request(token()));

    expect(result.statusCode).toBe(status);
    expect(result.body).toContain(`<title>${title}</title>`);
    expect(result.body).not.toContain('pay-with-vipps');
    expect(result.headers?.['Content-Security-Policy']).toContain("frame-ancestors 'none'");
    expect(await store.get(ID)).toEqual(before);
    expect(log.info).toHaveBeenCalledWith('Checkout link refused', { problem: expect.any(String) });
    expect(JSON.stringify(log.info.mock.calls)).not.toContain(token());
  });

  it('a payment one millisecond before its expiry is still shown', async () => {
    store = new InMemoryTransactionStore([waiting({ expiresAt: new Date(now.getTime() + 1).toISOString() })]);
    expect((await page()(request(link()))).statusCode).toBe(200);
  });

  it('answers 405 to anything but GET', async () => {
    const result = await page()(request(link(), { httpMethod: 'POST' }));
    expect(result.statusCode).toBe(405);
    expect(result.body).not.toContain('pay-with-vipps');
  });

  it('a request without a token is a tampered link', async () => {
    const result = await page()(request('', { pathParameters: null }));
    expect(result.statusCode).toBe(400);
  });
});
