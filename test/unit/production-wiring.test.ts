/**
 * Issue 9 items 12 and 13: the wiring, loaded with a stage's configuration, builds only what that
 * stage may use. `STAGE=production` refuses every sandbox adapter (acquirer, 3-D Secure server,
 * BIN table) naming the setting to change; BIN_TABLE_PATH is really read; ENCRYPTEDCARD is off
 * unless ENCRYPTED_CARD_ENABLED=true, and off means no KMS call at all.
 */
import { ClearhausAcquirer } from '../../lambdas/adapters/acquirer/clearhaus/clearhaus-acquirer.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getDependencies, resetDependencies } from '../../lambdas/wiring.js';
import { sandboxLambdaEnvironment } from '../support/stage-config.js';

const dir = mkdtempSync(join(tmpdir(), 'bin-table-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
/** 489537 is DEBIT in the built-in sandbox table; the PSP's file says CREDIT. */
const jsonTable = file(
  'bins.json',
  JSON.stringify({ ranges: [{ from: '489537', to: '489537', funding: 'CREDIT' }] }),
);

const base = sandboxLambdaEnvironment;
/** Production as it should be, except for what a test changes. */
const production = {
  ...base,
  STAGE: 'production',
  VIPPS_BASE_URL: 'https://api.vipps.no',
  ACQUIRER: 'clearhaus',
  CLEARHAUS_BASE_URL: 'https://gateway.clearhaus.com',
  CLEARHAUS_SECRET_ID: 'clearhaus',
  BIN_TABLE_PATH: jsonTable,
};

const saved = { ...process.env };
function loadWiring(env: Record<string, string | undefined>) {
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  resetDependencies();
  return getDependencies();
}
afterEach(() => {
  loadWiring({});
});

const refusal = (build: () => unknown): string => {
  try {
    build();
  } catch (error) {
    return (error as Error).message;
  }
  return 'built without complaint';
};

describe('STAGE=production refuses sandbox adapters, naming the setting', () => {
  it('the sandbox acquirer → ACQUIRER', () => {
    const deps = loadWiring({ ...production, ACQUIRER: 'sandbox' });
    expect(refusal(() => deps.acquirer)).toMatch(/ACQUIRER: production .*sandbox/);
  });

  it('the sandbox 3-D Secure server (prints the code, makes up the CAVV) → THREE_DS_SERVER', () => {
    const deps = loadWiring(production);
    expect(refusal(() => deps.threeDsServer)).toMatch(/THREE_DS_SERVER: production .*simulator/);
    expect(refusal(() => loadWiring({ ...production, THREE_DS_SERVER: 'simulator' }).threeDsServer)).toMatch(
      /THREE_DS_SERVER/,
    );
  });

  it('the built-in sandbox BIN table → BIN_TABLE_PATH', () => {
    const deps = loadWiring({ ...production, BIN_TABLE_PATH: undefined });
    expect(refusal(() => deps.cardFunding)).toMatch(/BIN_TABLE_PATH: production .*BIN table/);
  });

  it('every refusal at once, so one deployment fixes them all', () => {
    const deps = loadWiring({ ...production, ACQUIRER: 'sandbox', BIN_TABLE_PATH: undefined });
    const message = refusal(() => deps.config);
    for (const setting of ['ACQUIRER', 'THREE_DS_SERVER', 'BIN_TABLE_PATH'])
      expect(message).toContain(setting);
  });
});

describe('ACQUIRER selects the adapter (issue 13)', () => {
  it('clearhaus → the Clearhaus adapter, built without reading its secret yet', () => {
    expect(loadWiring({ ...production, STAGE: 'sandbox' }).acquirer).toBeInstanceOf(ClearhausAcquirer);
  });
});

describe('BIN_TABLE_PATH is read', () => {
  it('a JSON file the PSP supplies decides the funding, over the built-in table', async () => {
    const deps = loadWiring({ ...base, STAGE: 'sandbox', BIN_TABLE_PATH: jsonTable });
    expect(await deps.cardFunding.lookup('4895370000000000')).toBe('CREDIT');
    expect(await deps.cardFunding.lookup('5226600000000000')).toBe('UNKNOWN');
  });

  it('a CSV file (from,to,funding) works too', async () => {
    const csv = file('bins.csv', 'from,to,funding\n489537,489537,CREDIT\n52266000,52266099,DEBIT\n');
    const deps = loadWiring({ ...base, STAGE: 'sandbox', BIN_TABLE_PATH: csv });
    expect(await deps.cardFunding.lookup('4895370000000000')).toBe('CREDIT');
    expect(await deps.cardFunding.lookup('5226600012345678')).toBe('DEBIT');
  });

  it('without it, outside production, the built-in sandbox table', async () => {
    const deps = loadWiring({ ...base, STAGE: 'sandbox' });
    expect(await deps.cardFunding.lookup('4895370000000000')).toBe('DEBIT');
  });

  it.each([
    ['a file that does not exist', join(dir, 'nope.json'), /BIN_TABLE_PATH: .*nope\.json/s],
    ['a file that is not JSON', file('bad.json', '{ranges:'), /BIN_TABLE_PATH: .*bad\.json/s],
    [
      'a range that is no BIN',
      file('bad-range.csv', 'from,to,funding\n4895,489537,CREDIT\n'),
      /BIN_TABLE_PATH: .*6 or 8 digits/s,
    ],
  ])('%s → a start-up error naming BIN_TABLE_PATH', (_name, path, expected) => {
    const deps = loadWiring({ ...base, STAGE: 'sandbox', BIN_TABLE_PATH: path });
    expect(refusal(() => deps.cardFunding)).toMatch(expected);
  });
});

describe('ENCRYPTEDCARD is off unless the deployment turns it on', () => {
  /** A KMS endpoint that counts what reaches it (and answers nothing useful). */
  let kmsCalls: string[] = [];
  let kmsEndpoint = '';
  const kms = createServer((req, res) => {
    kmsCalls.push(String(req.headers['x-amz-target']));
    res.writeHead(400, { 'Content-Type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify({ __type: 'NotFoundException', message: 'no such key' }));
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => kms.listen(0, '127.0.0.1', resolve));
    kmsEndpoint = `http://127.0.0.1:${(kms.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => kms.close(() => resolve())));

  const ciphertext = new Uint8Array(256);

  it('by default: decrypt refuses without calling KMS (the caller answers 92)', async () => {
    kmsCalls = [];
    const deps = loadWiring({ ...base, STAGE: 'sandbox', AWS_ENDPOINT_URL_KMS: kmsEndpoint });
    expect(deps.config.ENCRYPTED_CARD_ENABLED).toBe(false);
    await expect(deps.cardData.decrypt(ciphertext)).rejects.toThrow(/ENCRYPTED_CARD_ENABLED/);
    expect(kmsCalls).toEqual([]);
  });

  it('ENCRYPTED_CARD_ENABLED=true: decrypt goes to KMS', async () => {
    kmsCalls = [];
    const deps = loadWiring({
      ...base,
      STAGE: 'sandbox',
      AWS_ENDPOINT_URL_KMS: kmsEndpoint,
      ENCRYPTED_CARD_ENABLED: 'true',
    });
    await expect(deps.cardData.decrypt(ciphertext)).rejects.toThrow();
    expect(kmsCalls).toEqual(['TrentService.Decrypt']);
  });

  it('a value other than true/false is refused, naming the variable', () => {
    const deps = loadWiring({ ...base, STAGE: 'sandbox', ENCRYPTED_CARD_ENABLED: 'yes' });
    expect(refusal(() => deps.cardData)).toMatch(/ENCRYPTED_CARD_ENABLED: must be true or false/);
  });
});
