/**
 * How the 3-D Secure routes read what browsers post (lambdas/handlers/three-ds/forms.ts), seen
 * through the handler: which forms are read at all, the reason a refused one is logged with (a
 * field name, never its value), and the browser data the AReq carries to the issuer.
 */
import { describe, expect, it } from 'vitest';
import type { BrowserData } from '../../lambdas/core/three-ds-server.js';
import { BROWSER, FORM, threeDsEvent } from '../support/in-memory-three-ds.js';
import { pagesUnderTest } from '../support/three-ds-pages-fakes.js';

/** A session at the 3DS Method step, and a way to post raw forms to our own route. */
async function atMethodStep() {
  const t = pagesUnderTest();
  const session = await t.seed();
  const { csrf } = await t.methodStep(session);
  const send = (body: string, headers: Record<string, string> = {}, base64 = false) =>
    t.pages(
      threeDsEvent({
        method: 'POST',
        sessionId: session.sessionId,
        body,
        base64,
        headers: { 'Content-Type': FORM, ...headers },
      }),
    );
  const refusedFor = () => t.refusals().map((r) => r.fields.detail);
  return { t, session, csrf, send, refusedFor };
}

describe('which forms are read', () => {
  it.each([
    'application/x-www-form-urlencoded',
    'application/x-www-form-urlencoded; charset=UTF-8',
    'Application/X-WWW-Form-URLEncoded',
    ' application/x-www-form-urlencoded ;charset=utf-8',
  ])('Content-Type %s is read', async (contentType) => {
    const { send, csrf } = await atMethodStep();
    const answer = await send(new URLSearchParams({ step: 'cancel', csrf }).toString(), {
      'Content-Type': contentType,
    });
    expect(answer.statusCode).toBe(302);
  });

  it.each([['text/plain'], ['application/json'], ['multipart/form-data; boundary=x'], [undefined]])(
    'Content-Type %s → 400 "content-type", nothing changed',
    async (contentType) => {
      const t = pagesUnderTest();
      const session = await t.seed();
      const { csrf } = await t.methodStep(session);
      const answer = await t.pages(
        threeDsEvent({
          method: 'POST',
          sessionId: session.sessionId,
          body: new URLSearchParams({ step: 'cancel', csrf }).toString(),
          headers: contentType ? { 'Content-Type': contentType } : {},
        }),
      );
      expect(answer.statusCode).toBe(400);
      expect(t.refusals().map((r) => r.fields.detail)).toEqual(['content-type']);
      expect(t.sessions.peek(session.sessionId)?.state).toBe('PENDING');
    },
  );

  it('a form of exactly 16 KiB is read; one byte more → 400 "too large"', async () => {
    const { send, csrf, refusedFor } = await atMethodStep();
    const fields = `step=cancel&csrf=${csrf}&pad=`;
    const tooLarge = await send(fields + 'x'.repeat(16 * 1024 - fields.length + 1));
    expect(tooLarge.statusCode).toBe(400);
    expect(refusedFor()).toEqual(['too large']);
    const justFits = await send(fields + 'x'.repeat(16 * 1024 - fields.length));
    expect(justFits.statusCode).toBe(302);
  });

  it('a base64-encoded body (API Gateway binary media) is decoded and its decoded size counts', async () => {
    const { send, csrf } = await atMethodStep();
    const fields = `step=cancel&csrf=${csrf}&pad=`;
    // Base64 makes it a third larger; the limit is on what the browser sent.
    const body = fields + 'x'.repeat(16 * 1024 - fields.length);
    expect((await send(body, {}, true)).statusCode).toBe(302);
  });

  it('an empty body → 400 "missing csrf"', async () => {
    const { t, session, refusedFor } = await atMethodStep();
    const answer = await t.pages(
      threeDsEvent({ method: 'POST', sessionId: session.sessionId, headers: { 'Content-Type': FORM } }),
    );
    expect(answer.statusCode).toBe(400);
    expect(refusedFor()).toEqual(['missing csrf']);
  });
});

describe('the browser data the AReq carries', () => {
  const areqBrowser = async (
    fields: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<BrowserData | undefined> => {
    const { t, session, csrf } = await atMethodStep();
    const answer = await t.post(session.sessionId, { step: 'authenticate', csrf, ...fields }, { headers });
    expect(answer.statusCode).toBe(200);
    return t.server.authentications[0]?.browser;
  };

  it('what the script measured, plus the request’s Accept, User-Agent and source IP', async () => {
    const browser = await areqBrowser(BROWSER, {
      Accept: 'text/html,application/xhtml+xml',
      'User-Agent': 'Mozilla/5.0 (Linux; Android 14) Vipps',
    });
    expect(browser).toEqual({
      acceptHeader: 'text/html,application/xhtml+xml',
      userAgent: 'Mozilla/5.0 (Linux; Android 14) Vipps',
      ip: '203.0.113.7',
      language: 'nb-NO',
      javascriptEnabled: true,
      screen: { colorDepth: 24, height: 844, width: 390, timeZoneOffset: -60, javaEnabled: false },
    });
  });

  it('Java enabled, and the largest and most negative numbers the fields take', async () => {
    const browser = await areqBrowser({
      ...BROWSER,
      javaEnabled: 'true',
      screenHeight: '99999',
      timeZoneOffset: '-99999',
    });
    expect(browser?.screen).toMatchObject({ height: 99999, timeZoneOffset: -99999, javaEnabled: true });
  });

  it('without JavaScript: no screen fields are needed or sent', async () => {
    const browser = await areqBrowser({ javascriptEnabled: 'false' }, { 'Accept-Language': 'en-GB' });
    expect(browser).toEqual({
      acceptHeader: '*/*',
      userAgent: '',
      ip: '203.0.113.7',
      language: 'en-GB',
      javascriptEnabled: false,
    });
  });

  it('headers longer than 2048 characters are cut to 2048', async () => {
    const browser = await areqBrowser(BROWSER, { Accept: 'a'.repeat(3000), 'User-Agent': 'u'.repeat(3000) });
    expect(browser?.acceptHeader).toBe('a'.repeat(2048));
    expect(browser?.userAgent).toBe('u'.repeat(2048));
  });

  it('no source IP in the request → an empty one', async () => {
    const { t, session, csrf } = await atMethodStep();
    const event = threeDsEvent({
      method: 'POST',
      sessionId: session.sessionId,
      body: new URLSearchParams({ step: 'authenticate', csrf, ...BROWSER }).toString(),
      headers: { 'Content-Type': FORM },
    });
    (event.requestContext as { identity?: unknown }).identity = undefined;
    expect((await t.pages(event)).statusCode).toBe(200);
    expect(t.server.authentications[0]?.browser.ip).toBe('');
  });

  it('no request context at all (a hand-built event) → an empty source IP, not a failure', async () => {
    const { t, session, csrf } = await atMethodStep();
    const event = threeDsEvent({
      method: 'POST',
      sessionId: session.sessionId,
      body: new URLSearchParams({ step: 'authenticate', csrf, ...BROWSER }).toString(),
      headers: { 'Content-Type': FORM },
    });
    (event as { requestContext?: unknown }).requestContext = undefined;
    expect((await t.pages(event)).statusCode).toBe(200);
    expect(t.server.authentications[0]?.browser.ip).toBe('');
  });

  it.each([
    ['nb-NO,nb;q=0.9,en;q=0.8', 'nb-NO'],
    ['da;q=0.8, en', 'da'],
    ['  fr-CA  ', 'fr-CA'],
    [`x-${'a'.repeat(40)}`, `x-${'a'.repeat(33)}`],
  ])(
    'no language from the script: the first of Accept-Language %j → %j',
    async (acceptLanguage, expected) => {
      const { language: _, ...measured } = BROWSER;
      expect((await areqBrowser(measured, { 'Accept-Language': acceptLanguage }))?.language).toBe(expected);
      expect(
        (await areqBrowser({ ...measured, language: '' }, { 'Accept-Language': acceptLanguage }))?.language,
      ).toBe(expected);
    },
  );

  it('no language anywhere → en', async () => {
    const { language: _, ...measured } = BROWSER;
    expect((await areqBrowser(measured))?.language).toBe('en');
  });

  it('a language of 35 characters is taken as measured', async () => {
    const language = `x-${'a'.repeat(33)}`;
    expect((await areqBrowser({ ...BROWSER, language }))?.language).toBe(language);
  });
});

describe('browser data that does not read → 400 naming the field, no AReq sent', () => {
  const { javascriptEnabled: _js, ...withoutJs } = BROWSER;
  const { javaEnabled: _java, ...withoutJava } = BROWSER;
  const { screenWidth: _width, ...withoutWidth } = BROWSER;
  it.each([
    ['no javascriptEnabled', withoutJs, 'missing javascriptEnabled'],
    ['javascriptEnabled "yes"', { ...BROWSER, javascriptEnabled: 'yes' }, 'javascriptEnabled'],
    ['javascriptEnabled "xtrue"', { ...BROWSER, javascriptEnabled: 'xtrue' }, 'javascriptEnabled'],
    ['javascriptEnabled "truex"', { ...BROWSER, javascriptEnabled: 'truex' }, 'javascriptEnabled'],
    ['javascriptEnabled "falsex"', { ...BROWSER, javascriptEnabled: 'falsex' }, 'javascriptEnabled'],
    ['a language of 36 characters', { ...BROWSER, language: 'a'.repeat(36) }, 'language'],
    ['a language with an underscore', { ...BROWSER, language: 'nb_NO' }, 'language'],
    ['a language starting with a space', { ...BROWSER, language: ' nb' }, 'language'],
    ['a language ending with a space', { ...BROWSER, language: 'nb ' }, 'language'],
    ['a colour depth in words', { ...BROWSER, colorDepth: 'deep' }, 'colorDepth'],
    ['a screen height of six digits', { ...BROWSER, screenHeight: '100000' }, 'screenHeight'],
    ['an empty screen width', { ...BROWSER, screenWidth: '' }, 'screenWidth'],
    ['no screen width', withoutWidth, 'missing screenWidth'],
    ['a fractional time zone offset', { ...BROWSER, timeZoneOffset: '1.5' }, 'timeZoneOffset'],
    ['a time zone offset with two minus signs', { ...BROWSER, timeZoneOffset: '--60' }, 'timeZoneOffset'],
    ['a number with a trailing letter', { ...BROWSER, colorDepth: '24x' }, 'colorDepth'],
    ['a number with a leading letter', { ...BROWSER, colorDepth: 'x24' }, 'colorDepth'],
    ['no javaEnabled', withoutJava, 'missing javaEnabled'],
    ['javaEnabled "maybe"', { ...BROWSER, javaEnabled: 'maybe' }, 'javaEnabled'],
    ['javaEnabled "xfalse"', { ...BROWSER, javaEnabled: 'xfalse' }, 'javaEnabled'],
    ['javaEnabled "falsex"', { ...BROWSER, javaEnabled: 'falsex' }, 'javaEnabled'],
  ])('%s', async (_, fields, detail) => {
    const { t, session, csrf, refusedFor } = await atMethodStep();
    const answer = await t.post(session.sessionId, { step: 'authenticate', csrf, ...fields });
    expect(answer.statusCode).toBe(400);
    expect(refusedFor()).toEqual([detail]);
    expect(t.server.authentications).toEqual([]);
  });

  it('a field sent twice → 400 "repeated <field>"', async () => {
    const { send, csrf, refusedFor, t } = await atMethodStep();
    const body = `${new URLSearchParams({ step: 'authenticate', csrf, ...BROWSER }).toString()}&language=en`;
    expect((await send(body)).statusCode).toBe(400);
    expect(refusedFor()).toEqual(['repeated language']);
    expect(t.server.authentications).toEqual([]);
  });
});
