/**
 * The production Clearhaus adapter against the Clearhaus simulator over real HTTP: signed,
 * form-encoded requests the simulator validates, every documented status code mapped through
 * Clearhaus' test-card rule (the amount is the status code), and the red paths (no answer, 5xx,
 * HTML, unknown code) that must never look like an approval.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ClearhausAcquirer,
  type ClearhausCredentials,
} from '../../lambdas/adapters/acquirer/clearhaus/clearhaus-acquirer.js';
import { clearhausStatusCodes } from '../../lambdas/adapters/acquirer/clearhaus/status-codes.js';
import { AcquirerRefusedError, AcquirerUnavailableError } from '../../lambdas/core/errors.js';
import type { AuthorisationRequest, CardCredentials, Log } from '../../lambdas/core/ports.js';
import { type ClearhausSimulator, startClearhausSimulator } from '../../local/simulators/clearhaus/index.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const credentials: ClearhausCredentials = {
  apiKey: 'clearhaus-test-api-key',
  signingApiKey: '4390aec7-f76a-4c2f-8597-c87c2d06cb4f',
  signingPrivateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
};
const visaToken: CardCredentials = {
  kind: 'NETWORK_TOKEN',
  number: '4895370013193500',
  expiryMonth: '5',
  expiryYear: '25',
  cryptogram: 'AlhlvxmN2ZKuAAESNFZ4GoABFA==',
  eci: '7',
  tokenType: 'VISA',
};
/** Clearhaus' test card rule: 420000…0000 answers the amount as the status code. */
const testCardToken: CardCredentials = { ...visaToken, number: '4200000000000000' };
const threeDs = {
  cavv: 'AAABBEg0VhI0VniQEjRWAAAAAAA=',
  eci: '05',
  threeDsTransactionId: 'f25084f0-5b16-4c0a-ae5d-b24808a95e4b',
  version: '2.2.0',
};

let sim: ClearhausSimulator;
let counter = 0;
const warnings: string[] = [];
const log: Log = {
  debug: () => undefined,
  info: () => undefined,
  error: (m, ...e) => warnings.push(m + JSON.stringify(e)),
  warn: (m, ...e) => warnings.push(m + JSON.stringify(e)),
};

function acquirer(overrides: Partial<ClearhausCredentials> = {}, fetchOverride?: typeof fetch) {
  return new ClearhausAcquirer({
    baseUrl: sim.baseUrl,
    credentials: () => Promise.resolve({ ...credentials, ...overrides }),
    timeoutMs: 2_000,
    log,
    ...(fetchOverride ? { fetch: fetchOverride } : {}),
  });
}

function request(
  amount: number,
  card: CardCredentials = visaToken,
  extra: Partial<AuthorisationRequest> = {},
) {
  const pspTransactionId =
    `${Date.now().toString(16)}${String(++counter).padStart(8, '0')}aaaaaaaaaaaaaaaaaa`.slice(0, 32);
  return {
    pspTransactionId,
    merchantSerialNumber: '123456',
    amount,
    currency: 'NOK' as const,
    card,
    ...extra,
    idempotencyKey: extra.idempotencyKey ?? pspTransactionId,
  };
}
const signal = () => ({ signal: AbortSignal.timeout(1_000) });

beforeAll(async () => {
  sim = await startClearhausSimulator({
    apiKey: credentials.apiKey,
    signingApiKey: credentials.signingApiKey,
    signingPublicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  });
});
afterAll(() => sim.close());

describe('Clearhaus adapter against the Clearhaus simulator', () => {
  it('authorises a Visa token with its TAV and ECI: approved, with Clearhaus’ id as our reference', async () => {
    const req = request(10_000);
    const result = await acquirer().authorise(req, signal());
    expect(result).toMatchObject({ outcome: 'APPROVED', responseCode: '20000' });
    expect(sim.rejected).toEqual([]);
    expect(sim.ledger.balance(req.pspTransactionId).held).toBe(10_000);
  });

  it('is refused by Clearhaus when the body is signed with another key', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const result = await acquirer({
      signingPrivateKey: other.export({ type: 'pkcs1', format: 'pem' }).toString(),
    }).authorise(request(10_000), signal());
    expect(result).toMatchObject({ outcome: 'ERROR', responseCode: '40000' });
    expect(sim.rejected.pop()).toBe('signature does not match the body');
  });

  it.each(Object.entries(clearhausStatusCodes))(
    'maps status code %s the way the table says (test card: the amount is the code)',
    async (code, entry) => {
      const result = await acquirer().authorise(request(Number(code), testCardToken), signal());
      expect(result.outcome).toBe(entry.meaning.outcome === 'APPROVED' ? 'APPROVED' : entry.meaning.outcome);
      if (entry.meaning.outcome === 'DECLINED' && result.outcome === 'DECLINED')
        expect(result.reason).toBe(entry.meaning.reason);
      if (code !== '20000' && code !== '40000') expect(result).toMatchObject({ responseCode: code });
    },
  );

  it('soft decline 40416 can be stepped up; 40416 again with the 3-D Secure result cannot (→ 94)', async () => {
    const first = await acquirer().authorise(request(40416, testCardToken), signal());
    expect(first).toMatchObject({ outcome: 'SOFT_DECLINE', canStepUp: true });
    const retry = await acquirer().authorise(request(40416, testCardToken, { threeDs }), signal());
    expect(retry).toMatchObject({ outcome: 'SOFT_DECLINE', canStepUp: false });
    expect(sim.rejected).toEqual([]);
  });

  it('sends the 3-D Secure v2 result with the token: a Mastercard token is approved after 3-D Secure', async () => {
    const mastercard: CardCredentials = {
      ...visaToken,
      number: '5226603115488031',
      tokenType: 'MASTERCARD',
      eci: '06',
    };
    expect(await acquirer().authorise(request(2_200, mastercard), signal())).toMatchObject({
      outcome: 'SOFT_DECLINE',
    });
    expect(await acquirer().authorise(request(2_200, mastercard, { threeDs }), signal())).toMatchObject({
      outcome: 'APPROVED',
    });
    expect(sim.rejected).toEqual([]);
  });

  it('no answer within the budget → TIMEOUT (85), never retried: exactly one authorisation at Clearhaus', async () => {
    sim.faults.failNext('authorise', 'timeout');
    const req = request(10_000);
    const started = Date.now();
    const result = await acquirer().authorise(req, { signal: AbortSignal.timeout(300) });
    expect(result).toEqual({ outcome: 'TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(sim.ledger.authorisations(req.pspTransactionId)).toHaveLength(1);
    await expect(
      acquirer().reverse({ pspTransactionId: req.pspTransactionId, amount: 10_000, currency: 'NOK' }),
    ).rejects.toThrow(new RegExp(`reference ${req.pspTransactionId.slice(0, 30)}`));
  });

  it('5xx on authorise → TIMEOUT (outcome unknown), HTML → ERROR (91) with a warning free of card data', async () => {
    sim.faults.failNext('authorise', '5xx');
    expect(await acquirer().authorise(request(10_000), signal())).toEqual({ outcome: 'TIMEOUT' });
    sim.faults.failNext('authorise', 'html');
    warnings.length = 0;
    const html = await acquirer().authorise(request(10_000), signal());
    expect(html.outcome === 'TIMEOUT' || html.outcome === 'ERROR').toBe(true);
    const logged = warnings.join('\n');
    expect(logged).not.toContain(visaToken.number);
    expect(logged).not.toContain(visaToken.cryptogram);
  });

  it('an undocumented status code or a missing field is a typed ERROR (91), never an approval', async () => {
    const answering =
      (body: unknown): typeof fetch =>
      () =>
        Promise.resolve(new Response(JSON.stringify(body), { status: 201 }));
    warnings.length = 0;
    const unknown = await acquirer({}, answering({ id: 'x', status: { code: 41234 } })).authorise(
      request(10_000),
      signal(),
    );
    expect(unknown).toMatchObject({ outcome: 'ERROR' });
    expect(warnings.join()).toContain('unknown status code 41234');
    const noId = await acquirer({}, answering({ status: { code: 20000 } })).authorise(
      request(10_000),
      signal(),
    );
    expect(noId).toMatchObject({ outcome: 'ERROR' });
    const noStatus = await acquirer({}, answering({ id: 'x' })).authorise(request(10_000), signal());
    expect(noStatus).toMatchObject({ outcome: 'ERROR' });
  });

  it('captures part, refunds part, and refuses to capture more than remains', async () => {
    const req = request(10_000);
    const approved = await acquirer().authorise(req, signal());
    if (approved.outcome !== 'APPROVED') throw new Error('not approved');
    const op = (amount: number) => ({
      pspTransactionId: req.pspTransactionId,
      acquirerReference: approved.acquirerReference,
      amount,
      currency: 'NOK' as const,
      operationId: `op-${++counter}`,
    });
    await acquirer().capture(op(6_000));
    await acquirer().refund(op(2_000));
    await expect(acquirer().capture(op(5_000))).rejects.toBeInstanceOf(AcquirerRefusedError);
    expect(sim.ledger.balance(req.pspTransactionId)).toMatchObject({ captured: 6_000, refunded: 2_000 });
  });

  it('voids an authorisation; a capture that gets 5xx or no answer is an error, not a capture', async () => {
    const req = request(10_000);
    const approved = await acquirer().authorise(req, signal());
    if (approved.outcome !== 'APPROVED') throw new Error('not approved');
    const op = {
      pspTransactionId: req.pspTransactionId,
      acquirerReference: approved.acquirerReference,
      amount: 10_000,
      currency: 'NOK' as const,
      operationId: 'void-1',
    };
    sim.faults.failNext('capture', '5xx');
    await expect(acquirer().capture(op)).rejects.toBeInstanceOf(AcquirerUnavailableError);
    expect(sim.ledger.balance(req.pspTransactionId).captured).toBe(0);
    await acquirer().cancel(op);
    expect(sim.ledger.events(req.pspTransactionId).map((e) => e.type)).toEqual(['AUTHORISATION', 'VOID']);
  });
});
