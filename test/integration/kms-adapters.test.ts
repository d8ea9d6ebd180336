/**
 * The production KMS adapters (KmsCardDataDecryptor, KmsEnvelopeVault) through the real KMS SDK
 * client (made by our factory) against the local KMS emulator.
 */
import type { KMSClient } from '@aws-sdk/client-kms';
import { constants, publicEncrypt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKmsClient } from '../../lambdas/adapters/kms/kms-client.js';
import { KmsCardDataDecryptor } from '../../lambdas/adapters/kms/kms-card-data-decryptor.js';
import { KmsEnvelopeVault } from '../../lambdas/adapters/kms/kms-envelope-vault.js';
import type { SealedSecret } from '../../lambdas/core/ports.js';
import { type KmsEmulator, startKmsEmulator } from '../../local/kms-emulator.js';

let emulator: KmsEmulator;
let kms: KMSClient;

const utf8 = (s: string) => Buffer.from(s, 'utf8');
const CARD = '4925000000000004,2812,7d1f2c3b-session';

beforeAll(async () => {
  emulator = await startKmsEmulator({
    keys: [
      { keySpec: 'RSA_2048', aliases: ['alias/card-data'] },
      { keySpec: 'SYMMETRIC_DEFAULT', aliases: ['alias/envelope'] },
      { keySpec: 'SYMMETRIC_DEFAULT', aliases: ['alias/other-envelope'] },
    ],
  });
  kms = createKmsClient({ endpoint: emulator.endpoint, counter: false });
});

afterAll(async () => {
  kms.destroy();
  await emulator.close();
});

describe('KmsCardDataDecryptor', () => {
  it('hands out a PEM public key, and decrypts what Vipps encrypts with it (OAEP SHA-256)', async () => {
    const decryptor = new KmsCardDataDecryptor({ client: kms, keyId: 'alias/card-data' });
    const pem = await decryptor.publicKeyPem();
    expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+\n-----END PUBLIC KEY-----\n$/);

    // What Vipps does: RSA-OAEP (SHA-256 for hash and MGF1) with our PEM, outside KMS.
    const cardData = publicEncrypt(
      { key: pem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      utf8(CARD),
    );
    const plaintext = await decryptor.decrypt(cardData);
    expect(Buffer.from(plaintext).toString('utf8')).toBe(CARD);
  });

  it('uses OAEP SHA-1 when configured, and then refuses SHA-256 ciphertexts', async () => {
    const sha1 = new KmsCardDataDecryptor({ client: kms, keyId: emulator.keys[0]!.arn, oaepHash: 'SHA_1' });
    const pem = await sha1.publicKeyPem();
    const viaSha1 = publicEncrypt(
      { key: pem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
      utf8(CARD),
    );
    expect(Buffer.from(await sha1.decrypt(viaSha1)).toString('utf8')).toBe(CARD);

    const viaSha256 = publicEncrypt(
      { key: pem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      utf8(CARD),
    );
    await expect(sha1.decrypt(viaSha256)).rejects.toMatchObject({ name: 'InvalidCiphertextException' });
  });

  it('throws for garbage, for a wrong-length blob and for PKCS#1 v1.5 padding', async () => {
    const decryptor = new KmsCardDataDecryptor({ client: kms, keyId: 'alias/card-data' });
    await expect(decryptor.decrypt(new Uint8Array(256).fill(7))).rejects.toThrow();
    await expect(decryptor.decrypt(new Uint8Array(100).fill(7))).rejects.toThrow();
    const pem = await decryptor.publicKeyPem();
    const pkcs1 = publicEncrypt({ key: pem, padding: constants.RSA_PKCS1_PADDING }, utf8(CARD));
    await expect(decryptor.decrypt(pkcs1)).rejects.toMatchObject({ name: 'InvalidCiphertextException' });
  });

  it('refuses to hand out a PEM for a key that cannot decrypt card data', async () => {
    const wrong = new KmsCardDataDecryptor({ client: kms, keyId: 'alias/envelope' });
    await expect(wrong.publicKeyPem()).rejects.toMatchObject({ name: 'UnsupportedOperationException' });
    const missing = new KmsCardDataDecryptor({ client: kms, keyId: 'alias/missing' });
    await expect(missing.publicKeyPem()).rejects.toMatchObject({ name: 'NotFoundException' });
  });
});

describe('KmsEnvelopeVault', () => {
  const context = { purpose: '3ds-network-token', sessionId: 'sess-1' };

  it('seals and opens; the sealed form reveals nothing of the plaintext', async () => {
    const vault = new KmsEnvelopeVault({ client: kms, keyId: 'alias/envelope' });
    const secret = utf8('5226603115488031');
    const sealed = await vault.seal(secret, context);
    expect(Buffer.from(sealed.iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(sealed.tag, 'base64')).toHaveLength(16);
    expect(JSON.stringify(sealed)).not.toContain('5226603115488031');
    expect(Buffer.from(sealed.ciphertext, 'base64').toString('utf8')).not.toContain('5226');

    const opened = await vault.open(sealed, { sessionId: 'sess-1', purpose: '3ds-network-token' });
    expect(Buffer.from(opened).toString('utf8')).toBe('5226603115488031');
    // The caller's buffer is left alone.
    expect(secret.toString('utf8')).toBe('5226603115488031');
  });

  it('zeroes the plaintext data key after sealing and after opening', async () => {
    const spied = createKmsClient({ endpoint: emulator.endpoint, counter: false });
    const dataKeys: Uint8Array[] = [];
    spied.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        const plaintext = (result.output as { Plaintext?: Uint8Array }).Plaintext;
        if (plaintext) dataKeys.push(plaintext);
        return result;
      },
      { step: 'initialize', name: 'captureDataKey' },
    );
    const vault = new KmsEnvelopeVault({ client: spied, keyId: 'alias/envelope' });
    const sealed = await vault.seal(utf8('secret'), context);
    await vault.open(sealed, context);
    spied.destroy();
    expect(dataKeys).toHaveLength(2);
    for (const key of dataKeys) {
      expect(key).toHaveLength(32);
      expect(key.every((b) => b === 0)).toBe(true);
    }
  });

  it('uses a fresh data key and IV for every seal', async () => {
    const vault = new KmsEnvelopeVault({ client: kms, keyId: 'alias/envelope' });
    const a = await vault.seal(utf8('same'), context);
    const b = await vault.seal(utf8('same'), context);
    expect(a.iv).not.toBe(b.iv);
    expect(a.encryptedDataKey).not.toBe(b.encryptedDataKey);
    expect(a.ciphertext).not.toBe(b.ciphertext);
  });

  it('refuses a tampered ciphertext, tag, IV or data key, and another context', async () => {
    const vault = new KmsEnvelopeVault({ client: kms, keyId: 'alias/envelope' });
    const sealed = await vault.seal(utf8('token-number'), context);
    const flip = (b64: string) => {
      const bytes = Buffer.from(b64, 'base64');
      bytes[0]! ^= 0x01;
      return bytes.toString('base64');
    };
    const tampered: SealedSecret[] = [
      { ...sealed, ciphertext: flip(sealed.ciphertext) },
      { ...sealed, tag: flip(sealed.tag) },
      { ...sealed, iv: flip(sealed.iv) },
      { ...sealed, encryptedDataKey: flip(sealed.encryptedDataKey) },
      // A truncated tag would weaken GCM: it must be refused, not accepted.
      { ...sealed, tag: Buffer.from(sealed.tag, 'base64').subarray(0, 12).toString('base64') },
    ];
    for (const t of tampered) await expect(vault.open(t, context)).rejects.toThrow();
    await expect(vault.open(sealed, { ...context, sessionId: 'sess-2' })).rejects.toThrow();
    await expect(vault.open(sealed, { purpose: context.purpose })).rejects.toThrow();
    // Sanity: the untouched one still opens.
    expect(Buffer.from(await vault.open(sealed, context)).toString('utf8')).toBe('token-number');
  });

  it('cannot open a secret sealed under another KMS key', async () => {
    const sealed = await new KmsEnvelopeVault({ client: kms, keyId: 'alias/other-envelope' }).seal(
      utf8('x'),
      context,
    );
    const vault = new KmsEnvelopeVault({ client: kms, keyId: 'alias/envelope' });
    await expect(vault.open(sealed, context)).rejects.toMatchObject({ name: 'IncorrectKeyException' });
  });
});
