/**
 * The 3-D Secure step-up in a real browser: headless Chromium (test/support/browser.ts: CHROMIUM_PATH,
 * Debian's, or @sparticuz/chromium's; driven by playwright-core) plays the Vipps app's web view against the whole local stack (real handlers behind the API
 * Gateway stand-in, dynalite, KMS emulator, sandbox acquirer, Vipps simulator).
 *
 * The Vipps simulator plays the app up to the web view: it calls our makePaymentUrl, gets
 * SOFT_DECLINE + url3dSecure and opens our page over plain HTTP. We hand it a code with letters,
 * which our form refuses (400, nothing changes), so the still-pending challenge is left for the
 * browser. Once the browser lands on the operations URL, the simulator sends makePayment again,
 * as Vipps does after 3-D Secure. No skipping: without Chromium this file fails.
 *
 * Framing: Vipps' guide draws the app opening the page in an iframe. Two pages on other local
 * origins frame it: the one FRAME_ANCESTORS allows (standing in for Vipps' domain) shows it, the
 * other is refused by the browser itself.
 */
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PHONE, launchChromium, phoneContext } from '../support/browser.js';
import { type LocalStack, bootLocalStack, merchantClient } from '../support/local-stack.js';

const ARTIFACTS = resolve(dirname(fileURLToPath(import.meta.url)), '../artifacts');
const SCREENSHOT = join(ARTIFACTS, 'three-ds-challenge.png');

let stack: LocalStack;
let browser: Browser;
let context: BrowserContext;
/** Pages on other local origins that put the 3-D Secure page in an iframe: one allowed, one not. */
let allowedFramer: Server;
let otherFramer: Server;

beforeAll(async () => {
  [allowedFramer, otherFramer] = await Promise.all([startFramer(), startFramer()]);
  // The allowed framer stands in for Vipps' own domain (FRAME_ANCESTORS, http on loopback locally).
  stack = await bootLocalStack({ env: { FRAME_ANCESTORS: `'self' ${originOf(allowedFramer)}` } });
  browser = await launchChromium();
  context = await phoneContext(browser);
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await stack?.stop();
  await Promise.all([allowedFramer, otherFramer].map((s) => s && new Promise((r) => s.close(r))));
});

/** A page that frames whatever `?src=` names, as a web page (or a web view's wrapper) would. */
async function startFramer(): Promise<Server> {
  const server = createServer((request, response) => {
    const src = new URL(request.url ?? '/', 'http://x').searchParams.get('src') ?? '';
    const attribute = src.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end(
      `<!doctype html><title>framer</title><iframe src="${attribute}" width="390" height="700"></iframe>`,
    );
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return server;
}

const originOf = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

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

    // Back to the page: the session has ended, so it sends the shopper on to where it ended.
    const back = await page.goto(url3dSecure);
    expect(page.url()).toBe(operationUrl(pspTransactionId, 'OK'));
    expect(back?.status()).toBe(200);
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

describe('framing (CSP frame-ancestors from FRAME_ANCESTORS)', () => {
  /** Open a framer page around the 3-D Secure page; the frame the browser made for it. */
  async function framedBy(framer: Server, url3dSecure: string) {
    const page = await context.newPage();
    const refusals: string[] = [];
    page.on('console', (message) => {
      if (/frame-ancestors/i.test(message.text())) refusals.push(message.text());
    });
    await page.goto(`${originOf(framer)}/?src=${encodeURIComponent(url3dSecure)}`);
    const frame = await (await page.waitForSelector('iframe')).contentFrame();
    await frame!.waitForLoadState('load');
    return { page, frame: frame!, refusals };
  }

  it('a page on an allowed origin can frame the challenge', async () => {
    const { url3dSecure } = await softDeclined();
    const { page, frame, refusals } = await framedBy(allowedFramer, url3dSecure);
    expect(frame.url()).toBe(url3dSecure);
    await expect.poll(() => frame.title()).toBe('Confirm your payment');
    expect(await frame.getByLabel('One-time code').count()).toBe(1);
    expect(refusals).toEqual([]);
    await page.close();
  });

  it('a page on any other origin cannot: the browser refuses to show it', async () => {
    const { url3dSecure } = await softDeclined();
    const { page, frame, refusals } = await framedBy(otherFramer, url3dSecure);
    // Chromium swaps a refused frame for its own error page; nothing of ours is shown.
    expect(frame.url()).not.toBe(url3dSecure);
    expect(await frame.getByLabel('One-time code').count()).toBe(0);
    await expect.poll(() => refusals.length).toBeGreaterThan(0);
    // …and says why: our page's policy, which names only ourselves and the allowed origin.
    expect(refusals[0]).toContain(`frame-ancestors 'self' ${originOf(allowedFramer)}`);
    await page.close();
  });
});
