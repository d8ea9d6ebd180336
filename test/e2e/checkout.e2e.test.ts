/**
 * Issue 14 item 5: the create answer carries `checkoutUrl`, our hosted page for that payment, over
 * real HTTP through the local stack. The page shows the merchant and amount and Vipps' official
 * button (the component's script from CHECKOUT_BUTTON_SCRIPT_URL, here the local stand-in) linking
 * to vippsRedirectUrl; a tampered or expired link gets a clear page and a 4xx; the shopper comes
 * back to the merchant's redirectUrl with our payment id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, bootLocalStack, merchantClient } from '../support/local-stack.js';

let stack: LocalStack;

beforeAll(async () => {
  stack = await bootLocalStack();
});
afterAll(() => stack?.stop());

interface Created {
  pspTransactionId: string;
  vippsRedirectUrl: string;
  checkoutUrl: string;
}

async function created(overrides: Record<string, unknown> = {}): Promise<Created> {
  const answer = await merchantClient(stack).createPayment({ amount: 24_900, ...overrides });
  expect(answer.status).toBe(201);
  return answer.body as unknown as Created;
}

const open = (url: string, language = 'nb-NO,nb;q=0.9,en;q=0.5') =>
  fetch(url, { headers: { 'Accept-Language': language }, redirect: 'manual' });

describe('the create answer', () => {
  it('carries checkoutUrl: our page for that payment, a signed link with no card data or amount in it', async () => {
    const payment = await created();
    expect(payment.checkoutUrl).toMatch(
      new RegExp(`^${stack.baseUrl}/checkout/${payment.pspTransactionId}\\.\\d+\\.[\\w-]{43}$`),
    );
  });

  it('sends Vipps the merchant redirectUrl with our payment id, so the shopper returns with it', async () => {
    const payment = await created({ redirectUrl: 'https://shop.example/thanks?order=7' });
    const atVipps = stack.vipps.payments.get(payment.pspTransactionId);
    expect(atVipps?.pspRedirectUrl).toBe(
      `https://shop.example/thanks?order=7&pspTransactionId=${payment.pspTransactionId}`,
    );
  });
});

describe('GET checkoutUrl', () => {
  it('shows merchant, amount and the official Vipps button in Norwegian, leading to vippsRedirectUrl', async () => {
    const payment = await created();
    const response = await open(payment.checkoutUrl);
    const html = await response.text();
    expect(response.status).toBe(200);
    expect(html).toContain('Demo Sokker AS');
    expect(html).toContain('249,00');
    expect(html).toMatch(
      /<a class="pay" href="([^"]+)" id="pay-with-vipps"><vipps-mobilepay-button brand="vipps" language="no" verb="pay" variant="primary" stretched="true">Betal med Vipps<\/vipps-mobilepay-button><\/a>/,
    );
    expect(html).toContain(`href="${payment.vippsRedirectUrl.replace(/&/g, '&amp;')}"`);
    expect(html).toContain(`src="${stack.environment.CHECKOUT_BUTTON_SCRIPT_URL}"`);
  });

  it('speaks English to an English browser ("Pay with Vipps")', async () => {
    const html = await (await open((await created()).checkoutUrl, 'en-GB,en;q=0.9')).text();
    expect(html).toContain('language="en"');
    expect(html).toContain('>Pay with Vipps<');
  });

  it('has a CSP with a fresh nonce for its style and script, no framing, no caching, no referrer', async () => {
    const url = (await created()).checkoutUrl;
    const [first, second] = [await open(url), await open(url)];
    const csp = first.headers.get('content-security-policy') ?? '';
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(await first.text()).toContain(`<script nonce="${nonce}" async src=`);
    expect(second.headers.get('content-security-policy')).not.toContain(nonce);
    expect(first.headers.get('cache-control')).toBe('no-store');
    expect(first.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it.each([
    [
      'another payment id',
      (u: string) => u.replace(/\/checkout\/[0-9a-f]/, (m) => m.slice(0, -1) + (m.endsWith('0') ? '1' : '0')),
    ],
    ['a later expiry', (u: string) => u.replace(/\.(\d{10,})\./, (_m, s: string) => `.${Number(s) + 3600}.`)],
    ['a cut-off signature', (u: string) => u.slice(0, -2)],
    ['garbage', (u: string) => u.replace(/\/checkout\/.*/, '/checkout/nonsense')],
  ])(
    'a link with %s → 400 and a page saying the link is not valid; the payment is untouched',
    async (_n, tamper) => {
      const payment = await created();
      const response = await open(tamper(payment.checkoutUrl), 'en');
      expect(response.status).toBe(400);
      const html = await response.text();
      expect(html).toContain('This payment link is not valid');
      expect(html).not.toContain('<vipps-mobilepay-button');
      expect((await merchantClient(stack).payment(payment.pspTransactionId)).body.status).toBe('INITIATED');
    },
  );

  it('after the payment is approved → 303 back to the merchant with our payment id', async () => {
    const payment = await created();
    expect((await stack.vipps.approve(payment.pspTransactionId)).outcome).toBe('OK');
    const response = await open(payment.checkoutUrl);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(
      `https://shop.example/thanks?pspTransactionId=${payment.pspTransactionId}`,
    );
  });

  it('a cancelled payment → 410 and a page saying it can no longer be paid', async () => {
    const payment = await created();
    expect((await merchantClient(stack).cancel(payment.pspTransactionId)).status).toBe(200);
    const response = await open(payment.checkoutUrl, 'en');
    expect(response.status).toBe(410);
    expect(await response.text()).toContain('This payment can no longer be paid');
  });
});

describe('an expired link', () => {
  let short: LocalStack;
  beforeAll(async () => {
    await stack.stop();
    short = await bootLocalStack({ env: { PAYMENT_TTL_SECONDS: '1' } });
    stack = short;
  });

  it('→ 410 and a page saying the link has expired (Norwegian for a Norwegian browser)', async () => {
    const payment = await created();
    await new Promise((r) => setTimeout(r, 1_100));
    const response = await open(payment.checkoutUrl);
    expect(response.status).toBe(410);
    const html = await response.text();
    expect(html).toContain('Betalingslenken er utløpt');
    expect(html).not.toContain('<vipps-mobilepay-button');
  });
});
