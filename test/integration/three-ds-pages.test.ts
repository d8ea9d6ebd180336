/**
 * The 3-D Secure pages through the real handler factory, called with API Gateway REST proxy events,
 * over dynalite and the KMS emulator (production store and envelope vault) with the sandbox ACS.
 * What a user (or the Vipps app) notices: the page, the redirect, the error pages and their
 * status codes, the headers, and that refused requests change nothing.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxThreeDsServer } from '../../lambdas/adapters/three-ds/sandbox-three-ds-server.js';
import type {
  AuthenticationRequest,
  CompleteChallengeRequest,
  ThreeDsServer,
} from '../../lambdas/core/three-ds-server.js';
import type { ThreeDsSession } from '../../lambdas/core/three-ds-session.js';
import { type ThreeDsHandlerDeps, createThreeDsHandler } from '../../lambdas/handlers/three-ds.js';
import {
  RecordingLog,
  TEST_TOKEN,
  TestClock,
  type ThreeDsHarness,
  formBody,
  gatewayEvent,
  inputValue,
  operationsFor,
  startThreeDsHarness,
} from '../support/three-ds-harness.js';
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

function pages(
  server: ThreeDsServer = new SandboxThreeDsServer(),
  overrides: Partial<ThreeDsHandlerDeps> = {},
) {
  return createThreeDsHandler({
    sessions: h.store,
    vault: h.vault,
    server,
    clock,
    log,
    publicBaseUrl: PUBLIC_BASE_URL,
    ...overrides,
  });
}
const handler = () => pages();

const FORM = 'application/x-www-form-urlencoded';

async function open(sessionId: string, headers: Record<string, string> = {}) {
  return handler()(gatewayEvent({ method: 'GET', sessionId, headers }));
}

async function post(
  sessionId: string,
  fields: Record<string, string> | string,
  headers: Record<string, string> = {},
) {
  return handler()(
    gatewayEvent({
      method: 'POST',
      sessionId,
      body: typeof fields === 'string' ? fields : formBody(fields),
      headers: { 'Content-Type': FORM, 'Sec-Fetch-Site': 'same-origin', ...headers },
    }),
  );
}

/** Open the page and read its form token. */
async function render(session: ThreeDsSession): Promise<{ page: APIGatewayProxyResult; csrf: string }> {
  const page = await open(session.sessionId);
  expect(page.statusCode).toBe(200);
  return { page, csrf: inputValue(page.body, 'csrf')! };
}

const urlOf = (session: ThreeDsSession, op: string) =>
  session.operations.find((o) => o.operation === op)!.url;
const headersOf = (r: APIGatewayProxyResult) => r.headers as Record<string, string>;
const frameAncestorsOf = (r: APIGatewayProxyResult) =>
  /(?:^|; )frame-ancestors ([^;]*)/.exec(headersOf(r)['Content-Security-Policy'] ?? '')?.[1];

async function expectUnchanged(session: ThreeDsSession) {
  const now = await h.store.get(session.sessionId);
  expect(now?.state).toBe('PENDING');
  expect(now?.completedAt).toBeUndefined();
  expect(now?.authentication).toBeUndefined();
  return now!;
}

describe('GET /3ds/{sessionId}: the challenge page', () => {
  it('shows merchant and amount in kr with the form the Vipps app fills in', async () => {
    const session = await h.seedSession();
    const { page, csrf } = await render(session);
    expect(headersOf(page)['Content-Type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('Sokkebutikken AS');
    expect(page.body).toContain('100,36\u00a0kr');
    expect(page.body).toContain(`<form method="post" action="/3ds/${session.sessionId}">`);
    expect(csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const otp = /<input[^>]*name="otp"[^>]*>/.exec(page.body)?.[0];
    expect(otp).toContain('inputmode="numeric"');
    expect(otp).toContain('autocomplete="one-time-code"');
    expect(otp).toContain('type="text"');
    expect(page.body).toMatch(/<button[^>]*type="submit" name="action" value="submit"/);
    expect(page.body).toMatch(/<button[^>]*type="submit" name="action" value="cancel"/);
    // Only the hash of the token is stored.
    const stored = await h.store.get(session.sessionId);
    expect(stored?.challenge?.formTokenHash).toBe(createHash('sha256').update(csrf).digest('hex'));
    expect(JSON.stringify(await h.rawItem(session.sessionId))).not.toContain(csrf);
  });

  it('sends the strict security headers, and the CSP allows exactly the inline stylesheet it serves', async () => {
    const session = await h.seedSession();
    const { page } = await render(session);
    const headers = headersOf(page);
    expect(headers['Cache-Control']).toBe('no-store');
    expect(headers['Referrer-Policy']).toBe('no-referrer');
    expect(headers['X-Content-Type-Options']).toBe('nosniff');
    const csp = headers['Content-Security-Policy']!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("base-uri 'none'");
    expect(csp).toContain("form-action 'self' https://vipps.example");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|script-src|[\s:]\*[\s;]|\*$/);

    const css = /<style>([\s\S]*?)<\/style>/.exec(page.body)![1]!;
    const hash = createHash('sha256').update(css, 'utf8').digest('base64');
    expect(csp).toContain(`style-src 'sha256-${hash}'`);
  });

  it("may be framed by itself and Vipps' own domains by default, never by anyone", async () => {
    const session = await h.seedSession();
    const { page, csrf } = await render(session);
    const ended = await post(session.sessionId, { csrf, otp: '1234', action: 'submit' });
    const refused = await open('unknown-session-id-that-matches-nothing');
    for (const answer of [page, ended, refused]) {
      expect(frameAncestorsOf(answer)).toBe(
        "'self' https://vipps.no https://*.vipps.no https://vippsmobilepay.com https://*.vippsmobilepay.com",
      );
      // X-Frame-Options cannot name a list; the CSP decides alone.
      expect(headersOf(answer)['X-Frame-Options']).toBeUndefined();
    }
  });

  it('takes the list of framing origins from the configuration', async () => {
    const session = await h.seedSession();
    const framed = pages(undefined, { frameAncestors: ["'self'", 'https://app.vipps.example'] });
    const page = await framed(gatewayEvent({ method: 'GET', sessionId: session.sessionId }));
    expect(frameAncestorsOf(page)).toBe("'self' https://app.vipps.example");
  });

  it('loads nothing from anywhere: no scripts, no external stylesheets, images or fonts', async () => {
    const session = await h.seedSession();
    const { page } = await render(session);
    expect(page.body).not.toMatch(/<script|<iframe|<img|@import|url\(/i);
    expect(page.body).not.toMatch(/\b(src|href)="(https?:)?\/\//i);
    expect(page.body).toContain(
      '<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">',
    );
  });

  it('escapes what it shows', async () => {
    const session = await h.seedSession({ merchantName: '<script>alert("x")</script> & Sønner' });
    const { page } = await render(session);
    expect(page.body).not.toContain('<script>alert');
    expect(page.body).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Sønner');
  });

  it('speaks Norwegian to a Norwegian web view', async () => {
    const session = await h.seedSession();
    const page = await open(session.sessionId, { 'Accept-Language': 'nb-NO,nb;q=0.9,en;q=0.5' });
    expect(page.body).toContain('<html lang="nb">');
    expect(page.body).toContain('Bekreft betalingen');
    expect(page.body).toContain('Engangskode');
  });

  it('starts one 3DS transaction per session: a reload keeps it and only renews the form token', async () => {
    const session = await h.seedSession();
    const first = await render(session);
    const started = await h.store.get(session.sessionId);
    const second = await render(session);
    const resumed = await h.store.get(session.sessionId);
    expect(resumed?.serverTransactionId).toBe(started?.serverTransactionId);
    expect(resumed?.challenge?.dsTransactionId).toBe(started?.challenge?.dsTransactionId);
    expect(second.csrf).not.toBe(first.csrf);
  });

  it('keeps the API Gateway base path of PUBLIC_BASE_URL in the form action', async () => {
    const session = await h.seedSession();
    const staged = createThreeDsHandler({
      sessions: h.store,
      vault: h.vault,
      server: new SandboxThreeDsServer(),
      clock,
      log,
      publicBaseUrl: 'https://abc.execute-api.eu-north-1.amazonaws.com/prod/',
    });
    const page = await staged(gatewayEvent({ method: 'GET', sessionId: session.sessionId }));
    expect(page.body).toContain(`action="/prod/3ds/${session.sessionId}"`);
  });
});

describe('POST /3ds/{sessionId}: the return route', () => {
  it('authenticates with the right code and redirects 302 to 3dssuccess, query string intact', async () => {
    const session = await h.seedSession();
    const { csrf } = await render(session);
    const answer = await post(session.sessionId, { csrf, otp: '1234', action: 'submit' });
    expect(answer.statusCode).toBe(302);
    expect(headersOf(answer).Location).toBe(urlOf(session, '3dssuccess'));
    expect(headersOf(answer).Location).toContain('&x=a%2Fb');
    expect(headersOf(answer)['Cache-Control']).toBe('no-store');
    expect(headersOf(answer)['Referrer-Policy']).toBe('no-referrer');

    const done = await h.store.get(session.sessionId);
    expect(done?.state).toBe('SUCCEEDED');
    expect(done?.authentication).toMatchObject({ eci: '05', version: '2.2.0' });
    expect(done?.authentication?.cavv).toMatch(/^[A-Za-z0-9+/]{27}=$/);
    expect(done?.authentication?.threeDsTransactionId).toBe(done?.challenge?.dsTransactionId);
    expect(JSON.stringify(await h.rawItem(session.sessionId))).not.toContain(done!.authentication!.cavv);
  });

  it('accepts the code typed with spaces', async () => {
    const session = await h.seedSession();
    const { csrf } = await render(session);
    const answer = await post(session.sessionId, { csrf, otp: ' 12 34 ', action: 'submit' });
    expect(headersOf(answer).Location).toBe(urlOf(session, '3dssuccess'));
  });

  it('fails the challenge on a wrong code: 302 to 3dsfailure, no authentication', async () => {
    const session = await h.seedSession();
    const { csrf } = await render(session);
    const answer = await post(session.sessionId, { csrf, otp: '0000', action: 'submit' });
    expect(answer.statusCode).toBe(302);
    expect(headersOf(answer).Location).toBe(urlOf(session, '3dsfailure'));
    const done = await h.store.get(session.sessionId);
    expect(done?.state).toBe('FAILED');
    expect(done?.authentication).toBeUndefined();
  });

  it('cancels with the Cancel button (whatever is in the code field): 302 to 3dscancel', async () => {
    const session = await h.seedSession();
    const { csrf } = await render(session);
    const answer = await post(session.sessionId, { csrf, otp: '', action: 'cancel' });
    expect(answer.statusCode).toBe(302);
    expect(headersOf(answer).Location).toBe(urlOf(session, '3dscancel'));
    expect((await h.store.get(session.sessionId))?.state).toBe('CANCELLED');
  });

  it('accepts only the latest rendered form (an older tab gets 403, nothing changes)', async () => {
    const session = await h.seedSession();
    const older = await render(session);
    const newer = await render(session);
    const stale = await post(session.sessionId, { csrf: older.csrf, otp: '1234', action: 'submit' });
    expect(stale.statusCode).toBe(403);
    expect(stale.body).toContain('out of date');
    await expectUnchanged(session);
    const fresh = await post(session.sessionId, { csrf: newer.csrf, otp: '1234', action: 'submit' });
    expect(fresh.statusCode).toBe(302);
  });
});

describe('refused requests: clear error page, right status, nothing changes', () => {
  it('CSRF: a forged token, no token, or a cross-site post is refused', async () => {
    const session = await h.seedSession();
    const { csrf } = await render(session);
    const forged = await post(session.sessionId, {
      csrf: randomBytes(32).toString('base64url'),
      otp: '1234',
      action: 'submit',
    });
    expect(forged.statusCode).toBe(403);
    expect((await post(session.sessionId, { otp: '1234', action: 'submit' })).statusCode).toBe(400);
    const crossSite = await post(
      session.sessionId,
      { csrf, otp: '1234', action: 'submit' },
      { 'Sec-Fetch-Site': 'cross-site' },
    );
    expect(crossSite.statusCode).toBe(403);
    await expectUnchanged(session);
    // The genuine form still works afterwards.
    expect((await post(session.sessionId, { csrf, otp: '1234', action: 'submit' })).statusCode).toBe(302);
  });

  it('a post without the page having been opened is refused (no challenge, no token)', async () => {
    const session = await h.seedSession();
    const answer = await post(session.sessionId, {
      csrf: randomBytes(32).toString('base64url'),
      otp: '1234',
      action: 'submit',
    });
    expect(answer.statusCode).toBe(403);
    await expectUnchanged(session);
  });

  it('a tampered, truncated or unknown session id gets the plain 404 page (no session, no URL to go to)', async () => {
    const session = await h.seedSession();
    const { csrf } = await render(session);
    const id = session.sessionId;
    const tampered = `${id.slice(0, -1)}${id.endsWith('A') ? 'B' : 'A'}`;
    for (const bad of [tampered, id.slice(0, 10), `${id}'"<x>`, '..%2F..%2Fetc']) {
      const page = await open(bad);
      expect(page.statusCode, bad).toBe(404);
      expect(page.body).toContain('Verification not found');
      expect(page.body).not.toContain('<x>');
      expect((await post(bad, { csrf, otp: '1234', action: 'submit' })).statusCode, bad).toBe(404);
    }
    await expectUnchanged(session);
  });

  it('missing or garbled form fields get 400, and the form still works afterwards', async () => {
    const session = await h.seedSession();
    const { csrf } = await render(session);
    const cases: Array<[string, Record<string, string> | string, Record<string, string>?]> = [
      ['no action', { csrf, otp: '1234' }],
      ['unknown action', { csrf, otp: '1234', action: 'approve' }],
      ['no code', { csrf, action: 'submit' }],
      ['letters in the code', { csrf, otp: '12ab', action: 'submit' }],
      ['code too long', { csrf, otp: '1'.repeat(13), action: 'submit' }],
      ['garbled token', { csrf: 'not a token!', otp: '1234', action: 'submit' }],
      ['repeated field', `csrf=${csrf}&csrf=${csrf}&otp=1234&action=submit`],
      ['empty body', ''],
      [
        'not url-encoded',
        JSON.stringify({ csrf, otp: '1234', action: 'submit' }),
        { 'Content-Type': 'application/json' },
      ],
      ['too large', `${formBody({ csrf, otp: '1234', action: 'submit' })}&pad=${'x'.repeat(5000)}`],
    ];
    for (const [name, body, headers] of cases) {
      const answer = await post(session.sessionId, body, headers);
      expect(answer.statusCode, name).toBe(400);
      expect(answer.body, name).toContain('We could not read the form');
      expect(answer.body, name).toContain(`href="/3ds/${session.sessionId}"`);
    }
    await expectUnchanged(session);
    expect((await post(session.sessionId, { csrf, otp: '1234', action: 'submit' })).statusCode).toBe(302);
  });

  it('a GET carrying the form fields (the return route by link) gets 405 and submits nothing', async () => {
    const session = await h.seedSession();
    const { csrf } = await render(session);
    const byLink = await handler()(
      gatewayEvent({
        method: 'GET',
        sessionId: session.sessionId,
        query: { otp: '1234', csrf, action: 'submit' },
      }),
    );
    expect(byLink.statusCode).toBe(405);
    expect(headersOf(byLink).Allow).toBe('POST');
    expect(byLink.body).toContain('cannot be sent in a link');
    const after = await expectUnchanged(session);
    // Not even the form token was rotated: the open page still works.
    expect(after.challenge?.formTokenHash).toBe(createHash('sha256').update(csrf).digest('hex'));
    expect((await post(session.sessionId, { csrf, otp: '1234', action: 'submit' })).statusCode).toBe(302);
  });

  it('other methods get 405', async () => {
    const session = await h.seedSession();
    const put = await handler()(gatewayEvent({ method: 'PUT', sessionId: session.sessionId }));
    expect(put.statusCode).toBe(405);
    expect(headersOf(put).Allow).toBe('GET, POST');
  });
});

describe("every ending sends the shopper on to Vipps' operations URL (302, query string intact)", () => {
  const brokenServer = (overrides: Partial<ThreeDsServer> = {}): ThreeDsServer => {
    const sandbox = new SandboxThreeDsServer();
    return {
      provider: 'broken',
      prepare: () => Promise.reject(new Error('connect ECONNREFUSED')),
      authenticate: (request) => sandbox.authenticate(request),
      completeChallenge: (request) => sandbox.completeChallenge(request),
      ...overrides,
    };
  };
  const failedQuietly = async (session: ThreeDsSession) => {
    const ended = await h.store.get(session.sessionId);
    expect(ended?.state).toBe('FAILED');
    expect(ended?.authentication).toBeUndefined();
    return ended!;
  };

  it('a used session sends every later visit and post to the URL of how it ended, changing nothing', async () => {
    const endings = [
      { otp: '1234', action: 'submit', operation: '3dssuccess', state: 'SUCCEEDED' },
      { otp: '0000', action: 'submit', operation: '3dsfailure', state: 'FAILED' },
      { otp: '', action: 'cancel', operation: '3dscancel', state: 'CANCELLED' },
    ] as const;
    for (const { otp, action, operation, state } of endings) {
      const session = await h.seedSession();
      const { csrf } = await render(session);
      const first = await post(session.sessionId, { csrf, otp, action });
      expect(headersOf(first).Location, operation).toBe(urlOf(session, operation));
      const before = await h.store.get(session.sessionId);
      expect(before?.state).toBe(state);

      const replay = await post(session.sessionId, { csrf, otp: '1234', action: 'submit' });
      const reopened = await open(session.sessionId);
      for (const again of [replay, reopened]) {
        expect(again.statusCode, operation).toBe(302);
        expect(headersOf(again).Location, operation).toBe(urlOf(session, operation));
        expect(again.body).not.toContain('<form');
      }
      expect(await h.store.get(session.sessionId)).toEqual(before);
    }
  });

  it('of simultaneous submissions one decides, and every one is sent to the URL of that outcome', async ({
    skip,
  }) => {
    skip(motoRaces.skip, motoRaces.reason);
    const session = await h.seedSession();
    const { csrf } = await render(session);
    const answers = await Promise.all([
      post(session.sessionId, { csrf, otp: '1234', action: 'submit' }),
      post(session.sessionId, { csrf, otp: '1234', action: 'submit' }),
      post(session.sessionId, { csrf, otp: '', action: 'cancel' }),
    ]);
    const ended = await h.store.get(session.sessionId);
    const operation = ended?.state === 'CANCELLED' ? '3dscancel' : '3dssuccess';
    expect(['SUCCEEDED', 'CANCELLED']).toContain(ended?.state);
    for (const answer of answers) {
      expect(answer.statusCode).toBe(302);
      expect(headersOf(answer).Location).toBe(urlOf(session, operation));
    }
  });

  it('an expired session sends the page and the return route to 3dsfailure and ends FAILED', async () => {
    const past = new Date(Date.now() - 14 * 60_000);
    const opened = await h.seedSession({}, { now: past });
    const posted = await h.seedSession({}, { now: past });
    const { csrf } = await render(posted);
    clock.advance(2 * 60_000);
    try {
      const page = await open(opened.sessionId);
      expect(page.statusCode).toBe(302);
      expect(headersOf(page).Location).toBe(urlOf(opened, '3dsfailure'));
      expect((await failedQuietly(opened)).serverTransactionId).toBeUndefined();

      const late = await post(posted.sessionId, { csrf, otp: '1234', action: 'submit' });
      expect(late.statusCode).toBe(302);
      expect(headersOf(late).Location).toBe(urlOf(posted, '3dsfailure'));
      await failedQuietly(posted);
    } finally {
      clock.advance(-2 * 60_000);
    }
  });

  it('a 3DS server that fails, on the page or on the return route, sends the shopper to 3dsfailure', async () => {
    const onPage = await h.seedSession();
    const page = await pages(brokenServer())(gatewayEvent({ method: 'GET', sessionId: onPage.sessionId }));
    expect(page.statusCode).toBe(302);
    expect(headersOf(page).Location).toBe(urlOf(onPage, '3dsfailure'));
    await failedQuietly(onPage);

    const onReturn = await h.seedSession();
    const { csrf } = await render(onReturn);
    const unreachable = brokenServer({ completeChallenge: () => Promise.reject(new Error('timeout')) });
    const answer = await pages(unreachable)(
      gatewayEvent({
        method: 'POST',
        sessionId: onReturn.sessionId,
        body: formBody({ csrf, otp: '1234', action: 'submit' }),
        headers: { 'Content-Type': FORM, 'Sec-Fetch-Site': 'same-origin' },
      }),
    );
    expect(answer.statusCode).toBe(302);
    expect(headersOf(answer).Location).toBe(urlOf(onReturn, '3dsfailure'));
    await failedQuietly(onReturn);
  });

  it('an internal error once the session is read (KMS down, a store write failing) sends it to 3dsfailure', async () => {
    const kmsDown = await h.seedSession();
    const vault = { seal: h.vault.seal.bind(h.vault), open: () => Promise.reject(new Error('KMS down')) };
    const page = await pages(undefined, { vault })(
      gatewayEvent({ method: 'GET', sessionId: kmsDown.sessionId }),
    );
    expect(headersOf(page).Location).toBe(urlOf(kmsDown, '3dsfailure'));
    await failedQuietly(kmsDown);

    const throttled = await h.seedSession();
    const store = Object.assign(Object.create(h.store) as typeof h.store, {
      saveChallenge: () => Promise.reject(new Error('ProvisionedThroughputExceededException')),
    });
    const answer = await pages(undefined, { sessions: store })(
      gatewayEvent({ method: 'GET', sessionId: throttled.sessionId }),
    );
    expect(answer.statusCode).toBe(302);
    expect(headersOf(answer).Location).toBe(urlOf(throttled, '3dsfailure'));
    await failedQuietly(throttled);
  });

  it('a session whose token cannot be decrypted goes to 3dsfailure, starts nothing, logs no card data', async () => {
    // Sealed under another session's context: KMS refuses the data key (as for any tampering).
    const session = await h.seedSession();
    const other = await h.seedSession({
      sealedToken: session.sealedToken,
      pspTransactionId: session.pspTransactionId,
    });
    const before = log.entries.length;
    const page = await open(other.sessionId);
    expect(page.statusCode).toBe(302);
    expect(headersOf(page).Location).toBe(urlOf(other, '3dsfailure'));
    expect((await failedQuietly(other)).serverTransactionId).toBeUndefined();
    expect(log.entries.slice(before)).toContainEqual(
      expect.objectContaining({ extra: [expect.objectContaining({ ending: 'TOKEN_UNREADABLE' })] }),
    );

    // Garbage where the token should be: same answer.
    const garbled = await h.seedSession({}, { token: { nothing: 'here' } });
    expect(headersOf(await open(garbled.sessionId)).Location).toBe(urlOf(garbled, '3dsfailure'));
  });

  it('with only 3dssuccess from Vipps, failure, cancel and expiry go there too (makePayment carries the outcome)', async () => {
    const onlySuccess = (id: string) => [operationsFor('https://vipps.example', id)[0]!];
    const seed = async (now?: Date) => {
      const pspTransactionId = randomBytes(16).toString('hex');
      return h.seedSession({ pspTransactionId, operations: onlySuccess(pspTransactionId) }, { now });
    };
    const cases = [
      { otp: '0000', action: 'submit', state: 'FAILED' },
      { otp: '', action: 'cancel', state: 'CANCELLED' },
      { otp: '1234', action: 'submit', state: 'SUCCEEDED' },
    ] as const;
    for (const { otp, action, state } of cases) {
      const session = await seed();
      const { page, csrf } = await render(session);
      expect(headersOf(page)['Content-Security-Policy']).toContain(
        "form-action 'self' https://vipps.example",
      );
      const answer = await post(session.sessionId, { csrf, otp, action });
      expect(answer.statusCode, state).toBe(302);
      expect(headersOf(answer).Location, state).toBe(urlOf(session, '3dssuccess'));
      expect((await h.store.get(session.sessionId))?.state).toBe(state);
    }

    const expired = await seed(new Date(Date.now() - 16 * 60_000));
    expect(headersOf(await open(expired.sessionId)).Location).toBe(urlOf(expired, '3dssuccess'));
    await failedQuietly(expired);
  });

  it('without a 3dssuccess URL the session cannot step up: straight to 3dsfailure', async () => {
    const pspTransactionId = randomBytes(16).toString('hex');
    const failureOnly = operationsFor('https://vipps.example', pspTransactionId).slice(1);
    const session = await h.seedSession({ pspTransactionId, operations: failureOnly });
    const page = await open(session.sessionId);
    expect(page.statusCode).toBe(302);
    expect(headersOf(page).Location).toBe(urlOf(session, '3dsfailure'));
    await failedQuietly(session);
  });

  it('only a session with no usable URL at all gets a plain error page (there is nowhere to go)', async () => {
    const session = await h.seedSession({
      operations: [{ operation: '3dssuccess', url: 'javascript:alert(1)' }],
    });
    const page = await open(session.sessionId);
    expect(page.statusCode).toBe(500);
    expect(page.body).toContain('We could not start the verification');
    expect(headersOf(page).Location).toBeUndefined();
    await expectUnchanged(session);
  });
});

describe('a real 3DS provider plugs into the same port (ACS redirect + CRes)', () => {
  it('posts the CReq to the issuer ACS and completes from the CRes the ACS posts back', async () => {
    const seen: { auth?: AuthenticationRequest; complete?: CompleteChallengeRequest } = {};
    const provider: ThreeDsServer = {
      provider: 'fake-3dsecure.io',
      prepare: () =>
        Promise.resolve({
          serverTransactionId: 'srv-42',
          protocolVersion: '2.2.0',
          methodUrl: 'https://acs.bank.example/method',
        }),
      authenticate: (request) => {
        seen.auth = request;
        return Promise.resolve({
          kind: 'CHALLENGE',
          acsTransactionId: 'acs-42',
          dsTransactionId: 'ds-42',
          step: {
            kind: 'ACS_REDIRECT',
            acsUrl: 'https://acs.bank.example/challenge',
            creq: 'eyJtZXNzYWdlVHlwZSI6IkNSZXEifQ',
          },
        });
      },
      completeChallenge: (request) => {
        seen.complete = request;
        return Promise.resolve({
          status: 'AUTHENTICATED',
          transStatus: 'Y',
          authentication: {
            cavv: 'AJkBBkhgQQAAAE4gSEJydQAAAAA=',
            eci: '05',
            threeDsTransactionId: 'ds-42',
            version: '2.2.0',
          },
        });
      },
    };
    const session = await h.seedSession({ tokenType: 'MASTERCARD' });
    const page = await pages(provider)(gatewayEvent({ method: 'GET', sessionId: session.sessionId }));
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<form method="post" action="https://acs.bank.example/challenge">');
    expect(inputValue(page.body, 'creq')).toBe('eyJtZXNzYWdlVHlwZSI6IkNSZXEifQ');
    const sessionData = inputValue(page.body, 'threeDSSessionData')!;
    expect(headersOf(page)['Content-Security-Policy']).toContain('https://acs.bank.example');

    // The AReq carried the token in place of the PAN, a mandated challenge and our return route.
    expect(seen.auth).toMatchObject({
      serverTransactionId: 'srv-42',
      card: { number: TEST_TOKEN.number, scheme: 'MASTERCARD', isNetworkToken: true },
      purchase: { amount: 10036, currency: 'NOK', merchantName: 'Sokkebutikken AS' },
      challengeIndicator: '04',
      methodCompletion: 'N',
      notificationUrl: `${PUBLIC_BASE_URL}/3ds/${session.sessionId}`,
      browser: { javascriptEnabled: false, userAgent: expect.stringContaining('VippsTest') },
    });

    // The ACS posts the CRes back from its own site.
    const back = await pages(provider)(
      gatewayEvent({
        method: 'POST',
        sessionId: session.sessionId,
        body: formBody({ cres: 'eyJ0cmFuc1N0YXR1cyI6IlkifQ', threeDSSessionData: sessionData }),
        headers: { 'Content-Type': FORM, 'Sec-Fetch-Site': 'cross-site' },
      }),
    );
    expect(back.statusCode).toBe(302);
    expect(headersOf(back).Location).toBe(urlOf(session, '3dssuccess'));
    expect(seen.complete).toMatchObject({
      serverTransactionId: 'srv-42',
      acsTransactionId: 'acs-42',
      answer: { kind: 'CRES', cres: 'eyJ0cmFuc1N0YXR1cyI6IlkifQ' },
    });
    expect((await h.store.get(session.sessionId))?.authentication?.cavv).toBe('AJkBBkhgQQAAAE4gSEJydQAAAAA=');
  });
});

describe('logs', () => {
  it('never contain the token number, a one-time code, a form token or a session id', () => {
    const text = log.text();
    expect(log.entries.length).toBeGreaterThan(10);
    expect(text).not.toContain(TEST_TOKEN.number);
    expect(text).not.toMatch(/"(otp|csrf|cavv|code|cres)":/i); // as keys; a field *name* as detail is fine
    // No session ids, form tokens or CAVVs: nothing that long but the (public) payment ids.
    const withoutPaymentIds = text.replace(/"pspTransactionId":"[0-9a-f]{32}"/g, '');
    expect(withoutPaymentIds).not.toMatch(/[A-Za-z0-9_+/-]{24,}/);
  });
});
