/**
 * The local KMS emulator through the real @aws-sdk/client-kms: key addressing, symmetric
 * ciphertexts bound to their encryption context, RSA-OAEP with the public key used outside KMS,
 * and errors under the SDK's names.
 */
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GetPublicKeyCommand,
  KMSClient,
} from '@aws-sdk/client-kms';
import { constants, createPublicKey, publicEncrypt } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KmsEmulator, startKmsEmulator } from '../../local/kms-emulator.js';

let emulator: KmsEmulator;
let kms: KMSClient;
let symmetricId: string;
let rsaId: string;

const utf8 = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined) => new TextDecoder().decode(b);

beforeAll(async () => {
  emulator = await startKmsEmulator({
    keys: [
      { keySpec: 'SYMMETRIC_DEFAULT', aliases: ['alias/envelope'] },
      { keySpec: 'RSA_2048', aliases: ['alias/card-data'] },
    ],
  });
  symmetricId = emulator.keys[0]!.keyId;
  rsaId = emulator.keys[1]!.keyId;
  kms = new KMSClient({
    endpoint: emulator.endpoint,
    region: 'eu-north-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
});

afterAll(async () => {
  kms.destroy();
  await emulator.close();
});

describe('keys', () => {
  it('creates keys and addresses them by id, ARN and alias', async () => {
    const created = await kms.send(
      new CreateKeyCommand({ KeySpec: 'SYMMETRIC_DEFAULT', Description: 'test key' }),
    );
    const meta = created.KeyMetadata!;
    expect(meta.Arn).toBe(`arn:aws:kms:eu-north-1:000000000000:key/${meta.KeyId}`);
    expect(meta).toMatchObject({
      KeySpec: 'SYMMETRIC_DEFAULT',
      KeyUsage: 'ENCRYPT_DECRYPT',
      Enabled: true,
      KeyState: 'Enabled',
    });
    expect(meta.CreationDate).toBeInstanceOf(Date);

    await kms.send(new CreateAliasCommand({ AliasName: 'alias/test-key', TargetKeyId: meta.KeyId }));
    for (const ref of [
      meta.KeyId!,
      meta.Arn!,
      'alias/test-key',
      'arn:aws:kms:eu-north-1:000000000000:alias/test-key',
    ]) {
      const described = await kms.send(new DescribeKeyCommand({ KeyId: ref }));
      expect(described.KeyMetadata?.KeyId).toBe(meta.KeyId);
    }
    await expect(
      kms.send(new CreateAliasCommand({ AliasName: 'alias/test-key', TargetKeyId: meta.KeyId })),
    ).rejects.toMatchObject({
      name: 'AlreadyExistsException',
    });
  });

  it('answers NotFoundException for an unknown key or alias', async () => {
    await expect(kms.send(new DescribeKeyCommand({ KeyId: 'alias/nope' }))).rejects.toMatchObject({
      name: 'NotFoundException',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(
      kms.send(new EncryptCommand({ KeyId: '00000000-0000-0000-0000-000000000000', Plaintext: utf8('x') })),
    ).rejects.toMatchObject({ name: 'NotFoundException' });
  });

  it('refuses key specs it does not emulate with ValidationException', async () => {
    await expect(
      kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });
});

describe('symmetric keys', () => {
  it('round-trips Encrypt/Decrypt, Decrypt without KeyId finds the key from the blob', async () => {
    const context = { purpose: 'test', id: '42' };
    const enc = await kms.send(
      new EncryptCommand({ KeyId: 'alias/envelope', Plaintext: utf8('secret'), EncryptionContext: context }),
    );
    expect(enc.KeyId).toBe(emulator.keys[0]!.arn);
    const dec = await kms.send(
      new DecryptCommand({
        CiphertextBlob: enc.CiphertextBlob,
        EncryptionContext: { id: '42', purpose: 'test' },
      }),
    );
    expect(text(dec.Plaintext)).toBe('secret');
    expect(dec.KeyId).toBe(emulator.keys[0]!.arn);
  });

  it('binds the ciphertext to its encryption context and its key', async () => {
    const enc = await kms.send(
      new EncryptCommand({
        KeyId: symmetricId,
        Plaintext: utf8('secret'),
        EncryptionContext: { session: 'a' },
      }),
    );
    await expect(
      kms.send(
        new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { session: 'b' } }),
      ),
    ).rejects.toMatchObject({
      name: 'InvalidCiphertextException',
    });
    await expect(kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }))).rejects.toMatchObject({
      name: 'InvalidCiphertextException',
    });
    const tampered = Uint8Array.from(enc.CiphertextBlob!);
    tampered[tampered.length - 1]! ^= 1;
    await expect(
      kms.send(new DecryptCommand({ CiphertextBlob: tampered, EncryptionContext: { session: 'a' } })),
    ).rejects.toMatchObject({
      name: 'InvalidCiphertextException',
    });
    const other = await emulator.createKey({ keySpec: 'SYMMETRIC_DEFAULT' });
    await expect(
      kms.send(
        new DecryptCommand({
          CiphertextBlob: enc.CiphertextBlob,
          KeyId: other.keyId,
          EncryptionContext: { session: 'a' },
        }),
      ),
    ).rejects.toMatchObject({ name: 'IncorrectKeyException' });
  });

  it('GenerateDataKey returns a 32-byte key whose blob decrypts to it under the same context only', async () => {
    const out = await kms.send(
      new GenerateDataKeyCommand({
        KeyId: 'alias/envelope',
        KeySpec: 'AES_256',
        EncryptionContext: { s: '1' },
      }),
    );
    expect(out.Plaintext).toHaveLength(32);
    const back = await kms.send(
      new DecryptCommand({
        CiphertextBlob: out.CiphertextBlob,
        KeyId: symmetricId,
        EncryptionContext: { s: '1' },
      }),
    );
    expect(Buffer.from(back.Plaintext!).equals(Buffer.from(out.Plaintext!))).toBe(true);
    await expect(
      kms.send(new DecryptCommand({ CiphertextBlob: out.CiphertextBlob, EncryptionContext: { s: '2' } })),
    ).rejects.toMatchObject({
      name: 'InvalidCiphertextException',
    });

    const sixteen = await kms.send(new GenerateDataKeyCommand({ KeyId: symmetricId, NumberOfBytes: 16 }));
    expect(sixteen.Plaintext).toHaveLength(16);
    await expect(kms.send(new GenerateDataKeyCommand({ KeyId: symmetricId }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    await expect(
      kms.send(new GenerateDataKeyCommand({ KeyId: rsaId, KeySpec: 'AES_256' })),
    ).rejects.toMatchObject({
      name: 'InvalidKeyUsageException',
    });
  });

  it('has no public key', async () => {
    await expect(kms.send(new GetPublicKeyCommand({ KeyId: symmetricId }))).rejects.toMatchObject({
      name: 'UnsupportedOperationException',
    });
  });
});

describe('RSA_2048 keys', () => {
  it('GetPublicKey returns DER SubjectPublicKeyInfo with the OAEP algorithms', async () => {
    const out = await kms.send(new GetPublicKeyCommand({ KeyId: 'alias/card-data' }));
    expect(out).toMatchObject({
      KeySpec: 'RSA_2048',
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeyId: emulator.keys[1]!.arn,
    });
    expect(out.EncryptionAlgorithms).toEqual(['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256']);
    const der = Buffer.from(out.PublicKey!);
    expect(der[0]).toBe(0x30); // a DER SEQUENCE, not "-----BEGIN"
    const key = createPublicKey({ key: der, format: 'der', type: 'spki' });
    expect(key.asymmetricKeyType).toBe('rsa');
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
  });

  it('decrypts what node:crypto encrypted with the public key, for each OAEP hash', async () => {
    const der = Buffer.from((await kms.send(new GetPublicKeyCommand({ KeyId: rsaId }))).PublicKey!);
    const publicKey = createPublicKey({ key: der, format: 'der', type: 'spki' });
    for (const [hash, algorithm] of [
      ['sha256', 'RSAES_OAEP_SHA_256'],
      ['sha1', 'RSAES_OAEP_SHA_1'],
    ] as const) {
      const ciphertext = publicEncrypt(
        { key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash },
        utf8('4925000000000004,2812,sess'),
      );
      expect(ciphertext).toHaveLength(256);
      const out = await kms.send(
        new DecryptCommand({ CiphertextBlob: ciphertext, KeyId: rsaId, EncryptionAlgorithm: algorithm }),
      );
      expect(text(out.Plaintext)).toBe('4925000000000004,2812,sess');
      expect(out.EncryptionAlgorithm).toBe(algorithm);
    }
  });

  it('needs the right KeyId and algorithm to decrypt', async () => {
    const enc = await kms.send(
      new EncryptCommand({ KeyId: rsaId, Plaintext: utf8('x'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }),
    );
    expect(enc.CiphertextBlob).toHaveLength(256);
    await expect(
      kms.send(
        new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }),
      ),
    ).rejects.toMatchObject({
      name: 'InvalidCiphertextException',
    });
    await expect(
      kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, KeyId: rsaId })),
    ).rejects.toMatchObject({
      name: 'InvalidKeyUsageException',
    });
    await expect(
      kms.send(
        new DecryptCommand({
          CiphertextBlob: enc.CiphertextBlob,
          KeyId: rsaId,
          EncryptionAlgorithm: 'RSAES_OAEP_SHA_1',
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidCiphertextException' });
    await expect(
      kms.send(
        new DecryptCommand({
          CiphertextBlob: new Uint8Array(256),
          KeyId: rsaId,
          EncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidCiphertextException' });
  });

  it('refuses plaintext longer than OAEP-SHA-256 allows (190 bytes)', async () => {
    await expect(
      kms.send(
        new EncryptCommand({
          KeyId: rsaId,
          Plaintext: new Uint8Array(191),
          EncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
        }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });
});

describe('dataFile', () => {
  it('keeps keys and aliases across restarts, so old ciphertexts and the public key stay valid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-emulator-'));
    const dataFile = join(dir, 'kms.json');
    const seeds = [
      { keySpec: 'SYMMETRIC_DEFAULT' as const, aliases: ['alias/envelope'] },
      { keySpec: 'RSA_2048' as const, aliases: ['alias/card-data'] },
    ];
    const client = (endpoint: string) =>
      new KMSClient({
        endpoint,
        region: 'eu-north-1',
        credentials: { accessKeyId: 't', secretAccessKey: 't' },
      });
    try {
      const first = await startKmsEmulator({ keys: seeds, dataFile });
      const kms1 = client(first.endpoint);
      const enc = await kms1.send(
        new EncryptCommand({
          KeyId: 'alias/envelope',
          Plaintext: utf8('kept'),
          EncryptionContext: { a: 'b' },
        }),
      );
      const pem1 = Buffer.from(
        (await kms1.send(new GetPublicKeyCommand({ KeyId: 'alias/card-data' }))).PublicKey!,
      );
      const added = await kms1.send(new CreateKeyCommand({}));
      kms1.destroy();
      await first.close();
      expect(statSync(dataFile).mode & 0o077).toBe(0);

      const second = await startKmsEmulator({ keys: seeds, dataFile });
      expect(second.keys.map((k) => k.keyId)).toEqual(first.keys.map((k) => k.keyId));
      const kms2 = client(second.endpoint);
      const dec = await kms2.send(
        new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { a: 'b' } }),
      );
      expect(text(dec.Plaintext)).toBe('kept');
      const pem2 = Buffer.from(
        (await kms2.send(new GetPublicKeyCommand({ KeyId: 'alias/card-data' }))).PublicKey!,
      );
      expect(pem2.equals(pem1)).toBe(true);
      expect(
        (await kms2.send(new DescribeKeyCommand({ KeyId: added.KeyMetadata!.KeyId }))).KeyMetadata?.KeySpec,
      ).toBe('SYMMETRIC_DEFAULT');
      kms2.destroy();
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
