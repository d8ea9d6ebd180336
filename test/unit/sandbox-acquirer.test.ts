import { describe, expect, it } from 'vitest';
import {
  SandboxAcquirer,
  SandboxLedger,
  sandboxAmounts,
  sandboxLedger,
} from '../../lambdas/adapters/acquirer/sandbox-acquirer.js';
import { createBinRangeLookup } from '../../lambdas/adapters/card-funding/bin-range-lookup.js';
import { AcquirerRefusedError, AcquirerUnavailableError } from '../../lambdas/core/errors.js';
import type {
  AuthorisationRequest,
  CardCredentials,
  ThreeDsAuthentication,
} from '../../lambdas/core/ports.js';

const visaToken: CardCredentials = {
  kind: 'NETWORK_TOKEN',
  number: '4895370013193500',
  expiryMonth: '05',
  expiryYear: '25', // in the past on purpose, like Vipps' test tokens
  cryptogram: 'AlhlvxmN2ZKuAAESNFZ4GoABFA==',
  eci: '07',
  tokenType: 'VISA',
};
const mastercardToken: CardCredentials = {
  kind: 'NETWORK_TOKEN',
  number: '5226603115488031',
  expiryMonth: '05',
  expiryYear: '25',
  cryptogram: 'AlhlvxmN2ZKuAAESNFZ4GoABFA==',
  eci: '06',
  tokenType: 'MASTERCARD',
};
const threeDs: ThreeDsAuthentication = {
  cavv: 'AAABBEg0VhI0VniQEjRWAAAAAAA=',
  eci: '02',
  threeDsTransactionId: 'f25084f0-5b16-4c0a-ae5d-b24808a95e4b',
  version: '2.2.0',
};

let counter = 0;
function request(amount: number, extra: Partial<AuthorisationRequest> = {}): AuthorisationRequest {
  const pspTransactionId = `tx-${++counter}`;
  return {
    pspTransactionId,
    idempotencyKey: pspTransactionId,
    merchantSerialNumber: '123456',
    amount,
    currency: 'NOK',
    card: visaToken,
    ...extra,
  };
}

const live = () => new AbortController().signal;

function setup() {
  const ledger = new SandboxLedger();
  return { ledger, acquirer: new SandboxAcquirer({ ledger }) };
}

describe('SandboxAcquirer authorise: amount rows', () => {
  it.each([
    [sandboxAmounts.noSuchIssuer, 'NO_SUCH_ISSUER'],
    [sandboxAmounts.refused, 'REFUSED'],
    [sandboxAmounts.suspectedFraud, 'SUSPECTED_FRAUD'],
    [sandboxAmounts.exceedsLimit, 'EXCEEDS_LIMIT'],
    [sandboxAmounts.expiredCard, 'EXPIRED_CARD'],
    [sandboxAmounts.invalidCardNumber, 'INVALID_CARD_NUMBER'],
    [sandboxAmounts.insufficientFunds, 'INSUFFICIENT_FUNDS'],
  ])('%i declines with %s and charges nothing', async (amount, reason) => {
    const { acquirer, ledger } = setup();
    const req = request(amount);
    const result = await acquirer.authorise(req, { signal: live() });
    expect(result).toMatchObject({ outcome: 'DECLINED', reason });
    expect(ledger.netCharged(req.pspTransactionId)).toBe(0);
  });

  it('amount rows win over the Mastercard ECI 06 row', async () => {
    const { acquirer } = setup();
    const declined = await acquirer.authorise(request(sandboxAmounts.refused, { card: mastercardToken }), {
      signal: live(),
    });
    expect(declined).toMatchObject({ outcome: 'DECLINED', reason: 'REFUSED' });
    const credit = await acquirer.authorise(request(sandboxAmounts.creditCard, { card: mastercardToken }), {
      signal: live(),
    });
    expect(credit).toMatchObject({ outcome: 'APPROVED', funding: 'CREDIT' });
    const noStepUp = await acquirer.authorise(
      request(sandboxAmounts.softDeclineNoStepUp, { card: mastercardToken }),
      {
        signal: live(),
      },
    );
    expect(noStepUp).toMatchObject({ outcome: 'SOFT_DECLINE', canStepUp: false });
  });

  it('10088 approves with funding CREDIT and holds the amount', async () => {
    const { acquirer, ledger } = setup();
    const req = request(sandboxAmounts.creditCard);
    const result = await acquirer.authorise(req, { signal: live() });
    expect(result).toMatchObject({ outcome: 'APPROVED', funding: 'CREDIT' });
    expect(ledger.netCharged(req.pspTransactionId)).toBe(10088);
  });

  it('10091 answers ERROR and charges nothing', async () => {
    const { acquirer, ledger } = setup();
    const req = request(sandboxAmounts.internalError);
    expect(await acquirer.authorise(req, { signal: live() })).toMatchObject({ outcome: 'ERROR' });
    expect(ledger.netCharged(req.pspTransactionId)).toBe(0);
  });

  it('10036 soft-declines with step-up, and approves once a 3-D Secure result comes with it', async () => {
    const { acquirer, ledger } = setup();
    const first = request(sandboxAmounts.softDecline);
    expect(await acquirer.authorise(first, { signal: live() })).toEqual({
      outcome: 'SOFT_DECLINE',
      canStepUp: true,
      responseCode: '1A',
    });
    expect(ledger.netCharged(first.pspTransactionId)).toBe(0);
    const after3ds = await acquirer.authorise(
      { ...first, idempotencyKey: `${first.pspTransactionId}-3ds`, threeDs },
      { signal: live() },
    );
    expect(after3ds).toMatchObject({ outcome: 'APPROVED' });
    expect(ledger.netCharged(first.pspTransactionId)).toBe(10036);
  });

  it('honours idempotency keys like a real acquirer: a repeated key replays the first answer, even with a 3DS result', async () => {
    const { acquirer, ledger } = setup();
    const first = request(sandboxAmounts.softDecline);
    await acquirer.authorise(first, { signal: live() });
    expect(await acquirer.authorise({ ...first, threeDs }, { signal: live() })).toMatchObject({
      outcome: 'SOFT_DECLINE',
    });
    expect(ledger.events(first.pspTransactionId)).toHaveLength(1);

    const approved = request(25_000);
    const answer = await acquirer.authorise(approved, { signal: live() });
    expect(await acquirer.authorise(approved, { signal: live() })).toEqual(answer);
    expect(ledger.authorisations(approved.pspTransactionId)).toHaveLength(1);

    const reused = await acquirer.authorise(
      { ...approved, pspTransactionId: 'another-payment' },
      { signal: live() },
    );
    expect(reused).toMatchObject({ outcome: 'ERROR' });
    expect(ledger.authorisations('another-payment')).toHaveLength(0);
  });

  it('10036 with a 3-D Secure object but no CAVV is still a soft decline', async () => {
    const { acquirer } = setup();
    const result = await acquirer.authorise(
      request(sandboxAmounts.softDecline, { threeDs: { ...threeDs, cavv: '' } }),
      {
        signal: live(),
      },
    );
    expect(result).toMatchObject({ outcome: 'SOFT_DECLINE', canStepUp: true });
  });

  it('10094 soft-declines without step-up, even after 3-D Secure', async () => {
    const { acquirer } = setup();
    for (const extra of [{}, { threeDs }]) {
      const result = await acquirer.authorise(request(sandboxAmounts.softDeclineNoStepUp, extra), {
        signal: live(),
      });
      expect(result).toMatchObject({ outcome: 'SOFT_DECLINE', canStepUp: false });
    }
  });
});

describe('SandboxAcquirer authorise: Mastercard ECI 06', () => {
  it.each(['06', '6'])(
    'a Mastercard token with ECI %s and no 3DS soft-declines with step-up',
    async (eci) => {
      const { acquirer } = setup();
      const result = await acquirer.authorise(request(2200, { card: { ...mastercardToken, eci } }), {
        signal: live(),
      });
      expect(result).toEqual({ outcome: 'SOFT_DECLINE', canStepUp: true, responseCode: '65' });
    },
  );

  it('approves the same Mastercard token once a 3-D Secure result is sent', async () => {
    const { acquirer } = setup();
    const result = await acquirer.authorise(request(2200, { card: mastercardToken, threeDs }), {
      signal: live(),
    });
    expect(result).toMatchObject({ outcome: 'APPROVED', funding: 'DEBIT' });
  });

  it('approves a Mastercard token with another ECI, and a Visa token with ECI 06', async () => {
    const { acquirer } = setup();
    const mc = await acquirer.authorise(request(4300, { card: { ...mastercardToken, eci: '02' } }), {
      signal: live(),
    });
    expect(mc.outcome).toBe('APPROVED');
    const visa = await acquirer.authorise(request(4300, { card: { ...visaToken, eci: '06' } }), {
      signal: live(),
    });
    expect(visa.outcome).toBe('APPROVED');
  });
});

describe('SandboxAcquirer authorise: anything else', () => {
  it('approves with a unique acquirer reference, whatever the (expired) token expiry', async () => {
    const { acquirer } = setup();
    const a = await acquirer.authorise(
      request(4400, { card: { ...visaToken, expiryYear: '22', expiryMonth: '12' } }),
      {
        signal: live(),
      },
    );
    const b = await acquirer.authorise(request(4400), { signal: live() });
    expect(a).toMatchObject({ outcome: 'APPROVED', funding: 'DEBIT', responseCode: '00' });
    expect(b.outcome).toBe('APPROVED');
    if (a.outcome !== 'APPROVED' || b.outcome !== 'APPROVED') throw new Error('unreachable');
    expect(a.acquirerReference).not.toBe(b.acquirerReference);
  });

  it('reports the funding the BIN table knows (CREDIT test range), DEBIT when unknown', async () => {
    const { acquirer } = setup();
    const credit = await acquirer.authorise(
      request(5000, { card: { ...visaToken, number: '5520001234567890' } }),
      {
        signal: live(),
      },
    );
    expect(credit).toMatchObject({ outcome: 'APPROVED', funding: 'CREDIT' });
    const pan = await acquirer.authorise(
      request(5000, { card: { kind: 'PAN', pan: '6011000990139424', expiryMonth: '12', expiryYear: '30' } }),
      { signal: live() },
    );
    expect(pan).toMatchObject({ outcome: 'APPROVED', funding: 'DEBIT' });
  });

  it('takes its funding lookup from the options', async () => {
    const ledger = new SandboxLedger();
    const cardFunding = createBinRangeLookup([{ from: '489537', to: '489537', funding: 'CREDIT' }]);
    const acquirer = new SandboxAcquirer({ ledger, cardFunding });
    expect(await acquirer.authorise(request(5000), { signal: live() })).toMatchObject({ funding: 'CREDIT' });
  });
});

describe('SandboxAcquirer: 10085 and timeouts', () => {
  it('10085 waits for the AbortSignal, answers TIMEOUT, leaves a late approval that only reverse() releases', async () => {
    const { acquirer, ledger } = setup();
    const req = request(sandboxAmounts.noAnswer);
    const controller = new AbortController();
    let settled = false;
    const pending = acquirer.authorise(req, { signal: controller.signal }).then((r) => {
      settled = true;
      return r;
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(settled).toBe(false); // no answer while the budget lasts
    controller.abort();
    expect(await pending).toEqual({ outcome: 'TIMEOUT' });

    const [auth] = ledger.authorisations(req.pspTransactionId);
    expect(auth).toMatchObject({ late: true, amount: 10085 });
    expect(ledger.netCharged(req.pspTransactionId)).toBe(10085); // the issuer approved after all

    expect(await acquirer.reverse(req)).toEqual({ reversed: true });
    expect(ledger.netCharged(req.pspTransactionId)).toBe(0);
    expect(await acquirer.reverse(req)).toEqual({ reversed: true }); // idempotent
    expect(ledger.events(req.pspTransactionId).filter((e) => e.type === 'REVERSAL')).toHaveLength(1);
  });

  it('an already-aborted signal answers TIMEOUT at once', async () => {
    const { acquirer } = setup();
    expect(
      await acquirer.authorise(request(sandboxAmounts.noAnswer), { signal: AbortSignal.abort() }),
    ).toEqual({
      outcome: 'TIMEOUT',
    });
  });

  it('latency longer than the budget answers TIMEOUT; the approval still happened late', async () => {
    const ledger = new SandboxLedger();
    const acquirer = new SandboxAcquirer({ ledger, latencyMs: 5_000 });
    const req = request(5000);
    const started = Date.now();
    expect(await acquirer.authorise(req, { signal: AbortSignal.timeout(50) })).toEqual({
      outcome: 'TIMEOUT',
    });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(ledger.netCharged(req.pspTransactionId)).toBe(5000);
    await new SandboxAcquirer({ ledger }).reverse(req); // the reconciler's own instance, no latency
    expect(ledger.netCharged(req.pspTransactionId)).toBe(0);
  });

  it('latency within the budget still answers', async () => {
    const acquirer = new SandboxAcquirer({ ledger: new SandboxLedger(), latencyMs: 20 });
    expect((await acquirer.authorise(request(5000), { signal: AbortSignal.timeout(5_000) })).outcome).toBe(
      'APPROVED',
    );
  });

  it('reverse() answers reversed: false when nothing was authorised, and leaves captured authorisations alone', async () => {
    const { acquirer, ledger } = setup();
    expect(await acquirer.reverse({ pspTransactionId: 'never-seen', amount: 100, currency: 'NOK' })).toEqual({
      reversed: false,
    });
    const declined = request(sandboxAmounts.refused);
    await acquirer.authorise(declined, { signal: live() });
    expect(await acquirer.reverse(declined)).toEqual({ reversed: false });

    const req = request(3000);
    const auth = await acquirer.authorise(req, { signal: live() });
    if (auth.outcome !== 'APPROVED') throw new Error('expected approval');
    await acquirer.capture({ ...op(req, auth.acquirerReference, 3000) });
    expect(await acquirer.reverse(req)).toEqual({ reversed: false });
    expect(ledger.netCharged(req.pspTransactionId)).toBe(3000);
  });
});

function op(
  req: AuthorisationRequest,
  acquirerReference: string,
  amount: number,
  operationId: string = crypto.randomUUID(),
) {
  return {
    pspTransactionId: req.pspTransactionId,
    acquirerReference,
    amount,
    currency: 'NOK' as const,
    operationId,
  };
}

async function approved(acquirer: SandboxAcquirer, amount: number) {
  const req = request(amount);
  const result = await acquirer.authorise(req, { signal: live() });
  if (result.outcome !== 'APPROVED') throw new Error(`expected approval, got ${result.outcome}`);
  return { req, reference: result.acquirerReference };
}

describe('SandboxAcquirer capture / refund / cancel', () => {
  it('captures partially and repeatedly up to the authorised amount, then refuses', async () => {
    const { acquirer, ledger } = setup();
    const { req, reference } = await approved(acquirer, 1000);
    const first = await acquirer.capture(op(req, reference, 400));
    const second = await acquirer.capture(op(req, reference, 600));
    expect(first.acquirerReference).not.toBe(second.acquirerReference);
    await expect(acquirer.capture(op(req, reference, 1))).rejects.toBeInstanceOf(AcquirerRefusedError);
    expect(ledger.balance(req.pspTransactionId)).toMatchObject({ captured: 1000, held: 0, netCharged: 1000 });
  });

  it('refunds at most what was captured and not yet refunded', async () => {
    const { acquirer, ledger } = setup();
    const { req, reference } = await approved(acquirer, 1000);
    await expect(acquirer.refund(op(req, reference, 100))).rejects.toBeInstanceOf(AcquirerRefusedError);
    await acquirer.capture(op(req, reference, 1000));
    await acquirer.refund(op(req, reference, 700));
    await expect(acquirer.refund(op(req, reference, 301))).rejects.toThrow(/300 captured and not refunded/);
    await acquirer.refund(op(req, reference, 300));
    expect(ledger.netCharged(req.pspTransactionId)).toBe(0);
  });

  it('cancels (voids) what is still held, not twice, and not a fully captured authorisation', async () => {
    const { acquirer, ledger } = setup();
    const { req, reference } = await approved(acquirer, 1000);
    await acquirer.cancel(op(req, reference, 1000));
    expect(ledger.netCharged(req.pspTransactionId)).toBe(0);
    await expect(acquirer.cancel(op(req, reference, 1000))).rejects.toBeInstanceOf(AcquirerRefusedError);
    await expect(acquirer.capture(op(req, reference, 100))).rejects.toBeInstanceOf(AcquirerRefusedError);

    // After a partial capture the void releases the remainder; the capture stays refundable.
    const other = await approved(acquirer, 1000);
    await acquirer.capture(op(other.req, other.reference, 100));
    await acquirer.cancel(op(other.req, other.reference, 900));
    expect(ledger.balance(other.req.pspTransactionId)).toMatchObject({ captured: 100, held: 0 });
    expect(ledger.events(other.req.pspTransactionId).at(-1)).toMatchObject({ type: 'VOID', amount: 900 });
    await acquirer.refund(op(other.req, other.reference, 100));
    expect(ledger.netCharged(other.req.pspTransactionId)).toBe(0);

    const full = await approved(acquirer, 1000);
    await acquirer.capture(op(full.req, full.reference, 1000));
    await expect(acquirer.cancel(op(full.req, full.reference, 0))).rejects.toThrow(/fully captured/);
  });

  it('refuses an unknown authorisation reference, or one of another payment', async () => {
    const { acquirer } = setup();
    const { req, reference } = await approved(acquirer, 1000);
    await expect(acquirer.capture(op(req, 'RRN-nope', 100))).rejects.toBeInstanceOf(AcquirerRefusedError);
    await expect(
      acquirer.capture({ ...op(req, reference, 100), pspTransactionId: 'someone-else' }),
    ).rejects.toBeInstanceOf(AcquirerRefusedError);
  });

  it('is idempotent by operationId: a repeat returns the first result and applies nothing', async () => {
    const { acquirer, ledger } = setup();
    const { req, reference } = await approved(acquirer, 1000);
    const capture = op(req, reference, 600, 'capture-1');
    const [a, b] = await Promise.all([acquirer.capture(capture), acquirer.capture(capture)]);
    const c = await acquirer.capture(capture);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(ledger.balance(req.pspTransactionId).captured).toBe(600);

    const refund = op(req, reference, 200, 'refund-1');
    const r1 = await acquirer.refund(refund);
    expect(await acquirer.refund(refund)).toEqual(r1);
    expect(ledger.balance(req.pspTransactionId).refunded).toBe(200);

    // The same id for a different operation is refused rather than silently replayed.
    await expect(acquirer.capture({ ...capture, amount: 100 })).rejects.toBeInstanceOf(AcquirerRefusedError);
  });

  it('shares idempotency and state across instances using the same ledger', async () => {
    const ledger = new SandboxLedger();
    const one = new SandboxAcquirer({ ledger });
    const two = new SandboxAcquirer({ ledger });
    const { req, reference } = await approved(one, 1000);
    const capture = op(req, reference, 1000, 'shared-capture');
    expect(await two.capture(capture)).toEqual(await one.capture(capture));
    expect(ledger.balance(req.pspTransactionId).captured).toBe(1000);
  });

  it('adopts an authorisation made in another process from its reference and enforces its amount', async () => {
    const { req, reference } = await approved(new SandboxAcquirer({ ledger: new SandboxLedger() }), 1000);
    const elsewhere = new SandboxAcquirer({ ledger: new SandboxLedger() }); // another Lambda container
    await expect(elsewhere.capture(op(req, reference, 1001))).rejects.toBeInstanceOf(AcquirerRefusedError);
    await elsewhere.capture(op(req, reference, 1000));
    const third = new SandboxAcquirer({ ledger: new SandboxLedger() });
    await third.refund(op(req, reference, 1000));
  });
});

describe('SandboxAcquirer fault API', () => {
  it('failNext(op, unavailable) fails once with AcquirerUnavailableError and applies nothing', async () => {
    const { acquirer, ledger } = setup();
    const { req, reference } = await approved(acquirer, 1000);
    for (const name of ['capture', 'refund', 'cancel'] as const) {
      acquirer.failNext(name, 'unavailable');
      await expect(acquirer[name](op(req, reference, 100))).rejects.toBeInstanceOf(AcquirerUnavailableError);
    }
    expect(ledger.balance(req.pspTransactionId)).toMatchObject({ captured: 0, refunded: 0, held: 1000 });
    await acquirer.capture(op(req, reference, 100)); // the fault was for one call only
  });

  it('failNext(op, timeout) applies the operation but loses the answer; the retry replays it', async () => {
    const { acquirer, ledger } = setup();
    const { req, reference } = await approved(acquirer, 1000);
    const capture = op(req, reference, 1000, 'cap-lost-answer');
    acquirer.failNext('capture', 'timeout');
    await expect(acquirer.capture(capture)).rejects.toBeInstanceOf(AcquirerUnavailableError);
    await expect(acquirer.capture(capture)).resolves.toHaveProperty('acquirerReference');
    expect(ledger.balance(req.pspTransactionId).captured).toBe(1000);
  });

  it('failNext(authorise, unavailable) answers ERROR with nothing authorised', async () => {
    const { acquirer, ledger } = setup();
    acquirer.failNext('authorise', 'unavailable');
    const req = request(5000);
    expect(await acquirer.authorise(req, { signal: live() })).toMatchObject({ outcome: 'ERROR' });
    expect(ledger.authorisations(req.pspTransactionId)).toHaveLength(0);
    expect((await acquirer.authorise(request(5000), { signal: live() })).outcome).toBe('APPROVED');
  });

  it('failNext(authorise, timeout) answers TIMEOUT when the signal fires, with a late approval', async () => {
    const { acquirer, ledger } = setup();
    acquirer.failNext('authorise', 'timeout');
    const req = request(5000);
    expect(await acquirer.authorise(req, { signal: AbortSignal.timeout(20) })).toEqual({
      outcome: 'TIMEOUT',
    });
    expect(ledger.netCharged(req.pspTransactionId)).toBe(5000);
    expect(await acquirer.reverse(req)).toEqual({ reversed: true });
    expect(ledger.netCharged(req.pspTransactionId)).toBe(0);
  });

  it('failNext(reverse, unavailable) throws so the caller retries', async () => {
    const { acquirer } = setup();
    acquirer.failNext('reverse', 'unavailable');
    await expect(
      acquirer.reverse({ pspTransactionId: 'x', amount: 1, currency: 'NOK' }),
    ).rejects.toBeInstanceOf(AcquirerUnavailableError);
  });
});

describe('sandboxLedger (process-wide)', () => {
  it('is the default ledger, shared by every SandboxAcquirer without its own', async () => {
    const a = new SandboxAcquirer();
    const b = new SandboxAcquirer();
    expect(a.ledger).toBe(sandboxLedger);
    const { req, reference } = await approved(a, 700);
    await b.cancel(op(req, reference, 700));
    expect(sandboxLedger.netCharged(req.pspTransactionId)).toBe(0);
    expect(sandboxLedger.events(req.pspTransactionId).map((e) => e.type)).toEqual(['AUTHORISATION', 'VOID']);
  });

  it('uses the clock for its timestamps', async () => {
    const ledger = new SandboxLedger();
    const acquirer = new SandboxAcquirer({ ledger, clock: { now: () => new Date('2030-01-02T03:04:05Z') } });
    const req = request(100);
    await acquirer.authorise(req, { signal: live() });
    expect(ledger.events(req.pspTransactionId)[0]?.at).toBe('2030-01-02T03:04:05.000Z');
  });
});
