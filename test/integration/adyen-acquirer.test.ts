/**
 * The production Adyen adapter (Adyen's Node library + our fetch client) against the Adyen
 * simulator over real HTTP: the networkToken + mpiData request the simulator validates against
 * Checkout v72's schema, the refusal-reason table, Idempotency-Key, asynchronous modifications
 * (`received` → pending) and the red paths (no answer, 5xx, HTML, unknown code).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdyenAcquirer } from '../../lambdas/adapters/acquirer/adyen/adyen-acquirer.js';
import { adyenRefusalReasons } from '../../lambdas/adapters/acquirer/adyen/refusal-reasons.js';
import { sandboxAmounts } from '../../lambdas/adapters/acquirer/sandbox-outcomes.js';
import { AcquirerRefusedError, AcquirerUnavailableError } from '../../lambdas/core/errors.js';
import type { AuthorisationRequest, CardCredentials, Log } from '../../lambdas/core/ports.js';
import { type AdyenSimulator, startAdyenSimulator } from '../../local/simulators/adyen/index.js';

const API_KEY = 'adyen-test-key';
const MERCHANT = 'PspTestAccount';
const visaToken: CardCredentials = {
  kind: 'NETWORK_TOKEN',
  number: '4895370013193500',
  expiryMonth: '5',
  expiryYear: '25',
  cryptogram: 'AlhlvxmN2ZKuAAESNFZ4GoABFA==',
  eci: '7',
  tokenType: 'VISA',
};
const mastercard: CardCredentials = {
  ...visaToken,
  number: '5226603115488031',
  tokenType: 'MASTERCARD',
  eci: '06',
};
const threeDs = {
  cavv: 'AAABBEg0VhI0VniQEjRWAAAAAAA=',
  eci: '02',
  threeDsTransactionId: 'ds-1',
  version: '2.2.0',
};

let sim: AdyenSimulator;
let counter = 0;
const warnings: string[] = [];
const log: Log = {
  debug: () => undefined,
  info: () => undefined,
  error: (m, ...e) => warnings.push(m + JSON.stringify(e)),
  warn: (m, ...e) => warnings.push(m + JSON.stringify(e)),
};
const adyen = (fetchOverride?: typeof fetch) =>
  new AdyenAcquirer({
    merchantAccount: MERCHANT,
    environment: 'TEST',
    apiKey: () => Promise.resolve(API_KEY),
    timeoutMs: 2_000,
    checkoutUrl: sim.baseUrl,
    log,
    ...(fetchOverride ? { fetch: fetchOverride } : {}),
  });
const request = (
  amount: number,
  card = visaToken,
  extra: Partial<AuthorisationRequest> = {},
): AuthorisationRequest => {
  const pspTransactionId = `adyen-${Date.now()}-${++counter}`;
  return {
    pspTransactionId,
    merchantSerialNumber: '123456',
    amount,
    currency: 'NOK',
    card,
    ...extra,
    idempotencyKey: extra.idempotencyKey ?? pspTransactionId,
  };
};
const signal = () => ({ signal: AbortSignal.timeout(1_000) });

beforeAll(async () => {
  sim = await startAdyenSimulator({
    apiKey: API_KEY,
    hmacKeyHex: '00112233',
    merchantAccount: MERCHANT,
    holdWebhooks: true,
  });
});
afterAll(() => sim.close());

describe('Adyen adapter against the Adyen simulator', () => {
  it('authorises a networkToken with its TAVV in mpiData; funding comes from Adyen’s answer', async () => {
    const debit = await adyen().authorise(request(10_000), signal());
    expect(debit).toMatchObject({ outcome: 'APPROVED', funding: 'DEBIT' });
    const credit = await adyen().authorise(request(sandboxAmounts.creditCard), signal());
    expect(credit).toMatchObject({ outcome: 'APPROVED', funding: 'CREDIT' });
    expect(sim.rejected).toEqual([]);
  });

  it.each([
    [sandboxAmounts.noSuchIssuer, 'NO_SUCH_ISSUER'],
    [sandboxAmounts.refused, 'REFUSED'],
    [sandboxAmounts.suspectedFraud, 'SUSPECTED_FRAUD'],
    [sandboxAmounts.exceedsLimit, 'EXCEEDS_LIMIT'],
    [sandboxAmounts.expiredCard, 'EXPIRED_CARD'],
    [sandboxAmounts.invalidCardNumber, 'INVALID_CARD_NUMBER'],
    [sandboxAmounts.insufficientFunds, 'INSUFFICIENT_FUNDS'],
  ])('amount %s is refused with Adyen’s reason, mapped to %s', async (amount, reason) => {
    const result = await adyen().authorise(request(amount), signal());
    expect(result).toMatchObject({ outcome: 'DECLINED', reason });
    if (result.outcome === 'DECLINED') expect(adyenRefusalReasons[result.responseCode!]).toBeDefined();
  });

  it('"Authentication required" (38) steps up; again after 3-D Secure it cannot (→ 94)', async () => {
    expect(await adyen().authorise(request(2_200, mastercard), signal())).toMatchObject({
      outcome: 'SOFT_DECLINE',
      canStepUp: true,
      responseCode: '38',
    });
    expect(await adyen().authorise(request(2_200, mastercard, { threeDs }), signal())).toMatchObject({
      outcome: 'APPROVED',
    });
    expect(
      await adyen().authorise(request(sandboxAmounts.softDeclineNoStepUp, visaToken, { threeDs }), signal()),
    ).toMatchObject({ outcome: 'SOFT_DECLINE', canStepUp: false });
    expect(sim.rejected).toEqual([]);
  });

  it('the same authorisation twice (Idempotency-Key) is one payment at Adyen', async () => {
    const req = request(10_000);
    const first = await adyen().authorise(req, signal());
    const second = await adyen().authorise(req, signal());
    expect(second).toEqual(first);
    expect(sim.ledger.authorisations(req.pspTransactionId)).toHaveLength(1);
  });

  it('no answer or 5xx → TIMEOUT (85); the lost authorisation is cancelled by our reference', async () => {
    sim.faults.failNext('payments', 'timeout');
    const req = request(10_000);
    expect(await adyen().authorise(req, { signal: AbortSignal.timeout(300) })).toEqual({
      outcome: 'TIMEOUT',
    });
    expect(sim.ledger.balance(req.pspTransactionId).held).toBe(10_000);
    expect(
      await adyen().reverse({ pspTransactionId: req.pspTransactionId, amount: 10_000, currency: 'NOK' }),
    ).toEqual({ reversed: true });
    expect(sim.ledger.balance(req.pspTransactionId).held).toBe(0);
    sim.faults.failNext('payments', '5xx');
    expect(await adyen().authorise(request(10_000), signal())).toEqual({ outcome: 'TIMEOUT' });
  });

  it('HTML, an unknown refusal code or a missing pspReference → ERROR (91), warned without card data', async () => {
    warnings.length = 0;
    sim.faults.failNext('payments', 'html');
    const html = await adyen().authorise(request(10_000), signal());
    expect(['ERROR', 'TIMEOUT']).toContain(html.outcome);
    const answering =
      (body: unknown): typeof fetch =>
      () =>
        Promise.resolve(new Response(JSON.stringify(body), { status: 200 }));
    expect(
      await adyen(
        answering({ resultCode: 'Refused', refusalReasonCode: '999', pspReference: 'X' }),
      ).authorise(request(10_000), signal()),
    ).toMatchObject({ outcome: 'ERROR' });
    expect(
      await adyen(answering({ resultCode: 'Authorised' })).authorise(request(10_000), signal()),
    ).toMatchObject({
      outcome: 'ERROR',
    });
    expect(warnings.join()).toContain('unknown refusalReasonCode 999');
    expect(warnings.join()).not.toContain(visaToken.number);
    expect(warnings.join()).not.toContain(visaToken.cryptogram);
  });

  it('captures, refunds and cancels are asynchronous: `received` → pending, outcome by webhook', async () => {
    const req = request(10_000);
    const approved = await adyen().authorise(req, signal());
    if (approved.outcome !== 'APPROVED') throw new Error('not approved');
    const op = (amount: number, id: string) => ({
      pspTransactionId: req.pspTransactionId,
      acquirerReference: approved.acquirerReference,
      amount,
      currency: 'NOK' as const,
      operationId: id,
    });
    const capture = await adyen().capture(op(6_000, `${req.pspTransactionId}-cap-1`));
    expect(capture.pending).toBe(true);
    const webhooks = sim.pendingWebhooks();
    expect(webhooks.at(-1)).toMatchObject({
      eventCode: 'CAPTURE',
      success: 'true',
      merchantReference: `${req.pspTransactionId}-cap-1`,
      originalReference: approved.acquirerReference,
    });
    expect(webhooks.at(-1)?.additionalData?.hmacSignature).toBeTruthy();
    sim.faults.failNext('refund', '5xx');
    await expect(adyen().refund(op(1_000, 'r1'))).rejects.toBeInstanceOf(AcquirerUnavailableError);
    expect((await adyen().refund(op(1_000, 'r1'))).pending).toBe(true);
  });

  it('Adyen refusing a modification request (422) is AcquirerRefusedError', async () => {
    const answering: typeof fetch = () =>
      Promise.resolve(
        new Response(
          JSON.stringify({ status: 422, errorCode: '167', message: 'Original pspReference required' }),
          { status: 422 },
        ),
      );
    await expect(
      adyen(answering).capture({
        pspTransactionId: 'x',
        acquirerReference: 'X',
        amount: 1,
        currency: 'NOK',
        operationId: 'c',
      }),
    ).rejects.toBeInstanceOf(AcquirerRefusedError);
  });
});
