/**
 * The makePayment use case's decision branches, part by part (claim, authorise, step-up,
 * takeover), in the in-memory world of test/support/make-payment-unit.ts: the store keeps the
 * conditional-write contract (a stale version loses with ConcurrentUpdateError) and scripts other
 * writers, the acquirer is scripted per call. The same
 * behaviour over real HTTP, dynalite and KMS is in test/e2e/make-payment*.e2e.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { AuthorisationResult } from '../../lambdas/core/ports.js';
import { isUsableOperationUrl } from '../../lambdas/core/three-ds-session.js';
import type { Transaction } from '../../lambdas/core/transaction.js';
import { makePayment } from '../../lambdas/core/use-cases/make-payment.js';
import { authorisationKey, stepUpOperations } from '../../lambdas/core/use-cases/make-payment/step-up.js';
import { isAbandoned, takeOverAbandoned } from '../../lambdas/core/use-cases/make-payment/takeover.js';
import { initiatedPayment } from '../support/transactions.js';
import {
  MAKE_PAYMENT_TOKEN,
  NOW,
  approved,
  makePaymentWorld,
  networkToken,
  softDecline,
  threeDsResult,
  vippsOperations,
} from '../support/make-payment-unit.js';

const setup = (answers: AuthorisationResult[] = [], payment: Partial<Transaction> = {}) =>
  makePaymentWorld({ answers, payment });

/** A payment soft-declined once, whose session then ended as `state`. */
async function afterChallenge(
  state: 'SUCCEEDED' | 'FAILED' | 'CANCELLED',
  answers: AuthorisationResult[] = [],
) {
  const env = setup([softDecline, ...answers]);
  const first = await env.send();
  expect(first.answer.status).toBe('SOFT_DECLINE');
  const sessionId = (await env.stored()).threeDsSessionId!;
  await env.sessions.complete(sessionId, {
    state,
    completedAt: NOW.toISOString(),
    ...(state === 'SUCCEEDED' ? { authentication: threeDsResult } : {}),
  });
  return env;
}

describe('claim: what a request gets before anything is authorised', () => {
  it('the same request again replays the stored answer and never asks the acquirer twice', async () => {
    const env = setup([approved]);
    expect((await env.send()).answer).toEqual({ status: 'OK' });
    expect(await env.send()).toMatchObject({ answer: { status: 'OK' }, replayed: true });
    expect(env.acquirer.requests).toHaveLength(1);
    expect(env.enqueued.map((u) => u.status)).toEqual(['RESERVED']);
  });

  it('a different request after a final answer → 85, nothing changes', async () => {
    const env = setup([{ outcome: 'DECLINED', reason: 'REFUSED', responseCode: '05' }]);
    expect((await env.send()).answer.error?.errorId).toBe('82');
    const version = (await env.stored()).version;
    expect((await env.send({ requestHash: 'hash-2' })).answer.error?.errorId).toBe('85');
    expect((await env.stored()).version).toBe(version);
  });

  it('past our deadline → 85 and the payment EXPIRED, nothing sent to the acquirer', async () => {
    const env = setup([approved], { expiresAt: '2026-11-24T10:00:00.000Z' });
    expect((await env.send()).answer.error?.errorId).toBe('85');
    expect(await env.stored()).toMatchObject({ status: 'EXPIRED' });
    expect(env.acquirer.requests).toHaveLength(0);
  });

  it('Vipps ended the payment → 93, CANCELLED, nothing sent to the acquirer', async () => {
    const env = setup();
    expect((await env.send({ endedByVipps: 'CANCEL', card: undefined })).answer.error).toEqual({
      errorId: '93',
      errorText: 'Status from Vipps:CANCEL',
    });
    expect(await env.stored()).toMatchObject({ status: 'CANCELLED' });
  });

  it('a lost claim write is decided again from the new item (here: the other request’s final answer → 85)', async () => {
    const env = setup([approved]);
    env.transactions.beforeNextApply((store) => {
      const current = store.peek(env.tx.pspTransactionId)!;
      store.put({ ...current, version: current.version + 1, status: 'CANCELLED' });
    });
    expect((await env.send()).answer.error?.errorId).toBe('85');
    expect(env.acquirer.requests).toHaveLength(0);
  });

  it('a concurrent duplicate waits for the first answer; an abandoned first attempt is taken over with 85', async () => {
    const env = setup();
    const claimed = {
      requestHash: 'hash-1',
      phase: 'INITIAL' as const,
      state: 'IN_PROGRESS' as const,
      claimedAt: NOW.toISOString(),
    };
    env.transactions.put({ ...env.stored(), makePayment: claimed });
    setTimeout(() => env.clock.advance(3_001), 5); // past budget (1 s) + grace (2 s)
    expect((await env.send()).answer.error?.errorId).toBe('85');
    expect(await env.stored()).toMatchObject({
      status: 'FAILED',
      authorisationOutcome: 'UNKNOWN',
      makePayment: { state: 'ANSWERED', answer: { status: 'FAIL' } },
    });
    expect(env.acquirer.requests).toHaveLength(0);
  });
});

describe('authorise: the acquirer’s answer', () => {
  it('approved → OK, RESERVED, the RESERVED status update enqueued', async () => {
    const env = setup([approved]);
    expect((await env.send()).answer).toEqual({ status: 'OK' });
    expect(await env.stored()).toMatchObject({ status: 'RESERVED', acquirerReference: 'REF-1' });
    expect(env.enqueued).toHaveLength(1);
  });

  it('approved but credit for a merchant that disallows it → 88, the approval voided', async () => {
    const env = setup([{ ...approved, funding: 'CREDIT' }], { allowCreditCards: false });
    expect((await env.send()).answer.error?.errorId).toBe('88');
    expect(env.acquirer.voids.map((v) => v.acquirerReference)).toEqual(['REF-1']);
    expect(await env.stored()).toMatchObject({ status: 'FAILED', authorisationOutcome: 'DECLINED' });
  });

  it('no answer within the budget → 85, outcome UNKNOWN (the reconciler reverses)', async () => {
    const env = setup([{ outcome: 'TIMEOUT' }]);
    expect((await env.send()).answer.error?.errorId).toBe('85');
    expect(await env.stored()).toMatchObject({ status: 'FAILED', authorisationOutcome: 'UNKNOWN' });
  });

  it('the merchant cancelled while we authorised → 85 and the approval voided', async () => {
    const env = setup([approved]);
    env.transactions
      .beforeNextApply(() => undefined) // the claim
      .beforeNextApply((store) => {
        // after the claim, before the answer is stored
        const current = store.peek(env.tx.pspTransactionId)!;
        store.put({ ...current, version: current.version + 1, status: 'CANCELLED' });
      });
    expect((await env.send()).answer.error?.errorId).toBe('85');
    expect(env.acquirer.voids.map((v) => v.acquirerReference)).toEqual(['REF-1']);
    expect(await env.stored()).toMatchObject({ status: 'CANCELLED', makePayment: { state: 'ANSWERED' } });
  });
});

describe('authorise: when the acquirer or the store misbehave', () => {
  it('an acquirer adapter that throws instead of answering → 85, outcome UNKNOWN (the reconciler reverses)', async () => {
    const env = setup();
    env.acquirer.authorise = () => Promise.reject(new Error('socket hang up'));
    expect((await env.send()).answer.error?.errorId).toBe('85');
    expect(await env.stored()).toMatchObject({ status: 'FAILED', authorisationOutcome: 'UNKNOWN' });
    expect(env.log.entries.map((e) => e.message)).toContain('Acquirer authorisation threw');
  });

  it('an acquirer ERROR → 91 with its response code in the history; nothing is held', async () => {
    const env = setup([{ outcome: 'ERROR', responseCode: '96', message: 'System malfunction' }]);
    expect((await env.send()).answer.error?.errorId).toBe('91');
    const stored = await env.stored();
    expect(stored).toMatchObject({ status: 'FAILED', authorisationOutcome: 'DECLINED' });
    expect(stored.history.at(-1)).toMatchObject({ operation: 'FAIL', errorId: '91', note: '96' });
  });

  it('a credit approval that cannot be voided → 88, outcome UNKNOWN so the reconciler reverses it', async () => {
    const env = setup([{ ...approved, funding: 'CREDIT' }], { allowCreditCards: false });
    env.acquirer.cancel = () => Promise.reject(new Error('acquirer down'));
    expect((await env.send()).answer.error?.errorId).toBe('88');
    expect(await env.stored()).toMatchObject({ status: 'FAILED', authorisationOutcome: 'UNKNOWN' });
  });

  it('a claim that loses every write race → 91, and the acquirer is never asked', async () => {
    const env = setup([approved]);
    env.transactions.conflictOnNextApplies(Number.MAX_SAFE_INTEGER);
    const outcome = await env.send();
    expect(outcome).toMatchObject({ replayed: false, answer: { status: 'FAIL', error: { errorId: '91' } } });
    expect(env.acquirer.requests).toEqual([]);
    expect(await env.stored()).toMatchObject({ status: 'INITIATED' });
  });
});

describe('before anything is claimed: who asks, and for what', () => {
  it('an unknown payment or a wrong token is not authenticated; nothing changes', async () => {
    const env = setup([approved]);
    const unknown = await makePayment(
      env.command({ pspTransactionId: 'f'.repeat(32) }),
      MAKE_PAYMENT_TOKEN,
      env.deps,
    );
    expect(unknown).toEqual({ kind: 'UNAUTHENTICATED', reason: 'UNKNOWN_TRANSACTION' });
    const wrong = await makePayment(env.command(), 'Bearer not-the-token', env.deps);
    expect(wrong).toEqual({ kind: 'UNAUTHENTICATED', reason: 'TOKEN_MISMATCH' });
    expect(await makePayment(env.command(), undefined, env.deps)).toMatchObject({
      kind: 'UNAUTHENTICATED',
    });
    expect(env.acquirer.requests).toEqual([]);
    expect(await env.stored()).toMatchObject({ status: 'INITIATED', version: env.tx.version });
  });

  it('the token may come with or without "Bearer "', async () => {
    const env = setup([approved]);
    const outcome = await makePayment(env.command(), `bearer ${MAKE_PAYMENT_TOKEN}`, env.deps);
    expect(outcome).toMatchObject({ kind: 'ANSWER', answer: { status: 'OK' } });
  });

  it('another sales unit or another amount than the payment’s → 71, nothing claimed', async () => {
    const env = setup([approved]);
    expect((await env.send({ merchantSerialNumber: '654321' })).answer.error?.errorId).toBe('71');
    expect((await env.send({ amount: env.tx.amount + 1 })).answer.error?.errorId).toBe('71');
    expect(await env.stored()).not.toHaveProperty('makePayment');
    expect(env.acquirer.requests).toEqual([]);
  });

  it('no card at all → 71 and the payment FAILED, the acquirer not asked', async () => {
    const env = setup([approved]);
    expect((await env.send({ card: undefined })).answer.error?.errorId).toBe('71');
    expect(env.acquirer.requests).toEqual([]);
    expect(await env.stored()).toMatchObject({ status: 'FAILED' });
  });
});

describe('step-up: 3-D Secure', () => {
  it('a soft decline → SOFT_DECLINE 1036 with url3dSecure; the session holds the token sealed and the operations', async () => {
    const env = setup([softDecline]);
    const { answer } = await env.send();
    expect(answer).toMatchObject({ status: 'SOFT_DECLINE', error: { errorId: '1036' } });
    const tx = await env.stored();
    expect(answer.url3dSecure).toBe(`https://psp.example/3ds/${tx.threeDsSessionId}`);
    const session = env.sessions.items.get(tx.threeDsSessionId!)!;
    expect(session.operations).toEqual(vippsOperations);
    expect(JSON.stringify(session)).not.toContain(networkToken.number);
  });

  it('after the challenge: authorised with the 3DS result under its own idempotency key → OK', async () => {
    const env = await afterChallenge('SUCCEEDED', [approved]);
    expect((await env.send({ requestHash: 'hash-2' })).answer).toEqual({ status: 'OK' });
    const [first, second] = env.acquirer.requests;
    expect(first!.idempotencyKey).toBe(env.tx.pspTransactionId);
    expect(second!.idempotencyKey).toBe(`${env.tx.pspTransactionId}-3ds`);
    expect(second!.threeDs).toEqual(threeDsResult);
  });

  it('after the challenge, another token number → FAIL 72, the acquirer not asked', async () => {
    const env = await afterChallenge('SUCCEEDED', [approved]);
    const { answer } = await env.send({
      requestHash: 'hash-2',
      card: { kind: 'NETWORK_TOKEN', ...networkToken, number: '4111111111111111' },
    });
    expect(answer.error).toEqual({
      errorId: '72',
      errorText: 'Card differs from the one authenticated with 3-D Secure',
    });
    expect(env.acquirer.requests).toHaveLength(1);
    expect(await env.stored()).toMatchObject({ status: 'FAILED' });
    expect(env.log.text()).not.toContain('4111111111111111');
  });

  it.each([
    ['FAILED', '82'],
    ['CANCELLED', '72'],
  ] as const)('after a %s challenge → FAIL %s, the acquirer not asked again', async (state, errorId) => {
    const env = await afterChallenge(state);
    expect((await env.send({ requestHash: 'hash-2' })).answer.error?.errorId).toBe(errorId);
    expect(env.acquirer.requests).toHaveLength(1);
  });

  it('a second soft decline after 3-D Secure → 94, never a second SOFT_DECLINE', async () => {
    const env = await afterChallenge('SUCCEEDED', [softDecline]);
    expect((await env.send({ requestHash: 'hash-2' })).answer.error?.errorId).toBe('94');
  });

  it('a soft decline with unusable operations → 94 and no session', async () => {
    const env = setup([softDecline]);
    const operations = [{ operation: '3dssuccess', url: 'http://vipps.example/ok' }];
    expect((await env.send({ operations })).answer.error?.errorId).toBe('94');
    expect(env.sessions.items.size).toBe(0);
  });

  it('operations: 3dssuccess alone is enough; every URL present must be usable', () => {
    const https = { allowHttpOnLoopback: false };
    const [success, failure] = vippsOperations;
    expect(stepUpOperations([success!], https)).toEqual([success]);
    expect(stepUpOperations([failure!], https)).toBeUndefined();
    expect(stepUpOperations([], https)).toBeUndefined();
    expect(stepUpOperations([success!, { operation: '3dscancel', url: 'ftp://x' }], https)).toBeUndefined();
    expect(stepUpOperations([success!, { operation: 'other', url: 'nonsense' }], https)).toEqual([success]);
  });

  it.each([
    ['https://vipps.example/a?b=c%2Fd', false, true],
    ['http://vipps.example/a', true, false],
    ['http://127.0.0.1:3000/a', true, true],
    ['http://localhost/a', true, true],
    ['http://[::1]:8080/a', true, true],
    ['http://127.0.0.1:3000/a', false, false],
    ['https://user:pw@vipps.example/a', false, false],
    ['https://vipps.example/a b', false, false],
    ['//vipps.example/a', false, false],
    ['javascript:alert(1)', true, false],
  ])('operations URL %s (loopback http allowed: %s) → usable: %s', (url, allowHttpOnLoopback, usable) => {
    expect(isUsableOperationUrl(url, { allowHttpOnLoopback })).toBe(usable);
  });

  it('the idempotency key: the payment for the first attempt, its own for the one after 3-D Secure', () => {
    const tx = initiatedPayment();
    expect(authorisationKey(tx, 'INITIAL')).toBe(tx.pspTransactionId);
    expect(authorisationKey(tx, 'AFTER_3DS')).toBe(`${tx.pspTransactionId}-3ds`);
  });
});

describe('takeover: the one rule for an abandoned attempt', () => {
  const claimedAt = '2026-11-24T10:00:00.000Z';
  const inProgress = initiatedPayment({
    makePayment: { requestHash: 'h', phase: 'INITIAL', state: 'IN_PROGRESS', claimedAt },
  });

  it('abandoned only after the acquirer budget plus the grace', () => {
    expect(isAbandoned(inProgress, new Date('2026-11-24T10:00:02.999Z'), 1_000)).toBe(false);
    expect(isAbandoned(inProgress, new Date('2026-11-24T10:00:03.000Z'), 1_000)).toBe(true);
    expect(isAbandoned(initiatedPayment(), new Date('2026-11-25T00:00:00.000Z'), 1_000)).toBe(false);
  });

  it('an INITIATED payment fails with 85, outcome UNKNOWN; one that moved on only gets the answer', () => {
    const failed = takeOverAbandoned(inProgress, NOW.toISOString());
    expect(failed.changes).toMatchObject({
      status: 'FAILED',
      authorisationOutcome: 'UNKNOWN',
      makePayment: { state: 'ANSWERED', answer: { status: 'FAIL', error: { errorId: '85' } } },
    });
    const cancelled = takeOverAbandoned({ ...inProgress, status: 'CANCELLED' }, NOW.toISOString());
    expect(cancelled.changes.status).toBeUndefined();
    expect(cancelled.changes.makePayment).toMatchObject({ state: 'ANSWERED' });
  });
});
