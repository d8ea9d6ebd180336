/**
 * Issue 3, DESIGN.md "makePaymentUrl: what Vipps may send and what we answer": every business row
 * of the answer table, driven end to end over HTTP on the local stack. The Vipps simulator's
 * approve calls our makePaymentUrl exactly as Vipps does (magic amounts pick the sandbox
 * acquirer's outcome); where a row needs a request the simulator does not make (a credit BIN, no
 * operations URLs, stopping at the soft decline) the test posts it itself with the payment's
 * makePaymentToken. Each test then checks what the payment left behind: the DynamoDB item, the
 * sandbox acquirer's ledger, and what reached Vipps.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApproveResult, SimulateOptions } from '../../local/vipps-simulator/index.js';
import {
  encryptCardData,
  operationsFor,
  testCryptograms,
  testTokenForAmount,
} from '../../local/vipps-simulator/index.js';
import { followThreeDs } from '../../local/vipps-simulator/three-ds-follower.js';
import { publicKeyPem } from '../../local/public-key.js';
import { type LocalStack, bootLocalStack } from '../support/local-stack.js';
import {
  createPayment,
  exchangeAnswer,
  expectAnswer,
  expectNothingAtAcquirer,
  postMakePayment,
  stackStores,
  tokenRequest,
} from '../support/make-payment.js';

let stack: LocalStack;
let stores: ReturnType<typeof stackStores>;
let pem: string;

beforeAll(async () => {
  stack = await bootLocalStack();
  stores = stackStores(stack);
  pem = await publicKeyPem(stack.endpoints.kms, 'alias/vipps-card-data');
});
afterAll(() => stack?.stop());

/** Create a payment and let the simulator approve it; returns the id and the approval. */
async function approve(amount: number, simulate?: SimulateOptions) {
  const id = await createPayment(stack, amount);
  const approval = await stack.vipps.approve(id, simulate ? { simulate } : undefined);
  return { id, approval };
}

/** The first makePayment answer of an approval, checked against Vipps' rules. */
const firstAnswer = (approval: ApproveResult) => exchangeAnswer(approval.makePaymentExchanges[0]!);

/** Luhn check digit appended to `body`, so the PAN passes the plaintext check. */
function withLuhn(body: string): string {
  for (let d = 0; d <= 9; d++) {
    const pan = `${body}${d}`;
    let sum = 0;
    for (let i = 0; i < pan.length; i++) {
      let n = Number(pan[pan.length - 1 - i]);
      if (i % 2 === 1) n = n * 2 > 9 ? n * 2 - 9 : n * 2;
      sum += n;
    }
    if (sum % 10 === 0) return pan;
  }
  throw new Error('unreachable');
}

describe('OK', () => {
  it('approved → OK, the payment is RESERVED and Vipps receives the RESERVED status update', async () => {
    const { id, approval } = await approve(25_000);
    expect(approval.outcome).toBe('OK');
    expectAnswer(firstAnswer(approval), { status: 'OK', pspTransactionId: id });

    const tx = await stores.payment(id);
    expect(tx).toMatchObject({
      status: 'RESERVED',
      reservedAmount: 25_000,
      authorisationOutcome: 'APPROVED',
    });
    expect(stack.ledger.authorisations(id)).toHaveLength(1);
    expect(stack.ledger.netCharged(id)).toBe(25_000);

    await stack.statusQueueIdle();
    const updates = stack.vipps.statusUpdates.filter((u) => u.transaction.pspTransactionId === id);
    expect(updates.map((u) => u.transaction)).toEqual([
      expect.objectContaining({ status: 'RESERVED', amount: 25_000, operationStatus: 'SUCCESS' }),
    ]);
    expect(stack.vipps.payments.get(id)).toMatchObject({
      reportedStatus: 'RESERVED',
      reservedAmount: 25_000,
    });
  });
});

describe('issuer refusals', () => {
  it.each([
    [10081, '81', 'No such issuer'],
    [10082, '82', 'Refused by Issuer'],
    [10083, '83', 'Suspected fraud'],
    [10084, '84', 'Exceeds withdrawal amount limit'],
    [10086, '86', 'Expired card'],
    [10087, '87', 'Invalid card number (no such number)'],
    [10089, '89', 'Insufficient funds'],
  ])(
    'amount %i → FAIL %s %s, payment FAILED, nothing held, nothing sent to Vipps',
    async (amount, errorId, text) => {
      const { id, approval } = await approve(amount);
      expect(approval.outcome).toBe('FAIL');
      expectAnswer(firstAnswer(approval), { status: 'FAIL', errorId, errorText: text, pspTransactionId: id });

      const tx = await stores.payment(id);
      expect(tx).toMatchObject({ status: 'FAILED', failure: { errorId }, authorisationOutcome: 'DECLINED' });
      expect(stack.ledger.events(id).map((e) => [e.type, e.outcome])).toEqual([['DECLINE', 'DECLINED']]);
      expect(stack.ledger.netCharged(id)).toBe(0);
      await stack.statusQueueIdle();
      expect(stack.vipps.statusUpdates.filter((u) => u.transaction.pspTransactionId === id)).toEqual([]);
    },
  );
});

describe('88 credit card not allowed (the demo merchant disallows credit)', () => {
  it('amount 10088: the acquirer reports a credit card → FAIL 88 and the approval is voided', async () => {
    const { id, approval } = await approve(10_088);
    expectAnswer(firstAnswer(approval), {
      status: 'FAIL',
      errorId: '88',
      errorText: 'Merchant does not allow credit cards',
      pspTransactionId: id,
    });
    const [auth, ...more] = stack.ledger.authorisations(id);
    expect(more).toEqual([]);
    expect(auth).toMatchObject({ funding: 'CREDIT', released: 'VOID' });
    expect(stack.ledger.netCharged(id)).toBe(0);
    expect(await stores.payment(id)).toMatchObject({ status: 'FAILED', failure: { errorId: '88' } });
  });

  it('a token whose binNumber is a credit BIN → FAIL 88 from the BIN lookup, nothing sent to the acquirer', async () => {
    const id = await createPayment(stack, 10_000);
    const answer = await postMakePayment(stack, tokenRequest(stack, id, 10_000, { binNumber: '552000' }));
    expectAnswer(answer, { status: 'FAIL', errorId: '88', pspTransactionId: id });
    expectNothingAtAcquirer(stack, id);
    expect(await stores.payment(id)).toMatchObject({ status: 'FAILED', failure: { errorId: '88' } });
  });

  it.each([
    ['a 6-digit credit range', withLuhn('552000123456789')],
    ['an 8-digit credit range inside a debit one', withLuhn('411111251234567')],
  ])('an ENCRYPTEDCARD whose PAN is in %s → FAIL 88 before the acquirer', async (_name, pan) => {
    const id = await createPayment(stack, 10_000);
    const cardData = encryptCardData(pem, { pan, yymm: '3012' });
    const approval = await stack.vipps.approve(id, {
      simulate: { instrument: 'ENCRYPTEDCARD', cardDataOverride: cardData },
    });
    expectAnswer(firstAnswer(approval), { status: 'FAIL', errorId: '88', pspTransactionId: id });
    expectNothingAtAcquirer(stack, id);
  });
});

describe('91 internal error', () => {
  it('amount 10091: the acquirer fails → FAIL 91 "Internal error", no stack trace, nothing held', async () => {
    const { id, approval } = await approve(10_091);
    const answer = firstAnswer(approval);
    expectAnswer(answer, {
      status: 'FAIL',
      errorId: '91',
      errorText: 'Internal error',
      pspTransactionId: id,
    });
    expect(answer.text).not.toMatch(/stack|\.ts|node_modules/i);
    expect(await stores.payment(id)).toMatchObject({ status: 'FAILED', failure: { errorId: '91' } });
    expect(stack.ledger.netCharged(id)).toBe(0);
  });
});

describe('93 the user or Vipps ended the payment', () => {
  it.each([
    ['paymentState USER_CANCEL', 'CANCEL', 'CANCELLED', { paymentState: 'USER_CANCEL' }],
    ['paymentState TIMEOUT', 'TIMEOUT', 'EXPIRED', { paymentState: 'TIMEOUT' }],
    ['legacy confirmed CANCEL', 'CANCEL', 'CANCELLED', { legacyConfirmed: 'CANCEL' }],
    ['legacy confirmed TIMEOUT', 'TIMEOUT', 'EXPIRED', { legacyConfirmed: 'TIMEOUT' }],
    ['legacy confirmed NO', 'NO', 'CANCELLED', { legacyConfirmed: 'NO' }],
  ] as const)(
    '%s → FAIL 93 "Status from Vipps:%s", payment %s, nothing sent to the acquirer',
    async (_n, state, status, simulate) => {
      const { id, approval } = await approve(10_000, simulate);
      expectAnswer(firstAnswer(approval), {
        status: 'FAIL',
        errorId: '93',
        errorText: `Status from Vipps:${state}`,
        pspTransactionId: id,
      });
      expect(await stores.payment(id)).toMatchObject({ status, failure: { errorId: '93' } });
      expectNothingAtAcquirer(stack, id);
    },
  );
});

describe('92 unable to decrypt (legacy ENCRYPTEDCARD)', () => {
  const garbage = () => encryptCardData(pem, { pan: 'not-a-card', yymm: 'xxxx', sessionId: 'x' });
  it.each([
    ['cardData that is not base64', () => '%%%% not base64 at all %%%%'],
    ['cardData of the wrong length', () => randomBytes(128).toString('base64')],
    ['256 bytes that are no ciphertext of our key', () => randomBytes(256).toString('base64')],
    ['cardData that decrypts to garbage', garbage],
    [
      'a PAN that fails the Luhn check',
      () => encryptCardData(pem, { pan: '4111111111111112', yymm: '3012' }),
    ],
    ['an expiry month 13', () => encryptCardData(pem, { pan: '4111111111111111', yymm: '3013' })],
  ])('%s → FAIL 92, nothing sent to the acquirer', async (_name, cardData) => {
    const id = await createPayment(stack, 10_000);
    const approval = await stack.vipps.approve(id, {
      simulate: { instrument: 'ENCRYPTEDCARD', cardDataOverride: cardData() },
    });
    expectAnswer(firstAnswer(approval), {
      status: 'FAIL',
      errorId: '92',
      errorText: 'Unable to decrypt',
      pspTransactionId: id,
    });
    expect(await stores.payment(id)).toMatchObject({ status: 'FAILED', failure: { errorId: '92' } });
    expectNothingAtAcquirer(stack, id);
  });

  it.each([
    ['amount 3100 (Vipps sends the encrypted card)', 3_100, undefined],
    ['simulate.instrument ENCRYPTEDCARD', 12_300, { instrument: 'ENCRYPTEDCARD' } as const],
  ])('a valid ENCRYPTEDCARD, %s → OK, and the PAN is nowhere in the table', async (_n, amount, simulate) => {
    const { id, approval } = await approve(amount, simulate);
    expect(approval.makePaymentExchanges[0]!.request).toMatchObject({ paymentInstrument: 'ENCRYPTEDCARD' });
    expectAnswer(firstAnswer(approval), { status: 'OK', pspTransactionId: id });
    expect(await stores.payment(id)).toMatchObject({ status: 'RESERVED', reservedAmount: amount });
    expect(stack.ledger.authorisations(id)).toHaveLength(1);
    // 4111111111111111 is the simulator's encrypted test card.
    expect(await stores.everything()).not.toContain('4111111111111111');
  });
});

describe('SOFT_DECLINE → 3-D Secure step-up', () => {
  it.each([
    ['amount 10036 (Visa token)', 10_036],
    ['a Mastercard token with ECI 06, amount 2200', 2_200],
    ['a Mastercard token with ECI 06, amount 4300', 4_300],
    ['a Mastercard token with ECI 06, amount 5200', 5_200],
  ])(
    '%s → SOFT_DECLINE 1036 with url3dSecure, a sealed 3DS session, the payment still INITIATED',
    async (_n, amount) => {
      const id = await createPayment(stack, amount);
      const request = tokenRequest(stack, id, amount);
      const token = testTokenForAmount(amount);
      const answer = expectAnswer(await postMakePayment(stack, request), {
        status: 'SOFT_DECLINE',
        errorId: '1036',
        errorText: 'Soft Decline',
        pspTransactionId: id,
      });

      const url = answer.paymentInfo!.url3dSecure!;
      expect(url.startsWith(`${stack.environment.PUBLIC_BASE_URL}/3ds/`)).toBe(true);
      const sessionId = url.slice(`${stack.environment.PUBLIC_BASE_URL}/3ds/`.length);
      expect(sessionId).toMatch(/^[A-Za-z0-9_-]{22,}$/);

      const item = await stores.threeDsItem(sessionId);
      expect(item).toMatchObject({
        pspTransactionId: id,
        state: 'PENDING',
        tokenType: token.tokenType,
        sealedToken: {
          encryptedDataKey: expect.any(String),
          iv: expect.any(String),
          ciphertext: expect.any(String),
          tag: expect.any(String),
        },
      });
      const stored = JSON.stringify(item);
      expect(stored).not.toContain(token.number);
      expect(stored).not.toContain(token.cryptogram);

      const tx = await stores.payment(id);
      expect(tx).toMatchObject({ status: 'INITIATED', threeDsSessionId: sessionId });
      expect(tx.makePayment).toMatchObject({ state: 'ANSWERED', answer: { status: 'SOFT_DECLINE' } });
      expect(stack.ledger.events(id).map((e) => e.outcome)).toEqual(['SOFT_DECLINE']);
      expect(stack.ledger.netCharged(id)).toBe(0);
    },
  );

  it.each([
    ['amount 10036', 10_036],
    ['Mastercard ECI 06 (2200)', 2_200],
  ])(
    'through the simulator, %s: SOFT_DECLINE → the challenge with OTP 1234 → the re-sent request → OK',
    async (_n, amount) => {
      const { id, approval } = await approve(amount);
      expect(approval.makePaymentExchanges).toHaveLength(2);
      const first = expectAnswer(firstAnswer(approval), {
        status: 'SOFT_DECLINE',
        errorId: '1036',
        pspTransactionId: id,
      });
      expect(first.paymentInfo?.url3dSecure).toMatch(
        new RegExp(`^${stack.environment.PUBLIC_BASE_URL}/3ds/`),
      );
      expect(approval.threeDs?.operation).toBe('3dssuccess');
      expectAnswer(exchangeAnswer(approval.makePaymentExchanges[1]!), { status: 'OK', pspTransactionId: id });
      expect(approval.outcome).toBe('OK');
      expect(await stores.payment(id)).toMatchObject({ status: 'RESERVED', reservedAmount: amount });
      expect(stack.ledger.authorisations(id)).toHaveLength(1);
    },
  );

  it('a wrong one-time code → the re-sent request gets FAIL 82, nothing held', async () => {
    const { id, approval } = await approve(10_036, { otp: '9999' });
    expect(approval.threeDs?.operation).toBe('3dsfailure');
    expectAnswer(exchangeAnswer(approval.makePaymentExchanges[1]!), {
      status: 'FAIL',
      errorId: '82',
      pspTransactionId: id,
    });
    expect(await stores.payment(id)).toMatchObject({ status: 'FAILED' });
    expect(stack.ledger.netCharged(id)).toBe(0);
  });

  it('the user cancels the challenge → FAIL 72 "3-D Secure cancelled"', async () => {
    const { id, approval } = await approve(10_036, { threeDsAction: 'cancel' });
    expect(approval.threeDs?.operation).toBe('3dscancel');
    expectAnswer(exchangeAnswer(approval.makePaymentExchanges[1]!), {
      status: 'FAIL',
      errorId: '72',
      errorText: '3-D Secure cancelled',
      pspTransactionId: id,
    });
    expect(stack.ledger.netCharged(id)).toBe(0);
  });
});

describe('after a SOFT_DECLINE (not a final answer: the next request is expected)', () => {
  const softDeclined = async (amount: number) => {
    const id = await createPayment(stack, amount);
    const request = tokenRequest(stack, id, amount);
    const answer = expectAnswer(await postMakePayment(stack, request), {
      status: 'SOFT_DECLINE',
      errorId: '1036',
      pspTransactionId: id,
    });
    return { id, request, url3dSecure: answer.paymentInfo!.url3dSecure! };
  };

  it('the same body re-sent after the challenge succeeded → OK (authorised with the 3DS result), once', async () => {
    const { id, request, url3dSecure } = await softDeclined(10_036);
    const challenge = await followThreeDs(
      { fetch, timeoutMs: 5_000 },
      url3dSecure,
      operationsFor(stack.vipps.baseUrl, id),
      { otp: '1234', action: 'submit' },
    );
    expect(challenge.operation).toBe('3dssuccess');
    expectAnswer(await postMakePayment(stack, request), { status: 'OK', pspTransactionId: id });
    expectAnswer(await postMakePayment(stack, request), { status: 'OK', pspTransactionId: id });
    expect(stack.ledger.authorisations(id)).toHaveLength(1);
    expect(await stores.payment(id)).toMatchObject({ status: 'RESERVED' });
  });

  it('the user gives up and Vipps sends USER_CANCEL → FAIL 93, payment CANCELLED, nothing held', async () => {
    const { id, request } = await softDeclined(2_200);
    expectAnswer(await postMakePayment(stack, { ...request, paymentState: 'USER_CANCEL' }), {
      status: 'FAIL',
      errorId: '93',
      errorText: 'Status from Vipps:CANCEL',
      pspTransactionId: id,
    });
    expect(await stores.payment(id)).toMatchObject({ status: 'CANCELLED' });
    expect(stack.ledger.netCharged(id)).toBe(0);
  });

  it('a legacy ENCRYPTEDCARD that is soft-declined cannot be stepped up (no token) → FAIL 94', async () => {
    const { id, approval } = await approve(10_036, { instrument: 'ENCRYPTEDCARD' });
    expect(approval.makePaymentExchanges).toHaveLength(1);
    expectAnswer(firstAnswer(approval), { status: 'FAIL', errorId: '94', pspTransactionId: id });
  });
});

describe('94 unhandled soft decline', () => {
  it('amount 10094: a soft decline that cannot be stepped up → FAIL 94, no 3DS session', async () => {
    const { id, approval } = await approve(10_094);
    expect(approval.makePaymentExchanges).toHaveLength(1);
    expectAnswer(firstAnswer(approval), {
      status: 'FAIL',
      errorId: '94',
      errorText: 'Unhandled soft decline',
      pspTransactionId: id,
    });
    const tx = await stores.payment(id);
    expect(tx).toMatchObject({ status: 'FAILED', failure: { errorId: '94' } });
    expect(tx.threeDsSessionId).toBeUndefined();
    expect(stack.ledger.netCharged(id)).toBe(0);
  });

  it.each([
    ['no operations at all', { operations: undefined }],
    ['an empty operations array', { operations: [] }],
    // Only 3dssuccess is enough (Vipps' guide sends just that): make-payment-step-up.e2e.test.ts.
    [
      'no 3dssuccess URL (only failure and cancel)',
      {
        operations: [
          { operation: '3dsfailure', url: 'https://vipps.example/fail' },
          { operation: '3dscancel', url: 'https://vipps.example/cancel' },
        ],
      },
    ],
  ])('a soft decline (amount 10036) with %s → FAIL 94, not SOFT_DECLINE', async (_n, change) => {
    const id = await createPayment(stack, 10_036);
    const answer = await postMakePayment(stack, tokenRequest(stack, id, 10_036, change));
    expectAnswer(answer, { status: 'FAIL', errorId: '94', pspTransactionId: id });
    const tx = await stores.payment(id);
    expect(tx).toMatchObject({ status: 'FAILED' });
    expect(tx.threeDsSessionId).toBeUndefined();
  });

  it('the test cryptograms Vipps sends are never stored', async () => {
    const table = await stores.everything();
    for (const cryptogram of Object.values(testCryptograms)) expect(table).not.toContain(cryptogram);
  });
});
