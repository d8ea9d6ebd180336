/**
 * How a 3-D Secure session ends (lambdas/core/use-cases/three-ds-endings.ts): which of Vipps'
 * operations URLs the shopper is sent to (exactly as sent, or the 3dssuccess fallback), which URLs
 * are refused as unsafe for a Location header, and how a failure without the issuer's answer is
 * recorded (once, the first ending wins, the shopper sent on even if the write fails).
 */
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../lambdas/core/secrets.js';
import type { ThreeDsOperation, ThreeDsSessionState } from '../../lambdas/core/three-ds-session.js';
import type {
  ChallengeSession,
  ThreeDsChallengeDeps,
} from '../../lambdas/core/use-cases/three-ds-challenge.js';
import {
  endInFailure,
  operationUrl,
  redirectTargets,
  replayEnding,
  sessionRef,
} from '../../lambdas/core/use-cases/three-ds-endings.js';
import {
  InMemoryThreeDsSessions,
  ScriptedThreeDsServer,
  pendingThreeDsSession,
} from '../support/in-memory-three-ds.js';
import { contextBoundVault } from '../support/context-bound-vault.js';
import { RecordingLog, TestClock } from '../support/three-ds-harness.js';

const NOW = new Date('2026-11-30T09:00:00.000Z');
const SUCCESS = 'https://vipps.example/mobileintercept?transactionId=t1&responsecode=OK&x=a%2Fb';
const FAILURE = 'https://vipps.example/mobileintercept?transactionId=t1&responsecode=FAIL';
const CANCEL = 'https://vipps.example/mobileintercept?transactionId=t1&responsecode=CANCEL';

async function world(operations: Array<{ operation: ThreeDsOperation; url: string }>) {
  const vault = contextBoundVault();
  const session = await pendingThreeDsSession(vault, NOW, { operations });
  const sessions = new InMemoryThreeDsSessions([session]);
  const log = new RecordingLog();
  const deps: ThreeDsChallengeDeps = {
    sessions,
    vault,
    server: new ScriptedThreeDsServer(),
    clock: new TestClock(NOW),
    log,
    urls: {
      method: (id) => `https://psp.example/3ds/${id}/method`,
      challenge: (id) => `https://psp.example/${id}`,
    },
  };
  const logged = (message: string) =>
    log.entries
      .filter((e) => e.message === message)
      .map((e): Record<string, unknown> => ({ level: e.level, ...(e.extra[0] as object) }));
  return { session, sessions, log, deps, logged, stored: () => sessions.peek(session.sessionId)! };
}

const all = [
  { operation: '3dssuccess' as const, url: SUCCESS },
  { operation: '3dsfailure' as const, url: FAILURE },
  { operation: '3dscancel' as const, url: CANCEL },
];
const onlySuccess = [{ operation: '3dssuccess' as const, url: SUCCESS }];

describe("operationUrl: Vipps' URL for an ending, exactly as sent", () => {
  it('each operation its own URL, query string intact', async () => {
    const { session } = await world(all);
    expect(operationUrl(session, '3dssuccess')).toBe(SUCCESS);
    expect(operationUrl(session, '3dsfailure')).toBe(FAILURE);
    expect(operationUrl(session, '3dscancel')).toBe(CANCEL);
  });

  it('failure and cancel fall back to 3dssuccess when Vipps sent only that one; success has no fallback', async () => {
    const { session } = await world(onlySuccess);
    expect(operationUrl(session, '3dsfailure')).toBe(SUCCESS);
    expect(operationUrl(session, '3dscancel')).toBe(SUCCESS);

    const noSuccess = await world([{ operation: '3dsfailure', url: FAILURE }]);
    expect(operationUrl(noSuccess.session, '3dssuccess')).toBeUndefined();
    expect(operationUrl(noSuccess.session, '3dscancel')).toBeUndefined();
    expect(operationUrl(noSuccess.session, '3dsfailure')).toBe(FAILURE);
  });

  it.each([
    ['plain http', 'http://vipps.example/ok?x=1'],
    ['an upper-case scheme', 'HTTPS://vipps.example/ok'],
  ])('accepts %s', async (_, url) => {
    const { session } = await world([{ operation: '3dssuccess', url }]);
    expect(operationUrl(session, '3dssuccess')).toBe(url);
  });

  it.each([
    ['another scheme', 'ftp://vipps.example/ok'],
    ['script', 'javascript:alert(1)//https://vipps.example/'],
    ['a relative URL', '/mobileintercept?x=1'],
    ['a leading space', ' https://vipps.example/ok'],
    ['a header injection', 'https://vipps.example/ok\r\nSet-Cookie: a=b'],
    ['a space inside', 'https://vipps.example/o k'],
    ['non-ASCII', 'https://vipps.example/bjørn'],
    ['an unparsable host', 'https://[vipps.example/ok'],
    ['nothing after the scheme', 'https://'],
  ])('refuses %s (and falls back to 3dssuccess for failure)', async (_, url) => {
    const { session } = await world([
      { operation: '3dssuccess', url: SUCCESS },
      { operation: '3dsfailure', url },
      { operation: '3dscancel', url },
    ]);
    expect(operationUrl(session, '3dsfailure')).toBe(SUCCESS);
    expect(operationUrl(session, '3dscancel')).toBe(SUCCESS);
  });
});

describe('redirectTargets: every URL an ending may go to (the page’s form-action)', () => {
  it('each distinct URL once, in success, failure, cancel order', async () => {
    expect(redirectTargets((await world(all)).session)).toEqual([SUCCESS, FAILURE, CANCEL]);
    expect(redirectTargets((await world(onlySuccess)).session)).toEqual([SUCCESS]);
    expect(redirectTargets((await world([{ operation: '3dscancel', url: CANCEL }])).session)).toEqual([
      CANCEL,
    ]);
    expect(redirectTargets((await world([])).session)).toEqual([]);
  });
});

describe('replayEnding: a session that already ended sends the shopper where it ended', () => {
  it.each([
    ['SUCCEEDED', SUCCESS],
    ['FAILED', FAILURE],
    ['CANCELLED', CANCEL],
  ] as const)('%s → its URL, no new result, logged for ops', async (state, location) => {
    const w = await world(all);
    const ended = { ...w.session, state };

    expect(replayEnding(ended, w.deps)).toEqual({ kind: 'REDIRECT', location });
    expect(w.logged('3-D Secure session already ended; sent on again')).toEqual([
      {
        level: 'info',
        pspTransactionId: w.session.pspTransactionId,
        sessionRef: sessionRef(w.session.sessionId),
        state,
      },
    ]);
  });

  it('no usable URL → nowhere', async () => {
    const w = await world([]);
    expect(replayEnding({ ...w.session, state: 'CANCELLED' }, w.deps)).toEqual({ kind: 'NOWHERE' });
  });

  it('refuses a session still PENDING (a caller bug, not an ending)', async () => {
    const w = await world(all);
    expect(() => replayEnding(w.session, w.deps)).toThrow('replayEnding needs an ended session');
  });
});

describe('endInFailure: no answer from the issuer → FAILED once, then 3dsfailure', () => {
  it('records FAILED with the reason and time, and sends the shopper to 3dsfailure as an error', async () => {
    const w = await world(all);

    expect(await endInFailure(w.session, 'PROVIDER_ERROR', w.deps, 'auth: boom')).toEqual({
      kind: 'REDIRECT',
      location: FAILURE,
      result: 'error',
    });
    expect(w.stored()).toMatchObject({
      state: 'FAILED',
      completedAt: NOW.toISOString(),
      endReason: 'PROVIDER_ERROR',
    });
    expect(w.logged('3-D Secure session ended in failure')).toEqual([
      {
        level: 'error',
        pspTransactionId: w.session.pspTransactionId,
        sessionRef: sessionRef(w.session.sessionId),
        ending: 'PROVIDER_ERROR',
        detail: 'auth: boom',
      },
    ]);
  });

  it('expired → a warning and the result "expired"', async () => {
    const w = await world(all);

    expect(await endInFailure(w.session, 'EXPIRED', w.deps, 'open')).toEqual({
      kind: 'REDIRECT',
      location: FAILURE,
      result: 'expired',
    });
    expect(w.log.entries.map((e) => [e.level, e.message])).toEqual([
      ['warn', '3-D Secure session ended: expired'],
    ]);
  });

  it('with only 3dssuccess from Vipps, the failure goes there', async () => {
    const w = await world(onlySuccess);
    expect(await endInFailure(w.session, 'INTERNAL_ERROR', w.deps, 'x')).toMatchObject({ location: SUCCESS });
  });

  it.each(['SUCCEEDED', 'CANCELLED'] as ThreeDsSessionState[])(
    'a session another request ended %s first keeps its ending, and the shopper goes where it sent them',
    async (state) => {
      const w = await world(all);
      const winner: ChallengeSession = { ...w.session, state, completedAt: '2026-11-30T08:59:59.000Z' };
      w.sessions.beforeNext('failPending', (store) => store.put(winner));

      const location = state === 'SUCCEEDED' ? SUCCESS : CANCEL;
      expect(await endInFailure(w.session, 'PROVIDER_ERROR', w.deps, 'x')).toEqual({
        kind: 'REDIRECT',
        location,
      });
      expect(w.stored()).toEqual(winner);
    },
  );

  it('a session that vanished meanwhile: the shopper is sent to 3dsfailure anyway', async () => {
    const w = await world(all);
    w.sessions.beforeNext('failPending', (store) => store.remove(w.session.sessionId));

    expect(await endInFailure(w.session, 'EXPIRED', w.deps, 'x')).toEqual({
      kind: 'REDIRECT',
      location: FAILURE,
      result: 'expired',
    });
    // Nothing failed on our side: no "could not be recorded" error for ops to chase.
    expect(w.log.entries.map((e) => e.message)).toEqual(['3-D Secure session ended: expired']);
  });

  it('the write failing: the shopper is sent on anyway, and ops are told it was not recorded', async () => {
    const w = await world(all);
    w.sessions.failNext('failPending', new TypeError('throttled'));

    expect(await endInFailure(w.session, 'INTERNAL_ERROR', w.deps, 'open: Error')).toEqual({
      kind: 'REDIRECT',
      location: FAILURE,
      result: 'error',
    });
    expect(w.stored().state).toBe('PENDING');
    expect(w.logged('3-D Secure failure could not be recorded; sent on anyway')).toEqual([
      {
        level: 'error',
        pspTransactionId: w.session.pspTransactionId,
        sessionRef: sessionRef(w.session.sessionId),
        ending: 'INTERNAL_ERROR',
        detail: 'open: Error',
        error: 'TypeError',
      },
    ]);
  });

  it('a non-Error thrown by the write is named by its type', async () => {
    const w = await world(all);
    w.sessions.failNext('failPending', 'timeout');

    await endInFailure(w.session, 'INTERNAL_ERROR', w.deps, 'x');
    expect(w.logged('3-D Secure failure could not be recorded; sent on anyway')[0]).toMatchObject({
      error: 'string',
    });
  });

  it('no usable URL → nowhere, nothing written, an error for ops', async () => {
    const w = await world([{ operation: '3dsfailure', url: 'ftp://vipps.example/x' }]);

    expect(await endInFailure(w.session, 'EXPIRED', w.deps, 'open')).toEqual({ kind: 'NOWHERE' });
    expect(w.stored().state).toBe('PENDING');
    expect(w.sessions.writes).toEqual([]);
    expect(w.logged('3-D Secure session has no usable operations URL')).toEqual([
      {
        level: 'error',
        pspTransactionId: w.session.pspTransactionId,
        sessionRef: sessionRef(w.session.sessionId),
        ending: 'EXPIRED',
        detail: 'open',
      },
    ]);
    expect(w.log.entries).toHaveLength(1);
  });
});

describe('sessionRef', () => {
  it('is 12 hex characters of the id’s SHA-256: stable for ops, never the bearer secret itself', () => {
    const id = 'Q2hhbGxlbmdlU2Vzc2lvbklkMTIzNDU2';
    expect(sessionRef(id)).toBe(sha256Hex(id).slice(0, 12));
    expect(sessionRef(id)).toMatch(/^[0-9a-f]{12}$/);
  });
});
