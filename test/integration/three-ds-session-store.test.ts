/**
 * DynamoThreeDsSessionStore on dynalite with the real KMS envelope vault (KMS emulator): the item
 * layout, single-use completion under races, expiry checked in the write, the flow's conditional
 * writes (one challenge per transaction, the page-token guard, the method notification once),
 * and that neither the network token nor the CAVV is ever stored in plain text.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConcurrentUpdateError } from '../../lambdas/core/errors.js';
import type { ThreeDsAuthentication } from '../../lambdas/core/ports.js';
import type { ThreeDsSessionStore } from '../../lambdas/core/three-ds-session.js';
import type { AuthenticationFlow, ChallengeRecord } from '../../lambdas/core/use-cases/three-ds-challenge.js';
import { NETWORK_TOKEN } from '../support/in-memory-three-ds.js';
import { type ThreeDsHarness, startThreeDsHarness } from '../support/three-ds-harness.js';
import { motoDisagreement } from '../support/test-aws.js';
// moto disagrees with AWS here (README, Tests; test/integration/emulator-agreement.test.ts).
const motoRaces = motoDisagreement('conditional writes are not atomic under concurrent load');

let h: ThreeDsHarness;

beforeAll(async () => {
  h = await startThreeDsHarness();
});
afterAll(() => h?.close());

const AUTH: ThreeDsAuthentication = {
  cavv: 'AAABBEg0VhI0VniQEjRWAAAAAAA=',
  eci: '05',
  threeDsTransactionId: 'a3b1c2d4-0000-4000-8000-000000000001',
  version: '2.2.0',
};

const flow = (serverTransactionId: string, pageTokenHash: string, at: string): AuthenticationFlow => ({
  serverTransactionId,
  messageVersion: '2.2.0',
  methodUrl: 'https://acs.example/method',
  pageTokenHash,
  startedAt: at,
});
const challenge = (at: string): ChallengeRecord => ({
  acsUrl: 'https://acs.example/challenge',
  acsTransactionId: 'acs-1',
  dsTransactionId: 'ds-1',
  creq: 'eyJ9',
  startedAt: at,
});

const soon = (ms = 1_000) => new Date(Date.now() + ms).toISOString();

describe('create and get', () => {
  it('stores one item under 3DS#<id> / 3DS and reads back exactly the session', async () => {
    const session = await h.seedSession({ merchantName: 'Sokk & Sko <AS>' });
    expect(await h.store.get(session.sessionId)).toEqual(session);

    const raw = await h.rawItem(session.sessionId);
    expect(raw).toMatchObject({ pk: `3DS#${session.sessionId}`, sk: '3DS', state: 'PENDING' });
    // DynamoDB may clean up a day after expiry; the code never relies on it.
    expect(raw!.expireAt).toBe(Math.floor(Date.parse(session.expiresAt) / 1000) + 86_400);
  });

  it('never stores the network token in plain text', async () => {
    const session = await h.seedSession();
    const raw = JSON.stringify(await h.rawItem(session.sessionId));
    expect(raw).not.toContain(NETWORK_TOKEN.number);
    expect(raw).not.toContain(NETWORK_TOKEN.number.slice(-8));
    const opened = await h.vault.open(session.sealedToken, {
      pspTransactionId: session.pspTransactionId,
      sessionId: session.sessionId,
    });
    expect(JSON.parse(Buffer.from(opened).toString('utf8'))).toEqual(NETWORK_TOKEN);
  });

  it('refuses a second session with the same id and keeps the first', async () => {
    const first = await h.seedSession();
    await expect(h.seedSession({ sessionId: first.sessionId, merchantName: 'Other' })).rejects.toBeInstanceOf(
      ConcurrentUpdateError,
    );
    expect((await h.store.get(first.sessionId))?.merchantName).toBe(first.merchantName);
  });

  it('answers undefined for an unknown id', async () => {
    expect(await h.store.get('no-such-session-id-000000000000')).toBeUndefined();
  });
});

describe('complete (single use)', () => {
  it('moves PENDING to SUCCEEDED with the authentication, and the CAVV is sealed at rest', async () => {
    const session = await h.seedSession();
    const at = soon();
    expect(
      await h.store.complete(session.sessionId, {
        state: 'SUCCEEDED',
        completedAt: at,
        authentication: AUTH,
      }),
    ).toBe(true);

    // makePayment reads it through the plain ThreeDsSessionStore port.
    const port: ThreeDsSessionStore = h.store;
    const read = await port.get(session.sessionId);
    expect(read).toMatchObject({ state: 'SUCCEEDED', completedAt: at, authentication: AUTH });

    const raw = await h.rawItem(session.sessionId);
    expect(JSON.stringify(raw)).not.toContain(AUTH.cavv);
    expect(raw).toMatchObject({ authenticationInfo: { eci: '05', version: '2.2.0' } });
    expect(raw).not.toHaveProperty('authentication');
  });

  it('is single use: a second completion changes nothing', async () => {
    const session = await h.seedSession();
    const first = soon();
    expect(await h.store.complete(session.sessionId, { state: 'FAILED', completedAt: first })).toBe(true);
    expect(
      await h.store.complete(session.sessionId, {
        state: 'SUCCEEDED',
        completedAt: soon(2_000),
        authentication: AUTH,
      }),
    ).toBe(false);
    const read = await h.store.get(session.sessionId);
    expect(read).toMatchObject({ state: 'FAILED', completedAt: first });
    expect(read?.authentication).toBeUndefined();
  });

  it('lets exactly one of many concurrent completions win', async ({ skip }) => {
    skip(motoRaces.skip, motoRaces.reason);
    const session = await h.seedSession();
    const states = ['SUCCEEDED', 'FAILED', 'CANCELLED', 'FAILED', 'SUCCEEDED', 'CANCELLED'] as const;
    const results = await Promise.all(
      states.map((state) =>
        h.store.complete(session.sessionId, {
          state,
          completedAt: soon(),
          ...(state === 'SUCCEEDED' ? { authentication: AUTH } : {}),
        }),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = states[results.indexOf(true)];
    expect((await h.store.get(session.sessionId))?.state).toBe(winner);
  });

  it('does not create an item for an unknown id', async () => {
    const id = 'unknown-session-id-1234567890abc';
    expect(await h.store.complete(id, { state: 'CANCELLED', completedAt: soon() })).toBe(false);
    expect(await h.rawItem(id)).toBeUndefined();
  });

  it('refuses to complete an expired session (expiry is checked in the write, not by TTL)', async () => {
    const session = await h.seedSession({}, { now: new Date(Date.now() - 20 * 60_000) });
    expect(
      await h.store.complete(session.sessionId, {
        state: 'CANCELLED',
        completedAt: new Date().toISOString(),
      }),
    ).toBe(false);
    expect((await h.store.get(session.sessionId))?.state).toBe('PENDING');
  });
});

describe('failPending (an ending without the issuer: expired, an error)', () => {
  it('ends a PENDING session FAILED with the reason, even once expired', async () => {
    const session = await h.seedSession({}, { now: new Date(Date.now() - 20 * 60_000) });
    const completedAt = new Date().toISOString();
    expect(await h.store.failPending(session.sessionId, { completedAt, reason: 'EXPIRED' })).toBe(true);
    const read = await h.store.get(session.sessionId);
    expect(read).toMatchObject({ state: 'FAILED', completedAt, endReason: 'EXPIRED' });
    expect(read?.authentication).toBeUndefined();
  });

  it('never overwrites an ending, and creates no item for an unknown id', async () => {
    const session = await h.seedSession();
    const first = soon();
    await h.store.complete(session.sessionId, {
      state: 'SUCCEEDED',
      completedAt: first,
      authentication: AUTH,
    });
    const failure = { completedAt: soon(2_000), reason: 'PROVIDER_ERROR' as const };
    expect(await h.store.failPending(session.sessionId, failure)).toBe(false);
    expect(await h.store.get(session.sessionId)).toMatchObject({ state: 'SUCCEEDED', completedAt: first });

    const id = 'unknown-session-id-1234567890abc';
    expect(await h.store.failPending(id, failure)).toBe(false);
    expect(await h.rawItem(id)).toBeUndefined();
  });
});

describe('the flow: preauth, 3DS Method notification, challenge, and the page-token guard', () => {
  it('starts a flow, takes the method notification once and only for its transaction', async () => {
    const session = await h.seedSession();
    expect(await h.store.startFlow(session.sessionId, flow('srv-1', 'a'.repeat(64), soon()), soon())).toBe(
      true,
    );
    expect(await h.store.markMethodCompleted(session.sessionId, 'srv-other', soon())).toBe(false);
    expect(await h.store.markMethodCompleted(session.sessionId, 'srv-1', soon())).toBe(true);
    expect(await h.store.markMethodCompleted(session.sessionId, 'srv-1', soon())).toBe(false);
    expect((await h.store.get(session.sessionId))?.flow).toMatchObject({
      serverTransactionId: 'srv-1',
      methodCompletedAt: expect.any(String) as string,
    });
  });

  it('starts one challenge, only with the latest page token; only the newest token completes', async () => {
    const session = await h.seedSession();
    await h.store.startFlow(session.sessionId, flow('srv-1', 'a'.repeat(64), soon()), soon());
    const start = (pageTokenHash: string, serverTransactionId = 'srv-1') =>
      h.store.startChallenge(
        session.sessionId,
        { serverTransactionId, pageTokenHash, challenge: challenge(soon()), newTokenHash: 'b'.repeat(64) },
        soon(),
      );
    expect(await start('f'.repeat(64))).toBe(false);
    expect(await start('a'.repeat(64), 'srv-2')).toBe(false);
    expect(await start('a'.repeat(64))).toBe(true);
    expect(await start('b'.repeat(64))).toBe(false);
    // A reload during the challenge renews the token; a new preauth cannot replace a started challenge.
    expect(await h.store.renewPageToken(session.sessionId, 'srv-1', 'c'.repeat(64), soon())).toBe(true);
    expect(await h.store.startFlow(session.sessionId, flow('srv-3', 'd'.repeat(64), soon()), soon())).toBe(
      false,
    );
    expect((await h.store.get(session.sessionId))?.flow).toMatchObject({
      serverTransactionId: 'srv-1',
      pageTokenHash: 'c'.repeat(64),
      challenge: { acsTransactionId: 'acs-1' },
    });

    const outcome = { state: 'CANCELLED' as const, completedAt: soon() };
    expect(await h.store.complete(session.sessionId, outcome, { pageTokenHash: 'b'.repeat(64) })).toBe(false);
    expect((await h.store.get(session.sessionId))?.state).toBe('PENDING');
    expect(await h.store.complete(session.sessionId, outcome, { pageTokenHash: 'c'.repeat(64) })).toBe(true);
  });

  it('cannot start a flow on a finished or expired session', async () => {
    const done = await h.seedSession();
    await h.store.complete(done.sessionId, { state: 'FAILED', completedAt: soon() });
    expect(await h.store.startFlow(done.sessionId, flow('srv', 'c'.repeat(64), soon()), soon())).toBe(false);
    expect((await h.store.get(done.sessionId))?.flow).toBeUndefined();

    const old = await h.seedSession({}, { now: new Date(Date.now() - 20 * 60_000) });
    const now = new Date().toISOString();
    expect(await h.store.startFlow(old.sessionId, flow('srv', 'd'.repeat(64), now), now)).toBe(false);
  });
});

describe('the sealed CAVV cannot be moved or altered', () => {
  it('refuses to read a CAVV copied from another session', async () => {
    const source = await h.seedSession();
    await h.store.complete(source.sessionId, {
      state: 'SUCCEEDED',
      completedAt: soon(),
      authentication: AUTH,
    });
    const target = await h.seedSession();
    await h.store.complete(target.sessionId, { state: 'FAILED', completedAt: soon() });

    const stolen = await h.rawItem(source.sessionId);
    const victim = await h.rawItem(target.sessionId);
    await h.dynamo.documentClient.send(
      new PutCommand({
        TableName: h.dynamo.tables.payments,
        Item: {
          ...victim,
          state: 'SUCCEEDED',
          authenticationInfo: stolen!.authenticationInfo,
          sealedCavv: stolen!.sealedCavv,
        },
      }),
    );
    await expect(h.store.get(target.sessionId)).rejects.toThrow();
  });

  it('refuses to read a tampered CAVV rather than returning a wrong one', async () => {
    const session = await h.seedSession();
    await h.store.complete(session.sessionId, {
      state: 'SUCCEEDED',
      completedAt: soon(),
      authentication: AUTH,
    });
    const raw = (await h.rawItem(session.sessionId))!;
    const sealed = raw.sealedCavv as { ciphertext: string };
    const flipped = Buffer.from(sealed.ciphertext, 'base64');
    flipped[0] = flipped[0]! ^ 0x01;
    await h.dynamo.documentClient.send(
      new PutCommand({
        TableName: h.dynamo.tables.payments,
        Item: { ...raw, sealedCavv: { ...sealed, ciphertext: flipped.toString('base64') } },
      }),
    );
    await expect(h.store.get(session.sessionId)).rejects.toThrow(/authentication|tampered/i);
  });
});
