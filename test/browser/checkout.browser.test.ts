/**
 * Issue 14 item 7: the hosted checkout in headless Chromium at phone (390×844) and desktop
 * (1280×800) sizes, in Norwegian and English, against the whole local stack. The button script is
 * the local stand-in for Vipps' component: it records the attributes our page gave it, which is
 * what the real component would draw from. Screenshots go to test/artifacts/.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PHONE, launchChromium } from '../support/browser.js';
import { type LocalStack, bootLocalStack, merchantClient } from '../support/local-stack.js';

const ARTIFACTS = resolve(dirname(fileURLToPath(import.meta.url)), '../artifacts');
const DESKTOP = { width: 1280, height: 800 };

let stack: LocalStack;
let browser: Browser;

beforeAll(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  stack = await bootLocalStack();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

type Size = 'phone' | 'desktop';

function newContext(size: Size, locale: string): Promise<BrowserContext> {
  return browser.newContext(
    size === 'phone'
      ? { viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale }
      : { viewport: DESKTOP, locale },
  );
}

async function checkout(): Promise<{
  checkoutUrl: string;
  vippsRedirectUrl: string;
  pspTransactionId: string;
}> {
  const created = await merchantClient(stack).createPayment({
    amount: 34_900,
    paymentText: 'Two pairs of socks',
  });
  expect(created.status).toBe(201);
  return created.body as unknown as {
    checkoutUrl: string;
    vippsRedirectUrl: string;
    pspTransactionId: string;
  };
}

/** Console errors (a CSP refusal shows up here) and uncaught errors. */
function watch(page: Page): string[] {
  const complaints: string[] = [];
  page.on('console', (m) => m.type() === 'error' && complaints.push(m.text()));
  page.on('pageerror', (e) => complaints.push(e.message));
  return complaints;
}

const box = async (page: Page, selector: string) => (await page.locator(selector).boundingBox())!;

describe.each([
  ['phone', 'nb-NO', 'no', 'Betal med Vipps'],
  ['phone', 'en-GB', 'en', 'Pay with Vipps'],
  ['desktop', 'nb-NO', 'no', 'Betal med Vipps'],
  ['desktop', 'en-GB', 'en', 'Pay with Vipps'],
] as const)('checkout on a %s in %s', (size, locale, language, wording) => {
  it(`shows the official Vipps button (brand vipps, language ${language}, verb pay), as large as any other option, no hover effect; pressing it goes to Vipps`, async () => {
    const payment = await checkout();
    const context = await newContext(size, locale);
    const page = await context.newPage();
    const complaints = watch(page);
    const response = await page.goto(payment.checkoutUrl);
    expect(response?.status()).toBe(200);
    await page.locator('vipps-mobilepay-button[data-stand-in="rendered"]').waitFor();

    // What our page asked Vipps' component for: exactly one button, the right brand, language, verb.
    const recorded = await page.evaluate(
      () => (globalThis as unknown as { __vippsButtons: unknown[] }).__vippsButtons,
    );
    expect(recorded).toEqual([
      { brand: 'vipps', language, verb: 'pay', variant: 'primary', stretched: 'true' },
    ]);
    await expect
      .poll(() => page.locator('vipps-mobilepay-button').evaluate((e) => e.shadowRoot?.textContent))
      .toBe(wording);
    await expect(page.getByText('Demo Sokker AS').first().isVisible()).resolves.toBe(true);
    await expect(page.getByText('349,00').isVisible()).resolves.toBe(true);

    // Never smaller than any other option on the page.
    const button = await box(page, '#pay-with-vipps');
    const others = await page.locator('a:not(#pay-with-vipps), button, input, select').all();
    expect(others.length).toBeGreaterThan(0);
    for (const other of others) {
      const b = (await other.boundingBox())!;
      expect(button.width).toBeGreaterThanOrEqual(b.width);
      expect(button.height).toBeGreaterThanOrEqual(b.height);
    }
    expect(button.height).toBeGreaterThanOrEqual(44);
    expect(button.x + button.width).toBeLessThanOrEqual((size === 'phone' ? PHONE : DESKTOP).width);

    // No hover effect: the button looks the same under the pointer (no colour, outline or shadow change).
    await page.mouse.move(0, 0);
    const before = await page.locator('#pay-with-vipps').screenshot();
    await page.locator('#pay-with-vipps').hover();
    const during = await page.locator('#pay-with-vipps').screenshot();
    expect(Buffer.compare(before, during)).toBe(0);

    await page.screenshot({ path: join(ARTIFACTS, `checkout-${size}-${language}.png`), fullPage: true });
    expect(complaints).toEqual([]);

    // No extra step: one press and the shopper is at Vipps.
    await Promise.all([
      page.waitForURL((url) => url.href === payment.vippsRedirectUrl),
      page.locator('#pay-with-vipps').click(),
    ]);
    await expect(page.getByText('Vipps simulator').first().isVisible()).resolves.toBe(true);
    await context.close();
  });
});

describe.each(['phone', 'desktop'] as const)('a bad link on a %s', (size) => {
  it('a tampered link gets a clear page and 400, no button', async () => {
    const payment = await checkout();
    const context = await newContext(size, 'en-GB');
    const page = await context.newPage();
    const tampered = payment.checkoutUrl.replace(/\.(\d{10,})\./, (_m, s: string) => `.${Number(s) + 60}.`);
    const response = await page.goto(tampered);
    expect(response?.status()).toBe(400);
    await expect(page.getByRole('heading').textContent()).resolves.toBe('This payment link is not valid');
    expect(await page.locator('vipps-mobilepay-button').count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, `checkout-${size}-tampered.png`), fullPage: true });
    await context.close();
  });
});

describe('an expired link', () => {
  it('gets a clear page and 410 on phone and desktop', async () => {
    await stack.stop();
    stack = await bootLocalStack({ env: { PAYMENT_TTL_SECONDS: '1' } });
    const payment = await checkout();
    await new Promise((r) => setTimeout(r, 1_100));
    for (const size of ['phone', 'desktop'] as const) {
      const context = await newContext(size, 'nb-NO');
      const page = await context.newPage();
      const response = await page.goto(payment.checkoutUrl);
      expect(response?.status()).toBe(410);
      await expect(page.getByRole('heading').textContent()).resolves.toBe('Betalingslenken er utløpt');
      expect(await page.locator('vipps-mobilepay-button').count()).toBe(0);
      await page.screenshot({ path: join(ARTIFACTS, `checkout-${size}-expired.png`), fullPage: true });
      await context.close();
    }
  });
});
