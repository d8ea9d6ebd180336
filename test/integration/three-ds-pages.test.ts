/**
 * The 3-D Secure pages through the real handler factory (API Gateway REST proxy events), over
 * dynalite and the KMS emulator (production store and envelope vault), with the production
 * 3dsecure.io adapter talking HTTP to the simulated 3DS server and ACS. What a user (or the Vipps
 * app) notices: the pages, the redirects, the error pages and their status codes, the headers,
 * and that refused requests change nothing.
 */
import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ThreeDsServer } from '../../lambdas/core/three-ds-server.js';
import type { ThreeDsSession } from '../../lambdas/core/three-ds-session.js';
import { type ThreeDsHandlerDeps, createThreeDsHandler } from '../../lambdas/handlers/three-ds.js';
import {
  RecordingLog,
  TestClock,
  type ThreeDsHarness,
  formBody,
  gatewayEvent,
  startThreeDsHarness,
} from '../support/three-ds-harness.js';
import { BROWSER, FORM, NETWORK_TOKEN, inputValue, vippsOperations } from '../support/in-memory-three-ds.js';
import { motoDisagreement } from '../support/test-aws.js';
// moto disagrees with AWS here (README, Tests; test/integration/emulator-agreement.test.ts).
const motoRaces = motoDisagreement('conditional writes are not atomic under concurrent load');

let h: ThreeDsHarness;
const log = new RecordingLog();
const clock = new TestClock();
const PUBLIC_BASE_URL = 'https://psp.example';

beforeAll(async () => {
  h = await startThreeDsHarness();
});
afterAll(() => h?.close());
afterEach(() => h.sim.setScenario(undefined));

function pages(server?: ThreeDsServer, overrides: Partial<ThreeDsHandlerDeps> = {}) {
  return createThreeDsHandler({
    sessions: h.store,
    vault: h.vault,
    server: server ?? h.threeDsServer(),
    clock,
    log,
    publicBaseUrl: PUBLIC_BASE_URL,
    ...overrides,
  });
}

const open = (sessionId: string, headers: Record<string, string> = {}) =>
  pages()(gatewayEvent({ method: 'GET', sessionId, headers }));

const post = (
  sessionId: string,
  fields: Record<string, string> | string,
  options: {
    headers?: Record<string, string>;
    route?: 'method' | 'challenge';
    handler?: ReturnType<typeof pages>;
  } = {},
) =>
  (options.handler ?? pages())(
    gatewayEvent({
      method: 'POST',
      sessionId,
      body: typeof fields === 'string' ? fields : formBody(fields),
      headers: { 'Content-Type': FORM, 'Sec-Fetch-Site': 'same-origin', ...options.headers },
      ...(options.route ? { route: options.route } : {}),
    }),
  );

const urlOf = (session: ThreeDsSession, op: string) =>
  session.operations.find((o) => o.operation === op)!.url;
const headersOf = (r: APIGatewayProxyResult) => r.headers as Record<string, string>;
const cspOf = (r: APIGatewayProxyResult) => headersOf(r)['Content-Security-Policy'] ?? '';
const directive = (r: APIGatewayProxyResult, name: string) =>
  new RegExp(`(?:^|; )${name} ([^;]*)`).exec(cspOf(r))?.[1];
const lastAReq = () => h.sim.transactions().at(-1)!.areq!;

/** GET the page: the 3DS Method step with its page token. */
async function methodStep(session: ThreeDsSession) {
  const page = await open(session.sessionId);
  expect(page.statusCode).toBe(200);
  return {
    page,
    csrf: inputValue(page.body, 'csrf')!,
    methodData: inputValue(page.body, 'threeDSMethodData'),
  };
}

/** What the ACS posts to the method notification route when the 3DS Method finished. */
const methodNotification = (threeDSServerTransID: string) =>
  Buffer.from(JSON.stringify({ threeDSServerTransID })).toString('base64url');

/** The browser data form (what the page's script posts). */
const authenticate = (session: ThreeDsSession, csrf: string, extra: Record<string, string> = {}) =>
  post(session.sessionId, { step: 'authenticate', csrf, ...BROWSER, ...extra });

/** To the challenge: method step, browser data → ARes C → the challenge page. */
async function challengeStep(session: ThreeDsSession) {
  const { csrf } = await methodStep(session);
  const page = await authenticate(session, csrf);
  expect(page.statusCode).toBe(200);
  return {
    page,
    csrf: inputValue(page.body, 'csrf')!,
    creq: inputValue(page.body, 'creq')!,
    sessionData: inputValue(page.body, 'threeDSSessionData')!,
    acsUrl: /<form id="creq" method="post" action="([^"]+)"/.exec(page.body)![1]!,
  };
}

/** The shopper at the ACS: the CReq, the bank's code form, and the CRes the ACS posts back to us. */
async function atTheBank(
  challenge: Awaited<ReturnType<typeof challengeStep>>,
  otp: string,
  action = 'submit',
) {
  const bank = await fetch(challenge.acsUrl, {
    method: 'POST',
    body: new URLSearchParams({ creq: challenge.creq, threeDSSessionData: challenge.sessionData }),
  });
  const acsTransID = /name="acsTransID" value="([^"]+)"/.exec(await bank.text())![1]!;
  const back = await (
    await fetch(new URL('/challenge/answer', challenge.acsUrl), {
      method: 'POST',
      body: new URLSearchParams({ acsTransID, otp, action }),
    })
  ).text();
  return {
    notificationUrl: /<form id="post" method="post" action="([^"]+)"/.exec(back)![1]!,
    cres: inputValue(back, 'cres')!,
    threeDSSessionData: inputValue(back, 'threeDSSessionData')!,
  };
}

const returnCres = (session: ThreeDsSession, fields: Record<string, string>) =>
  post(session.sessionId, fields, { route: 'challenge', headers: { 'Sec-Fetch-Site': 'cross-site' } });

/** The break-out page's link: where the challenge frame sends the page. */
const breakOutTarget = (r: APIGatewayProxyResult) =>
  /<a id="next"[^>]*href="([^"]+)"/.exec(r.body)?.[1]?.replaceAll('&amp;', '&');

async function expectUnchanged(session: ThreeDsSession) {
  const now = await h.store.get(session.sessionId);
  expect(now?.state).toBe('PENDING');
  expect(now?.completedAt).toBeUndefined();
  expect(now?.authentication).toBeUndefined();
  return now!;
}
const failedQuietly = async (session: ThreeDsSession) => {
  const ended = await h.store.get(session.sessionId);
  expect(ended?.state).toBe('FAILED');
  expect(ended?.authentication).toBeUndefined();
  return ended!;
};

describe('GET /3ds/{sessionId}: preauth and the 3DS Method step', () => {
  it('preauths with the network token and posts threeDSMethodData to the ACS in a hidden iframe', async () => {
    const session = await h.seedSession();
    const { page, csrf, methodData } = await methodStep(session);
    const tx = h.sim.transactions().at(-1)!;
    expect(tx.acctNumber).toBe(NETWORK_TOKEN.number);
    expect(JSON.parse(Buffer.from(methodData!, 'base64url').toString())).toEqual({
      threeDSServerTransID: tx.threeDSServerTransID,
      threeDSMethodNotificationURL: `${PUBLIC_BASE_URL}/3ds/${session.sessionId}/method`,
    });
    expect(page.body).toContain(`action="${h.sim.acsUrl}/method" target="threeDSMethodFrame"`);
    expect(page.body).toMatch(/<iframe name="threeDSMethodFrame" class="hidden-frame"/);
    expect(page.body).toContain('data-timeout-ms="10000"');
    expect(csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Merchant and amount; a Continue button for a web view where the script cannot run.
    expect(page.body).toContain('Sokkebutikken AS');
    expect(page.body).toContain('100,36');
    expect(page.body).toMatch(
      /<div class="actions fallback"><button class="primary" type="submit">Continue<\/button>/,
    );
    // No card data on the page, not even masked beyond what the issuer needs.
    expect(page.body).not.toContain(NETWORK_TOKEN.number);
    expect((await h.store.get(session.sessionId))?.flow).toMatchObject({
      serverTransactionId: tx.threeDSServerTransID,
      methodUrl: `${h.sim.acsUrl}/method`,
    });
  });

  it('nonce CSP: scripts only with this response’s nonce, frames and forms only to this ACS', async () => {
    const session = await h.seedSession();
    const first = (await methodStep(session)).page;
    const second = (await methodStep(session)).page;
    const nonce = /<script nonce="([^"]+)">/.exec(first.body)![1]!;
    expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(directive(first, 'script-src')).toBe(`'nonce-${nonce}'`);
    expect(directive(second, 'script-src')).not.toBe(`'nonce-${nonce}'`);
    expect(directive(first, 'frame-src')).toBe(`'self' ${h.sim.acsUrl}`);
    expect(directive(first, 'form-action')).toBe(`'self' ${h.sim.acsUrl} https://vipps.example`);
    expect(cspOf(first)).toContain("default-src 'none'");
    expect(headersOf(first)).toMatchObject({ 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
    expect(directive(first, 'frame-ancestors')).toBe(
      "'self' https://vipps.no https://*.vipps.no https://vippsmobilepay.com https://*.vippsmobilepay.com",
    );
  });

  it('without a 3DS Method URL: no iframe, no frame-src, and the AReq says threeDSCompInd U', async () => {
    h.sim.setScenario({ method: 'absent', ares: 'Y' });
    const session = await h.seedSession();
    const { page, csrf, methodData } = await methodStep(session);
    expect(methodData).toBeUndefined();
    expect(page.body).not.toContain('<iframe');
    expect(directive(page, 'frame-src')).toBeUndefined();
    const done = await authenticate(session, csrf);
    expect(done.statusCode).toBe(302);
    expect(lastAReq()).toMatchObject({ threeDSCompInd: 'U' });
  });

  it('keeps the API Gateway base path of PUBLIC_BASE_URL in the forms and notification URLs', async () => {
    const session = await h.seedSession();
    const page = await pages(undefined, { publicBaseUrl: 'https://api.example/prod/' })(
      gatewayEvent({ method: 'GET', sessionId: session.sessionId }),
    );
    expect(page.body).toContain(`<form id="browser" method="post" action="/prod/3ds/${session.sessionId}">`);
    const data = JSON.parse(
      Buffer.from(inputValue(page.body, 'threeDSMethodData')!, 'base64url').toString(),
    ) as {
      threeDSMethodNotificationURL: string;
    };
    expect(data.threeDSMethodNotificationURL).toBe(
      `https://api.example/prod/3ds/${session.sessionId}/method`,
    );
  });

  it('speaks Norwegian to a Norwegian web view, and escapes what it shows', async () => {
    const session = await h.seedSession({ merchantName: '<script>alert("x")</script> & Co' });
    const page = await open(session.sessionId, { 'Accept-Language': 'nb-NO,nb;q=0.9' });
    expect(page.body).toContain('Bekreft betalingen');
    expect(page.body).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co');
    expect(page.body).not.toContain('<script>alert');
  });
});

describe('POST /3ds/{sessionId}/method: the 3DS Method notification', () => {
  it('for this transaction: recorded once (the AReq then says Y); a replay or another transaction → 409', async () => {
    const session = await h.seedSession();
    const { csrf } = await methodStep(session);
    const tx = h.sim.transactions().at(-1)!;
    const note = { threeDSMethodData: methodNotification(tx.threeDSServerTransID) };
    const first = await post(session.sessionId, note, {
      route: 'method',
      headers: { 'Sec-Fetch-Site': 'cross-site' },
    });
    expect(first.statusCode).toBe(200);
    const nonce = /<script nonce="([^"]+)">/.exec(first.body)![1]!;
    expect(first.body).toContain("parent.postMessage('threeDSMethodDone', location.origin)");
    expect(directive(first, 'script-src')).toBe(`'nonce-${nonce}'`);
    // Our page frames it (and Vipps may frame our page): ourselves plus the page's list.
    expect(directive(first, 'frame-ancestors')).toBe(
      "'self' https://vipps.no https://*.vipps.no https://vippsmobilepay.com https://*.vippsmobilepay.com",
    );

    const replay = await post(session.sessionId, note, { route: 'method' });
    expect(replay.statusCode).toBe(409);
    const other = await post(
      session.sessionId,
      { threeDSMethodData: methodNotification(randomUUIDv4()) },
      { route: 'method' },
    );
    expect(other.statusCode).toBe(409);
    const garbled = await post(session.sessionId, { threeDSMethodData: 'not base64!' }, { route: 'method' });
    expect(garbled.statusCode).toBe(400);
    const unknown = await post(randomBytes(24).toString('base64url'), note, { route: 'method' });
    expect(unknown.statusCode).toBe(404);

    await expectUnchanged(session);
    h.sim.setScenario({ ares: 'Y' });
    // (The scenario applies to new transactions only; this one still challenges.)
    const challenge = await authenticate(session, csrf);
    expect(challenge.statusCode).toBe(200);
    expect(lastAReq()).toMatchObject({
      threeDSCompInd: 'Y',
      browserScreenWidth: '390',
      browserLanguage: 'nb-NO',
    });
  });

  it('no notification before the browser data arrives (the 10 s ran out): threeDSCompInd N', async () => {
    const session = await h.seedSession();
    const { csrf } = await methodStep(session);
    await authenticate(session, csrf);
    expect(lastAReq()).toMatchObject({ threeDSCompInd: 'N' });
  });
});

describe('frictionless: the ARes decides', () => {
  it('Y → 302 to 3dssuccess with the result kept (CAVV sealed, ECI, dsTransID, version, transStatus)', async () => {
    h.sim.setScenario({ ares: 'Y', method: 'absent' });
    const session = await h.seedSession();
    const { csrf } = await methodStep(session);
    const done = await authenticate(session, csrf);
    expect(done.statusCode).toBe(302);
    expect(headersOf(done).Location).toBe(urlOf(session, '3dssuccess'));
    const ended = await h.store.get(session.sessionId);
    expect(ended).toMatchObject({
      state: 'SUCCEEDED',
      authentication: {
        eci: '05',
        version: '2.2.0',
        transStatus: 'Y',
        threeDsTransactionId: expect.any(String) as string,
      },
    });
    const raw = JSON.stringify(await h.rawItem(session.sessionId));
    expect(raw).not.toContain(ended!.authentication!.cavv);
    expect(raw).not.toContain(NETWORK_TOKEN.number);
  });

  it('N, R and U → 3dsfailure; A (attempted) → 3dssuccess', async () => {
    for (const [ares, operation, state] of [
      ['N', '3dsfailure', 'FAILED'],
      ['R', '3dsfailure', 'FAILED'],
      ['U', '3dsfailure', 'FAILED'],
      ['A', '3dssuccess', 'SUCCEEDED'],
    ] as const) {
      h.sim.setScenario({ ares, method: 'absent' });
      const session = await h.seedSession();
      const done = await authenticate(session, (await methodStep(session)).csrf);
      expect(headersOf(done).Location, ares).toBe(urlOf(session, operation));
      expect((await h.store.get(session.sessionId))?.state).toBe(state);
    }
  });
});

describe('the challenge: CReq to the ACS in an iframe, CRes back, postauth', () => {
  it('ARes C → the page posts the CReq (window 05) to this ACS in an iframe; code 1234 → 3dssuccess', async () => {
    const session = await h.seedSession();
    const challenge = await challengeStep(session);
    const { page } = challenge;
    expect(page.body).toMatch(/<iframe name="acs" class="acs"/);
    expect(page.body).toContain(
      `<form id="creq" method="post" action="${h.sim.acsUrl}/challenge" target="acs">`,
    );
    expect(JSON.parse(Buffer.from(challenge.creq, 'base64url').toString())).toMatchObject({
      messageType: 'CReq',
      challengeWindowSize: '05',
    });
    expect(challenge.sessionData).toBe(challenge.csrf);
    expect(directive(page, 'frame-src')).toBe(`'self' ${h.sim.acsUrl}`);
    expect(directive(page, 'connect-src')).toBe(h.sim.acsUrl);
    expect(directive(page, 'form-action')).toBe(`'self' ${h.sim.acsUrl} https://vipps.example`);

    const cres = await atTheBank(challenge, '1234');
    expect(cres.notificationUrl).toBe(`${PUBLIC_BASE_URL}/3ds/${session.sessionId}/challenge`);
    const back = await returnCres(session, { cres: cres.cres, threeDSSessionData: cres.threeDSSessionData });
    expect(back.statusCode).toBe(200);
    expect(breakOutTarget(back)).toBe(urlOf(session, '3dssuccess'));
    expect(back.body).toContain('target="_parent"');
    expect(directive(back, 'frame-ancestors')).toContain("'self'");
    expect(await h.store.get(session.sessionId)).toMatchObject({
      state: 'SUCCEEDED',
      authentication: { eci: '05', transStatus: 'Y' },
    });

    // A replayed CRes changes nothing and sends the frame where the session ended.
    const replay = await returnCres(session, {
      cres: cres.cres,
      threeDSSessionData: cres.threeDSSessionData,
    });
    expect(breakOutTarget(replay)).toBe(urlOf(session, '3dssuccess'));
  });

  it('a wrong code → 3dsfailure; Cancel at the bank → 3dscancel; Cancel on our page → 3dscancel', async () => {
    const wrong = await h.seedSession();
    const failed = await atTheBank(await challengeStep(wrong), '0000');
    expect(breakOutTarget(await returnCres(wrong, failed))).toBe(urlOf(wrong, '3dsfailure'));
    expect((await h.store.get(wrong.sessionId))?.state).toBe('FAILED');

    const cancelled = await h.seedSession();
    const atBank = await atTheBank(await challengeStep(cancelled), '', 'cancel');
    expect(breakOutTarget(await returnCres(cancelled, atBank))).toBe(urlOf(cancelled, '3dscancel'));
    expect((await h.store.get(cancelled.sessionId))?.state).toBe('CANCELLED');

    const ours = await h.seedSession();
    const { csrf } = await challengeStep(ours);
    const answer = await post(ours.sessionId, { step: 'cancel', csrf });
    expect(headersOf(answer).Location).toBe(urlOf(ours, '3dscancel'));
  });

  it('a reload during the challenge shows the same challenge with a new token; the old one is refused', async () => {
    const session = await h.seedSession();
    const first = await challengeStep(session);
    const reload = await open(session.sessionId);
    expect(inputValue(reload.body, 'creq')).toBe(first.creq);
    const token = inputValue(reload.body, 'threeDSSessionData')!;
    expect(token).not.toBe(first.sessionData);
    const cres = await atTheBank(first, '1234');
    expect((await returnCres(session, cres)).statusCode).toBe(403);
    await expectUnchanged(session);
    expect(breakOutTarget(await returnCres(session, { cres: cres.cres, threeDSSessionData: token }))).toBe(
      urlOf(session, '3dssuccess'),
    );
  });

  it('the page found the ACS unreachable → 3dsfailure', async () => {
    const session = await h.seedSession();
    const { csrf } = await challengeStep(session);
    const answer = await post(session.sessionId, { step: 'acs-unreachable', csrf });
    expect(headersOf(answer).Location).toBe(urlOf(session, '3dsfailure'));
    expect((await failedQuietly(session)).endReason).toBe('PROVIDER_ERROR');
  });
});

describe('bad input: a failure redirect, or 4xx with nothing changed, never a 500', () => {
  it('a CRes that does not decode, or names another transaction → 3dsfailure (no authorisation data kept)', async () => {
    for (const cres of [
      'bm90IGpzb24',
      Buffer.from(
        JSON.stringify({
          messageType: 'CRes',
          messageVersion: '2.2.0',
          threeDSServerTransID: randomUUIDv4(),
          acsTransID: randomUUIDv4(),
        }),
      ).toString('base64url'),
    ]) {
      const session = await h.seedSession();
      const { sessionData } = await challengeStep(session);
      const back = await returnCres(session, { cres, threeDSSessionData: sessionData });
      expect(back.statusCode).toBe(200);
      expect(breakOutTarget(back)).toBe(urlOf(session, '3dsfailure'));
      await failedQuietly(session);
    }
  });

  it('a CRes for another session (its token does not match) → 403, nothing changed', async () => {
    const mine = await h.seedSession();
    const theirs = await h.seedSession();
    await challengeStep(mine);
    const other = await challengeStep(theirs);
    const cres = await atTheBank(other, '1234');
    const forged = await returnCres(mine, cres);
    expect(forged.statusCode).toBe(403);
    await expectUnchanged(mine);
  });

  it('browser data for a used session → the URL of how it ended; forged token or cross-site → 403', async () => {
    h.sim.setScenario({ ares: 'N', method: 'absent' });
    const used = await h.seedSession();
    const { csrf } = await methodStep(used);
    await authenticate(used, csrf);
    const again = await authenticate(used, csrf);
    expect(again.statusCode).toBe(302);
    expect(headersOf(again).Location).toBe(urlOf(used, '3dsfailure'));
    const count = h.sim.transactions().length;

    const fresh = await h.seedSession();
    const step = await methodStep(fresh);
    expect((await authenticate(fresh, 'x'.repeat(43))).statusCode).toBe(403);
    const crossSite = await post(
      fresh.sessionId,
      { step: 'authenticate', csrf: step.csrf, ...BROWSER },
      { headers: { 'Sec-Fetch-Site': 'cross-site' } },
    );
    expect(crossSite.statusCode).toBe(403);
    expect((await authenticate(fresh, step.csrf, { colorDepth: 'deep' })).statusCode).toBe(400);
    expect((await post(fresh.sessionId, { step: 'pay-twice', csrf: step.csrf })).statusCode).toBe(400);
    await expectUnchanged(fresh);
    expect(h.sim.transactions().length).toBe(count + 1); // only fresh's preauth; no AReq sent
    expect(h.sim.transactions().at(-1)!.areq).toBeUndefined();
  });

  it('the browser data posted twice at once (a double tap) → one AReq, one challenge, the other refused', async ({
    skip,
  }) => {
    skip(motoRaces.skip, motoRaces.reason);
    const session = await h.seedSession();
    const { csrf } = await methodStep(session);
    const answers = await Promise.all([authenticate(session, csrf), authenticate(session, csrf)]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 403]);
    const tx = h.sim.transactions().at(-1)!;
    expect(tx.areq).toBeDefined();
    expect(await h.store.get(session.sessionId)).toMatchObject({ state: 'PENDING', flow: { challenge: {} } });
  });

  it('FRAME_ANCESTORS frames the page, and the notification frames allow it plus ourselves', async () => {
    const session = await h.seedSession();
    const framed = pages(undefined, { frameAncestors: ['https://app.example.com'] });
    const page = await framed(gatewayEvent({ method: 'GET', sessionId: session.sessionId }));
    expect(directive(page, 'frame-ancestors')).toBe('https://app.example.com');
    const tx = h.sim.transactions().at(-1)!;
    const note = await post(
      session.sessionId,
      { threeDSMethodData: methodNotification(tx.threeDSServerTransID) },
      { route: 'method', handler: framed },
    );
    expect(directive(note, 'frame-ancestors')).toBe("'self' https://app.example.com");
  });

  it('form fields in a GET query → 405; other methods → 405; unknown or malformed ids → 404', async () => {
    const session = await h.seedSession();
    const query = await pages()(
      gatewayEvent({ method: 'GET', sessionId: session.sessionId, query: { cres: 'x' } }),
    );
    expect(query.statusCode).toBe(405);
    expect((await pages()(gatewayEvent({ method: 'PUT', sessionId: session.sessionId }))).statusCode).toBe(
      405,
    );
    for (const id of ['short', randomBytes(24).toString('base64url'), '../../etc']) {
      expect((await open(id)).statusCode).toBe(404);
    }
    await expectUnchanged(session);
  });
});

describe('the 3DS server fails → 3dsfailure (never a 500, never a hung page)', () => {
  it('an Erro on preauth, garbage on auth, a timeout on postauth, a wrong API key', async () => {
    const onPreauth = await h.seedSession();
    h.sim.failNext('/preauth', 'erro');
    expect(headersOf(await open(onPreauth.sessionId)).Location).toBe(urlOf(onPreauth, '3dsfailure'));
    expect((await failedQuietly(onPreauth)).endReason).toBe('PROVIDER_ERROR');

    const onAuth = await h.seedSession();
    const { csrf } = await methodStep(onAuth);
    h.sim.failNext('/auth', 'garbage');
    expect(headersOf(await authenticate(onAuth, csrf)).Location).toBe(urlOf(onAuth, '3dsfailure'));
    await failedQuietly(onAuth);

    h.sim.failNext('/postauth', 'timeout');
    const onPostauth = await h.seedSession();
    const fast = pages(h.threeDsServer({ timeoutMs: 300 }));
    const challenge = await challengeStep(onPostauth);
    const cres = await atTheBank(challenge, '1234');
    const back = await post(onPostauth.sessionId, cres, { route: 'challenge', handler: fast });
    expect(breakOutTarget(back)).toBe(urlOf(onPostauth, '3dsfailure'));
    await failedQuietly(onPostauth);

    const badKey = await h.seedSession();
    const page = await pages(h.threeDsServer({ apiKey: 'wrong' }))(
      gatewayEvent({ method: 'GET', sessionId: badKey.sessionId }),
    );
    expect(headersOf(page).Location).toBe(urlOf(badKey, '3dsfailure'));
  });
});

describe("every ending sends the shopper on to Vipps' operations URL (query string intact)", () => {
  it('a used session sends every later visit to the URL of how it ended, changing nothing', async () => {
    h.sim.setScenario({ ares: 'Y', method: 'absent' });
    const session = await h.seedSession();
    await authenticate(session, (await methodStep(session)).csrf);
    const before = await h.store.get(session.sessionId);
    const reopened = await open(session.sessionId);
    expect(reopened.statusCode).toBe(302);
    expect(headersOf(reopened).Location).toBe(urlOf(session, '3dssuccess'));
    expect(headersOf(reopened).Location).toContain('x=a%2Fb');
    expect(await h.store.get(session.sessionId)).toEqual(before);
  });

  it('an expired session → 3dsfailure and ends FAILED; KMS refusing the token → 3dsfailure, nothing sent', async () => {
    const expired = await h.seedSession({}, { now: new Date(Date.now() - 16 * 60_000) });
    expect(headersOf(await open(expired.sessionId)).Location).toBe(urlOf(expired, '3dsfailure'));
    expect((await failedQuietly(expired)).endReason).toBe('EXPIRED');

    const session = await h.seedSession();
    const other = await h.seedSession({
      sealedToken: session.sealedToken,
      pspTransactionId: session.pspTransactionId,
    });
    const count = h.sim.transactions().length;
    expect(headersOf(await open(other.sessionId)).Location).toBe(urlOf(other, '3dsfailure'));
    expect((await failedQuietly(other)).endReason).toBe('TOKEN_UNREADABLE');
    expect(h.sim.transactions().length).toBe(count);
  });

  it('with only 3dssuccess from Vipps, failure goes there too; with no usable URL, a plain page', async () => {
    const pspTransactionId = randomBytes(16).toString('hex');
    const only = await h.seedSession({
      pspTransactionId,
      operations: [vippsOperations(pspTransactionId)[0]!],
    });
    h.sim.failNext('/preauth', 'http500');
    expect(headersOf(await open(only.sessionId)).Location).toBe(urlOf(only, '3dssuccess'));
    await failedQuietly(only);

    const nowhere = await h.seedSession({
      operations: [{ operation: '3dssuccess', url: 'javascript:alert(1)' }],
    });
    const page = await open(nowhere.sessionId);
    expect(page.statusCode).toBe(500);
    expect(headersOf(page).Location).toBeUndefined();
  });
});

describe('logs', () => {
  it('never contain the token number, a CAVV, a page token or a session id', () => {
    const text = log.text();
    expect(log.entries.length).toBeGreaterThan(10);
    expect(text).not.toContain(NETWORK_TOKEN.number);
    expect(text).not.toMatch(/"(csrf|cavv|cres|creq|threeDSSessionData|authenticationValue)":/i);
    const withoutPaymentIds = text.replace(/"pspTransactionId":"[0-9a-f]{32}"/g, '');
    expect(withoutPaymentIds).not.toMatch(/[A-Za-z0-9_+/-]{24,}/);
  });
});

function randomUUIDv4(): string {
  const hex = randomBytes(16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
