/**
 * The EMV 3-D Secure step-up in a real browser: headless Chromium (test/support/browser.ts:
 * CHROMIUM_PATH, Debian's, or @sparticuz/chromium's; driven by playwright-core) plays the Vipps
 * app's web view against the whole local stack (real handlers behind the API Gateway stand-in,
 * dynalite, KMS emulator, sandbox acquirer, Vipps simulator) and the simulated 3DS server + ACS,
 * which the production 3dsecure.io adapter talks to.
 *
 * The Vipps simulator calls our makePaymentUrl and gets SOFT_DECLINE + url3dSecure; it leaves the
 * page to the browser (threeDsAction abandon), which runs it for real: 3DS Method in a hidden
 * iframe, browser data, AReq, the bank's challenge in an iframe, CRes, postauth. Once the browser
 * lands on the operations URL, the simulator sends makePayment again, as Vipps does after
 * 3-D Secure. Screenshots at phone size go to test/artifacts/. No skipping: without Chromium this
 * file fails.
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

/** A sandbox payment (10036 → soft decline) whose 3-D Secure page the app leaves to the browser. */
async function softDeclined(amount = 10036): Promise<{ pspTransactionId: string; url3dSecure: string }> {
  const created = await merchantClient(stack).createPayment({ amount });
  expect(created.status).toBe(201);
  const { pspTransactionId } = created.body;
  const first = await stack.vipps.approve(pspTransactionId, { simulate: { threeDsAction: 'abandon' } });
  expect(first.outcome).toBe('SOFT_DECLINE');
  expect(first.threeDs?.steps).toEqual([]);
  return { pspTransactionId, url3dSecure: first.threeDs!.url3dSecure };
}

/** Open the page as the app's web view does; collect complaints and count the browser's requests. */
async function openPage(url3dSecure: string) {
  const page = await context.newPage();
  const complaints: string[] = [];
  const requests: string[] = [];
  page.on('console', (message) => {
    const ours =
      message.location().url.startsWith(stack.baseUrl) || /Content Security Policy/i.test(message.text());
    if (ours && (message.type() === 'error' || message.type() === 'warning')) complaints.push(message.text());
  });
  page.on('pageerror', (error) => complaints.push(error.message));
  page.on('request', (request) => requests.push(`${request.method()} ${request.url()}`));
  const started = Date.now();
  await page.goto(url3dSecure);
  return { page, complaints, requests, started };
}

const operationUrl = (pspTransactionId: string, code: 'OK' | 'FAIL' | 'CANCEL') =>
  `${stack.vipps.baseUrl}/mobileintercept?transactionId=${pspTransactionId}&responsecode=${code}`;

/** The bank's challenge, in the iframe our page opened. */
const bank = (page: Page) => page.frameLocator('iframe[name="acs"]');

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

describe('EMV 3-D Secure in headless Chromium (PSP API v3)', () => {
  it('challenge: 3DS Method, then code 1234 at the bank in the iframe → 3dssuccess → RESERVED', async () => {
    const { pspTransactionId, url3dSecure } = await softDeclined();
    const { page, complaints } = await openPage(url3dSecure);
    await expect.poll(() => bank(page).getByText('Simulated bank').count(), { timeout: 15_000 }).toBe(1);
    // The AReq went out after the ACS's 3DS Method notification, with what the page measured.
    const tx = stack.threeDs.transactions().at(-1)!;
    expect(tx.methodServed).toBe(true);
    expect(tx.areq).toMatchObject({
      threeDSCompInd: 'Y',
      browserJavascriptEnabled: true,
      browserScreenWidth: String(PHONE.width),
      acctNumber: expect.stringMatching(/^\d{16}$/) as string,
    });
    expect(tx.creq).toMatchObject({ challengeWindowSize: '05' });
    // Full width on a phone: the bank's frame fills the page, nothing wider than the phone.
    const frameWidth = await page
      .locator('iframe[name="acs"]')
      .evaluate(
        (frame) =>
          (frame as unknown as { getBoundingClientRect(): { width: number } }).getBoundingClientRect().width,
      );
    expect(frameWidth).toBeGreaterThan(PHONE.width - 40);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
      PHONE.width,
    );
    // The fallback button is hidden because the script ran.
    expect(await page.getByRole('button', { name: 'Continue to your bank' }).isVisible()).toBe(false);
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'three-ds-challenge.png') });

    await bank(page).getByLabel('Code').fill('1234');
    await Promise.all([
      page.waitForURL(/\/mobileintercept\?/),
      bank(page).getByRole('button', { name: 'Confirm' }).click(),
    ]);
    expect(page.url()).toBe(operationUrl(pspTransactionId, 'OK'));
    expect(complaints).toEqual([]);
    await page.close();

    const resent = await vippsResends(pspTransactionId);
    expect(resent.outcome).toBe('OK');
    expect(resent.status).toBe('RESERVED');
    // The acquirer got the token cryptogram with the issuer's 3-D Secure result (RReq).
    const rreq = stack.threeDs
      .transactions()
      .find((t) => t.threeDSServerTransID === tx.threeDSServerTransID)!.rreq!;
    expect(stack.ledger.authorisations(pspTransactionId).map((a) => a.threeDs)).toEqual([
      {
        eci: rreq.eci,
        version: '2.2.0',
        dsTransactionId: rreq.dsTransID,
        withCavv: true,
        withCryptogram: true,
      },
    ]);
  });

  it('a wrong code → 3dsfailure → the payment fails with 82', async () => {
    const { pspTransactionId, url3dSecure } = await softDeclined();
    const { page, complaints } = await openPage(url3dSecure);
    await bank(page).getByLabel('Code').fill('0000');
    await Promise.all([
      page.waitForURL(/\/mobileintercept\?/),
      bank(page).getByRole('button', { name: 'Confirm' }).click(),
    ]);
    expect(page.url()).toBe(operationUrl(pspTransactionId, 'FAIL'));
    expect(complaints).toEqual([]);
    await page.close();
    const resent = await vippsResends(pspTransactionId);
    expect(resent.answer.errorMessage?.errorId).toBe('82');
    expect(resent.status).toBe('FAILED');
  });

  it('Cancel at the bank → 3dscancel → the payment fails with 72 "3-D Secure cancelled"', async () => {
    const { pspTransactionId, url3dSecure } = await softDeclined(2200); // Mastercard ECI 06
    const { page } = await openPage(url3dSecure);
    await Promise.all([
      page.waitForURL(/\/mobileintercept\?/),
      bank(page).getByRole('button', { name: 'Cancel' }).click(),
    ]);
    expect(page.url()).toBe(operationUrl(pspTransactionId, 'CANCEL'));
    await page.close();
    const resent = await vippsResends(pspTransactionId);
    expect(resent.answer.errorMessage).toMatchObject({ errorId: '72', errorText: '3-D Secure cancelled' });
  });

  it('frictionless without a 3DS Method: straight to 3dssuccess, nothing to do → RESERVED', async () => {
    stack.threeDs.setScenario({ method: 'absent', ares: 'Y' });
    try {
      const { pspTransactionId, url3dSecure } = await softDeclined();
      const { page, requests, started, complaints } = await openPage(url3dSecure);
      await page.waitForURL(/\/mobileintercept\?/);
      const elapsedMs = Date.now() - started;
      expect(page.url()).toBe(operationUrl(pspTransactionId, 'OK'));
      // GET the page, POST the browser data (302), GET Vipps' URL: two round trips to us.
      const ours = requests.filter((r) => r.includes(stack.baseUrl));
      expect(ours).toHaveLength(2);
      console.info(`frictionless: page open → redirect ${elapsedMs} ms, ${ours.length} round trips to us`);
      expect(elapsedMs).toBeLessThan(3_000);
      expect(complaints).toEqual([]);
      await page.close();
      expect((await vippsResends(pspTransactionId)).status).toBe('RESERVED');
    } finally {
      stack.threeDs.setScenario(undefined);
    }
  });

  it('a 3DS Method that never answers: after 10 s the page goes on (threeDSCompInd N)', async () => {
    stack.threeDs.setScenario({ method: 'timeout' });
    try {
      const { url3dSecure } = await softDeclined();
      const { page } = await openPage(url3dSecure);
      await expect.poll(() => page.locator('.progress').count()).toBe(1);
      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'three-ds-method.png') });
      await expect.poll(() => bank(page).getByText('Simulated bank').count(), { timeout: 15_000 }).toBe(1);
      expect(stack.threeDs.transactions().at(-1)!.areq).toMatchObject({ threeDSCompInd: 'N' });
      await page.close();
    } finally {
      stack.threeDs.setScenario(undefined);
    }
  }, 30_000);

  it('an ACS that cannot be reached: the page sends the shopper to 3dsfailure, never a dead frame', async () => {
    stack.threeDs.setScenario({ acsUrl: 'http://127.0.0.1:9/challenge' });
    try {
      const { pspTransactionId, url3dSecure } = await softDeclined();
      const { page } = await openPage(url3dSecure);
      await page.waitForURL(/\/mobileintercept\?/, { timeout: 15_000 });
      expect(page.url()).toBe(operationUrl(pspTransactionId, 'FAIL'));
      await page.close();
      expect((await vippsResends(pspTransactionId)).status).toBe('FAILED');
    } finally {
      stack.threeDs.setScenario(undefined);
    }
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
    // The whole flow runs inside the frame: the bank's challenge shows up in it.
    await expect.poll(() => frame.locator('iframe[name="acs"]').count(), { timeout: 15_000 }).toBe(1);
    expect(refusals).toEqual([]);
    await page.close();
  });

  it('a page on any other origin cannot: the browser refuses to show it', async () => {
    const { url3dSecure } = await softDeclined();
    const { page, frame, refusals } = await framedBy(otherFramer, url3dSecure);
    // Chromium swaps a refused frame for its own error page; nothing of ours is shown.
    expect(frame.url()).not.toBe(url3dSecure);
    expect(await frame.locator('iframe[name="acs"]').count()).toBe(0);
    await expect.poll(() => refusals.length).toBeGreaterThan(0);
    // …and says why: our page's policy, which names only ourselves and the allowed origin.
    expect(refusals[0]).toContain(`frame-ancestors 'self' ${originOf(allowedFramer)}`);
    await page.close();
  });
});
