/**
 * Issue 14 item 9: the whole demo purchase in headless Chromium — socks in the basket → our hosted
 * checkout → the Vipps simulator's landing page → our 3-D Secure page (the sandbox issuer
 * soft-declines 100,36 kr) → back to the shop, which shows "paid" once a verified webhook arrives,
 * then capture and refund. Screenshots of each step go to test/artifacts/demo-*.png (the README's
 * copies are in docs/images/).
 *
 * The first test signs the webhooks itself with `standardwebhooks` and the shop's secret; the
 * second uses the webhooks our stack really sends to the endpoint the shop registered (it would be
 * skipped — loudly — were POST /v1/webhook-endpoints not a route).
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../lambdas/routes.js';
import { type DemoShop, startDemoShop } from '../../local/simulators/demo-shop/index.js';
import { PHONE, launchChromium } from '../support/browser.js';
import { type LocalStack, bootLocalStack, merchantClient } from '../support/local-stack.js';

const ARTIFACTS = resolve(dirname(fileURLToPath(import.meta.url)), '../artifacts');
const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const HAS_ENDPOINTS_ROUTE = routes.some((r) => r.method === 'POST' && r.path === '/v1/webhook-endpoints');
if (!HAS_ENDPOINTS_ROUTE) {
  console.warn(
    '\n*** SKIPPED: "paid from the webhook our stack sends" — POST /v1/webhook-endpoints is not in ' +
      'lambdas/routes.ts yet (merchant webhooks, issue 14 items 1-4, another branch). Remove nothing: ' +
      'this test runs by itself once that route exists. ***\n',
  );
}

let stack: LocalStack;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  stack = await bootLocalStack();
  browser = await launchChromium();
  context = await browser.newContext({ viewport: PHONE, locale: 'en-GB' });
});
afterAll(async () => {
  await context?.close();
  await browser?.close();
  await stack?.stop();
});

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(ARTIFACTS, `demo-${name}.png`), fullPage: true });
const statusOf = (page: Page) => page.locator('#status').getAttribute('data-status');

/** Shop → checkout → Vipps landing → our 3-D Secure page → back at the shop's order page. */
async function buyWithStepUp(shop: DemoShop, page: Page, screenshots: boolean): Promise<string> {
  await page.goto(shop.baseUrl);
  await page.getByRole('button', { name: 'Add Test socks to the basket' }).click();
  await expect.poll(() => page.locator('#basket').textContent()).toContain('100,36');
  if (screenshots) await shot(page, '1-basket');
  await page.getByRole('button', { name: 'Go to checkout' }).click();

  await page.locator('vipps-mobilepay-button[data-stand-in="rendered"]').waitFor();
  expect(page.url()).toMatch(/\/checkout\//);
  if (screenshots) await shot(page, '2-checkout');
  await page.locator('#pay-with-vipps').click();

  await page.getByText('Vipps simulator').first().waitFor();
  if (screenshots) await shot(page, '3-vipps-landing');
  await page.getByRole('button', { name: 'Confirm in the "app"' }).click();

  // Our 3-D Secure page runs the EMV flow; the (simulated) bank challenges in its iframe.
  const bank = page.frameLocator('iframe[name="acs"]');
  await expect.poll(() => bank.getByText('Simulated bank').count(), { timeout: 30_000 }).toBe(1);
  expect(page.url()).toMatch(/\/3ds\//);
  if (screenshots) await shot(page, '4-three-ds');
  await bank.getByLabel('Code').fill('1234');
  await bank.getByRole('button', { name: 'Confirm' }).click();

  await page.getByRole('link', { name: 'Back to the shop' }).click();
  await page.locator('#status').waitFor();
  const pspTransactionId = new URL(page.url()).searchParams.get('pspTransactionId')!;
  expect(pspTransactionId).toMatch(/^[0-9a-f]{32}$/);
  // The step-up really happened: the first answer was a soft decline, the payment is reserved.
  const payment = await merchantClient(stack).payment(pspTransactionId);
  expect(payment.body.status).toBe('RESERVED');
  expect(stack.vipps.payments.get(pspTransactionId)?.approvals.at(-1)?.outcome).toBe('OK');
  return pspTransactionId;
}

// A whole purchase in a real browser (shop, checkout, Vipps landing, 3-D Secure, back, capture,
// refund) takes seconds of wall time, more on a busy 2-core machine.
describe('the demo purchase in Chromium', { timeout: 120_000 }, () => {
  it('with a 3-D Secure step-up, ends with the shop showing "paid" from a verified webhook; then capture and refund', async () => {
    const shop = await startDemoShop({
      apiBaseUrl: stack.baseUrl,
      apiKey: stack.merchantApiKey,
      merchantSerialNumber: stack.merchantSerialNumber,
      webhookSecret: SECRET,
    });
    try {
      const page = await context.newPage();
      const pspTransactionId = await buyWithStepUp(shop, page, true);
      expect(await statusOf(page)).toBe('waiting'); // the return itself proves nothing
      const deliver = async (type: string, version: number) => {
        const view = (await merchantClient(stack).payment(pspTransactionId)).body;
        const body = JSON.stringify({
          type,
          timestamp: new Date().toISOString(),
          data: { ...view, version },
        });
        const id = `msg_${randomBytes(8).toString('hex')}`;
        const at = new Date();
        const answer = await fetch(`${shop.baseUrl}/webhooks`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'webhook-id': id,
            'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
            'webhook-signature': new Webhook(SECRET).sign(id, at, body),
          },
          body,
        });
        expect(answer.status).toBe(204);
      };

      await deliver('payment.reserved', 2);
      await expect.poll(() => statusOf(page), { timeout: 10_000 }).toBe('paid');
      await expect(page.locator('#events').textContent()).resolves.toContain('payment.reserved');
      await shot(page, '5-paid');

      await page.getByRole('button', { name: /^Capture/ }).click();
      await expect
        .poll(async () => (await merchantClient(stack).payment(pspTransactionId)).body.status)
        .toBe('CAPTURED');
      await deliver('payment.captured', 3);
      await expect.poll(() => statusOf(page), { timeout: 10_000 }).toBe('captured');
      await shot(page, '6-captured');

      await page.getByRole('button', { name: /^Refund/ }).click();
      await expect
        .poll(async () => (await merchantClient(stack).payment(pspTransactionId)).body.status)
        .toBe('REFUNDED');
      await deliver('payment.refunded', 4);
      await expect.poll(() => statusOf(page), { timeout: 10_000 }).toBe('refunded');
      await shot(page, '7-refunded');
      await page.close();
    } finally {
      await shop.close();
    }
  });

  it.skipIf(!HAS_ENDPOINTS_ROUTE)(
    'with a 3-D Secure step-up, ends with the shop showing "paid" from the webhook our stack sends',
    async () => {
      const shop = await startDemoShop({
        apiBaseUrl: stack.baseUrl,
        apiKey: stack.merchantApiKey,
        merchantSerialNumber: stack.merchantSerialNumber,
      });
      try {
        expect(shop.webhookProblem).toBeUndefined();
        const page = await context.newPage();
        await buyWithStepUp(shop, page, false);
        await expect.poll(() => statusOf(page), { timeout: 30_000 }).toBe('paid');
        await expect(page.locator('#events').textContent()).resolves.toContain('payment.reserved');
        await page.close();
      } finally {
        await shop.close();
      }
    },
  );
});
