/**
 * The 3-D Secure pages handler (lambdas/handlers/three-ds.ts) with the real use cases behind it,
 * over in-memory fakes of the session store, the vault and the 3DS server. What the Vipps app's
 * web view, the ACS and ops notice: statuses, redirects, the security headers, the auto-posting
 * forms and their fields, the error pages, the counters and the log lines of refusals.
 * (test/integration/three-ds-pages.test.ts drives the same routes over dynalite, KMS and HTTP.)
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { sessionRef } from '../../lambdas/core/use-cases/three-ds-endings.js';
import type { ThreeDsSession } from '../../lambdas/core/three-ds-session.js';
import { BROWSER, FORM, inputValue, threeDsEvent } from '../support/in-memory-three-ds.js';
import { NOW, VIPPS_AND_US, directive, headersOf, pagesUnderTest } from '../support/three-ds-pages-fakes.js';

const urlOf = (session: ThreeDsSession, operation: string) =>
  session.operations.find((o) => o.operation === operation)!.url;
/** The break-out page's link: where the challenge frame sends the page. */
const breakOutTarget = (r: APIGatewayProxyResult) =>
  /<a id="next"[^>]*href="([^"]+)"/.exec(r.body)?.[1]?.replaceAll('&amp;', '&');
const retryLink = (r: APIGatewayProxyResult) => /<a class="button primary" href="([^"]*)">/.exec(r.body)?.[1];
const scriptNonce = (r: APIGatewayProxyResult) => /<script nonce="([^"]+)">/.exec(r.body)?.[1];

describe('GET /3ds/{sessionId}: the 3DS Method step', () => {
  it('preauths with our method notification URL and auto-posts threeDSMethodData to the ACS in a hidden iframe', async () => {
    const t = pagesUnderTest({ publicBaseUrl: 'https://api.example/prod/' });
    const session = await t.seed();
    const { page, csrf } = await t.methodStep(session);

    const notificationUrl = `https://api.example/prod/3ds/${session.sessionId}/method`;
    expect(t.server.preauths).toEqual([
      { cardNumber: '4895370013193500', methodNotificationUrl: notificationUrl },
    ]);
    expect(page.body).toContain(
      `<form id="method" method="post" action="${t.server.methodUrl}" target="threeDSMethodFrame" data-timeout-ms="10000">`,
    );
    const methodData = inputValue(page.body, 'threeDSMethodData')!;
    expect(JSON.parse(Buffer.from(methodData, 'base64url').toString())).toEqual({
      threeDSServerTransID: t.server.serverTransactionId,
      threeDSMethodNotificationURL: notificationUrl,
    });
    // Our own form posts back to our route, under the API Gateway stage of PUBLIC_BASE_URL.
    expect(page.body).toContain(`<form id="browser" method="post" action="/prod/3ds/${session.sessionId}">`);
    expect(inputValue(page.body, 'step')).toBe('authenticate');
    expect(csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(t.results).toEqual(['started']);
  });

  it('waits the configured time for the 3DS Method notification', async () => {
    const t = pagesUnderTest({ methodTimeoutMs: 2_500 });
    const { page } = await t.methodStep(await t.seed());
    expect(page.body).toContain('data-timeout-ms="2500"');
  });

  it('headers: a fresh script nonce per response; frames and forms only to the ACS, us and Vipps; never cached', async () => {
    const t = pagesUnderTest();
    const session = await t.seed();
    const first = (await t.methodStep(session)).page;
    const second = (await t.methodStep(session)).page;
    const nonce = scriptNonce(first)!;
    expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(directive(first, 'script-src')).toBe(`'nonce-${nonce}'`);
    expect(scriptNonce(second)).not.toBe(nonce);
    expect(directive(second, 'script-src')).toBe(`'nonce-${scriptNonce(second)!}'`);
    expect(directive(first, 'frame-src')).toBe("'self' https://acs-method.example");
    expect(directive(first, 'connect-src')).toBeUndefined();
    expect(directive(first, 'form-action')).toBe("'self' https://acs-method.example https://vipps.example");
    expect(directive(first, 'frame-ancestors')).toBe(VIPPS_AND_US);
    expect(headersOf(first)).toMatchObject({
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'Referrer-Policy': 'no-referrer',
    });
  });

  it('FRAME_ANCESTORS replaces who may frame the page', async () => {
    const t = pagesUnderTest({ frameAncestors: ['https://app.example.com'] });
    const { page } = await t.methodStep(await t.seed());
    expect(directive(page, 'frame-ancestors')).toBe('https://app.example.com');
  });

  it('speaks Norwegian to a Norwegian web view, and escapes the merchant name it shows', async () => {
    const t = pagesUnderTest();
    const session = await t.seed({ merchantName: '<script>alert("x")</script> & Co' });
    const page = await t.open(session.sessionId, { 'Accept-Language': 'nb-NO,nb;q=0.9' });
    expect(page.body).toContain('Bekreft betalingen');
    expect(page.body).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co');
    expect(page.body).not.toContain('<script>alert');
  });

  it('a reload during the challenge shows the challenge again, with a new token', async () => {
    const t = pagesUnderTest();
    const session = await t.seed();
    const first = await t.challengeStep(session);
    const reload = await t.open(session.sessionId, { 'Accept-Language': 'nb' });
    expect(reload.statusCode).toBe(200);
    expect(reload.body).toContain(`<form id="creq" method="post" action="${t.server.acsUrl}" target="acs">`);
    expect(reload.body).toContain('Gå videre til banken');
    expect(inputValue(reload.body, 'creq')).toBe(t.server.creq());
    expect(inputValue(reload.body, 'threeDSSessionData')).not.toBe(first.sessionData);
    expect(t.server.preauths).toHaveLength(1);
  });

  it('a session that already ended → 302 to the URL of how it ended (query intact), empty body, not counted again', async () => {
    const t = pagesUnderTest();
    const session = await t.seed({ state: 'SUCCEEDED', completedAt: NOW.toISOString() });
    const answer = await t.open(session.sessionId);
    expect(answer.statusCode).toBe(302);
    expect(headersOf(answer).Location).toBe(urlOf(session, '3dssuccess'));
    expect(headersOf(answer).Location).toContain('x=a%2Fb');
    expect(answer.body).toBe('');
    expect(headersOf(answer)['Cache-Control']).toBe('no-store');
    expect(directive(answer, 'frame-ancestors')).toBe(VIPPS_AND_US);
    expect(directive(answer, 'form-action')).toBe("'self'");
    expect(t.results).toEqual([]);
    expect(t.server.preauths).toEqual([]);
  });

  it('the redirect of an ending keeps FRAME_ANCESTORS', async () => {
    const t = pagesUnderTest({ frameAncestors: ['https://app.example.com'] });
    const session = await t.seed({ state: 'FAILED', completedAt: NOW.toISOString() });
    const answer = await t.open(session.sessionId);
    expect(headersOf(answer).Location).toBe(urlOf(session, '3dsfailure'));
    expect(directive(answer, 'frame-ancestors')).toBe('https://app.example.com');
  });

  it('an expired session → 302 to 3dsfailure, counted as expired', async () => {
    const t = pagesUnderTest();
    const session = await t.seed({ expiresAt: new Date(NOW.getTime() - 1).toISOString() });
    const answer = await t.open(session.sessionId);
    expect(answer.statusCode).toBe(302);
    expect(headersOf(answer).Location).toBe(urlOf(session, '3dsfailure'));
    expect(t.results).toEqual(['expired']);
    expect(t.sessions.peek(session.sessionId)).toMatchObject({ state: 'FAILED', endReason: 'EXPIRED' });
  });

  it('an unknown, malformed or missing id → 404 page without a way back, nothing sent', async () => {
    const t = pagesUnderTest();
    for (const sessionId of ['A'.repeat(32), 'short', '../../etc', null]) {
      const page = await t.pages(threeDsEvent({ method: 'GET', sessionId }));
      expect(page.statusCode, String(sessionId)).toBe(404);
      expect(page.body).toContain('Verification not found');
      expect(retryLink(page)).toBeUndefined();
    }
    expect(t.server.preauths).toEqual([]);
  });

  it('no usable operations URL to end at → a 500 page, never a redirect', async () => {
    const t = pagesUnderTest();
    t.server.preauthError = new Error('boom');
    const session = await t.seed({ operations: [{ operation: '3dssuccess', url: 'javascript:alert(1)' }] });
    const page = await t.open(session.sessionId);
    expect(page.statusCode).toBe(500);
    expect(headersOf(page).Location).toBeUndefined();
  });

  it.each(['csrf', 'step', 'cres', 'threeDSSessionData', 'threeDSMethodData'])(
    'form field %s in a GET query → 405 Allow: POST, nothing sent, a way back to the page',
    async (field) => {
      const t = pagesUnderTest();
      const session = await t.seed();
      const page = await t.pages(
        threeDsEvent({ method: 'GET', sessionId: session.sessionId, query: { [field]: 'x' } }),
      );
      expect(page.statusCode).toBe(405);
      expect(headersOf(page).Allow).toBe('POST');
      expect(retryLink(page)).toBe(`/3ds/${session.sessionId}`);
      expect(t.server.preauths).toEqual([]);
      expect(t.log.entries).toContainEqual({
        level: 'warn',
        message: '3-D Secure form fields arrived in a GET query; ignored',
        fields: { sessionRef: sessionRef(session.sessionId) },
      });
      expect(t.log.text()).not.toContain(session.sessionId);
    },
  );

  it('other query parameters (a tracking tag) do not stop the page', async () => {
    const t = pagesUnderTest();
    const session = await t.seed();
    const page = await t.pages(
      threeDsEvent({ method: 'GET', sessionId: session.sessionId, query: { utm_source: 'app' } }),
    );
    expect(page.statusCode).toBe(200);
  });
});

describe('PUBLIC_BASE_URL and the events the routes get', () => {
  it('trailing slashes of PUBLIC_BASE_URL do not double up in the notification URLs or the form action', async () => {
    const t = pagesUnderTest({ publicBaseUrl: 'https://api.example/prod//' });
    const session = await t.seed();
    const { page } = await t.methodStep(session);
    expect(t.server.preauths[0]?.methodNotificationUrl).toBe(
      `https://api.example/prod/3ds/${session.sessionId}/method`,
    );
    expect(page.body).toContain(`<form id="browser" method="post" action="/prod/3ds/${session.sessionId}">`);
  });

  it('without counters (onResult, onAuthentication) the pages work the same', async () => {
    const t = pagesUnderTest({ onResult: undefined, onAuthentication: undefined });
    const session = await t.seed();
    const { csrf } = await t.methodStep(session);
    const answer = await t.post(session.sessionId, { step: 'cancel', csrf });
    expect(answer.statusCode).toBe(302);
    expect(headersOf(answer).Location).toBe(urlOf(session, '3dscancel'));
  });

  it('an event without `resource` is routed by its path (a notification stays a notification)', async () => {
    const t = pagesUnderTest();
    const session = await t.seed();
    await t.methodStep(session);
    const event = threeDsEvent({
      method: 'POST',
      sessionId: session.sessionId,
      route: 'method',
      body: new URLSearchParams({ threeDSMethodData: t.server.methodNotification() }).toString(),
      headers: { 'Content-Type': FORM },
    });
    const done = await t.pages({ ...event, resource: undefined as unknown as string });
    expect(done.statusCode).toBe(200);
    expect(done.body).toContain("parent.postMessage('threeDSMethodDone', location.origin)");
  });
});

describe('methods each route does not take → 405 with Allow', () => {
  it.each([
    ['PUT', undefined, 'GET, POST'],
    ['DELETE', undefined, 'GET, POST'],
    ['GET', 'method', 'POST'],
    ['GET', 'challenge', 'POST'],
    ['PUT', 'challenge', 'POST'],
  ] as const)('%s on the %s route → Allow: %s', async (method, route, allow) => {
    const t = pagesUnderTest();
    const session = await t.seed();
    const page = await t.pages(
      threeDsEvent({ method, sessionId: session.sessionId, ...(route ? { route } : {}) }),
    );
    expect(page.statusCode).toBe(405);
    expect(headersOf(page).Allow).toBe(allow);
    expect(page.body).toContain('Not available');
    expect(t.server.preauths).toEqual([]);
    expect(t.sessions.peek(session.sessionId)).toEqual(session);
  });
});

describe('the store is down: a plain 500 page, logged for ops, nothing half-done', () => {
  it.each([
    ['page', undefined],
    ['method', 'method'],
  ] as const)('on the %s route', async (name, route) => {
    const t = pagesUnderTest();
    const session = await t.seed();
    t.sessions.failNextReads(1);
    const page = route
      ? await t.post(session.sessionId, { threeDSMethodData: 'abc' }, { route })
      : await t.open(session.sessionId);
    expect(page.statusCode).toBe(500);
    expect(page.body).toContain('Something went wrong');
    expect(page.body).not.toContain('store unavailable');
    expect(t.log.entries).toContainEqual({
      level: 'error',
      message: '3-D Secure page failed',
      fields: { route: name, error: 'Error: store unavailable' },
    });
    expect(t.sessions.peek(session.sessionId)).toEqual(session);
  });

  it('whatever was thrown is named in the log', async () => {
    const t = pagesUnderTest();
    const session = await t.seed();
    t.sessions.failNextReads(1, 'throttled');
    expect((await t.open(session.sessionId)).statusCode).toBe(500);
    expect(t.log.entries.at(-1)?.fields).toEqual({ route: 'page', error: 'throttled' });
  });
});

describe('POST /3ds/{sessionId}/method: the ACS says the 3DS Method finished', () => {
  it('recorded once: a page that tells ours, framed by us and the page framers; a replay → 409', async () => {
    const t = pagesUnderTest();
    const session = await t.seed();
    const { csrf } = await t.methodStep(session);
    const note = { threeDSMethodData: t.server.methodNotification() };
    const done = await t.post(session.sessionId, note, {
      route: 'method',
      headers: { 'Sec-Fetch-Site': 'cross-site' },
    });
    expect(done.statusCode).toBe(200);
    expect(done.body).toContain("parent.postMessage('threeDSMethodDone', location.origin)");
    expect(directive(done, 'script-src')).toBe(`'nonce-${scriptNonce(done)!}'`);
    expect(directive(done, 'frame-ancestors')).toBe(VIPPS_AND_US);
    expect(t.sessions.peek(session.sessionId)?.flow?.methodCompletedAt).toBe(NOW.toISOString());

    const replay = await t.post(session.sessionId, note, { route: 'method' });
    expect(replay.statusCode).toBe(409);
    expect(retryLink(replay)).toBeUndefined();

    await t.authenticate(session, csrf);
    expect(t.server.authentications[0]?.methodCompletion).toBe('Y');
  });

  it('its frame allows us plus FRAME_ANCESTORS (our page frames it, and they frame our page)', async () => {
    for (const [frameAncestors, expected] of [
      [['https://app.example.com'], "'self' https://app.example.com"],
      [["'self'", 'https://app.example.com'], "'self' https://app.example.com"],
      [[], VIPPS_AND_US],
    ] as const) {
      const t = pagesUnderTest({ frameAncestors });
      const session = await t.seed();
      await t.methodStep(session);
      const done = await t.post(
        session.sessionId,
        { threeDSMethodData: t.server.methodNotification() },
        { route: 'method' },
      );
      expect(done.statusCode).toBe(200);
      expect(directive(done, 'frame-ancestors'), frameAncestors.join(' ')).toBe(expected);
    }
  });

  it('for another transaction → 409; for an unknown session → 404; nothing recorded', async () => {
    const t = pagesUnderTest();
    const session = await t.seed();
    await t.methodStep(session);
    const other = await t.post(
      session.sessionId,
      { threeDSMethodData: t.server.methodNotification('another-transaction') },
      { route: 'method' },
    );
    expect(other.statusCode).toBe(409);
    const unknown = await t.post(
      'B'.repeat(32),
      { threeDSMethodData: t.server.methodNotification() },
      { route: 'method' },
    );
    expect(unknown.statusCode).toBe(404);
    expect(t.sessions.peek(session.sessionId)?.flow?.methodCompletedAt).toBeUndefined();
  });

  it.each([
    ['not base64url', 'not base64!', 'threeDSMethodData'],
    ['empty', '', 'threeDSMethodData'],
    ['three padding characters', 'abcd===', 'threeDSMethodData'],
    ['padding first', '=abcd', 'threeDSMethodData'],
    ['a bad first character', '.abcd', 'threeDSMethodData'],
    ['a bad last character', 'abcd.', 'threeDSMethodData'],
    ['longer than 4096 characters', 'a'.repeat(4097), 'threeDSMethodData'],
  ])('threeDSMethodData %s → 400 naming the field, nothing recorded', async (_, value, detail) => {
    const t = pagesUnderTest();
    const session = await t.seed();
    await t.methodStep(session);
    const page = await t.post(session.sessionId, { threeDSMethodData: value }, { route: 'method' });
    expect(page.statusCode).toBe(400);
    expect(retryLink(page)).toBeUndefined();
    expect(t.refusals()).toEqual([
      expect.objectContaining({
        fields: { problem: 'BAD_FORM', route: 'method', sessionRef: sessionRef(session.sessionId), detail },
      }),
    ]);
    expect(t.sessions.peek(session.sessionId)?.flow?.methodCompletedAt).toBeUndefined();
  });

  it('threeDSMethodData of 4096 characters and two padding characters is read (and then judged)', async () => {
    const t = pagesUnderTest();
    const session = await t.seed();
    await t.methodStep(session);
    const page = await t.post(
      session.sessionId,
      { threeDSMethodData: `${'a'.repeat(4096)}==` },
      { route: 'method' },
    );
    expect(page.statusCode).toBe(409);
  });

  it('without threeDSMethodData → 400 "missing threeDSMethodData"', async () => {
    const t = pagesUnderTest();
    const session = await t.seed();
    const page = await t.post(session.sessionId, {}, { route: 'method' });
    expect(page.statusCode).toBe(400);
    expect(t.refusals()[0]?.fields.detail).toBe('missing threeDSMethodData');
  });
});

describe('POST /3ds/{sessionId}: our own forms', () => {
  it('browser data → the AReq (notification URL under PUBLIC_BASE_URL) → the challenge page auto-posting the CReq', async () => {
    const t = pagesUnderTest({ publicBaseUrl: 'https://api.example/prod' });
    const session = await t.seed();
    const { csrf } = await t.methodStep(session);
    const page = await t.authenticate(session, csrf);

    expect(t.server.authentications).toHaveLength(1);
    expect(t.server.authentications[0]).toMatchObject({
      notificationUrl: `https://api.example/prod/3ds/${session.sessionId}/challenge`,
      methodCompletion: 'N',
      challengeWindowSize: '05',
    });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`<form id="creq" method="post" action="${t.server.acsUrl}" target="acs">`);
    expect(inputValue(page.body, 'creq')).toBe(t.server.creq());
    const token = inputValue(page.body, 'threeDSSessionData')!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(token).not.toBe(csrf);
    expect(inputValue(page.body, 'csrf')).toBe(token);
    expect(page.body).toContain(
      `<form id="unreachable" method="post" action="/prod/3ds/${session.sessionId}">`,
    );
    expect(directive(page, 'frame-src')).toBe("'self' https://acs.example");
    expect(directive(page, 'connect-src')).toBe('https://acs.example');
    expect(directive(page, 'script-src')).toBe(`'nonce-${scriptNonce(page)!}'`);
    expect(t.authentications).toEqual(['challenged']);
  });

  it('the challenge page speaks the web view’s language', async () => {
    const t = pagesUnderTest();
    const session = await t.seed();
    const { csrf } = await t.methodStep(session);
    const page = await t.post(
      session.sessionId,
      { step: 'authenticate', csrf, ...BROWSER },
      { headers: { 'Accept-Language': 'nb-NO' } },
    );
    expect(page.body).toContain('Avbryt betalingen');
  });

  it('frictionless Y → 302 to 3dssuccess, counted as success and frictionless', async () => {
    const t = pagesUnderTest();
    t.server.ares = {
      status: 'AUTHENTICATED',
      transStatus: 'Y',
      authentication: { cavv: 'AAAB', eci: '05', version: '2.2.0', threeDsTransactionId: 'ds-1' },
    };
    const session = await t.seed();
    const answer = await t.authenticate(session, (await t.methodStep(session)).csrf);
    expect(answer.statusCode).toBe(302);
    expect(headersOf(answer).Location).toBe(urlOf(session, '3dssuccess'));
    expect(answer.body).toBe('');
    expect(t.results).toEqual(['started', 'success']);
    expect(t.authentications).toEqual(['frictionless']);
    expect(t.sessions.peek(session.sessionId)?.state).toBe('SUCCEEDED');
  });

  it('Cancel on our page → 302 to 3dscancel, counted as cancel', async () => {
    const t = pagesUnderTest();
    const session = await t.seed();
    const { csrf } = await t.methodStep(session);
    const answer = await t.post(session.sessionId, { step: 'cancel', csrf });
    expect(answer.statusCode).toBe(302);
    expect(headersOf(answer).Location).toBe(urlOf(session, '3dscancel'));
    expect(t.results).toEqual(['started', 'cancel']);
    expect(t.sessions.peek(session.sessionId)?.state).toBe('CANCELLED');
  });

  it('the page found the ACS unreachable → 302 to 3dsfailure, counted as an error', async () => {
    const t = pagesUnderTest();
    const session = await t.seed();
    const { sessionData } = await t.challengeStep(session);
    const answer = await t.post(session.sessionId, { step: 'acs-unreachable', csrf: sessionData });
    expect(headersOf(answer).Location).toBe(urlOf(session, '3dsfailure'));
    expect(t.results).toEqual(['started', 'error']);
    expect(t.sessions.peek(session.sessionId)).toMatchObject({
      state: 'FAILED',
      endReason: 'PROVIDER_ERROR',
    });
  });

  it('a stale page token → 403 with a way back to the page; nothing sent', async () => {
    const t = pagesUnderTest();
    const session = await t.seed();
    await t.methodStep(session);
    const forged = await t.authenticate(session, 'x'.repeat(43));
    expect(forged.statusCode).toBe(403);
    expect(retryLink(forged)).toBe(`/3ds/${session.sessionId}`);
    const cancel = await t.post(session.sessionId, { step: 'cancel', csrf: 'x'.repeat(43) });
    expect(cancel.statusCode).toBe(403);
    expect(t.server.authentications).toEqual([]);
    expect(t.sessions.peek(session.sessionId)?.state).toBe('PENDING');
  });

  it.each(['cross-site', 'same-site', 'Cross-Site'])(
    'a form posted from another site (Sec-Fetch-Site: %s) → 403, nothing sent',
    async (site) => {
      const t = pagesUnderTest();
      const session = await t.seed();
      const { csrf } = await t.methodStep(session);
      const page = await t.post(
        session.sessionId,
        { step: 'authenticate', csrf, ...BROWSER },
        { headers: { 'Sec-Fetch-Site': site } },
      );
      expect(page.statusCode).toBe(403);
      expect(t.refusals()[0]?.fields).toEqual({
        problem: 'FORGED_FORM',
        route: 'page',
        sessionRef: sessionRef(session.sessionId),
        detail: 'sec-fetch-site',
      });
      expect(t.server.authentications).toEqual([]);
    },
  );

  it.each([['same-origin'], ['none'], [undefined]])(
    'Sec-Fetch-Site %s (our own page, or a browser that does not say) is accepted',
    async (site) => {
      const t = pagesUnderTest();
      const session = await t.seed();
      const { csrf } = await t.methodStep(session);
      const page = await t.pages(
        threeDsEvent({
          method: 'POST',
          sessionId: session.sessionId,
          body: new URLSearchParams({ step: 'cancel', csrf }).toString(),
          headers: { 'Content-Type': FORM, ...(site ? { 'Sec-Fetch-Site': site } : {}) },
        }),
      );
      expect(page.statusCode).toBe(302);
    },
  );

  it.each([
    ['no csrf', 'step=cancel', 'missing csrf'],
    ['a csrf of 31 characters', `step=cancel&csrf=${'a'.repeat(31)}`, 'csrf'],
    ['a csrf of 129 characters', `step=cancel&csrf=${'a'.repeat(129)}`, 'csrf'],
    ['a csrf with a bad first character', `step=cancel&csrf=.${'a'.repeat(40)}`, 'csrf'],
    ['a csrf with a bad last character', `step=cancel&csrf=${'a'.repeat(40)}.`, 'csrf'],
    ['two csrf', `step=cancel&csrf=${'a'.repeat(43)}&csrf=${'b'.repeat(43)}`, 'repeated csrf'],
    ['no step', `csrf=${'a'.repeat(43)}`, 'missing step'],
    ['an unknown step', `step=pay-twice&csrf=${'a'.repeat(43)}`, 'step'],
    ['a step with a prefix', `step=xcancel&csrf=${'a'.repeat(43)}`, 'step'],
    ['a step with a suffix', `step=cancelx&csrf=${'a'.repeat(43)}`, 'step'],
    ['a step with a suffix', `step=authenticatex&csrf=${'a'.repeat(43)}`, 'step'],
    ['a step with a prefix', `step=xacs-unreachable&csrf=${'a'.repeat(43)}`, 'step'],
  ])('%s → 400 naming the field (never its value), a way back, nothing changed', async (_, body, detail) => {
    const t = pagesUnderTest();
    const session = await t.seed();
    await t.methodStep(session);
    const before = t.sessions.peek(session.sessionId);
    const page = await t.post(session.sessionId, body);
    expect(page.statusCode).toBe(400);
    expect(page.body).toContain('We could not read the form');
    expect(retryLink(page)).toBe(`/3ds/${session.sessionId}`);
    expect(t.refusals()).toEqual([
      {
        level: 'warn',
        message: '3-D Secure request refused',
        fields: { problem: 'BAD_FORM', route: 'page', sessionRef: sessionRef(session.sessionId), detail },
      },
    ]);
    expect(t.log.text()).not.toContain('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa');
    expect(t.sessions.peek(session.sessionId)).toEqual(before);
  });

  it('the csrf pattern takes 32 and 128 characters (then the token decides)', async () => {
    const t = pagesUnderTest();
    const session = await t.seed();
    await t.methodStep(session);
    for (const csrf of ['a'.repeat(32), 'a'.repeat(128)]) {
      expect((await t.post(session.sessionId, { step: 'cancel', csrf })).statusCode).toBe(403);
    }
  });

  it('the retry link of an error page carries the id URL-encoded and escaped (no markup injection)', async () => {
    const t = pagesUnderTest({ publicBaseUrl: 'https://api.example/prod' });
    const id = '"><script>alert(1)</script>';
    const page = await t.pages(threeDsEvent({ method: 'POST', sessionId: id, body: 'x=1', headers: {} }));
    expect(page.statusCode).toBe(400);
    expect(page.body).not.toContain('<script>alert');
    expect(retryLink(page)).toBe(`/prod/3ds/${encodeURIComponent(id)}`);
  });
});

describe('what the 3DS server and the ACS supply is escaped into the auto-posting forms', () => {
  const hostile = '"><script>alert(1)</script>';
  const escaped = '&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;';

  it('the 3DS Method URL and threeDSMethodData', async () => {
    const t = pagesUnderTest();
    t.server.methodUrl = `https://acs-method.example/m?x=${hostile}`;
    t.server.methodData = hostile;
    const { page } = await t.methodStep(await t.seed());
    expect(page.body).not.toContain('<script>alert');
    expect(page.body).toContain(`action="https://acs-method.example/m?x=${escaped}"`);
    expect(page.body).toContain(`name="threeDSMethodData" value="${escaped}"`);
    expect(inputValue(page.body, 'threeDSMethodData')).toBe(escaped);
  });

  it('the ACS URL and the CReq', async () => {
    const t = pagesUnderTest();
    t.server.acsUrl = `https://acs.example/c?x=${hostile}`;
    t.server.challengeRequest = hostile;
    const { page } = await t.challengeStep(await t.seed());
    expect(page.body).not.toContain('<script>alert');
    expect(page.body).toContain(
      `<form id="creq" method="post" action="https://acs.example/c?x=${escaped}" target="acs">`,
    );
    expect(inputValue(page.body, 'creq')).toBe(escaped);
  });
});

describe('POST /3ds/{sessionId}/challenge: the ACS posts the CRes back into the challenge frame', () => {
  it('CRes → postauth → a page that sends its parent to 3dssuccess (never a 302 inside the frame)', async () => {
    const t = pagesUnderTest();
    const session = await t.seed();
    const { sessionData } = await t.challengeStep(session);
    const back = await t.returnCres(session, { cres: t.server.cres(), threeDSSessionData: sessionData });
    expect(back.statusCode).toBe(200);
    expect(headersOf(back).Location).toBeUndefined();
    expect(breakOutTarget(back)).toBe(urlOf(session, '3dssuccess'));
    expect(back.body).toContain('target="_parent"');
    expect(back.body).toContain('Back to Vipps');
    expect(directive(back, 'script-src')).toBe(`'nonce-${scriptNonce(back)!}'`);
    expect(directive(back, 'frame-ancestors')).toBe(VIPPS_AND_US);
    expect(t.server.results).toEqual([t.server.serverTransactionId]);
    expect(t.results).toEqual(['started', 'success']);
    expect(t.sessions.peek(session.sessionId)).toMatchObject({ state: 'SUCCEEDED' });

    // A replay changes nothing and sends the frame where the session ended, uncounted.
    const replay = await t.returnCres(session, { cres: t.server.cres(), threeDSSessionData: sessionData });
    expect(breakOutTarget(replay)).toBe(urlOf(session, '3dssuccess'));
    expect(t.results).toEqual(['started', 'success']);
  });

  it('the break-out page speaks the web view’s language', async () => {
    const t = pagesUnderTest();
    const session = await t.seed();
    const { sessionData } = await t.challengeStep(session);
    const back = await t.post(
      session.sessionId,
      { cres: t.server.cres(), threeDSSessionData: sessionData },
      { route: 'challenge', headers: { 'Accept-Language': 'nb' } },
    );
    expect(back.body).toContain('Tilbake til Vipps');
  });

  it('escapes the operations URL it links to', async () => {
    const t = pagesUnderTest();
    const url = 'https://vipps.example/back?a="><script>alert(1)</script>';
    const session = await t.seed({ operations: [{ operation: '3dssuccess', url }] });
    const { sessionData } = await t.challengeStep(session);
    const back = await t.returnCres(session, { cres: t.server.cres(), threeDSSessionData: sessionData });
    expect(back.body).not.toContain('<script>alert');
    expect(back.body).toContain('href="https://vipps.example/back?a=&quot;&gt;&lt;script&gt;');
  });

  it('a CRes with another threeDSSessionData → 403, nothing changed', async () => {
    const t = pagesUnderTest();
    const session = await t.seed();
    await t.challengeStep(session);
    const forged = await t.returnCres(session, { cres: t.server.cres(), threeDSSessionData: 'x'.repeat(43) });
    expect(forged.statusCode).toBe(403);
    expect(retryLink(forged)).toBeUndefined();
    expect(t.sessions.peek(session.sessionId)?.state).toBe('PENDING');
    expect(t.server.results).toEqual([]);
  });

  it('a CRes that names another transaction → the frame goes to 3dsfailure', async () => {
    const t = pagesUnderTest();
    const session = await t.seed();
    const { sessionData } = await t.challengeStep(session);
    const cres = Buffer.from(JSON.stringify({ threeDSServerTransID: 'x', acsTransID: 'y' })).toString(
      'base64url',
    );
    const back = await t.returnCres(session, { cres, threeDSSessionData: sessionData });
    expect(back.statusCode).toBe(200);
    expect(breakOutTarget(back)).toBe(urlOf(session, '3dsfailure'));
    expect(t.results).toEqual(['started', 'error']);
  });

  it.each([
    ['no cres', () => `threeDSSessionData=${'a'.repeat(43)}`, 'missing cres'],
    ['an empty cres', () => `cres=&threeDSSessionData=${'a'.repeat(43)}`, 'cres'],
    ['a cres with a bad first character', () => `cres=.abc&threeDSSessionData=${'a'.repeat(43)}`, 'cres'],
    ['a cres with a bad last character', () => `cres=abc.&threeDSSessionData=${'a'.repeat(43)}`, 'cres'],
    [
      'a cres of 16001 characters',
      () => `cres=${'a'.repeat(16001)}&threeDSSessionData=${'a'.repeat(43)}`,
      'cres',
    ],
    [
      'a cres with three padding characters',
      () => `cres=abc%3D%3D%3D&threeDSSessionData=${'a'.repeat(43)}`,
      'cres',
    ],
    ['no threeDSSessionData', () => 'cres=abc', 'missing threeDSSessionData'],
    [
      'a threeDSSessionData of 31 characters',
      () => `cres=abc&threeDSSessionData=${'a'.repeat(31)}`,
      'threeDSSessionData',
    ],
    [
      'a threeDSSessionData of 129 characters',
      () => `cres=abc&threeDSSessionData=${'a'.repeat(129)}`,
      'threeDSSessionData',
    ],
    [
      'a threeDSSessionData with a bad first character',
      () => `cres=abc&threeDSSessionData=.${'a'.repeat(40)}`,
      'threeDSSessionData',
    ],
    [
      'a threeDSSessionData with a bad last character',
      () => `cres=abc&threeDSSessionData=${'a'.repeat(40)}.`,
      'threeDSSessionData',
    ],
  ])('%s → 400 naming the field, nothing changed', async (_, body, detail) => {
    const t = pagesUnderTest();
    const session = await t.seed();
    await t.challengeStep(session);
    const before = t.sessions.peek(session.sessionId);
    const page = await t.returnCres(session, body());
    expect(page.statusCode).toBe(400);
    expect(retryLink(page)).toBeUndefined();
    expect(t.refusals()).toEqual([
      expect.objectContaining({
        fields: {
          problem: 'BAD_FORM',
          route: 'challenge',
          sessionRef: sessionRef(session.sessionId),
          detail,
        },
      }),
    ]);
    expect(t.sessions.peek(session.sessionId)).toEqual(before);
  });

  it('a cres of 16000 characters with padding, and a token of 32 or 128 characters, are read (then judged)', async () => {
    const t = pagesUnderTest();
    const session = await t.seed();
    await t.challengeStep(session);
    for (const token of ['a'.repeat(32), 'a'.repeat(128)]) {
      const page = await t.returnCres(session, { cres: 'a'.repeat(16000), threeDSSessionData: token });
      expect(page.statusCode).toBe(403);
    }
    const page = await t.returnCres(session, { cres: 'abcd==', threeDSSessionData: 'a'.repeat(43) });
    expect(page.statusCode).toBe(403);
  });
});
