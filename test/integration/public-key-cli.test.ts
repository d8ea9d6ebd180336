/**
 * `npm run public-key` (bin/public-key.ts) against the local KMS emulator through the real KMS SDK
 * client: the PEM it prints is our RSA 2048 key's public half — Vipps can encrypt cardData with it
 * and our production decryptor opens the result.
 */
import { spawn } from 'node:child_process';
import { constants, createPublicKey, publicEncrypt } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printPublicKey } from '../../bin/public-key.js';
import { createKmsClient } from '../../lambdas/adapters/kms/kms-client.js';
import { KmsCardDataDecryptor } from '../../lambdas/adapters/kms/kms-card-data-decryptor.js';
import { type KmsEmulator, startKmsEmulator } from '../../local/kms-emulator.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
let emulator: KmsEmulator;
let kms: KMSClient;

beforeAll(async () => {
  emulator = await startKmsEmulator({
    keys: [
      { keySpec: 'RSA_2048', aliases: ['alias/vipps-card-data'] },
      { keySpec: 'SYMMETRIC_DEFAULT', aliases: ['alias/envelope'] },
    ],
  });
  kms = createKmsClient({ endpoint: emulator.endpoint, counter: false });
});
afterAll(() => emulator?.close());

const collector = () => {
  const chunks: string[] = [];
  return { write: (text: string) => chunks.push(text), text: () => chunks.join('') };
};

describe('printPublicKey', () => {
  it('writes a PEM that parses as an RSA 2048 public key, and what it encrypts our decryptor opens', async () => {
    const out = collector();
    const info = collector();
    const pem = await printPublicKey({ kmsClient: kms, keyId: 'alias/vipps-card-data', out, info });
    expect(out.text()).toBe(pem.endsWith('\n') ? pem : `${pem}\n`);
    expect(out.text()).toMatch(/^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+-----END PUBLIC KEY-----\n$/);

    const key = createPublicKey(out.text());
    expect(key.type).toBe('public');
    expect(key.asymmetricKeyType).toBe('rsa');
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(info.text()).toMatch(/RSA 2048 bit, RSAES_OAEP_SHA_256; SPKI SHA-256 fingerprint [0-9a-f]{64}/);

    // The same key KMS decrypts with: Vipps' encryption (RSA-OAEP SHA-256) round-trips.
    const card = '4111111111111111,3012,abc123';
    const ciphertext = publicEncrypt(
      { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      Buffer.from(card),
    );
    const decryptor = new KmsCardDataDecryptor({ client: kms, keyId: 'alias/vipps-card-data' });
    expect(Buffer.from(await decryptor.decrypt(ciphertext)).toString()).toBe(card);
  });

  it('refuses a key that cannot decrypt cardData (a symmetric key), printing nothing', async () => {
    const out = collector();
    await expect(printPublicKey({ kmsClient: kms, keyId: 'alias/envelope', out })).rejects.toThrow();
    expect(out.text()).toBe('');
  });
});

describe('npm run public-key (the CLI)', () => {
  const run = (env: Record<string, string | undefined>) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolveRun, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'bin/public-key.ts'], {
        cwd: repoRoot,
        env: {
          PATH: process.env.PATH,
          AWS_ENDPOINT_URL_KMS: emulator.endpoint,
          AWS_REGION: 'eu-north-1',
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
          ...env,
        },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolveRun({ code, stdout, stderr }));
    });

  it('prints only the PEM on stdout, with CARD_DATA_KEY_ID and the endpoint from the environment', async () => {
    const result = await run({ CARD_DATA_KEY_ID: 'alias/vipps-card-data' });
    expect(result.code, result.stderr).toBe(0);
    expect(createPublicKey(result.stdout).asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(result.stderr).toContain('alias/vipps-card-data');
  });

  it('exits 1 with a message naming CARD_DATA_KEY_ID when it is missing', async () => {
    const result = await run({ CARD_DATA_KEY_ID: undefined });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('CARD_DATA_KEY_ID');
  });
});
