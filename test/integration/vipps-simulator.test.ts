/**
 * The Vipps simulator over real HTTP: it validates what we send like Vipps (and stricter where
 * our contract says so), and when a payment is approved it calls a makePaymentUrl — here a tiny
 * stand-in server with a fake 3-D Secure page — exactly like Vipps does.
 */
import { constants, generateKeyPairSync, privateDecrypt, randomBytes, randomUUID } from 'node:crypto';
import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMakePaymentRequest } from '../../lambdas/adapters/vipps/schemas.js';
import {
  type VippsSimulator,
  startVippsSimulator,
  testCryptograms,
} from '../../local/vipps-simulator/index.js';

const credentials = {
  clientId: 'sim-client',
  clientSecret: 'sim-secret',
  subscriptionKey: 'sim-subscription',
};
const { publicKey, privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});

// ── The stand-in for our makePaymentUrl and 3-D Secure page ───────────────────────────────────

type Scenario =
  | 'ok'
  | '3ds'
  | 'soft-decline-twice'
  | 'http-500'
  | 'fail-without-error'
  | 'slow'
  | 'reserved-before-ok'
  | 'reserved-before-fail';
interface Received {
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}
const scenarios = new Map<string, Scenario>();
const received = new Map<string, Received[]>();
const threeDs = new Map<string, { operations: Array<{ url: string; operation: string }>; result?: string }>();
let psp: Server;
let pspUrl = '';

function readBody(req: import('node:http').IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => resolve(text));
  });
}

function answer(res: import('node:http').ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

async function onPspRequest(
  req: import('node:http').IncomingMessage,
  res: import('node:http').ServerResponse,
) {
  const url = new URL(req.url ?? '/', pspUrl);
  const raw = await readBody(req);
  if (url.pathname === '/make-payment') {
    const body = JSON.parse(raw) as Record<string, unknown>;
    const id = String(body.pspTransactionId);
    received.set(id, [...(received.get(id) ?? []), { headers: req.headers, body }]);
    const scenario = scenarios.get(id) ?? 'ok';
    const ok = { paymentInfo: { pspTransactionId: id, status: 'OK' } };
    const soft = () => {
      const sessionId = randomBytes(8).toString('hex');
      threeDs.set(sessionId, { operations: body.operations as Array<{ url: string; operation: string }> });
      return answer(res, 200, {
        errorMessage: { errorId: '1036', errorText: 'Soft Decline' },
        paymentInfo: {
          pspTransactionId: id,
          status: 'SOFT_DECLINE',
          url3dSecure: `${pspUrl}/3ds/${sessionId}`,
        },
      });
    };
    const attempt = received.get(id)!.length;
    if (scenario === 'http-500') return answer(res, 500, { message: 'boom' });
    if (scenario === 'fail-without-error')
      return answer(res, 200, { paymentInfo: { pspTransactionId: id, status: 'FAIL' } });
    if (scenario === 'slow') return void setTimeout(() => answer(res, 200, ok), 600);
    if (scenario === 'reserved-before-ok' || scenario === 'reserved-before-fail') {
      // Our updater may well reach Vipps before our makePayment answer does.
      await api('/psp/v3/psppayments/updatestatus', {
        transactions: [{ pspTransactionId: id, status: 'RESERVED', amount: 10_000 }],
      });
      if (scenario === 'reserved-before-ok') return answer(res, 200, ok);
      return answer(res, 200, {
        errorMessage: { errorId: '82', errorText: 'Refused by Issuer' },
        paymentInfo: { pspTransactionId: id, status: 'FAIL' },
      });
    }
    if (scenario === 'soft-decline-twice') return soft();
    if (scenario === '3ds' && attempt === 1) return soft();
    if (scenario === '3ds') {
      const result = [...threeDs.values()].at(-1)?.result;
      if (result === '3dssuccess') return answer(res, 200, ok);
      const error =
        result === '3dscancel'
          ? { errorId: '72', errorText: '3-D Secure cancelled' }
          : { errorId: '82', errorText: 'Refused by Issuer' };
      return answer(res, 200, { errorMessage: error, paymentInfo: { pspTransactionId: id, status: 'FAIL' } });
    }
    return answer(res, 200, ok);
  }
  const m = /^\/3ds\/(\w+)$/.exec(url.pathname);
  const session = m?.[1] ? threeDs.get(m[1]) : undefined;
  if (!session) return answer(res, 404, {});
  if (req.method === 'GET') {
    res.writeHead(200, { 'Content-Type': 'text/html', 'Set-Cookie': 'tds=cookie-1; HttpOnly; Path=/' });
    return void res.end(
      `<html><body><form class="c" action='/3ds/${m![1]}' method="POST">` +
        `<input type="hidden" name="csrf" value="csrf&amp;1"><input name="otp" type="text" autocomplete="one-time-code">` +
        `<button name="action" value="submit" type="submit">OK</button><button type="submit" name="action" value="cancel">Cancel</button>` +
        `</form></body></html>`,
    );
  }
  const form = new URLSearchParams(raw);
  if (form.get('csrf') !== 'csrf&1' || !req.headers.cookie?.includes('tds=cookie-1'))
    return answer(res, 403, {});
  const operation =
    form.get('action') === 'cancel' ? '3dscancel' : form.get('otp') === '1234' ? '3dssuccess' : '3dsfailure';
  session.result = operation;
  res.writeHead(302, { Location: session.operations.find((o) => o.operation === operation)!.url }).end();
}

// ── Simulator ──────────────────────────────────────────────────────────────────────────────────

let sim: VippsSimulator;
let accessToken = '';

beforeAll(async () => {
  psp = createServer((req, res) => void onPspRequest(req, res));
  await new Promise<void>((resolve) => psp.listen(0, '127.0.0.1', resolve));
  pspUrl = `http://127.0.0.1:${(psp.address() as AddressInfo).port}`;
  sim = await startVippsSimulator({
    credentials,
    pspId: 'psp-1',
    cardDataPublicKeyPem: () => Promise.resolve(publicKey),
    makePaymentTimeoutMs: 300,
  });
  const token = await fetch(`${sim.baseUrl}/accesstoken/get`, {
    method: 'POST',
    headers: {
      client_id: credentials.clientId,
      client_secret: credentials.clientSecret,
      'Ocp-Apim-Subscription-Key': credentials.subscriptionKey,
    },
  });
  accessToken = ((await token.json()) as { access_token: string }).access_token;
});
afterAll(async () => {
  await sim.close();
  await new Promise((resolve) => psp.close(resolve));
});

function apiHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return {
    Authorization: `Bearer ${accessToken}`,
    'Ocp-Apim-Subscription-Key': credentials.subscriptionKey,
    'Psp-Id': 'psp-1',
    'Merchant-Serial-Number': '123456',
    'Content-Type': 'application/json',
    'Idempotency-Key': randomUUID(),
    ...extra,
  };
}

async function api(
  path: string,
  body?: unknown,
  headers = apiHeaders(),
  method = body === undefined ? 'GET' : 'POST',
) {
  const response = await fetch(`${sim.baseUrl}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as unknown) : undefined };
}

function initBody(overrides: Record<string, unknown> = {}) {
  return {
    pspTransactionId: randomUUID(),
    merchantOrderId: `o-${randomUUID().slice(0, 8)}`,
    amount: 10_000,
    currency: 'NOK',
    paymentText: 'Socks',
    pspRedirectUrl: 'https://shop.example/back',
    makePaymentUrl: `${pspUrl}/make-payment`,
    makePaymentToken: `mpt-${randomUUID()}`,
    isApp: false,
    ...overrides,
  };
}

async function createPayment(overrides: Record<string, unknown> = {}, scenario: Scenario = 'ok') {
  const body = initBody(overrides);
  const { status, json } = await api('/psp/v3/psppayments/init', body);
  expect(status).toBe(200);
  scenarios.set(body.pspTransactionId, scenario);
  const token = new URL((json as { vippsRedirectUrl: string }).vippsRedirectUrl).searchParams.get('token')!;
  return { id: body.pspTransactionId, token, makePaymentToken: body.makePaymentToken };
}

const codes = (json: unknown) => (json as Array<{ errorCode: string }>).map((e) => e.errorCode);

// ── Tests ──────────────────────────────────────────────────────────────────────────────────────

describe('Vipps simulator: access token and headers', () => {
  it('issues tokens only for the right credentials, with every field a string, and never with Psp-Id', async () => {
    const headers = {
      client_id: credentials.clientId,
      client_secret: credentials.clientSecret,
      'Ocp-Apim-Subscription-Key': credentials.subscriptionKey,
    };
    const ok = await fetch(`${sim.baseUrl}/accesstoken/get`, { method: 'POST', headers });
    const token = (await ok.json()) as Record<string, unknown>;
    expect(ok.status).toBe(200);
    expect(Object.values(token).every((v) => typeof v === 'string')).toBe(true);
    expect(token).toMatchObject({ token_type: 'Bearer', expires_in: '3600' });
    const wrong = await fetch(`${sim.baseUrl}/accesstoken/get`, {
      method: 'POST',
      headers: { ...headers, client_secret: 'nope' },
    });
    expect(wrong.status).toBe(401);
    const withPspId = await fetch(`${sim.baseUrl}/accesstoken/get`, {
      method: 'POST',
      headers: { ...headers, 'Psp-Id': 'psp-1' },
    });
    expect(withPspId.status).toBe(400);
  });

  it('answers 401 without a valid bearer token or subscription key', async () => {
    expect(
      (await api('/psp/v3/psppayments/init', initBody(), apiHeaders({ Authorization: 'Bearer forged' })))
        .status,
    ).toBe(401);
    expect(
      (await api('/psp/v3/psppayments/init', initBody(), apiHeaders({ Authorization: accessToken }))).status,
    ).toBe(401);
    expect(
      (await api('/psp/v3/psppayments/init', initBody(), apiHeaders({ 'Ocp-Apim-Subscription-Key': 'x' })))
        .status,
    ).toBe(401);
  });

  it('answers 400 with a Vipps error array for missing or wrong headers', async () => {
    const { 'Psp-Id': _omit, ...noPspId } = apiHeaders();
    const { 'Idempotency-Key': _key, ...noKey } = apiHeaders();
    for (const headers of [
      noPspId,
      noKey,
      apiHeaders({ 'Psp-Id': 'other' }),
      apiHeaders({ 'Merchant-Serial-Number': '12345' }),
      apiHeaders({ 'Vipps-System-Name': 'x'.repeat(31) }),
      apiHeaders({ 'Content-Type': 'text/plain' }),
    ]) {
      const { status, json } = await api('/psp/v3/psppayments/init', initBody(), headers);
      expect(status).toBe(400);
      expect(codes(json)).toEqual(['51']);
      expect((json as Array<{ contextId?: string }>)[0]?.contextId).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});

describe('Vipps simulator: init validation', () => {
  it('reports schema problems with Vipps’ field codes', async () => {
    const { status, json } = await api('/psp/v3/psppayments/init', {
      ...initBody({ amount: 'ten', currency: 'nok', foo: 1 }),
      makePaymentUrl: undefined,
    });
    expect(status).toBe(400);
    expect(codes(json).sort()).toEqual(['51', 'amount', 'currency', 'makePaymentUrl']);
  });

  it.each([
    ['a currency Vipps does not support', { currency: 'SEK' }, 'currency', 'transaction.currency.invalid'],
    ['less than 1 kr', { amount: 99 }, 'amount', 'amount.less.than.one'],
    [
      'a makePaymentUrl that is no URL',
      { makePaymentUrl: 'psp/make-payment' },
      'makePaymentUrl',
      'Invalid makePaymentUrl',
    ],
    ['a pspRedirectUrl that is no URL', { pspRedirectUrl: 'back' }, '51', 'Invalid pspRedirectUrl'],
  ])('refuses %s', async (_what, overrides, code, message) => {
    const { status, json } = await api('/psp/v3/psppayments/init', initBody(overrides));
    expect(status).toBe(400);
    expect(json).toMatchObject([{ errorCode: code, errorMessage: message }]);
  });

  it('answers 21 for a sales unit that is not active, and accepts it once activated', async () => {
    const headers = apiHeaders({ 'Merchant-Serial-Number': '777777' });
    expect(codes((await api('/psp/v3/psppayments/init', initBody(), headers)).json)).toEqual(['21']);
    sim.merchants.activate('777777');
    expect(
      (await api('/psp/v3/psppayments/init', initBody(), apiHeaders({ 'Merchant-Serial-Number': '777777' })))
        .status,
    ).toBe(200);
  });

  it('answers 409 when an Idempotency-Key is reused with another body, and replays the same body', async () => {
    const headers = apiHeaders();
    const body = initBody();
    const first = await api('/psp/v3/psppayments/init', body, headers);
    expect(await api('/psp/v3/psppayments/init', body, headers)).toEqual(first);
    expect((await api('/psp/v3/psppayments/init', initBody(), headers)).status).toBe(409);
  });

  it('refuses a body that is not JSON and an updatestatus with an unknown status', async () => {
    expect(codes((await api('/psp/v3/psppayments/init', '{nope')).json)).toEqual(['51']);
    const bad = await api('/psp/v3/psppayments/updatestatus', {
      transactions: [{ pspTransactionId: 'a1', status: 'SETTLED', amount: 1 }],
    });
    expect(bad.status).toBe(400);
    expect(codes(bad.json)).toEqual(['51']);
  });
});

describe('Vipps simulator: approval calls makePaymentUrl like Vipps', () => {
  it('POSTs the network token with the raw makePaymentToken as Authorization', async () => {
    const { id, token, makePaymentToken } = await createPayment();
    const { status, json } = await api(`/psp/v3/integration-test/psppayments/${id}/approve`, {
      customerPhoneNumber: '91234567',
      token,
    });
    expect(status).toBe(200);

    const [call] = received.get(id)!;
    expect(call!.headers.authorization).toBe(makePaymentToken);
    expect(call!.headers['content-type']).toBe('application/json');
    const op = (code: string) => `${sim.baseUrl}/mobileintercept?transactionId=${id}&responsecode=${code}`;
    expect(call!.body).toEqual({
      pspTransactionId: id,
      merchantSerialNumber: '123456',
      paymentState: 'ACCEPTED',
      paymentInstrument: 'TOKEN',
      binNumber: '489537',
      cardData: null,
      operations: [
        { url: op('OK'), operation: '3dssuccess' },
        { url: op('FAIL'), operation: '3dsfailure' },
        { url: op('CANCEL'), operation: '3dscancel' },
      ],
      networkToken: {
        number: '4895370013193500',
        cryptogram: testCryptograms.A,
        expiryMonth: '05',
        expiryYear: '2025',
        tokenType: 'VISA',
        eci: '07',
      },
    });
    expect(parseMakePaymentRequest(call!.body).success).toBe(true);

    expect(json).toMatchObject({
      outcome: 'OK',
      makePaymentExchanges: [
        {
          httpStatus: 200,
          response: { paymentInfo: { pspTransactionId: id, status: 'OK' } },
          request: { networkToken: { number: '489537******3500', cryptogram: '***' } },
          problems: [],
        },
      ],
    });
    expect(sim.payments.get(id)?.appStatus).toBe('APPROVED');
  });

  it('refuses an approval whose token is not the one in vippsRedirectUrl, and an unknown payment', async () => {
    const { id } = await createPayment();
    const wrong = await api(`/psp/v3/integration-test/psppayments/${id}/approve`, {
      customerPhoneNumber: '91234567',
      token: 'nope',
    });
    expect(wrong.status).toBe(400);
    const unknown = await api(`/psp/v3/integration-test/psppayments/${randomUUID()}/approve`, {
      customerPhoneNumber: '91234567',
      token: 'x',
    });
    expect(unknown.status).toBe(404);
    expect(received.get(id)).toBeUndefined();
  });

  it.each([
    [2200, '5226603115488031', '05', '2025', 'A', 'MASTERCARD', '06'],
    [3200, '4111111111111111', '03', '2030', 'B', 'VISA', '07'],
    [4200, '4895370013193500', '03', '2030', 'A', 'VISA', '07'],
    [4300, '5226603115488031', '03', '2030', 'A', 'MASTERCARD', '06'],
    [4400, '4895370012792682', '12', '2022', 'C', 'VISA', '07'],
    [5100, '4268270087302871', '09', '2024', 'C', 'VISA', '07'],
    [5200, '5413330089010442', '12', '2025', 'C', 'MASTERCARD', '06'],
    [12345, '4895370013193500', '05', '2025', 'A', 'VISA', '07'],
  ] as const)('amount %i sends token %s', async (amount, number, month, year, cryptogram, tokenType, eci) => {
    const { id } = await createPayment({ amount });
    await sim.approve(id);
    const body = received.get(id)![0]!.body;
    expect(body.networkToken).toEqual({
      number,
      expiryMonth: month,
      expiryYear: year,
      cryptogram: testCryptograms[cryptogram],
      tokenType,
      eci,
    });
    expect(body.binNumber).toBe(number.slice(0, 6));
    expect(parseMakePaymentRequest(body).success).toBe(true);
  });

  it('sends the legacy ENCRYPTEDCARD for 3100 ("card not eligible"), decryptable with the PSP’s key', async () => {
    const { id } = await createPayment({ amount: 3100 });
    const result = await sim.approve(id);
    const body = received.get(id)![0]!.body;
    expect(body).toMatchObject({
      paymentInstrument: 'ENCRYPTEDCARD',
      binNumber: '411111',
      paymentState: 'ACCEPTED',
    });
    expect('networkToken' in body).toBe(false);
    const cardData = String(body.cardData);
    expect(cardData).toHaveLength(344);
    const plain = privateDecrypt(
      { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      Buffer.from(cardData, 'base64'),
    ).toString();
    expect(plain).toMatch(/^4111111111111111,3012,[0-9a-f]{16}$/);
    expect(result.makePaymentExchanges[0]?.request.cardData).toBe('<encrypted, 344 characters>');
    const parsed = parseMakePaymentRequest(body);
    expect(parsed.success && parsed.data.outcome === 'ACCEPTED' && parsed.data.paymentInstrument).toBe(
      'ENCRYPTEDCARD',
    );
  });

  it('sends ENCRYPTEDCARD on request, with a cardData override verbatim', async () => {
    const { id } = await createPayment();
    await sim.approve(id, { simulate: { instrument: 'ENCRYPTEDCARD', cardDataOverride: 'not-base64!' } });
    expect(received.get(id)![0]!.body).toMatchObject({
      paymentInstrument: 'ENCRYPTEDCARD',
      cardData: 'not-base64!',
    });
  });

  it('refuses ENCRYPTEDCARD when it has no public key to encrypt with', async () => {
    const bare = await startVippsSimulator();
    try {
      const token = await fetch(`${bare.baseUrl}/accesstoken/get`, {
        method: 'POST',
        headers: { client_id: 'a', client_secret: 'b', 'Ocp-Apim-Subscription-Key': 'c' },
      });
      const { access_token } = (await token.json()) as { access_token: string };
      const headers = {
        ...apiHeaders(),
        Authorization: `Bearer ${access_token}`,
        'Ocp-Apim-Subscription-Key': 'c',
      };
      const body = initBody({ amount: 3100 });
      const init = await fetch(`${bare.baseUrl}/psp/v3/psppayments/init`, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
      });
      const { vippsRedirectUrl } = (await init.json()) as { vippsRedirectUrl: string };
      const approve = await fetch(
        `${bare.baseUrl}/psp/v3/integration-test/psppayments/${body.pspTransactionId}/approve`,
        {
          method: 'POST',
          headers,
          body: JSON.stringify({
            customerPhoneNumber: '91234567',
            token: new URL(vippsRedirectUrl).searchParams.get('token'),
          }),
        },
      );
      expect(approve.status).toBe(400);
      expect(JSON.stringify(await approve.json())).toMatch(/cardDataPublicKeyPem/);
    } finally {
      await bare.close();
    }
  });

  it.each([
    [{ paymentState: 'USER_CANCEL' } as const, { paymentState: 'USER_CANCEL' }, 'CANCEL', 'CANCELLED'],
    [{ paymentState: 'TIMEOUT' } as const, { paymentState: 'TIMEOUT' }, 'TIMEOUT', 'EXPIRED'],
    [{ legacyConfirmed: 'NO' } as const, { confirmed: 'NO' }, 'NO', 'CANCELLED'],
    [{ legacyConfirmed: 'CANCEL' } as const, { confirmed: 'CANCEL' }, 'CANCEL', 'CANCELLED'],
  ])('sends %o without card data', async (simulate, state, endState, appStatus) => {
    const { id } = await createPayment();
    await sim.approve(id, { simulate });
    const body = received.get(id)![0]!.body;
    expect(body).toEqual({ pspTransactionId: id, merchantSerialNumber: '123456', ...state });
    const parsed = parseMakePaymentRequest(body);
    expect(parsed.success && parsed.data.outcome === 'ENDED' && parsed.data.endState).toBe(endState);
    expect(sim.payments.get(id)?.appStatus).toBe(appStatus);
  });

  it('sends the legacy confirmed=YES with the card instead of paymentState', async () => {
    const { id } = await createPayment();
    await sim.approve(id, { simulate: { legacyConfirmed: 'YES' } });
    const body = received.get(id)![0]!.body;
    expect(body.confirmed).toBe('YES');
    expect('paymentState' in body).toBe(false);
    expect(body.paymentInstrument).toBe('TOKEN');
  });

  it('records answers that break Vipps’ rules', async () => {
    const failing = await createPayment({}, 'http-500');
    const r1 = await sim.approve(failing.id);
    expect(r1.outcome).toBe('FAIL');
    expect(r1.makePaymentExchanges[0]?.problems.join()).toMatch(/HTTP 500/);
    const noError = await createPayment({}, 'fail-without-error');
    expect((await sim.approve(noError.id)).makePaymentExchanges[0]?.problems).toContain(
      'FAIL without errorMessage.errorId',
    );
    const slow = await createPayment({}, 'slow');
    const r3 = await sim.approve(slow.id);
    expect(r3).toMatchObject({ outcome: 'NO_ANSWER', makePaymentExchanges: [{ httpStatus: null }] });
    expect(sim.payments.get(slow.id)?.appStatus).toBe('FAILED');
  });
});

describe('Vipps simulator: 3-D Secure after a soft decline', () => {
  it.each([
    [{}, '3dssuccess', 'OK', 'OK'],
    [{ otp: '0000' }, '3dsfailure', 'FAIL', 'FAIL'],
    [{ threeDsAction: 'cancel' } as const, '3dscancel', 'CANCEL', 'FAIL'],
  ])(
    'follows url3dSecure with %o → %s, then re-sends with a fresh cryptogram',
    async (simulate, operation, code, outcome) => {
      const { id, makePaymentToken } = await createPayment({ amount: 2200 }, '3ds');
      const result = await sim.approve(id, { simulate });
      expect(result.threeDs).toMatchObject({
        operation,
        location: `${sim.baseUrl}/mobileintercept?transactionId=${id}&responsecode=${code}`,
        problems: [],
      });
      expect(result.outcome).toBe(outcome);
      const [first, second] = received.get(id)!;
      expect(second?.headers.authorization).toBe(makePaymentToken);
      const cryptogram = (r: Received | undefined) =>
        (r?.body.networkToken as { cryptogram: string }).cryptogram;
      expect(cryptogram(first)).toBe(testCryptograms.A);
      expect(cryptogram(second)).not.toBe(cryptogram(first));
      expect({ ...second!.body, networkToken: undefined }).toEqual({
        ...first!.body,
        networkToken: undefined,
      });
      expect(parseMakePaymentRequest(second!.body).success).toBe(true);
      expect(result.makePaymentExchanges).toHaveLength(2);
    },
  );

  it('flags a second SOFT_DECLINE', async () => {
    const { id } = await createPayment({ amount: 2200 }, 'soft-decline-twice');
    const result = await sim.approve(id);
    expect(result.outcome).toBe('SOFT_DECLINE');
    expect(result.makePaymentExchanges[1]?.problems.join()).toMatch(/second SOFT_DECLINE/);
  });
});

describe('Vipps simulator: status updates and inspection', () => {
  it('applies updates at once, shows them in details, and over the inspection endpoints', async () => {
    const { id } = await createPayment();
    await sim.approve(id);
    const update = (status: string, amount: number) => ({
      pspTransactionId: id,
      status,
      amount,
      currency: 'NOK',
      operationStatus: 'SUCCESS',
    });
    const ok = await api('/psp/v3/psppayments/updatestatus', {
      transactions: [update('RESERVED', 10_000), update('CAPTURED', 10_000), update('REFUNDED', 2_500)],
    });
    expect(ok).toEqual({
      status: 200,
      json: { responseInfo: { responseCode: '9000', responseMessage: 'SUCCESS' } },
    });

    const details = await api(`/psp/v3/psppayments/${id}/details`);
    expect(details.json).toMatchObject({
      pspTransactionId: id,
      transactionSummary: {
        capturedAmount: 10_000,
        remainingAmountToCapture: 0,
        refundedAmount: 2_500,
        remainingAmountToRefund: 7_500,
      },
      transactionLogHistory: [
        { operation: 'RESERVED' },
        { operation: 'CAPTURED' },
        { operation: 'REFUNDED' },
      ],
    });
    const other = await api(
      `/psp/v3/psppayments/${id}/details`,
      undefined,
      apiHeaders({ 'Merchant-Serial-Number': '654321' }),
    );
    expect(other.status).toBe(404);

    const view = (await (await fetch(`${sim.baseUrl}/_simulator/payments/${id}`)).json()) as Record<
      string,
      unknown
    >;
    expect(view).toMatchObject({ reportedStatus: 'REFUNDED', appStatus: 'APPROVED', capturedAmount: 10_000 });
    expect(view).not.toHaveProperty('makePaymentToken');
    const updates = (await (await fetch(`${sim.baseUrl}/_simulator/status-updates`)).json()) as Array<{
      transaction: { pspTransactionId: string };
      problems: string[];
    }>;
    const mine = updates.filter((u) => u.transaction.pspTransactionId === id);
    expect(mine).toHaveLength(3);
    expect(mine.every((u) => u.problems.length === 0)).toBe(true);
  });

  it('notes updates a real Vipps would take silently but a reviewer should see', async () => {
    const { id } = await createPayment();
    await api('/psp/v3/psppayments/updatestatus', {
      transactions: [
        { pspTransactionId: id, status: 'RESERVED', amount: 10_000 },
        { pspTransactionId: id, status: 'CAPTURED', amount: 12_000 },
        { pspTransactionId: 'nobody', status: 'CANCELLED', amount: 1 },
      ],
    });
    const [reserved, captured, unknown] = sim.statusUpdates.slice(-3);
    expect(reserved?.problems).toContain('RESERVED reported, but makePayment never answered OK');
    expect(captured?.problems).toContain('more captured than reserved');
    expect(unknown).toMatchObject({ applied: false, problems: ['unknown pspTransactionId'] });
  });

  it('a RESERVED that arrives while our OK answer is still on its way is no problem; before a FAIL it is', async () => {
    const early = await createPayment({}, 'reserved-before-ok');
    await sim.approve(early.id);
    const okUpdate = sim.statusUpdates.filter((u) => u.transaction.pspTransactionId === early.id);
    expect(okUpdate).toHaveLength(1);
    expect(okUpdate[0]!.problems).toEqual([]);

    const wrong = await createPayment({}, 'reserved-before-fail');
    await sim.approve(wrong.id);
    const failUpdate = sim.statusUpdates.filter((u) => u.transaction.pspTransactionId === wrong.id);
    expect(failUpdate[0]!.problems).toContain('RESERVED reported, but makePayment never answered OK');
  });

  it('records visits to the mobileintercept URLs and masks secrets in the request log', async () => {
    await fetch(`${sim.baseUrl}/mobileintercept?transactionId=abc&responsecode=OK`);
    expect(sim.mobileInterceptVisits.at(-1)).toMatchObject({ transactionId: 'abc', responsecode: 'OK' });
    const log = JSON.stringify(sim.requests);
    expect(log).not.toContain(accessToken);
    expect(log).not.toContain(credentials.clientSecret);
    expect(log).not.toContain(credentials.subscriptionKey);
    expect(log).not.toContain('mpt-');
  });

  it('serves a landing page at vippsRedirectUrl where a person can approve', async () => {
    const { id, token } = await createPayment();
    const page = await (await fetch(sim.payments.get(id)!.vippsRedirectUrl)).text();
    expect(page).toContain('100.00 NOK');
    const form = new URLSearchParams({
      token,
      customerPhoneNumber: '91234567',
      paymentState: 'ACCEPTED',
      otp: '1234',
    });
    const result = await fetch(`${sim.baseUrl}/landing/approve`, { method: 'POST', body: form });
    expect(await result.text()).toContain('&#34;OK&#34;');
    expect(sim.payments.get(id)?.appStatus).toBe('APPROVED');
  });
});
