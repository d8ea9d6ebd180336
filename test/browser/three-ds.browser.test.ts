/**
 * The 3-D Secure step-up in a real browser: Debian's headless Chromium (driven by playwright-core)
 * plays the Vipps app's web view against the whole local stack (real handlers behind the API
 * Gateway stand-in, dynalite, KMS emulator, sandbox acquirer, Vipps simulator).
 *
 * The Vipps simulator plays the app up to the web view: it calls our makePaymentUrl, gets
 * SOFT_DECLINE + url3dSecure and opens our page over plain HTTP. We hand it a code with letters,
 * which our form refuses (400, nothing changes), so the still-pending challenge is left for the
 * browser. Once the browser lands on the operations URL, the simulator sends makePayment again,
 * as Vipps does after 3-D Secure. No skipping: without Chromium this file fails (CI installs it).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, bootLocalStack, merchantClient } from '../support/local-stack.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = resolve(dirname(fileURLToPath(import.meta.url)), '../artifacts');
const SCREENSHOT = join(ARTIFACTS, 'three-ds-challenge.png');
const PHONE = { width: 390, height: 844 };

let stack: LocalStack;
let context: BrowserContext;
let userDataDir: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}. The 3-D Secure browser test needs a real browser: ` +
        'install Debian’s chromium (apt-get install chromium) or set CHROMIUM_PATH.',
    );
  }
  stack = await bootLocalStack();
  userDataDir = await mkdtemp(join(tmpdir(), 'three-ds-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: PHONE,
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'en-GB',
  });
});

afterAll(async () => {
  await context?.close();
  if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
  await stack?.stop();
});

/** A sandbox payment (10036 → soft decline) with its 3-D Secure page left for the browser. */
async function softDeclined(): Promise<{ pspTransactionId: string; url3dSecure: string }> {
  const created = await merchantClient(stack).createPayment({ amount: 10036 });
  expect(created.status).toBe(201);
  const { pspTransactionId } = created.body;
  const first = await stack.vipps.approve(pspTransactionId, { simulate: { otp: 'not-a-code' } });
  expect(first.outcome).toBe('SOFT_DECLINE');
  expect(first.threeDs?.steps.map((s) => s.status)).toEqual([200, 400]);
  return { pspTransactionId, url3dSecure: first.threeDs!.url3dSecure };
}

/** Open the page as the app's web view does, and collect what the console complains about. */
async function openChallenge(url3dSecure: string): Promise<{ page: Page; complaints: string[] }> {
  const page = await context.newPage();
  const complaints: string[] = [];
  page.on('console', (message) => {
    // Ours only (the simulator's landing page has no favicon); any CSP report counts, wherever.
    const ours =
      message.location().url.startsWith(stack.baseUrl) || /Content Security Policy/i.test(message.text());
    if (ours && (message.type() === 'error' || message.type() === 'warning')) complaints.push(message.text());
  });
  page.on('pageerror', (error) => complaints.push(error.message));
  const response = await page.goto(url3dSecure);
  expect(response?.status()).toBe(200);
  await expect.poll(() => page.title()).toBe('Confirm your payment');
  return { page, complaints };
}

const operationUrl = (pspTransactionId: string, code: 'OK' | 'FAIL' | 'CANCEL') =>
  `${stack.vipps.baseUrl}/mobileintercept?transactionId=${pspTransactionId}&responsecode=${code}`;

/** Vipps sends makePayment again after the operation; returns our answer and the payment. */
async function vippsResends(pspTransactionId: string) {
  const again = await stack.vipps.approve(pspTransactionId);
  const answer = again.makePaymentExchanges.at(-1)?.response as {
    paymentInfo: { status: string };
    errorMessage?: { errorId: string; errorText: string };
  };
  const payment = await merchantClient(stack).payment(pspTransactionId);
  return { outcome: again.outcome, answer, status: payment.body.status };
}

describe('3-D Secure challenge in headless Chromium', () => {
  it('the right code lands on the 3dssuccess URL and the payment ends RESERVED', async () => {
    const { pspTransactionId, url3dSecure } = await softDeclined();
    const { page, complaints } = await openChallenge(url3dSecure);

    await expect.poll(() => page.getByText('100,36\u00a0kr').count()).toBe(1);
    await expect.poll(() => page.getByText('Demo Sokker AS').count()).toBe(1);
    // The inline stylesheet passed the CSP (its hash is pinned): the button is styled, not default.
    const confirm = page.getByRole('button', { name: 'Confirm' });
    // (This project compiles without the DOM typings, hence the casts in browser-side code.)
    const radius = await confirm.evaluate(
      (button) =>
        (
          globalThis as unknown as { getComputedStyle(e: unknown): { borderRadius: string } }
        ).getComputedStyle(button).borderRadius,
    );
    expect(radius).toBe('12px');
    // Mobile-first: nothing wider than the phone.
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
      PHONE.width,
    );

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    await page.getByLabel('One-time code').fill('1234');
    await Promise.all([page.waitForURL(/\/mobileintercept\?/), confirm.click()]);
    expect(page.url()).toBe(operationUrl(pspTransactionId, 'OK'));
    await expect.poll(() => page.getByText('Back in the Vipps app.').count()).toBe(1);
    expect(complaints).toEqual([]);

    // Back to the page: the form was single use.
    const back = await page.goto(url3dSecure);
    expect(back?.status()).toBe(409);
    expect(await page.getByRole('heading').first().textContent()).toBe('Already finished');
    await page.screenshot({ path: join(ARTIFACTS, 'three-ds-already-finished.png'), fullPage: true });
    await page.close();

    const resent = await vippsResends(pspTransactionId);
    expect(resent.outcome).toBe('OK');
    expect(resent.status).toBe('RESERVED');
  });

  it('a wrong code lands on the 3dsfailure URL and the payment fails with 82', async () => {
    const { pspTransactionId, url3dSecure } = await softDeclined();
    const { page, complaints } = await openChallenge(url3dSecure);
    await page.getByLabel('One-time code').fill('0000');
    await Promise.all([
      page.waitForURL(/\/mobileintercept\?/),
      page.getByRole('button', { name: 'Confirm' }).click(),
    ]);
    expect(page.url()).toBe(operationUrl(pspTransactionId, 'FAIL'));
    expect(complaints).toEqual([]);
    await page.close();

    const resent = await vippsResends(pspTransactionId);
    expect(resent.outcome).toBe('FAIL');
    expect(resent.answer.errorMessage?.errorId).toBe('82');
    expect(resent.status).toBe('FAILED');
  });

  it('Cancel (without typing a code) lands on the 3dscancel URL and the payment fails with 72', async () => {
    const { pspTransactionId, url3dSecure } = await softDeclined();
    const { page, complaints } = await openChallenge(url3dSecure);
    await Promise.all([
      page.waitForURL(/\/mobileintercept\?/),
      page.getByRole('button', { name: 'Cancel payment' }).click(),
    ]);
    expect(page.url()).toBe(operationUrl(pspTransactionId, 'CANCEL'));
    expect(complaints).toEqual([]);
    await page.close();

    const resent = await vippsResends(pspTransactionId);
    expect(resent.outcome).toBe('FAIL');
    expect(resent.answer.errorMessage).toMatchObject({ errorId: '72', errorText: '3-D Secure cancelled' });
    expect(resent.status).toBe('FAILED');
  });

  it('the browser will not submit an empty code (Confirm needs one; nothing is sent)', async () => {
    const { url3dSecure } = await softDeclined();
    const { page } = await openChallenge(url3dSecure);
    const posts: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST') posts.push(request.url());
    });
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.waitForTimeout(300);
    expect(posts).toEqual([]);
    expect(
      await page
        .getByLabel('One-time code')
        .evaluate(
          (input) => (input as unknown as { validity: { valueMissing: boolean } }).validity.valueMissing,
        ),
    ).toBe(true);
    await page.close();
  });
});
