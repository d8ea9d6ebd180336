/**
 * makePayment's side of the 3-D Secure step-up: the session a soft decline opens (what it holds,
 * how long it lives, what is sealed), and what the request after the challenge is authorised with.
 */
import { describe, expect, it } from 'vitest';
import { stepUpOperations } from '../../lambdas/core/use-cases/make-payment/step-up.js';
import {
  NOW,
  approved,
  contextVault,
  makePaymentWorld,
  networkToken,
  softDecline,
  threeDsResult,
  vippsOperations,
} from '../support/make-payment-unit.js';

const at = NOW.toISOString();

describe('the session a soft decline opens', () => {
  it('holds the payment, the operations, the token type and expires after the configured lifetime', async () => {
    const w = makePaymentWorld({
      answers: [softDecline],
      payment: { amount: 2200, merchantName: 'Sokker AS' },
    });
    w.deps.threeDsSessionTtlSeconds = 600;
    const { answer } = await w.send();
    const sessionId = w.stored().threeDsSessionId!;
    expect(sessionId).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(answer).toEqual({
      status: 'SOFT_DECLINE',
      error: { errorId: '1036', errorText: 'Soft Decline' },
      url3dSecure: `https://psp.example/3ds/${sessionId}`,
    });
    expect(w.sessions.items.get(sessionId)).toMatchObject({
      sessionId,
      pspTransactionId: w.tx.pspTransactionId,
      merchantName: 'Sokker AS',
      amount: 2200,
      currency: 'NOK',
      createdAt: at,
      expiresAt: '2026-11-24T10:15:00.000Z',
      state: 'PENDING',
      tokenType: 'VISA',
      operations: vippsOperations,
    });
  });

  it('seals the token number and expiry only (never the cryptogram), opened only for this payment and session', async () => {
    const w = makePaymentWorld({ answers: [softDecline] });
    await w.send();
    const session = [...w.sessions.items.values()][0]!;
    const opened = await contextVault.open(session.sealedToken, {
      pspTransactionId: w.tx.pspTransactionId,
      sessionId: session.sessionId,
    });
    expect(JSON.parse(new TextDecoder().decode(opened))).toEqual({
      number: networkToken.number,
      expiryMonth: networkToken.expiryMonth,
      expiryYear: networkToken.expiryYear,
    });
    expect(JSON.stringify(session)).not.toContain(networkToken.cryptogram);
  });

  it('the payment stays INITIATED with the session and a SOFT_DECLINE in its history', async () => {
    const w = makePaymentWorld({ answers: [softDecline] });
    await w.send();
    const stored = w.stored();
    expect(stored).toMatchObject({ status: 'INITIATED', updatedAt: at, makePayment: { state: 'ANSWERED' } });
    expect(stored.history.at(-1)).toEqual({ operation: 'SOFT_DECLINE', amount: 0, at, errorId: '1036' });
    expect(w.enqueued).toEqual([]);
  });

  it('the simulator’s plain-http loopback URLs are usable only where that is allowed (the local stage)', () => {
    const local = [{ operation: '3dssuccess', url: 'http://127.0.0.1:3000/ok' }];
    expect(stepUpOperations(local, { allowHttpOnLoopback: true })).toEqual(local);
    expect(stepUpOperations(local, {})).toBeUndefined();
  });
});

describe('the request after the challenge', () => {
  it('the same body again while the challenge is open → the SOFT_DECLINE again, nothing authorised', async () => {
    const w = makePaymentWorld({ answers: [softDecline, approved] });
    const first = await w.send();
    expect(await w.send()).toEqual({ kind: 'ANSWER', answer: first.answer, replayed: true });
    expect(w.acquirer.requests).toHaveLength(1);
  });

  it('the same body again when the session has disappeared → the SOFT_DECLINE again, nothing authorised', async () => {
    const w = makePaymentWorld({ answers: [softDecline, approved] });
    const first = await w.send();
    w.sessions.items.clear();
    expect(await w.send()).toEqual({ kind: 'ANSWER', answer: first.answer, replayed: true });
    expect(w.acquirer.requests).toHaveLength(1);
  });

  it('the same body again after a successful challenge → authorised with the 3-D Secure result', async () => {
    const w = makePaymentWorld({ answers: [softDecline, approved] });
    await w.softDeclinedThen('SUCCEEDED');
    expect(await w.send()).toMatchObject({ answer: { status: 'OK' }, replayed: false });
    expect(w.acquirer.requests[1]).toMatchObject({
      idempotencyKey: `${w.tx.pspTransactionId}-3ds`,
      threeDs: threeDsResult,
    });
    expect(w.stored()).toMatchObject({ status: 'RESERVED', makePayment: { phase: 'AFTER_3DS' } });
  });

  it('the request after 3-D Secure repeated → its OK again, one authorisation after the challenge', async () => {
    const w = makePaymentWorld({ answers: [softDecline, approved, approved] });
    await w.softDeclinedThen('SUCCEEDED');
    await w.send({ requestHash: 'hash-2' });
    expect(await w.send({ requestHash: 'hash-2' })).toMatchObject({
      answer: { status: 'OK' },
      replayed: true,
    });
    expect(w.acquirer.requests).toHaveLength(2);
  });

  it('the first attempt carries no 3-D Secure result at all', async () => {
    const w = makePaymentWorld({ answers: [softDecline] });
    await w.send();
    expect(w.acquirer.requests[0]).not.toHaveProperty('threeDs');
  });

  it('a new body while the challenge is still open → FAIL 72 "3-D Secure not completed", nothing authorised', async () => {
    const w = makePaymentWorld({ answers: [softDecline, approved] });
    await w.send();
    expect((await w.send({ requestHash: 'hash-2' })).answer).toEqual({
      status: 'FAIL',
      error: { errorId: '72', errorText: '3-D Secure not completed' },
    });
    expect(w.acquirer.requests).toHaveLength(1);
    expect(w.stored()).toMatchObject({ status: 'FAILED' });
    expect(w.stored()).not.toHaveProperty('authorisationOutcome');
  });

  it('a session that has disappeared → FAIL 72 "3-D Secure not completed"', async () => {
    const w = makePaymentWorld({ answers: [softDecline, approved] });
    await w.send();
    w.sessions.items.clear();
    expect((await w.send({ requestHash: 'hash-2' })).answer.error?.errorId).toBe('72');
    expect(w.acquirer.requests).toHaveLength(1);
  });

  it('cancelled in the challenge → FAIL 72 "3-D Secure cancelled"', async () => {
    const w = makePaymentWorld({ answers: [softDecline, approved] });
    await w.softDeclinedThen('CANCELLED');
    expect((await w.send({ requestHash: 'hash-2' })).answer.error).toEqual({
      errorId: '72',
      errorText: '3-D Secure cancelled',
    });
  });

  it.each([
    ['FAILED', true],
    ['SUCCEEDED', false],
  ] as const)(
    'a %s challenge (authentication result: %s) → FAIL 82, declined by the issuer',
    async (state, authenticated) => {
      const w = makePaymentWorld({ answers: [softDecline, approved] });
      await w.softDeclinedThen(state, authenticated);
      expect((await w.send({ requestHash: 'hash-2' })).answer.error?.errorId).toBe('82');
      expect(w.acquirer.requests).toHaveLength(1);
      expect(w.stored()).toMatchObject({ status: 'FAILED', authorisationOutcome: 'DECLINED' });
      expect(w.stored().history.at(-1)).toMatchObject({ errorId: '82', note: '3-D Secure failed' });
    },
  );

  it('another token than the authenticated one → 72, ops told (without the number)', async () => {
    const w = makePaymentWorld({ answers: [softDecline, approved] });
    await w.softDeclinedThen('SUCCEEDED');
    const other = { kind: 'NETWORK_TOKEN' as const, ...networkToken, number: '5555555555554444' };
    expect((await w.send({ requestHash: 'hash-2', card: other })).answer.error?.errorId).toBe('72');
    expect(w.acquirer.requests).toHaveLength(1);
    expect(w.stored().history.at(-1)).toMatchObject({ note: 'Card differs from the 3-D Secure one' });
    expect(w.log.entries).toContainEqual({
      level: 'warn',
      message: 'makePayment after 3-D Secure carries another card; not authorised',
      extra: [{ pspTransactionId: w.tx.pspTransactionId, errorId: '72' }],
    });
    expect(w.log.text()).not.toContain('5555555555554444');
  });

  it('an ENCRYPTEDCARD after a token was authenticated → 72, the card never decrypted', async () => {
    const w = makePaymentWorld({ answers: [softDecline, approved] });
    await w.softDeclinedThen('SUCCEEDED');
    const card = { kind: 'ENCRYPTED_CARD' as const, cardData: Buffer.alloc(256, 1).toString('base64') };
    expect((await w.send({ requestHash: 'hash-2', card })).answer.error?.errorId).toBe('72');
    expect(w.decrypted).toEqual([]);
  });

  it('a sealed token without a number matches no card → 72', async () => {
    const w = makePaymentWorld({ answers: [softDecline, approved] });
    const sessionId = await w.softDeclinedThen('SUCCEEDED');
    const session = w.sessions.items.get(sessionId)!;
    const context = { pspTransactionId: w.tx.pspTransactionId, sessionId };
    const sealed = await contextVault.seal(new TextEncoder().encode('{"expiryMonth":"03"}'), context);
    w.sessions.items.set(sessionId, { ...session, sealedToken: sealed });
    expect((await w.send({ requestHash: 'hash-2' })).answer.error?.errorId).toBe('72');
  });

  it('no card after a successful challenge → 71, nothing authorised', async () => {
    const w = makePaymentWorld({ answers: [softDecline, approved] });
    await w.softDeclinedThen('SUCCEEDED');
    expect((await w.send({ requestHash: 'hash-2', card: undefined })).answer.error?.errorId).toBe('71');
    expect(w.acquirer.requests).toHaveLength(1);
  });

  it('soft-declined again after 3-D Secure → 94, logged with why, no second session', async () => {
    const w = makePaymentWorld({ answers: [softDecline, softDecline] });
    await w.softDeclinedThen('SUCCEEDED');
    expect((await w.send({ requestHash: 'hash-2' })).answer.error?.errorId).toBe('94');
    expect(w.sessions.items.size).toBe(1);
    expect(w.log.entries.at(-2)).toMatchObject({
      message: 'Soft decline that cannot be stepped up; answered 94',
      extra: [{ why: 'Soft-declined again after 3-D Secure' }],
    });
  });
});
