/**
 * The 3-D Secure step-up use cases (lambdas/core/use-cases/three-ds-challenge.ts) with in-memory
 * ports: the session store keeps DynamoThreeDsSessionStore's conditions and can lose a write to
 * another request, the 3DS server answers as scripted, the vault opens only with the sealing
 * context. What the shopper gets (a step, a redirect to Vipps' operations URL, an error), what is
 * stored, what the 3DS server is asked and what ops see in logs and metrics. The same flow over
 * HTTP, dynalite, KMS and the simulated 3DS server is in test/integration/three-ds-pages.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../lambdas/core/secrets.js';
import {
  type AuthenticationResponse,
  type BrowserData,
  ThreeDsServerError,
} from '../../lambdas/core/three-ds-server.js';
import {
  type ChallengeSession,
  type ChallengeView,
  type MethodView,
  type ThreeDsChallengeDeps,
  abandon,
  challengeCompleted,
  methodCompleted,
  openPage,
  submitBrowserData,
} from '../../lambdas/core/use-cases/three-ds-challenge.js';
import {
  InMemoryThreeDsSessions,
  NETWORK_TOKEN,
  ScriptedThreeDsServer,
  cres,
  methodData,
  pendingThreeDsSession,
} from '../support/in-memory-three-ds.js';
import { contextBoundVault } from '../support/context-bound-vault.js';
import { RecordingLog, TestClock } from '../support/three-ds-harness.js';

const NOW = new Date('2026-11-30T09:00:00.000Z');
const AT = NOW.toISOString();
const SERVER_TX = 'server-tx-1';
const ACS_TX = 'acs-tx-1';
const CAVV = 'AAABBEg0VhI0VniQEjRWAAAAAAA=';
const authentication = { cavv: CAVV, eci: '05', threeDsTransactionId: 'ds-tx-1', version: '2.2.0' };
const browser: BrowserData = {
  acceptHeader: 'text/html',
  userAgent: 'Mozilla/5.0 (Linux; Android 14) VippsTest',
  ip: '203.0.113.7',
  language: 'nb-NO',
  javascriptEnabled: true,
  screen: { colorDepth: 24, height: 800, width: 360, timeZoneOffset: -60, javaEnabled: false },
};
const challengeAnswer: AuthenticationResponse = {
  kind: 'CHALLENGE',
  acsUrl: 'https://acs.bank.example/challenge',
  acsTransactionId: ACS_TX,
  dsTransactionId: 'ds-tx-1',
  messageVersion: '2.2.0',
  creq: 'eyJjcmVxIjoxfQ',
};
const theCres = cres({ serverTransactionId: SERVER_TX, acsTransactionId: ACS_TX });

async function world(
  options: {
    session?: Partial<ChallengeSession>;
    token?: unknown;
    counting?: boolean;
    challengeWindowSize?: ThreeDsChallengeDeps['challengeWindowSize'];
  } = {},
) {
  const vault = contextBoundVault();
  const session = await pendingThreeDsSession(vault, NOW, options.session, options.token);
  const sessions = new InMemoryThreeDsSessions([session]);
  const server = new ScriptedThreeDsServer();
  server.preauthAnswer = {
    serverTransactionId: SERVER_TX,
    messageVersion: '2.2.0',
    method: { url: 'https://acs.bank.example/method', data: methodData(SERVER_TX) },
  };
  const clock = new TestClock(NOW);
  const log = new RecordingLog();
  const counts: string[] = [];
  const deps: ThreeDsChallengeDeps = {
    sessions,
    vault,
    server,
    clock,
    log,
    urls: {
      method: (id) => `https://psp.example/3ds/${id}/method`,
      challenge: (id) => `https://psp.example/3ds/${id}/challenge`,
    },
    ...(options.challengeWindowSize ? { challengeWindowSize: options.challengeWindowSize } : {}),
    ...(options.counting === false ? {} : { onAuthentication: (outcome) => counts.push(outcome) }),
  };
  const id = session.sessionId;
  const url = (operation: string) => session.operations.find((o) => o.operation === operation)?.url;
  const stored = () => sessions.peek(id)!;
  /** Lines logged with this message: their fields. */
  const logged = (message: string) =>
    log.entries
      .filter((e) => e.message === message)
      .map((e): Record<string, unknown> => ({ level: e.level, ...(e.extra[0] as object) }));
  /** The Method step shown: its page token. */
  const opened = async () => {
    const outcome = await openPage(id, deps);
    if (outcome.kind !== 'METHOD') throw new Error(`expected the Method step, got ${outcome.kind}`);
    return outcome.view.pageToken;
  };
  /** The challenge shown: its page token. */
  const challenged = async () => {
    server.authenticateAnswer = challengeAnswer;
    const outcome = await submitBrowserData({ sessionId: id, pageToken: await opened(), browser }, deps);
    if (outcome.kind !== 'CHALLENGE') throw new Error(`expected the challenge, got ${outcome.kind}`);
    return outcome.view.pageToken;
  };
  return {
    session,
    sessions,
    server,
    vault,
    clock,
    log,
    counts,
    deps,
    id,
    url,
    stored,
    logged,
    opened,
    challenged,
  };
}

const ref = (id: string) => sha256Hex(id).slice(0, 12);

describe('openPage: preauth with the network token, then the 3DS Method step', () => {
  it('preauths with the opened token and shows the Method step under a fresh page token', async () => {
    const w = await world();
    const outcome = await openPage(w.id, w.deps);

    expect(w.vault.opened).toEqual([{ pspTransactionId: w.session.pspTransactionId, sessionId: w.id }]);
    expect(w.server.preauths).toEqual([
      { cardNumber: NETWORK_TOKEN.number, methodNotificationUrl: `https://psp.example/3ds/${w.id}/method` },
    ]);
    expect(outcome.kind).toBe('METHOD');
    const view = (outcome as { view: MethodView }).view;
    expect(view).toEqual({
      sessionId: w.id,
      merchantName: 'Sokkebutikken AS',
      amount: 10036,
      currency: 'NOK',
      expiresAt: w.session.expiresAt,
      pageToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) as string,
      redirectTargets: [w.url('3dssuccess'), w.url('3dsfailure'), w.url('3dscancel')],
      method: { url: 'https://acs.bank.example/method', data: methodData(SERVER_TX) },
    });
    // Only the token's hash is kept, with the transaction the 3DS server opened.
    expect(w.stored().flow).toEqual({
      serverTransactionId: SERVER_TX,
      messageVersion: '2.2.0',
      methodUrl: 'https://acs.bank.example/method',
      pageTokenHash: sha256Hex(view.pageToken),
      startedAt: AT,
    });
    expect(w.sessions.won('startFlow')).toEqual([[w.id, w.stored().flow, AT]]);
    expect(w.stored().state).toBe('PENDING');
  });

  it('without a 3DS Method URL: no Method step on the page and none recorded', async () => {
    const w = await world();
    w.server.preauthAnswer = { serverTransactionId: SERVER_TX, messageVersion: '2.1.0' };
    const outcome = await openPage(w.id, w.deps);

    expect(outcome.kind).toBe('METHOD');
    expect((outcome as { view: MethodView }).view).not.toHaveProperty('method');
    expect(w.stored().flow).not.toHaveProperty('methodUrl');
    expect(w.stored().flow?.messageVersion).toBe('2.1.0');
  });

  it('every render mints a new page token and only the latest one is kept', async () => {
    const w = await world();
    const first = await w.opened();
    const second = await w.opened();

    expect(second).not.toBe(first);
    expect(w.stored().flow?.pageTokenHash).toBe(sha256Hex(second));
    const stale = await submitBrowserData({ sessionId: w.id, pageToken: first, browser }, w.deps);
    expect(stale).toEqual({ kind: 'PROBLEM', problem: 'FORGED_FORM' });
  });

  it('a reload during the challenge shows the same challenge under a new token, without a new preauth', async () => {
    const w = await world();
    const old = await w.challenged();
    const outcome = await openPage(w.id, w.deps);

    expect(w.server.preauths).toHaveLength(1);
    expect(outcome.kind).toBe('CHALLENGE');
    const view = (outcome as { view: ChallengeView }).view;
    expect(view).toMatchObject({
      sessionId: w.id,
      acsUrl: challengeAnswer.acsUrl,
      creq: 'eyJjcmVxIjoxfQ',
      redirectTargets: [w.url('3dssuccess'), w.url('3dsfailure'), w.url('3dscancel')],
    });
    expect(view.pageToken).not.toBe(old);
    expect(w.sessions.won('renewPageToken')).toEqual([[w.id, SERVER_TX, sha256Hex(view.pageToken), AT]]);
    const replayed = await challengeCompleted({ sessionId: w.id, cres: theCres, pageToken: old }, w.deps);
    expect(replayed).toEqual({ kind: 'PROBLEM', problem: 'FORGED_FORM' });
  });

  it('a reload that loses to a cancel in another tab sends the shopper to 3dscancel', async () => {
    const w = await world();
    const token = await w.challenged();
    w.sessions.beforeNext('renewPageToken', () =>
      abandon({ sessionId: w.id, pageToken: token, why: 'cancel' }, w.deps).then(() => undefined),
    );

    expect(await openPage(w.id, w.deps)).toEqual({ kind: 'REDIRECT', location: w.url('3dscancel') });
  });

  it('a session deleted while the challenge page reloads → unknown session', async () => {
    const w = await world();
    await w.challenged();
    w.sessions.beforeNext('renewPageToken', (store) => store.remove(w.id));

    expect(await openPage(w.id, w.deps)).toEqual({ kind: 'PROBLEM', problem: 'UNKNOWN_SESSION' });
    expect(w.logged('3-D Secure request refused')).toEqual([
      { level: 'warn', problem: 'UNKNOWN_SESSION', step: 'open', detail: 'vanished', sessionRef: ref(w.id) },
    ]);
  });

  it('a preauth that loses to a challenge started in another tab → refused as a stale page', async () => {
    const w = await world();
    w.sessions.beforeNext('startFlow', (store) => {
      const s = store.peek(w.id)!;
      const flow = {
        serverTransactionId: 'other',
        messageVersion: '2.2.0' as const,
        pageTokenHash: 'x',
        startedAt: AT,
      };
      store.put({ ...s, flow: { ...flow, challenge: { ...challengeAnswer, startedAt: AT } } });
    });

    expect(await openPage(w.id, w.deps)).toEqual({ kind: 'PROBLEM', problem: 'FORGED_FORM' });
    expect(w.logged('3-D Secure request refused')).toEqual([
      {
        level: 'warn',
        problem: 'FORGED_FORM',
        step: 'open',
        detail: 'a newer render replaced the page token',
        pspTransactionId: w.session.pspTransactionId,
        sessionRef: ref(w.id),
      },
    ]);
  });

  it('a session deleted while the page was preauthing → unknown session', async () => {
    const w = await world();
    w.sessions.beforeNext('startFlow', (store) => store.remove(w.id));

    expect(await openPage(w.id, w.deps)).toEqual({ kind: 'PROBLEM', problem: 'UNKNOWN_SESSION' });
    expect(w.logged('3-D Secure request refused')).toEqual([
      { level: 'warn', problem: 'UNKNOWN_SESSION', step: 'open', detail: 'vanished', sessionRef: ref(w.id) },
    ]);
  });

  it.each([
    ['sealed for another session', undefined, { sessionId: 'another-session' }],
    ['not JSON', 'not json', undefined],
    ['JSON null', null, undefined],
    ['no number', { expiryMonth: '03', expiryYear: '30' }, undefined],
    ['a numeric number', { ...NETWORK_TOKEN, number: 4895370013193500 }, undefined],
    ['a numeric expiry month', { ...NETWORK_TOKEN, expiryMonth: 3 }, undefined],
    ['a numeric expiry year', { ...NETWORK_TOKEN, expiryYear: 30 }, undefined],
  ])(
    'a token that cannot be read (%s) → 3dsfailure, nothing sent to the 3DS server',
    async (_, token, context) => {
      const w = await world(token === undefined ? {} : { token });
      if (context) {
        const sealedToken = await w.vault.seal(new TextEncoder().encode(JSON.stringify(NETWORK_TOKEN)), {
          pspTransactionId: w.session.pspTransactionId,
          ...context,
        });
        w.sessions.put({ ...w.stored(), sealedToken });
      }
      if (token === 'not json') {
        const sealedToken = await w.vault.seal(new TextEncoder().encode('{"number":'), {
          pspTransactionId: w.session.pspTransactionId,
          sessionId: w.id,
        });
        w.sessions.put({ ...w.stored(), sealedToken });
      }

      expect(await openPage(w.id, w.deps)).toEqual({
        kind: 'REDIRECT',
        location: w.url('3dsfailure'),
        result: 'error',
      });
      expect(w.server.preauths).toEqual([]);
      expect(w.stored()).toMatchObject({ state: 'FAILED', endReason: 'TOKEN_UNREADABLE', completedAt: AT });
      expect(w.logged('3-D Secure session ended in failure')[0]).toMatchObject({
        ending: 'TOKEN_UNREADABLE',
        detail: 'open',
      });
      expect(w.log.text()).not.toContain(NETWORK_TOKEN.number);
    },
  );

  it('the 3DS server failing the preauth → 3dsfailure, counted failed, the error named for ops', async () => {
    const w = await world();
    w.server.preauthAnswer = { throws: new ThreeDsServerError('TIMEOUT', 'no answer in 5000 ms') };

    expect(await openPage(w.id, w.deps)).toEqual({
      kind: 'REDIRECT',
      location: w.url('3dsfailure'),
      result: 'error',
    });
    expect(w.stored()).toMatchObject({ state: 'FAILED', endReason: 'PROVIDER_ERROR' });
    expect(w.stored().flow).toBeUndefined();
    expect(w.counts).toEqual(['failed']);
    expect(w.logged('3-D Secure session ended in failure')).toEqual([
      {
        level: 'error',
        pspTransactionId: w.session.pspTransactionId,
        sessionRef: ref(w.id),
        ending: 'PROVIDER_ERROR',
        detail: 'preauth: ThreeDsServerError: no answer in 5000 ms',
      },
    ]);
  });

  it('something thrown that is not an Error is named by its type', async () => {
    const w = await world();
    w.server.preauthAnswer = { throws: 'socket hang up' };

    await openPage(w.id, w.deps);
    expect(w.logged('3-D Secure session ended in failure')[0]).toMatchObject({ detail: 'preauth: string' });
  });

  it('the store failing after the session was read → 3dsfailure as an internal error', async () => {
    const w = await world();
    w.sessions.failNext('startFlow', new TypeError('throttled'));

    expect(await openPage(w.id, w.deps)).toEqual({
      kind: 'REDIRECT',
      location: w.url('3dsfailure'),
      result: 'error',
    });
    expect(w.stored()).toMatchObject({ state: 'FAILED', endReason: 'INTERNAL_ERROR' });
    expect(w.logged('3-D Secure session ended in failure')[0]).toMatchObject({
      ending: 'INTERNAL_ERROR',
      detail: 'open: TypeError',
    });
  });

  it('a non-Error thrown by the store is named by its type', async () => {
    const w = await world();
    w.sessions.failNext('startFlow', { code: 'ProvisionedThroughputExceeded' });

    await openPage(w.id, w.deps);
    expect(w.logged('3-D Secure session ended in failure')[0]).toMatchObject({ detail: 'open: object' });
  });
});

describe('which sessions can still be authenticated (every step)', () => {
  it.each([
    ['21 characters', 'a'.repeat(21)],
    ['65 characters', 'a'.repeat(65)],
    ['a dot at the end', `${'a'.repeat(30)}.`],
    ['a space at the start', ` ${'a'.repeat(30)}`],
    ['a slash inside', `${'a'.repeat(15)}/${'a'.repeat(15)}`],
  ])('a malformed id (%s) → unknown session, the store not asked', async (_, badId) => {
    const w = await world();
    w.sessions.put({ ...w.stored(), sessionId: badId });

    expect(await openPage(badId, w.deps)).toEqual({ kind: 'PROBLEM', problem: 'UNKNOWN_SESSION' });
    expect(w.server.preauths).toEqual([]);
    expect(w.logged('3-D Secure request refused')).toEqual([
      { level: 'warn', problem: 'UNKNOWN_SESSION', step: 'open', detail: 'malformed id' },
    ]);
  });

  it('each step names itself when it refuses a malformed id', async () => {
    const w = await world();
    const bad = 'not-a-session';
    await openPage(bad, w.deps);
    await submitBrowserData({ sessionId: bad, pageToken: 'x', browser }, w.deps);
    await methodCompleted({ sessionId: bad, threeDSMethodData: methodData(SERVER_TX) }, w.deps);
    await challengeCompleted({ sessionId: bad, cres: theCres, pageToken: 'x' }, w.deps);
    await abandon({ sessionId: bad, pageToken: 'x', why: 'cancel' }, w.deps);
    await abandon({ sessionId: bad, pageToken: 'x', why: 'acs-unreachable' }, w.deps);

    expect(w.logged('3-D Secure request refused').map((l) => l.step)).toEqual([
      'open',
      'authenticate',
      'method',
      'challenge',
      'cancel',
      'acs-unreachable',
    ]);
  });

  it.each([
    ['22 characters', `Az09_-${'b'.repeat(16)}`],
    ['64 characters', `Az09_-${'b'.repeat(58)}`],
  ])('an id of the right shape (%s) is looked up: unknown → refused; stored → served', async (_, goodId) => {
    const w = await world({ session: { sessionId: goodId } });
    const unknown = `${goodId.slice(0, -1)}c`;

    expect(await openPage(unknown, w.deps)).toEqual({ kind: 'PROBLEM', problem: 'UNKNOWN_SESSION' });
    expect(w.logged('3-D Secure request refused')).toEqual([
      {
        level: 'warn',
        problem: 'UNKNOWN_SESSION',
        step: 'open',
        detail: 'no such session',
        sessionRef: ref(unknown),
      },
    ]);
    expect((await openPage(goodId, w.deps)).kind).toBe('METHOD');
  });

  it.each([
    ['SUCCEEDED', '3dssuccess'],
    ['FAILED', '3dsfailure'],
    ['CANCELLED', '3dscancel'],
  ] as const)('a session that ended %s sends every step to %s again, changing nothing', async (state, op) => {
    const w = await world();
    const token = await w.opened();
    w.sessions.put({ ...w.stored(), state, completedAt: AT });
    const before = w.stored();
    const again = { kind: 'REDIRECT', location: w.url(op) };

    expect(await openPage(w.id, w.deps)).toEqual(again);
    expect(await submitBrowserData({ sessionId: w.id, pageToken: token, browser }, w.deps)).toEqual(again);
    expect(await challengeCompleted({ sessionId: w.id, cres: theCres, pageToken: token }, w.deps)).toEqual(
      again,
    );
    expect(await abandon({ sessionId: w.id, pageToken: token, why: 'cancel' }, w.deps)).toEqual(again);
    expect(w.stored()).toEqual(before);
    expect(w.server.preauths).toHaveLength(1);
    expect(w.server.authentications).toEqual([]);
  });

  it('expired at this very instant → 3dsfailure, ended FAILED as expired (a warning, not an error)', async () => {
    const w = await world({ session: { expiresAt: AT } });

    expect(await openPage(w.id, w.deps)).toEqual({
      kind: 'REDIRECT',
      location: w.url('3dsfailure'),
      result: 'expired',
    });
    expect(w.stored()).toMatchObject({ state: 'FAILED', endReason: 'EXPIRED', completedAt: AT });
    expect(w.server.preauths).toEqual([]);
    expect(w.logged('3-D Secure session ended: expired')).toEqual([
      {
        level: 'warn',
        pspTransactionId: w.session.pspTransactionId,
        sessionRef: ref(w.id),
        ending: 'EXPIRED',
        detail: `open: ${AT}`,
      },
    ]);
  });

  it('one millisecond before expiry the session is still served', async () => {
    const w = await world({ session: { expiresAt: new Date(NOW.getTime() + 1).toISOString() } });
    expect((await openPage(w.id, w.deps)).kind).toBe('METHOD');
  });

  it('an expiry that is not a time counts as expired', async () => {
    const w = await world({ session: { expiresAt: 'soon' } });
    expect(await openPage(w.id, w.deps)).toMatchObject({ kind: 'REDIRECT', result: 'expired' });
  });

  it('the session expiring while the shopper cancels → 3dsfailure, and the step is named', async () => {
    const w = await world();
    const token = await w.opened();
    w.clock.advance(15 * 60_000);

    expect(await abandon({ sessionId: w.id, pageToken: token, why: 'cancel' }, w.deps)).toEqual({
      kind: 'REDIRECT',
      location: w.url('3dsfailure'),
      result: 'expired',
    });
    expect(w.logged('3-D Secure session ended: expired')[0]).toMatchObject({
      detail: `cancel: ${w.session.expiresAt}`,
    });
  });

  it('no 3dssuccess URL from Vipps → nothing to authenticate for: 3dsfailure without a preauth', async () => {
    const w = await world();
    w.sessions.put({
      ...w.stored(),
      operations: w.session.operations.filter((o) => o.operation !== '3dssuccess'),
    });

    expect(await openPage(w.id, w.deps)).toEqual({
      kind: 'REDIRECT',
      location: w.url('3dsfailure'),
      result: 'error',
    });
    expect(w.stored()).toMatchObject({ state: 'FAILED', endReason: 'NO_SUCCESS_URL' });
    expect(w.server.preauths).toEqual([]);
  });

  it('no usable operations URL at all → a plain error page (nowhere to send the shopper)', async () => {
    const w = await world({
      session: { operations: [{ operation: '3dssuccess', url: 'javascript:alert(1)' }] },
    });

    expect(await openPage(w.id, w.deps)).toEqual({ kind: 'PROBLEM', problem: 'UNUSABLE_SESSION' });
    expect(w.server.preauths).toEqual([]);
  });
});

describe('submitBrowserData: the AReq decides frictionless or challenge', () => {
  it('sends one AReq with the token, the purchase, the browser and our notification URL', async () => {
    const w = await world();
    const pageToken = await w.opened();
    await submitBrowserData({ sessionId: w.id, pageToken, browser }, w.deps);

    expect(w.server.authentications).toEqual([
      {
        serverTransactionId: SERVER_TX,
        messageVersion: '2.2.0',
        card: { ...NETWORK_TOKEN, scheme: 'VISA' },
        purchase: { amount: 10036, currency: 'NOK', date: AT, merchantName: 'Sokkebutikken AS' },
        methodCompletion: 'N',
        notificationUrl: `https://psp.example/3ds/${w.id}/challenge`,
        browser,
        challengeWindowSize: '05',
      },
    ]);
    expect(w.sessions.won('claimAuthentication')).toEqual([
      [w.id, { serverTransactionId: SERVER_TX, pageTokenHash: sha256Hex(pageToken) }, AT],
    ]);
  });

  it('the challenge window size is the configured one when set', async () => {
    const w = await world({ challengeWindowSize: '02' });
    await submitBrowserData({ sessionId: w.id, pageToken: await w.opened(), browser }, w.deps);
    expect(w.server.authentications[0]?.challengeWindowSize).toBe('02');
  });

  it('threeDSCompInd: Y after the Method notification, N without it, U when the ACS has no Method', async () => {
    const notified = await world();
    const token = await notified.opened();
    await methodCompleted(
      { sessionId: notified.id, threeDSMethodData: methodData(SERVER_TX) },
      notified.deps,
    );
    await submitBrowserData({ sessionId: notified.id, pageToken: token, browser }, notified.deps);

    const none = await world();
    none.server.preauthAnswer = { serverTransactionId: SERVER_TX, messageVersion: '2.2.0' };
    await submitBrowserData({ sessionId: none.id, pageToken: await none.opened(), browser }, none.deps);

    expect(notified.server.authentications[0]?.methodCompletion).toBe('Y');
    expect(none.server.authentications[0]?.methodCompletion).toBe('U');
  });

  it.each(['Y', 'A'] as const)(
    'frictionless %s → 3dssuccess, the authentication kept for the second makePayment',
    async (transStatus) => {
      const w = await world();
      const pageToken = await w.opened();
      w.server.authenticateAnswer = {
        kind: 'RESULT',
        result: { status: 'AUTHENTICATED', transStatus, authentication: { ...authentication, transStatus } },
      };

      expect(await submitBrowserData({ sessionId: w.id, pageToken, browser }, w.deps)).toEqual({
        kind: 'REDIRECT',
        location: w.url('3dssuccess'),
        result: 'success',
      });
      expect(w.stored()).toMatchObject({
        state: 'SUCCEEDED',
        completedAt: AT,
        authentication: { ...authentication, transStatus },
      });
      expect(w.sessions.won('complete')).toEqual([
        [
          w.id,
          { state: 'SUCCEEDED', completedAt: AT, authentication: { ...authentication, transStatus } },
          { pageTokenHash: sha256Hex(pageToken) },
        ],
      ]);
      expect(w.counts).toEqual(['frictionless']);
      expect(w.logged('3-D Secure authentication finished')).toStrictEqual([
        {
          level: 'info',
          pspTransactionId: w.session.pspTransactionId,
          sessionRef: ref(w.id),
          result: 'success',
          transStatus,
          eci: '05',
        },
      ]);
      expect(w.log.text()).not.toContain(CAVV);
    },
  );

  it.each([
    ['N', '01'],
    ['R', '11'],
    ['U', undefined],
  ])('frictionless %s → 3dsfailure, counted failed, no authentication kept', async (transStatus, reason) => {
    const w = await world();
    const pageToken = await w.opened();
    w.server.authenticateAnswer = {
      kind: 'RESULT',
      result: { status: 'FAILED', transStatus, ...(reason ? { reason } : {}) },
    };

    expect(await submitBrowserData({ sessionId: w.id, pageToken, browser }, w.deps)).toEqual({
      kind: 'REDIRECT',
      location: w.url('3dsfailure'),
      result: 'failure',
    });
    expect(w.stored()).toMatchObject({ state: 'FAILED', completedAt: AT });
    expect(w.stored()).not.toHaveProperty('authentication');
    expect(w.stored()).not.toHaveProperty('endReason');
    expect(w.sessions.won('complete')[0]?.[1]).toEqual({ state: 'FAILED', completedAt: AT });
    expect(w.counts).toEqual(['failed']);
    expect(w.logged('3-D Secure authentication finished')).toEqual([
      {
        level: 'info',
        pspTransactionId: w.session.pspTransactionId,
        sessionRef: ref(w.id),
        result: 'failure',
        transStatus,
        reason,
      },
    ]);
  });

  it('a cancel in the ARes → 3dscancel, ended CANCELLED', async () => {
    const w = await world();
    const pageToken = await w.opened();
    w.server.authenticateAnswer = { kind: 'RESULT', result: { status: 'CANCELLED' } };

    expect(await submitBrowserData({ sessionId: w.id, pageToken, browser }, w.deps)).toEqual({
      kind: 'REDIRECT',
      location: w.url('3dscancel'),
      result: 'cancel',
    });
    expect(w.stored().state).toBe('CANCELLED');
    expect(w.counts).toEqual(['failed']);
    expect(w.logged('3-D Secure authentication finished')).toStrictEqual([
      {
        level: 'info',
        pspTransactionId: w.session.pspTransactionId,
        sessionRef: ref(w.id),
        result: 'cancel',
      },
    ]);
  });

  it('C → the challenge page posts the CReq to the ACS, under a new page token; the challenge is kept', async () => {
    const w = await world();
    const pageToken = await w.opened();
    w.server.authenticateAnswer = challengeAnswer;
    const outcome = await submitBrowserData({ sessionId: w.id, pageToken, browser }, w.deps);

    expect(outcome.kind).toBe('CHALLENGE');
    const view = (outcome as { view: ChallengeView }).view;
    expect(view).toEqual({
      sessionId: w.id,
      merchantName: 'Sokkebutikken AS',
      amount: 10036,
      currency: 'NOK',
      expiresAt: w.session.expiresAt,
      pageToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) as string,
      redirectTargets: [w.url('3dssuccess'), w.url('3dsfailure'), w.url('3dscancel')],
      acsUrl: 'https://acs.bank.example/challenge',
      creq: 'eyJjcmVxIjoxfQ',
    });
    expect(view.pageToken).not.toBe(pageToken);
    const challenge = {
      acsUrl: 'https://acs.bank.example/challenge',
      acsTransactionId: ACS_TX,
      dsTransactionId: 'ds-tx-1',
      creq: 'eyJjcmVxIjoxfQ',
      startedAt: AT,
    };
    expect(w.stored().flow).toMatchObject({ challenge, pageTokenHash: sha256Hex(view.pageToken) });
    expect(w.sessions.won('startChallenge')).toEqual([
      [
        w.id,
        {
          serverTransactionId: SERVER_TX,
          pageTokenHash: sha256Hex(pageToken),
          challenge,
          newTokenHash: sha256Hex(view.pageToken),
        },
        AT,
      ],
    ]);
    expect(w.stored().state).toBe('PENDING');
    expect(w.counts).toEqual(['challenged']);
    expect(w.logged('3-D Secure challenge started')).toEqual([
      {
        level: 'info',
        pspTransactionId: w.session.pspTransactionId,
        sessionRef: ref(w.id),
        provider: 'scripted-3ds',
        methodCompletion: 'N',
      },
    ]);
    // The browser-data form is spent: posting it again does not send a second AReq.
    const again = await submitBrowserData({ sessionId: w.id, pageToken: view.pageToken, browser }, w.deps);
    expect(again).toEqual({ kind: 'PROBLEM', problem: 'FORGED_FORM' });
    expect(w.server.authentications).toHaveLength(1);
  });

  it('a wrong page token, or none rendered yet → refused, no AReq, nothing written', async () => {
    const w = await world();
    const unopened = await submitBrowserData({ sessionId: w.id, pageToken: 'x'.repeat(43), browser }, w.deps);
    await w.opened();
    const before = w.stored();
    const forged = await submitBrowserData({ sessionId: w.id, pageToken: 'x'.repeat(43), browser }, w.deps);

    expect(unopened).toEqual({ kind: 'PROBLEM', problem: 'FORGED_FORM' });
    expect(forged).toEqual({ kind: 'PROBLEM', problem: 'FORGED_FORM' });
    expect(w.server.authentications).toEqual([]);
    expect(w.stored()).toEqual(before);
    expect(w.logged('3-D Secure request refused')[1]).toEqual({
      level: 'warn',
      problem: 'FORGED_FORM',
      step: 'authenticate',
      detail: 'page token does not match the latest render',
      pspTransactionId: w.session.pspTransactionId,
      sessionRef: ref(w.id),
    });
  });

  it('two posts of the browser data at once (a double tap) → one AReq; the other is refused', async () => {
    const w = await world();
    const pageToken = await w.opened();
    w.server.authenticateAnswer = challengeAnswer;
    w.sessions.beforeNext('claimAuthentication', async () => {
      await submitBrowserData({ sessionId: w.id, pageToken, browser }, w.deps);
    });

    expect(await submitBrowserData({ sessionId: w.id, pageToken, browser }, w.deps)).toEqual({
      kind: 'PROBLEM',
      problem: 'FORGED_FORM',
    });
    expect(w.server.authentications).toHaveLength(1);
    expect(w.counts).toEqual(['challenged']);
    expect(w.logged('3-D Secure request refused')).toEqual([
      expect.objectContaining({ problem: 'FORGED_FORM', step: 'authenticate' }),
    ]);
  });

  it('a reload while the AReq was out: its challenge is not saved over the newer page; refused', async () => {
    const w = await world();
    const pageToken = await w.opened();
    w.server.authenticateAnswer = challengeAnswer;
    w.sessions.beforeNext('startChallenge', () => w.opened().then(() => undefined));

    expect(await submitBrowserData({ sessionId: w.id, pageToken, browser }, w.deps)).toEqual({
      kind: 'PROBLEM',
      problem: 'FORGED_FORM',
    });
    expect(w.stored().flow?.challenge).toBeUndefined();
    expect(w.counts).toEqual([]);
    expect(w.logged('3-D Secure request refused')).toEqual([
      expect.objectContaining({ step: 'authenticate', detail: 'a newer render replaced the page token' }),
    ]);
  });

  it('a reload while a frictionless AReq was out: the result is not recorded over the newer page', async () => {
    const w = await world();
    const pageToken = await w.opened();
    w.server.authenticateAnswer = {
      kind: 'RESULT',
      result: { status: 'AUTHENTICATED', transStatus: 'Y', authentication },
    };
    w.sessions.beforeNext('complete', () => w.opened().then(() => undefined));

    expect(await submitBrowserData({ sessionId: w.id, pageToken, browser }, w.deps)).toEqual({
      kind: 'PROBLEM',
      problem: 'FORGED_FORM',
    });
    expect(w.stored().state).toBe('PENDING');
    expect(w.stored()).not.toHaveProperty('authentication');
    expect(w.logged('3-D Secure request refused')).toEqual([
      expect.objectContaining({ step: 'authenticate', detail: 'a newer render replaced the page token' }),
    ]);
  });

  it('a frictionless result that loses to a cancel meanwhile → where the cancel sent the shopper', async () => {
    const w = await world();
    const pageToken = await w.opened();
    w.server.authenticateAnswer = {
      kind: 'RESULT',
      result: { status: 'AUTHENTICATED', transStatus: 'Y', authentication },
    };
    w.sessions.beforeNext('complete', async () => {
      await abandon({ sessionId: w.id, pageToken, why: 'cancel' }, w.deps);
    });

    expect(await submitBrowserData({ sessionId: w.id, pageToken, browser }, w.deps)).toEqual({
      kind: 'REDIRECT',
      location: w.url('3dscancel'),
    });
    expect(w.stored().state).toBe('CANCELLED');
    expect(w.stored()).not.toHaveProperty('authentication');
    expect(w.logged('3-D Secure authentication finished')).toEqual([
      expect.objectContaining({ result: 'cancel' }),
    ]);
  });

  it('a challenge that cannot be saved because the session ended meanwhile → where it ended', async () => {
    const w = await world();
    const pageToken = await w.opened();
    w.server.authenticateAnswer = challengeAnswer;
    w.sessions.beforeNext('startChallenge', (store) => store.put({ ...store.peek(w.id)!, state: 'FAILED' }));

    expect(await submitBrowserData({ sessionId: w.id, pageToken, browser }, w.deps)).toEqual({
      kind: 'REDIRECT',
      location: w.url('3dsfailure'),
    });
    expect(w.counts).toEqual([]);
    expect(w.logged('3-D Secure challenge started')).toEqual([]);
  });

  it('the token unreadable when the AReq is due → 3dsfailure, no AReq', async () => {
    const w = await world();
    const pageToken = await w.opened();
    const sealedToken = await w.vault.seal(new TextEncoder().encode('[]'), {
      pspTransactionId: 'someone-else',
      sessionId: w.id,
    });
    w.sessions.put({ ...w.stored(), sealedToken });

    expect(await submitBrowserData({ sessionId: w.id, pageToken, browser }, w.deps)).toEqual({
      kind: 'REDIRECT',
      location: w.url('3dsfailure'),
      result: 'error',
    });
    expect(w.stored()).toMatchObject({ state: 'FAILED', endReason: 'TOKEN_UNREADABLE' });
    expect(w.logged('3-D Secure session ended in failure')[0]).toMatchObject({ detail: 'authenticate' });
    expect(w.server.authentications).toEqual([]);
  });

  it('the 3DS server failing the AReq → 3dsfailure, counted failed, no challenge', async () => {
    const w = await world();
    const pageToken = await w.opened();
    w.server.authenticateAnswer = { throws: new ThreeDsServerError('UNREADABLE', 'garbage') };

    expect(await submitBrowserData({ sessionId: w.id, pageToken, browser }, w.deps)).toEqual({
      kind: 'REDIRECT',
      location: w.url('3dsfailure'),
      result: 'error',
    });
    expect(w.stored()).toMatchObject({ state: 'FAILED', endReason: 'PROVIDER_ERROR' });
    expect(w.stored().flow?.challenge).toBeUndefined();
    expect(w.counts).toEqual(['failed']);
    expect(w.logged('3-D Secure session ended in failure')[0]).toMatchObject({
      detail: 'auth: ThreeDsServerError: garbage',
    });
  });

  it('the store failing the claim → 3dsfailure as an internal error, no AReq', async () => {
    const w = await world();
    const pageToken = await w.opened();
    w.sessions.failNext('claimAuthentication', new Error('throttled'));

    expect(await submitBrowserData({ sessionId: w.id, pageToken, browser }, w.deps)).toMatchObject({
      location: w.url('3dsfailure'),
    });
    expect(w.stored()).toMatchObject({ state: 'FAILED', endReason: 'INTERNAL_ERROR' });
    expect(w.logged('3-D Secure session ended in failure')[0]).toMatchObject({
      detail: 'authenticate: Error',
    });
    expect(w.server.authentications).toEqual([]);
  });
});

describe('methodCompleted: the ACS’s 3DS Method notification', () => {
  it('for this transaction: recorded once; a replay is refused as stale', async () => {
    const w = await world();
    await w.opened();
    const input = { sessionId: w.id, threeDSMethodData: methodData(SERVER_TX) };

    expect(await methodCompleted(input, w.deps)).toEqual({ kind: 'METHOD_RECORDED' });
    expect(w.stored().flow?.methodCompletedAt).toBe(AT);
    expect(w.sessions.won('markMethodCompleted')).toEqual([[w.id, SERVER_TX, AT]]);

    w.clock.advance(1000);
    expect(await methodCompleted(input, w.deps)).toEqual({ kind: 'PROBLEM', problem: 'STALE_NOTIFICATION' });
    expect(w.stored().flow?.methodCompletedAt).toBe(AT);
    expect(w.logged('3-D Secure request refused')).toEqual([
      {
        level: 'warn',
        problem: 'STALE_NOTIFICATION',
        step: 'method',
        detail: 'already recorded or moved on',
        pspTransactionId: w.session.pspTransactionId,
        sessionRef: ref(w.id),
      },
    ]);
  });

  it.each([
    ['another transaction', methodData('server-tx-2')],
    ['something that is not threeDSMethodData', 'bm90IGpzb24'],
  ])('naming %s → stale, nothing recorded', async (_, data) => {
    const w = await world();
    await w.opened();

    expect(await methodCompleted({ sessionId: w.id, threeDSMethodData: data }, w.deps)).toEqual({
      kind: 'PROBLEM',
      problem: 'STALE_NOTIFICATION',
    });
    expect(w.stored().flow).not.toHaveProperty('methodCompletedAt');
    expect(w.logged('3-D Secure request refused')[0]).toMatchObject({
      problem: 'STALE_NOTIFICATION',
      step: 'method',
      detail: 'not this session’s transaction',
    });
  });

  it('before any preauth, or after the session ended → stale, nothing recorded', async () => {
    const w = await world();
    const early = await methodCompleted(
      { sessionId: w.id, threeDSMethodData: methodData(SERVER_TX) },
      w.deps,
    );
    await w.opened();
    w.sessions.put({ ...w.stored(), state: 'CANCELLED' });
    const late = await methodCompleted({ sessionId: w.id, threeDSMethodData: methodData(SERVER_TX) }, w.deps);

    expect(early).toEqual({ kind: 'PROBLEM', problem: 'STALE_NOTIFICATION' });
    expect(late).toEqual({ kind: 'PROBLEM', problem: 'STALE_NOTIFICATION' });
    expect(w.sessions.writes.filter((x) => x.method === 'markMethodCompleted')).toEqual([]);
  });

  it('a malformed or unknown session id → unknown session', async () => {
    const w = await world();
    const unknown = 'u'.repeat(32);

    expect(
      await methodCompleted({ sessionId: 'short', threeDSMethodData: methodData(SERVER_TX) }, w.deps),
    ).toEqual({
      kind: 'PROBLEM',
      problem: 'UNKNOWN_SESSION',
    });
    expect(
      await methodCompleted({ sessionId: unknown, threeDSMethodData: methodData(SERVER_TX) }, w.deps),
    ).toEqual({
      kind: 'PROBLEM',
      problem: 'UNKNOWN_SESSION',
    });
    expect(w.logged('3-D Secure request refused')).toEqual([
      { level: 'warn', problem: 'UNKNOWN_SESSION', step: 'method', detail: 'malformed id' },
      {
        level: 'warn',
        problem: 'UNKNOWN_SESSION',
        step: 'method',
        detail: 'no such session',
        sessionRef: ref(unknown),
      },
    ]);
  });
});

describe('challengeCompleted: the CRes, then the RReq (postauth) decides', () => {
  it('authenticated → 3dssuccess with the result kept; asked for this transaction’s result', async () => {
    const w = await world();
    const pageToken = await w.challenged();
    w.server.challengeResultAnswer = { status: 'AUTHENTICATED', transStatus: 'Y', authentication };

    expect(await challengeCompleted({ sessionId: w.id, cres: theCres, pageToken }, w.deps)).toEqual({
      kind: 'REDIRECT',
      location: w.url('3dssuccess'),
      result: 'success',
    });
    expect(w.server.resultRequests).toEqual([SERVER_TX]);
    expect(w.stored()).toMatchObject({ state: 'SUCCEEDED', completedAt: AT, authentication });
    expect(w.sessions.won('complete')[0]?.[2]).toEqual({ pageTokenHash: sha256Hex(pageToken) });
    expect(w.counts).toEqual(['challenged']);
    expect(w.log.text()).not.toContain(CAVV);
  });

  it('a wrong code (N) → 3dsfailure; a cancel at the bank → 3dscancel; both counted failed', async () => {
    const wrong = await world();
    const wrongToken = await wrong.challenged();
    wrong.server.challengeResultAnswer = { status: 'FAILED', transStatus: 'N', reason: '01' };
    const cancel = await world();
    const cancelToken = await cancel.challenged();
    cancel.server.challengeResultAnswer = { status: 'CANCELLED' };

    expect(
      await challengeCompleted({ sessionId: wrong.id, cres: theCres, pageToken: wrongToken }, wrong.deps),
    ).toEqual({ kind: 'REDIRECT', location: wrong.url('3dsfailure'), result: 'failure' });
    expect(
      await challengeCompleted({ sessionId: cancel.id, cres: theCres, pageToken: cancelToken }, cancel.deps),
    ).toEqual({ kind: 'REDIRECT', location: cancel.url('3dscancel'), result: 'cancel' });
    expect(wrong.stored().state).toBe('FAILED');
    expect(cancel.stored().state).toBe('CANCELLED');
    expect(wrong.counts).toEqual(['challenged', 'failed']);
    expect(cancel.counts).toEqual(['challenged', 'failed']);
  });

  it.each([
    ['does not decode', 'bm90IGEgQ1Jlcw'],
    [
      'names another 3DS server transaction',
      cres({ serverTransactionId: 'server-tx-2', acsTransactionId: ACS_TX }),
    ],
    ['names another ACS transaction', cres({ serverTransactionId: SERVER_TX, acsTransactionId: 'acs-tx-2' })],
  ])('a CRes that %s → 3dsfailure, no postauth, no authentication kept', async (_, posted) => {
    const w = await world();
    const pageToken = await w.challenged();

    expect(await challengeCompleted({ sessionId: w.id, cres: posted, pageToken }, w.deps)).toEqual({
      kind: 'REDIRECT',
      location: w.url('3dsfailure'),
      result: 'error',
    });
    expect(w.server.resultRequests).toEqual([]);
    expect(w.stored()).toMatchObject({ state: 'FAILED', endReason: 'PROVIDER_ERROR' });
    expect(w.stored()).not.toHaveProperty('authentication');
    expect(w.counts).toEqual(['challenged', 'failed']);
    expect(w.logged('3-D Secure session ended in failure')[0]).toMatchObject({
      detail: 'challenge: CRes names another transaction',
    });
  });

  it('the postauth failing → 3dsfailure, named for ops', async () => {
    const w = await world();
    const pageToken = await w.challenged();
    w.server.challengeResultAnswer = { throws: new ThreeDsServerError('TIMEOUT', 'postauth timed out') };

    expect(await challengeCompleted({ sessionId: w.id, cres: theCres, pageToken }, w.deps)).toMatchObject({
      location: w.url('3dsfailure'),
      result: 'error',
    });
    expect(w.stored()).toMatchObject({ state: 'FAILED', endReason: 'PROVIDER_ERROR' });
    expect(w.logged('3-D Secure session ended in failure')[0]).toMatchObject({
      detail: 'postauth: ThreeDsServerError: postauth timed out',
    });
  });

  it('a reload of the challenge page while the postauth was out: the older page’s CRes is refused', async () => {
    const w = await world();
    const pageToken = await w.challenged();
    w.server.challengeResultAnswer = { status: 'AUTHENTICATED', transStatus: 'Y', authentication };
    w.sessions.beforeNext('complete', () => openPage(w.id, w.deps).then(() => undefined));

    expect(await challengeCompleted({ sessionId: w.id, cres: theCres, pageToken }, w.deps)).toEqual({
      kind: 'PROBLEM',
      problem: 'FORGED_FORM',
    });
    expect(w.stored().state).toBe('PENDING');
    expect(w.logged('3-D Secure request refused')).toEqual([
      expect.objectContaining({ step: 'challenge', detail: 'a newer render replaced the page token' }),
    ]);
  });

  it('reading the CRes blowing up → 3dsfailure as an internal error', async () => {
    const w = await world();
    const pageToken = await w.challenged();
    w.server.readingFails = new RangeError('bad base64');

    expect(await challengeCompleted({ sessionId: w.id, cres: theCres, pageToken }, w.deps)).toMatchObject({
      location: w.url('3dsfailure'),
    });
    expect(w.stored()).toMatchObject({ state: 'FAILED', endReason: 'INTERNAL_ERROR' });
    expect(w.logged('3-D Secure session ended in failure')[0]).toMatchObject({
      detail: 'challenge: RangeError',
    });
  });

  it('threeDSSessionData that does not match, or no challenge started → refused, nothing changed', async () => {
    const w = await world();
    const methodToken = await w.opened();
    const early = await challengeCompleted(
      { sessionId: w.id, cres: theCres, pageToken: methodToken },
      w.deps,
    );
    await w.challenged();
    const before = w.stored();
    const forged = await challengeCompleted(
      { sessionId: w.id, cres: theCres, pageToken: 'y'.repeat(43) },
      w.deps,
    );

    expect(early).toEqual({ kind: 'PROBLEM', problem: 'FORGED_FORM' });
    expect(forged).toEqual({ kind: 'PROBLEM', problem: 'FORGED_FORM' });
    expect(w.stored()).toEqual(before);
    expect(w.server.resultRequests).toEqual([]);
    expect(w.logged('3-D Secure request refused')[1]).toEqual({
      level: 'warn',
      problem: 'FORGED_FORM',
      step: 'challenge',
      detail: 'threeDSSessionData does not match',
      pspTransactionId: w.session.pspTransactionId,
      sessionRef: ref(w.id),
    });
  });

  it('a CRes before the page was ever opened → refused', async () => {
    const w = await world();
    expect(
      await challengeCompleted({ sessionId: w.id, cres: theCres, pageToken: 'z'.repeat(43) }, w.deps),
    ).toEqual({ kind: 'PROBLEM', problem: 'FORGED_FORM' });
  });
});

describe('abandon: Cancel on our page, or the ACS unreachable from the browser', () => {
  it('Cancel on the Method step → 3dscancel, ended CANCELLED on this render’s token', async () => {
    const w = await world();
    const pageToken = await w.opened();

    expect(await abandon({ sessionId: w.id, pageToken, why: 'cancel' }, w.deps)).toEqual({
      kind: 'REDIRECT',
      location: w.url('3dscancel'),
      result: 'cancel',
    });
    expect(w.sessions.won('complete')).toEqual([
      [w.id, { state: 'CANCELLED', completedAt: AT }, { pageTokenHash: sha256Hex(pageToken) }],
    ]);
    expect(w.counts).toEqual([]);
  });

  it('Cancel from a page another reload replaced meanwhile → refused, the session goes on', async () => {
    const w = await world();
    const pageToken = await w.challenged();
    w.sessions.beforeNext('complete', () => openPage(w.id, w.deps).then(() => undefined));

    expect(await abandon({ sessionId: w.id, pageToken, why: 'cancel' }, w.deps)).toEqual({
      kind: 'PROBLEM',
      problem: 'FORGED_FORM',
    });
    expect(w.stored().state).toBe('PENDING');
    expect(w.logged('3-D Secure request refused')).toEqual([
      expect.objectContaining({ step: 'cancel', detail: 'a newer render replaced the page token' }),
    ]);
  });

  it('Cancel during the challenge → 3dscancel', async () => {
    const w = await world();
    const pageToken = await w.challenged();

    expect(await abandon({ sessionId: w.id, pageToken, why: 'cancel' }, w.deps)).toMatchObject({
      location: w.url('3dscancel'),
    });
    expect(w.stored().state).toBe('CANCELLED');
  });

  it('the ACS unreachable → 3dsfailure, counted failed, ended as a provider error', async () => {
    const w = await world();
    const pageToken = await w.challenged();

    expect(await abandon({ sessionId: w.id, pageToken, why: 'acs-unreachable' }, w.deps)).toEqual({
      kind: 'REDIRECT',
      location: w.url('3dsfailure'),
      result: 'error',
    });
    expect(w.stored()).toMatchObject({ state: 'FAILED', endReason: 'PROVIDER_ERROR' });
    expect(w.counts).toEqual(['challenged', 'failed']);
    expect(w.logged('3-D Secure session ended in failure')[0]).toMatchObject({
      detail: 'the browser could not reach the ACS',
    });
  });

  it.each(['cancel', 'acs-unreachable'] as const)(
    '%s with a wrong token, or before any render → refused',
    async (why) => {
      const w = await world();
      const unopened = await abandon({ sessionId: w.id, pageToken: 'x'.repeat(43), why }, w.deps);
      await w.opened();
      const forged = await abandon({ sessionId: w.id, pageToken: 'x'.repeat(43), why }, w.deps);

      expect(unopened).toEqual({ kind: 'PROBLEM', problem: 'FORGED_FORM' });
      expect(forged).toEqual({ kind: 'PROBLEM', problem: 'FORGED_FORM' });
      expect(w.stored().state).toBe('PENDING');
      expect(w.logged('3-D Secure request refused')[1]).toMatchObject({
        step: why,
        detail: 'page token does not match the latest render',
      });
    },
  );

  it('the store failing the cancel → 3dsfailure as an internal error', async () => {
    const w = await world();
    const pageToken = await w.opened();
    w.sessions.failNext('complete', new Error('throttled'));

    expect(await abandon({ sessionId: w.id, pageToken, why: 'cancel' }, w.deps)).toMatchObject({
      location: w.url('3dsfailure'),
      result: 'error',
    });
    expect(w.stored()).toMatchObject({ state: 'FAILED', endReason: 'INTERNAL_ERROR' });
    expect(w.logged('3-D Secure session ended in failure')[0]).toMatchObject({ detail: 'cancel: Error' });
  });
});

describe('without a metrics callback', () => {
  it('every ending is the same: frictionless, challenge, failures, CRes mismatch, ACS unreachable', async () => {
    const outcomes: string[] = [];
    const note = (w: Awaited<ReturnType<typeof world>>, outcome: { kind: string }) =>
      outcomes.push(`${outcome.kind}:${w.stored().state}:${w.stored().endReason ?? ''}`);

    const preauthFails = await world({ counting: false });
    preauthFails.server.preauthAnswer = { throws: new ThreeDsServerError('HTTP', '502') };
    note(preauthFails, await openPage(preauthFails.id, preauthFails.deps));

    const frictionless = await world({ counting: false });
    frictionless.server.authenticateAnswer = {
      kind: 'RESULT',
      result: { status: 'AUTHENTICATED', transStatus: 'Y', authentication },
    };
    const token = await frictionless.opened();
    note(
      frictionless,
      await submitBrowserData({ sessionId: frictionless.id, pageToken: token, browser }, frictionless.deps),
    );

    const mismatch = await world({ counting: false });
    const mismatchToken = await mismatch.challenged();
    note(
      mismatch,
      await challengeCompleted(
        { sessionId: mismatch.id, cres: 'bad', pageToken: mismatchToken },
        mismatch.deps,
      ),
    );

    const refused = await world({ counting: false });
    const refusedToken = await refused.challenged();
    note(
      refused,
      await challengeCompleted(
        { sessionId: refused.id, cres: theCres, pageToken: refusedToken },
        refused.deps,
      ),
    );

    const unreachable = await world({ counting: false });
    const unreachableToken = await unreachable.opened();
    note(
      unreachable,
      await abandon(
        { sessionId: unreachable.id, pageToken: unreachableToken, why: 'acs-unreachable' },
        unreachable.deps,
      ),
    );

    expect(outcomes).toEqual([
      'REDIRECT:FAILED:PROVIDER_ERROR',
      'REDIRECT:SUCCEEDED:',
      'REDIRECT:FAILED:PROVIDER_ERROR',
      'REDIRECT:FAILED:',
      'REDIRECT:FAILED:PROVIDER_ERROR',
    ]);
  });
});

describe('logs', () => {
  it('never contain the token number, the CAVV, a page token or the session id', async () => {
    const w = await world();
    const methodToken = await w.opened();
    await methodCompleted({ sessionId: w.id, threeDSMethodData: methodData(SERVER_TX) }, w.deps);
    const challengeToken = await w.challenged();
    w.server.challengeResultAnswer = { status: 'AUTHENTICATED', transStatus: 'Y', authentication };
    await challengeCompleted({ sessionId: w.id, cres: theCres, pageToken: challengeToken }, w.deps);
    await openPage(w.id, w.deps);

    const text = w.log.text();
    expect(w.log.entries.length).toBeGreaterThan(2);
    for (const secret of [NETWORK_TOKEN.number, CAVV, methodToken, challengeToken, w.id]) {
      expect(text).not.toContain(secret);
    }
  });
});
