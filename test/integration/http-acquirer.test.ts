import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpAcquirer } from '../../lambdas/adapters/acquirer/http-acquirer.js';
import { de39Table } from '../../lambdas/adapters/acquirer/iso8583-response-codes.js';
import { declineErrors } from '../../lambdas/core/error-catalogue.js';
import { AcquirerRefusedError, AcquirerUnavailableError } from '../../lambdas/core/errors.js';
import type {
  AuthorisationRequest,
  AuthorisationResult,
  CardCredentials,
  ThreeDsAuthentication,
} from '../../lambdas/core/ports.js';
import { type FakeIsoAcquirer, startFakeIsoAcquirer } from '../support/fake-iso-acquirer.js';

const API_KEY = 'test-acquirer-key';
const TRID = '50123456789';

const visaToken: CardCredentials = {
  kind: 'NETWORK_TOKEN',
  number: '4895370013193500',
  expiryMonth: '05',
  expiryYear: '2025',
  cryptogram: 'AlhlvxmN2ZKuAAESNFZ4GoABFA==',
  eci: '07',
  tokenType: 'VISA',
};
const mastercardToken: CardCredentials = {
  kind: 'NETWORK_TOKEN',
  number: '5226603115488031',
  expiryMonth: '3',
  expiryYear: '30',
  cryptogram: 'uxToh3Ep6gsR8AAkvZALN19Iz34=',
  eci: '6',
  tokenType: 'MASTERCARD',
};
const threeDs: ThreeDsAuthentication = {
  cavv: 'AAABBEg0VhI0VniQEjRWAAAAAAA=',
  eci: '02',
  threeDsTransactionId: 'f25084f0-5b16-4c0a-ae5d-b24808a95e4b',
  version: '2.2.0',
};
const secrets = [
  visaToken.number,
  visaToken.cryptogram,
  mastercardToken.number,
  mastercardToken.cryptogram,
  threeDs.cavv,
];

let fake: FakeIsoAcquirer;
let acquirer: HttpAcquirer;
let counter = 0;

function request(amount: number, extra: Partial<AuthorisationRequest> = {}): AuthorisationRequest {
  const pspTransactionId = `psp-${Date.now()}-${++counter}`;
  return {
    pspTransactionId,
    idempotencyKey: pspTransactionId,
    merchantSerialNumber: '123456',
    amount,
    currency: 'NOK',
    card: visaToken,
    ...extra,
  };
}

const live = () => new AbortController().signal;

function lastMessage(path = '/authorisations') {
  const message = fake.received.filter((m) => m.path === path).at(-1);
  if (!message) throw new Error(`nothing received on ${path}`);
  return message;
}

/** Results and errors end up in logs and answers: no token number, cryptogram or CAVV in them. */
function expectNoSecrets(value: unknown) {
  const text = value instanceof Error ? `${value.message}\n${value.stack ?? ''}` : JSON.stringify(value);
  for (const secret of secrets) expect(text).not.toContain(secret);
}

async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/api`;
}

beforeAll(async () => {
  fake = await startFakeIsoAcquirer({ apiKey: API_KEY });
  acquirer = new HttpAcquirer({
    baseUrl: fake.url,
    apiKey: () => Promise.resolve(API_KEY),
    tokenRequestorId: TRID,
    merchantId: 'ACQ-MERCHANT-1',
    timeoutMs: 5_000,
  });
});

afterAll(async () => {
  await fake?.close();
});

describe('DE39 mapping (docs/acquirer-mapping.md)', () => {
  it('the documented table is the table in the code', () => {
    const doc = readFileSync(new URL('../../docs/acquirer-mapping.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('## Response code (DE39)'), doc.indexOf('Beyond the table'));
    const rows = section
      .split('\n')
      .map((line) => line.split('|').map((cell) => cell.trim()))
      .filter((cells) => /^`[0-9A-Z]{2}`$/.test(cells[1] ?? ''))
      .map(([, code, text, outcome, vipps]) => ({
        code: code!.replaceAll('`', ''),
        text: text!,
        outcome: outcome!,
        vipps: vipps!,
      }));
    expect(rows.map((r) => r.code).sort()).toEqual(Object.keys(de39Table).sort());
    for (const row of rows) {
      const entry = de39Table[row.code]!;
      expect(row.text).toBe(entry.text);
      expect(row.vipps).toBe(entry.vippsErrorId);
      expect(row.outcome).toContain(entry.meaning.outcome);
      if (entry.meaning.outcome === 'DECLINED') {
        expect(row.outcome).toContain(`\`${entry.meaning.reason}\``);
        // …and the reason really leads to that Vipps errorId.
        expect(declineErrors[entry.meaning.reason].errorId).toBe(entry.vippsErrorId);
      }
    }
  });

  const cases: Array<[string, Partial<AuthorisationResult>]> = [
    ['00', { outcome: 'APPROVED' }],
    ['05', { outcome: 'DECLINED', reason: 'REFUSED' }],
    ['14', { outcome: 'DECLINED', reason: 'INVALID_CARD_NUMBER' }],
    ['15', { outcome: 'DECLINED', reason: 'NO_SUCH_ISSUER' }],
    ['51', { outcome: 'DECLINED', reason: 'INSUFFICIENT_FUNDS' }],
    ['54', { outcome: 'DECLINED', reason: 'EXPIRED_CARD' }],
    ['57', { outcome: 'DECLINED', reason: 'REFUSED' }],
    ['59', { outcome: 'DECLINED', reason: 'SUSPECTED_FRAUD' }],
    ['61', { outcome: 'DECLINED', reason: 'EXCEEDS_LIMIT' }],
    ['65', { outcome: 'SOFT_DECLINE', canStepUp: true }],
    ['1A', { outcome: 'SOFT_DECLINE', canStepUp: true }],
    ['91', { outcome: 'ERROR' }],
    ['96', { outcome: 'ERROR' }],
    ['N7', { outcome: 'ERROR' }], // not in the table
  ];

  it('covers every code of the table', () => {
    expect(Object.keys(de39Table).every((code) => cases.some(([c]) => c === code))).toBe(true);
  });

  it.each(cases.map(([code, expected], i) => [code, expected, 30_000 + i] as const))(
    'DE39 %s over HTTP → %o',
    async (code, expected, amount) => {
      fake.respond(amount, { de39: code });
      const result = await acquirer.authorise(request(amount), { signal: live() });
      expect(result).toMatchObject({ ...expected, responseCode: code });
      expectNoSecrets(result);
    },
  );

  it('an approval carries DE37 as the acquirer reference and the reported funding', async () => {
    fake.respond(30_100, { de39: '00', funding: 'CREDIT' });
    const result = await acquirer.authorise(request(30_100), { signal: live() });
    expect(result).toMatchObject({
      outcome: 'APPROVED',
      acquirerReference: expect.stringMatching(/^\d{12}$/),
      funding: 'CREDIT',
    });
    const plain = await acquirer.authorise(request(30_101), { signal: live() });
    expect(plain).not.toHaveProperty('funding');
  });

  it('an unknown code keeps the code in the message', async () => {
    fake.respond(30_102, { de39: 'Z9' });
    const result = await acquirer.authorise(request(30_102), { signal: live() });
    expect(result).toMatchObject({
      outcome: 'ERROR',
      responseCode: 'Z9',
      message: expect.stringContaining('Z9'),
    });
  });

  it('a soft decline after 3-D Secure cannot be stepped up again', async () => {
    fake.respond(30_103, { de39: '65' });
    const result = await acquirer.authorise(request(30_103, { card: mastercardToken, threeDs }), {
      signal: live(),
    });
    expect(result).toEqual({ outcome: 'SOFT_DECLINE', canStepUp: false, responseCode: '65' });
  });
});

describe('HttpAcquirer authorise: no answer, network trouble', () => {
  it('answers TIMEOUT when the AbortSignal fires first; the late approval is then reversed by our reference', async () => {
    fake.respond(31_000, { de39: '00', delayMs: 300 });
    const req = request(31_000);
    const started = Date.now();
    expect(await acquirer.authorise(req, { signal: AbortSignal.timeout(50) })).toEqual({
      outcome: 'TIMEOUT',
    });
    expect(Date.now() - started).toBeLessThan(250);

    await new Promise((resolve) => setTimeout(resolve, 400)); // the issuer approves after all
    expect(fake.openAuthorisations()).toContain(req.pspTransactionId);
    expect(await acquirer.reverse(req)).toEqual({ reversed: true });
    expect(fake.openAuthorisations()).not.toContain(req.pspTransactionId);
    const reversal = lastMessage('/reversals').body;
    expect(reversal).toMatchObject({
      mti: '0400',
      originalReference: req.pspTransactionId,
      de4: 31_000,
      de25: '4021',
    });
    expect(reversal).not.toHaveProperty('de37');
    expect(await acquirer.reverse(req)).toEqual({ reversed: true }); // idempotent
  });

  it('answers TIMEOUT after its own timeoutMs even if the caller never aborts', async () => {
    const impatient = new HttpAcquirer({
      baseUrl: fake.url,
      apiKey: () => Promise.resolve(API_KEY),
      timeoutMs: 100,
    });
    fake.respond(31_001, { de39: '00', delayMs: 1_000 });
    expect(await impatient.authorise(request(31_001), { signal: live() })).toEqual({ outcome: 'TIMEOUT' });
  });

  it('answers ERROR when the acquirer cannot be reached at all (nothing can have been authorised)', async () => {
    const unreachable = new HttpAcquirer({ baseUrl: await closedPortUrl(), timeoutMs: 2_000 });
    const result = await unreachable.authorise(request(31_002), { signal: live() });
    expect(result).toMatchObject({ outcome: 'ERROR', message: expect.stringContaining('ECONNREFUSED') });
  });

  it('answers TIMEOUT when the connection drops after the request left (outcome unknown)', async () => {
    fake.respond(31_003, { hangUp: true });
    expect(await acquirer.authorise(request(31_003), { signal: live() })).toEqual({ outcome: 'TIMEOUT' });
  });

  it.each([
    [400, 'ERROR'],
    [503, 'ERROR'],
    [500, 'TIMEOUT'],
    [504, 'TIMEOUT'],
  ])('HTTP %i → %s', async (httpStatus, outcome) => {
    const amount = 31_100 + httpStatus;
    fake.respond(amount, { httpStatus });
    expect((await acquirer.authorise(request(amount), { signal: live() })).outcome).toBe(outcome);
  });

  it('an unreadable 200 answer is treated as no answer (TIMEOUT → reversal)', async () => {
    fake.respond(31_004, { garbled: true });
    expect(await acquirer.authorise(request(31_004), { signal: live() })).toEqual({ outcome: 'TIMEOUT' });
  });

  it('a wrong API key is rejected (HTTP 401 → ERROR)', async () => {
    const wrongKey = new HttpAcquirer({
      baseUrl: fake.url,
      apiKey: () => Promise.resolve('nope'),
      timeoutMs: 2_000,
    });
    expect(await wrongKey.authorise(request(31_005), { signal: live() })).toMatchObject({
      outcome: 'ERROR',
      message: expect.stringContaining('401'),
    });
  });
});

describe('HttpAcquirer authorise: the message on the wire', () => {
  it('a Visa token: DE2 token, DE14 YYMM, DE22 810, DE49 578, ECI 07, TAVV in 126.8; keyed by pspTransactionId', async () => {
    const req = request(4200);
    await acquirer.authorise(req, { signal: live() });
    const { body, headers } = lastMessage();
    expect(headers['idempotency-key']).toBe(req.pspTransactionId);
    expect(headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(body).toEqual({
      mti: '0100',
      reference: req.pspTransactionId,
      merchantSerialNumber: '123456',
      de2: '4895370013193500',
      de3: '000000',
      de4: 4200,
      de11: expect.stringMatching(/^\d{6}$/),
      de14: '2505',
      de22: '810',
      de42: 'ACQ-MERCHANT-1',
      de49: '578',
      eci: '07',
      tokenType: 'VISA',
      de126: { '8': 'AlhlvxmN2ZKuAAESNFZ4GoABFA==' },
    });
  });

  it('a Mastercard token: DSRP cryptogram in DE104 SE001, TRID in DE48 SE33 SF6, ECI 06', async () => {
    const req = request(2200, { card: mastercardToken });
    await acquirer.authorise(req, { signal: live() });
    const { body } = lastMessage();
    expect(body).toMatchObject({
      de2: '5226603115488031',
      de14: '3003',
      de22: '810',
      eci: '06',
      tokenType: 'MASTERCARD',
      de104: { se001: 'uxToh3Ep6gsR8AAkvZALN19Iz34=' },
      de48: { se33: { sf6: TRID } },
    });
    expect(body).not.toHaveProperty('de126');
    expect(body).not.toHaveProperty('threeDs');
  });

  it('after 3-D Secure: CAVV, 3DS ECI and DS transaction id together with the token cryptogram', async () => {
    const req = request(2200, { card: mastercardToken, threeDs });
    await acquirer.authorise(req, { signal: live() });
    expect(lastMessage().body).toMatchObject({
      de104: { se001: mastercardToken.cryptogram },
      eci: '06',
      threeDs: {
        authenticationValue: threeDs.cavv,
        eci: '02',
        dsTransactionId: threeDs.threeDsTransactionId,
        version: '2.2.0',
      },
    });
  });

  it('the authorisation after 3-D Secure: its own Idempotency-Key, the same reference; the fake (which replays keys) approves', async () => {
    const first = request(30_104);
    fake.respond(30_104, { de39: '1A' });
    expect(await acquirer.authorise(first, { signal: live() })).toMatchObject({ outcome: 'SOFT_DECLINE' });
    fake.respond(30_104, {});
    const again = { ...first, idempotencyKey: `${first.pspTransactionId}-3ds`, threeDs };
    expect(await acquirer.authorise(again, { signal: live() })).toMatchObject({ outcome: 'APPROVED' });
    const { body, headers } = lastMessage();
    expect(headers['idempotency-key']).toBe(`${first.pspTransactionId}-3ds`);
    expect(body.reference).toBe(first.pspTransactionId);
    // The same key again is replayed by the acquirer: the soft decline, not a fresh decision.
    expect(await acquirer.authorise({ ...first, threeDs }, { signal: live() })).toMatchObject({
      outcome: 'SOFT_DECLINE',
    });
  });

  it('a PAN (legacy ENCRYPTEDCARD): credential-on-file entry mode, no token fields', async () => {
    await acquirer.authorise(
      request(1000, {
        card: { kind: 'PAN', pan: '4111111111111111', expiryMonth: '12', expiryYear: '2030' },
      }),
      { signal: live() },
    );
    const { body } = lastMessage();
    expect(body).toMatchObject({ de2: '4111111111111111', de14: '3012', de22: '100' });
    for (const field of ['eci', 'tokenType', 'de126', 'de104', 'de48'])
      expect(body).not.toHaveProperty(field);
  });

  it('a Mastercard token without a configured TRID leaves DE48 to the scheme', async () => {
    const noTrid = new HttpAcquirer({
      baseUrl: fake.url,
      apiKey: () => Promise.resolve(API_KEY),
      timeoutMs: 2_000,
    });
    await noTrid.authorise(request(2200, { card: mastercardToken }), { signal: live() });
    expect(lastMessage().body).not.toHaveProperty('de48');
  });

  it('refuses a Token Requestor ID that is not 11 digits', () => {
    expect(() => new HttpAcquirer({ baseUrl: fake.url, tokenRequestorId: '123', timeoutMs: 1_000 })).toThrow(
      /11 digits/,
    );
  });
});

describe('HttpAcquirer capture / refund / cancel / reverse', () => {
  async function authorised(amount: number) {
    const req = request(amount);
    const result = await acquirer.authorise(req, { signal: live() });
    if (result.outcome !== 'APPROVED') throw new Error('expected approval');
    return { req, rrn: result.acquirerReference };
  }
  const op = (
    req: AuthorisationRequest,
    rrn: string,
    amount: number,
    operationId: string = crypto.randomUUID(),
  ) => ({
    pspTransactionId: req.pspTransactionId,
    acquirerReference: rrn,
    amount,
    currency: 'NOK' as const,
    operationId,
  });

  it('capture is a 0220 purchase against the RRN, keyed by operationId; its DE37 is the reference', async () => {
    const { req, rrn } = await authorised(5000);
    const capture = op(req, rrn, 3000);
    const result = await acquirer.capture(capture);
    expect(result.acquirerReference).toMatch(/^\d{12}$/);
    const { body, headers } = lastMessage('/captures');
    expect(headers['idempotency-key']).toBe(capture.operationId);
    expect(body).toMatchObject({
      mti: '0220',
      reference: capture.operationId,
      originalReference: req.pspTransactionId,
      de3: '000000',
      de4: 3000,
      de37: rrn,
      de49: '578',
    });
    // A retry with the same operationId gets the first answer back.
    expect(await acquirer.capture(capture)).toEqual(result);
  });

  it('refund is a 0220 credit (DE3 200000)', async () => {
    const { req, rrn } = await authorised(5000);
    await acquirer.capture(op(req, rrn, 5000));
    await acquirer.refund(op(req, rrn, 2000));
    expect(lastMessage('/refunds').body).toMatchObject({ mti: '0220', de3: '200000', de4: 2000, de37: rrn });
  });

  it('cancel is a 0400 reversal of the authorisation (customer cancellation)', async () => {
    const { req, rrn } = await authorised(5000);
    await acquirer.cancel(op(req, rrn, 5000));
    expect(lastMessage('/reversals').body).toMatchObject({ mti: '0400', de37: rrn, de25: '4000', de4: 5000 });
    expect(fake.openAuthorisations()).not.toContain(req.pspTransactionId);
  });

  it('reverse answers reversed: false when the acquirer has nothing for our reference (DE39 25)', async () => {
    expect(
      await acquirer.reverse({ pspTransactionId: 'never-authorised', amount: 100, currency: 'NOK' }),
    ).toEqual({
      reversed: false,
    });
  });

  it.each([
    ['DE39 05', { de39: '05' }, AcquirerRefusedError],
    ['DE39 13', { de39: '13' }, AcquirerRefusedError],
    ['DE39 91', { de39: '91' }, AcquirerUnavailableError],
    ['DE39 96', { de39: '96' }, AcquirerUnavailableError],
    ['HTTP 400', { httpStatus: 400 }, AcquirerRefusedError],
    ['HTTP 503', { httpStatus: 503 }, AcquirerUnavailableError],
    ['HTTP 500', { httpStatus: 500 }, AcquirerUnavailableError],
    ['a dropped connection', { hangUp: true }, AcquirerUnavailableError],
    ['an unreadable answer', { garbled: true }, AcquirerUnavailableError],
  ] as const)('capture answered with %s → %o', async (_label, rule, errorClass) => {
    const amount = 32_000 + ++counter;
    fake.respond(amount, rule, '/captures');
    const { req, rrn } = await authorised(amount);
    const error = await acquirer.capture(op(req, rrn, amount)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(errorClass);
    expectNoSecrets(error);
  });

  it('refund and cancel map errors the same way', async () => {
    fake.respond(33_001, { de39: '05' }, '/refunds');
    fake.respond(33_002, { de39: '96' }, '/reversals');
    const a = await authorised(33_001);
    await expect(acquirer.refund(op(a.req, a.rrn, 33_001))).rejects.toThrow(/refused 0220 refunds with 05/);
    const b = await authorised(33_002);
    await expect(acquirer.cancel(op(b.req, b.rrn, 33_002))).rejects.toBeInstanceOf(AcquirerUnavailableError);
  });

  it('an operation that gets no answer in timeoutMs is AcquirerUnavailableError', async () => {
    const impatient = new HttpAcquirer({
      baseUrl: fake.url,
      apiKey: () => Promise.resolve(API_KEY),
      timeoutMs: 100,
    });
    fake.respond(33_003, { delayMs: 1_000 }, '/captures');
    const { req, rrn } = await authorised(33_003);
    await expect(impatient.capture(op(req, rrn, 33_003))).rejects.toThrow(/did not answer/);
  });

  it('operations against an unreachable acquirer are AcquirerUnavailableError', async () => {
    const unreachable = new HttpAcquirer({ baseUrl: await closedPortUrl(), timeoutMs: 2_000 });
    const operation = op(request(100), '123456789012', 100);
    await expect(unreachable.capture(operation)).rejects.toBeInstanceOf(AcquirerUnavailableError);
    await expect(
      unreachable.reverse({ pspTransactionId: 'x', amount: 100, currency: 'NOK' }),
    ).rejects.toBeInstanceOf(AcquirerUnavailableError);
  });
});
