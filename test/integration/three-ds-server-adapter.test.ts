/**
 * The production 3dsecure.io adapter against the local 3DS server + ACS simulator, over real HTTP:
 * preauth → 3DS Method → AReq/ARes → CReq/CRes at the ACS → postauth (RReq), frictionless paths,
 * and every way the server can fail (Erro, HTTP 500, garbage, a hang, a wrong API key) as a typed
 * ThreeDsServerError.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ThreeDSecureIoServer } from '../../lambdas/adapters/three-ds/threedsecureio/threedsecureio-server.js';
import {
  type AuthenticationRequest,
  type BrowserData,
  ThreeDsServerError,
} from '../../lambdas/core/three-ds-server.js';
import { type ThreeDsSimulator, startThreeDsSimulator } from '../../local/simulators/three-ds/index.js';

let sim: ThreeDsSimulator;
const NOTIFY = 'https://psp.example/3ds/session/challenge';
const MERCHANT = {
  acquirerBin: '438309',
  acquirerMerchantId: '00002000000',
  mcc: '5999',
  countryCode: '578',
  requestorUrl: 'https://psp.example',
};
const BROWSER: BrowserData = {
  acceptHeader: 'text/html',
  userAgent: 'Mozilla/5.0 (Linux; Android 14)',
  ip: '192.0.2.10',
  language: 'nb-NO',
  javascriptEnabled: true,
  screen: { colorDepth: 24, height: 844, width: 390, timeZoneOffset: -60, javaEnabled: false },
};

beforeAll(async () => {
  sim = await startThreeDsSimulator({ apiKey: 'test-key' });
});
afterAll(() => sim?.close());
afterEach(() => sim.setScenario(undefined));

const adapter = (apiKey = 'test-key', timeoutMs = 2_000) =>
  new ThreeDSecureIoServer({
    baseUrl: sim.serverUrl,
    apiKey: async () => apiKey,
    merchant: MERCHANT,
    timeoutMs,
  });

function areq(
  serverTransactionId: string,
  messageVersion: AuthenticationRequest['messageVersion'],
  number: string,
) {
  return {
    serverTransactionId,
    messageVersion,
    card: { number, expiryMonth: '03', expiryYear: '2030', scheme: 'VISA' as const },
    purchase: {
      amount: 10036,
      currency: 'NOK' as const,
      date: new Date().toISOString(),
      merchantName: 'Sokker AS',
    },
    methodCompletion: 'Y' as const,
    notificationUrl: NOTIFY,
    browser: BROWSER,
    challengeWindowSize: '05' as const,
  };
}

/** What a browser does at the ACS: post the CReq, answer the code form, read the CRes it posts back. */
async function challengeAtAcs(acsUrl: string, creq: string, answer: { otp: string; action: string }) {
  const page = await fetch(acsUrl, {
    method: 'POST',
    body: new URLSearchParams({ creq, threeDSSessionData: 'abc' }),
  });
  const html = await page.text();
  const acsTransID = /name="acsTransID" value="([^"]+)"/.exec(html)![1]!;
  const done = await fetch(new URL('/challenge/answer', acsUrl), {
    method: 'POST',
    body: new URLSearchParams({ acsTransID, ...answer }),
  });
  const back = await done.text();
  expect(back).toContain(`action="${NOTIFY}"`);
  return /name="cres" value="([^"]+)"/.exec(back)![1]!;
}

describe('the challenge flow', () => {
  it('a Vipps test token: preauth with a 3DS Method, ARes C, code 1234 at the ACS → RReq Y with CAVV and ECI', async () => {
    const server = adapter();
    const pre = await server.preauth({
      cardNumber: '4895370013193500',
      methodNotificationUrl: `${NOTIFY}-method`,
    });
    expect(pre.messageVersion).toBe('2.2.0');
    expect(pre.method?.url).toBe(`${sim.acsUrl}/method`);
    const method = JSON.parse(Buffer.from(pre.method!.data, 'base64url').toString()) as Record<
      string,
      string
    >;
    expect(method).toEqual({
      threeDSServerTransID: pre.serverTransactionId,
      threeDSMethodNotificationURL: `${NOTIFY}-method`,
    });
    expect(pre.method!.data).not.toContain('=');

    const ares = await server.authenticate(
      areq(pre.serverTransactionId, pre.messageVersion, '4895370013193500'),
    );
    expect(ares.kind).toBe('CHALLENGE');
    if (ares.kind !== 'CHALLENGE') return;
    const creq = JSON.parse(Buffer.from(ares.creq, 'base64url').toString()) as Record<string, string>;
    expect(creq).toMatchObject({
      messageType: 'CReq',
      challengeWindowSize: '05',
      acsTransID: ares.acsTransactionId,
    });
    const sent = sim.transactions().at(-1)!.areq!;
    expect(sent).toMatchObject({
      acctNumber: '4895370013193500',
      deviceChannel: '02',
      messageCategory: '01',
      threeDSCompInd: 'Y',
      purchaseAmount: '10036',
      purchaseCurrency: '578',
      purchaseExponent: '2',
      cardExpiryDate: '3003',
      browserJavascriptEnabled: true,
      browserScreenWidth: '390',
      notificationURL: NOTIFY,
    });

    const cres = await challengeAtAcs(ares.acsUrl, ares.creq, { otp: '1234', action: 'submit' });
    expect(server.readChallengeResponse(cres)).toEqual({
      serverTransactionId: pre.serverTransactionId,
      acsTransactionId: ares.acsTransactionId,
    });
    const result = await server.challengeResult(pre.serverTransactionId);
    expect(result).toMatchObject({
      status: 'AUTHENTICATED',
      transStatus: 'Y',
      authentication: { eci: '05', version: '2.2.0', threeDsTransactionId: ares.dsTransactionId },
    });
    if (result.status === 'AUTHENTICATED') expect(result.authentication.cavv).toMatch(/^[A-Za-z0-9+/]{27}=$/);
  });

  it('a wrong code fails (N) and Cancel cancels (challengeCancel 01)', async () => {
    const server = adapter();
    for (const [answer, expected] of [
      [
        { otp: '9999', action: 'submit' },
        { status: 'FAILED', transStatus: 'N' },
      ],
      [{ otp: '', action: 'cancel' }, { status: 'CANCELLED' }],
    ] as const) {
      const pre = await server.preauth({ cardNumber: '5226603115488031', methodNotificationUrl: NOTIFY });
      const ares = await server.authenticate(
        areq(pre.serverTransactionId, pre.messageVersion, '5226603115488031'),
      );
      if (ares.kind !== 'CHALLENGE') throw new Error('expected a challenge');
      await challengeAtAcs(ares.acsUrl, ares.creq, answer);
      expect(await server.challengeResult(pre.serverTransactionId)).toMatchObject(expected);
    }
  });
});

describe('frictionless and the sandbox card numbers', () => {
  it('xx03 / 1103: frictionless Y, no 3DS Method for x1xx, version 2.1.0 for 1xxx (screen fields sent anyway)', async () => {
    const server = adapter();
    const pre = await server.preauth({ cardNumber: '6000100611111103', methodNotificationUrl: NOTIFY });
    expect(pre).toMatchObject({ messageVersion: '2.1.0' });
    expect(pre.method).toBeUndefined();
    const request = {
      ...areq(pre.serverTransactionId, pre.messageVersion, '6000100611111103'),
      methodCompletion: 'U' as const,
    };
    const ares = await server.authenticate({
      ...request,
      browser: { ...BROWSER, javascriptEnabled: false, screen: undefined },
    });
    expect(ares).toMatchObject({ kind: 'RESULT', result: { status: 'AUTHENTICATED', transStatus: 'Y' } });
    expect(sim.transactions().at(-1)!.areq).toMatchObject({ threeDSCompInd: 'U', browserColorDepth: '24' });
  });

  it('message version 2.3.1 when the ACS speaks it (the AReq and ARes of 2.3.1)', async () => {
    sim.setScenario({ versions: { start: '2.1.0', end: '2.3.1' }, ares: 'Y' });
    const server = adapter();
    const pre = await server.preauth({ cardNumber: '4895370013193500', methodNotificationUrl: NOTIFY });
    expect(pre.messageVersion).toBe('2.3.1');
    const ares = await server.authenticate(
      areq(pre.serverTransactionId, pre.messageVersion, '4895370013193500'),
    );
    expect(ares).toMatchObject({ kind: 'RESULT', result: { authentication: { version: '2.3.1' } } });
    expect(sim.transactions().at(-1)!.areq).toMatchObject({
      messageVersion: '2.3.1',
      browserJavascriptEnabled: true,
    });
  });

  it('N, R and U are not authenticated; A is (attempted)', async () => {
    const server = adapter();
    for (const [digits, expected] of [
      ['0013', { status: 'FAILED', transStatus: 'N' }],
      ['0033', { status: 'FAILED', transStatus: 'R' }],
      ['0053', { status: 'FAILED', transStatus: 'U' }],
      ['0023', { status: 'AUTHENTICATED', transStatus: 'A' }],
    ] as const) {
      const number = `400010051111${digits}`;
      const pre = await server.preauth({ cardNumber: number, methodNotificationUrl: NOTIFY });
      const ares = await server.authenticate(areq(pre.serverTransactionId, pre.messageVersion, number));
      expect(ares).toMatchObject({ kind: 'RESULT', result: expected });
    }
  });
});

describe('failures are typed errors, never a guess', () => {
  async function failure(promise: Promise<unknown>): Promise<ThreeDsServerError> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ThreeDsServerError);
    return error as ThreeDsServerError;
  }

  it('an Erro message (HTTP 200 or not), HTTP 500, garbage and a wrong API key', async () => {
    const card = { cardNumber: '4895370013193500', methodNotificationUrl: NOTIFY };
    sim.failNext('/preauth', 'erro');
    expect(await failure(adapter().preauth(card))).toMatchObject({ kind: 'ERRO', errorCode: '403' });
    sim.failNext('/preauth', 'http500');
    expect((await failure(adapter().preauth(card))).kind).toBe('HTTP');
    sim.failNext('/preauth', 'garbage');
    expect((await failure(adapter().preauth(card))).kind).toBe('UNREADABLE');
    expect(await failure(adapter('wrong-key').preauth(card))).toMatchObject({
      kind: 'ERRO',
      errorCode: '303',
    });
    expect(await failure(adapter().preauth({ ...card, cardNumber: '9000100111111111' }))).toMatchObject({
      errorCode: '305',
    });
  });

  it('an answer for another transaction, a DS timeout, and a server that hangs past our timeout', async () => {
    const server = adapter('test-key', 300);
    let pre = await server.preauth({ cardNumber: '4895370013193500', methodNotificationUrl: NOTIFY });
    sim.failNext('/auth', 'wrong-transaction');
    expect(
      (
        await failure(
          server.authenticate(areq(pre.serverTransactionId, pre.messageVersion, '4895370013193500')),
        )
      ).kind,
    ).toBe('UNREADABLE');

    pre = await server.preauth({ cardNumber: '4000100511110063', methodNotificationUrl: NOTIFY });
    expect(
      await failure(
        server.authenticate(areq(pre.serverTransactionId, pre.messageVersion, '4000100511110063')),
      ),
    ).toMatchObject({ errorCode: '402' });

    sim.failNext('/postauth', 'timeout');
    const started = Date.now();
    expect((await failure(server.challengeResult(pre.serverTransactionId))).kind).toBe('TIMEOUT');
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('postauth before the challenge ended is an Erro; a CRes or method data that does not decode is undefined', async () => {
    const server = adapter();
    const pre = await server.preauth({ cardNumber: '4895370013193500', methodNotificationUrl: NOTIFY });
    expect((await failure(server.challengeResult(pre.serverTransactionId))).kind).toBe('ERRO');
    expect(server.readChallengeResponse('not base64!')).toBeUndefined();
    expect(
      server.readChallengeResponse(Buffer.from('{"messageType":"CRes"}').toString('base64url')),
    ).toBeUndefined();
    expect(server.readMethodNotification(Buffer.from('[]').toString('base64url'))).toBeUndefined();
  });
});
