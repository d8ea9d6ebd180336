/**
 * Issue 11 item 4 in a real browser: an ePayment payment (MSN 234567) soft-declined by the card
 * callback opens our 3-D Secure page (the same session as PSP API v3) in headless Chromium; the
 * right code at the bank (in its iframe, EMV 3-D Secure) ends at Vipps' softDeclineCompletedRedirectUrl, and Vipps' second callback (same
 * authorizationAttemptId, a new cryptogram) is answered RESERVE. No skipping without Chromium.
 */
import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signVippsRequest } from '../../lambdas/adapters/vipps/shared/hmac-signature.js';
import { testTokenForAmount } from '../../local/vipps-simulator/index.js';
import { launchChromium, phoneContext } from '../support/browser.js';
import { type LocalStack, bootLocalStack, merchantClient, newOrderId } from '../support/local-stack.js';

let stack: LocalStack;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  stack = await bootLocalStack();
  browser = await launchChromium();
  context = await phoneContext(browser);
});
afterAll(async () => {
  await context?.close();
  await browser?.close();
  await stack?.stop();
});

async function callback(body: Record<string, unknown>) {
  const url = `${stack.baseUrl}/vipps/card-callback`;
  const text = JSON.stringify(body);
  const signed = signVippsRequest({ url, body: text, secret: 'local-client-secret', date: new Date() });
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'x-ms-date': signed['x-ms-date'],
      'x-ms-content-sha256': signed['x-ms-content-sha256'],
      Authorization: signed.authorization,
    },
    body: text,
  });
  return (await response.json()) as Record<string, unknown>;
}

describe('ePayment soft decline through 3-D Secure in headless Chromium', () => {
  it('10036 → SOFT_DECLINE → code 1234 → softDeclineCompletedRedirectUrl → second callback → RESERVE', async () => {
    const created = await merchantClient(stack).createPayment({
      merchantSerialNumber: stack.ePaymentSerialNumber,
      merchantOrderId: newOrderId('ep3ds'),
      amount: 10_036,
    });
    const reference = created.body.pspTransactionId;
    const completed = `${stack.vipps.baseUrl}/mobileintercept?transactionId=${reference}&responsecode=OK`;
    const token = testTokenForAmount(10_036);
    const body = (cryptogram: string) => ({
      pspReference: reference,
      authorizationAttemptId: 'attempt-1',
      merchantSerialNumber: stack.ePaymentSerialNumber,
      amount: { currency: 'NOK', value: 10_036 },
      softDeclineCompletedRedirectUrl: completed,
      cardInfo: { cardType: 'VISA-DEBIT', cardDataType: 'TOKEN', networkToken: { ...token, cryptogram } },
    });

    const first = await callback(body(token.cryptogram));
    expect(first).toMatchObject({ status: 'SOFT_DECLINE' });
    const page = await context.newPage();
    expect((await page.goto(String(first.softDeclineUrl)))?.status()).toBe(200);
    await expect.poll(() => page.title()).toBe('Confirm your payment');
    // EMV 3-D Secure: the bank's challenge runs in the iframe our page opened.
    const bank = page.frameLocator('iframe[name="acs"]');
    await expect.poll(() => bank.getByText('Simulated bank').count(), { timeout: 15_000 }).toBe(1);
    await bank.getByLabel('Code').fill('1234');
    await Promise.all([
      page.waitForURL(/\/mobileintercept\?/),
      bank.getByRole('button', { name: 'Confirm' }).click(),
    ]);
    expect(page.url()).toBe(completed);
    await page.close();

    const second = await callback(body(randomBytes(20).toString('base64')));
    expect(second).toMatchObject({ status: 'RESERVE', networkTransactionReference: expect.any(String) });
    expect((await merchantClient(stack).payment(reference)).body.status).toBe('RESERVED');
  });
});
