/**
 * SecretVault by envelope encryption: a fresh KMS data key per secret (GenerateDataKey AES_256,
 * bound to the EncryptionContext), AES-256-GCM locally with a random 96-bit IV, and the same
 * context as GCM additional data — so neither the encrypted data key nor the ciphertext can be
 * replayed under another context (e.g. another 3-D Secure session). The plaintext data key is
 * zeroed as soon as it has been used.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { SealedSecret, SecretVault } from '../../core/ports.js';

const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface KmsEnvelopeVaultOptions {
  client: KMSClient;
  /** Key id, ARN or alias of the SYMMETRIC_DEFAULT key. */
  keyId: string;
}

export class SecretVaultError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SecretVaultError';
  }
}

/** Order-independent, like KMS's own matching of encryption contexts. */
function additionalData(context: Record<string, string>): Buffer {
  const entries = Object.entries(context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Buffer.from(JSON.stringify(entries), 'utf8');
}

export class KmsEnvelopeVault implements SecretVault {
  private readonly kms: KMSClient;
  private readonly keyId: string;

  constructor(options: KmsEnvelopeVaultOptions) {
    this.kms = options.client;
    this.keyId = options.keyId;
  }

  async seal(plaintext: Uint8Array, context: Record<string, string>): Promise<SealedSecret> {
    const out = await this.kms.send(
      new GenerateDataKeyCommand({ KeyId: this.keyId, KeySpec: 'AES_256', EncryptionContext: context }),
    );
    const dataKey = out.Plaintext;
    try {
      if (!dataKey || dataKey.length !== 32 || !out.CiphertextBlob) {
        throw new SecretVaultError('KMS GenerateDataKey returned no usable data key');
      }
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', dataKey, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(additionalData(context));
      const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return {
        encryptedDataKey: Buffer.from(out.CiphertextBlob).toString('base64'),
        iv: iv.toString('base64'),
        ciphertext: ciphertext.toString('base64'),
        tag: cipher.getAuthTag().toString('base64'),
      };
    } finally {
      dataKey?.fill(0);
    }
  }

  async open(sealed: SealedSecret, context: Record<string, string>): Promise<Uint8Array> {
    const iv = Buffer.from(sealed.iv, 'base64');
    const tag = Buffer.from(sealed.tag, 'base64');
    // GCM would accept a truncated tag; insist on the full 16 bytes we wrote.
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
      throw new SecretVaultError('Sealed secret has a malformed IV or tag');
    }
    const out = await this.kms.send(
      new DecryptCommand({
        CiphertextBlob: Buffer.from(sealed.encryptedDataKey, 'base64'),
        KeyId: this.keyId,
        EncryptionContext: context,
      }),
    );
    const dataKey = out.Plaintext;
    try {
      if (!dataKey || dataKey.length !== 32)
        throw new SecretVaultError('KMS Decrypt returned no usable data key');
      const decipher = createDecipheriv('aes-256-gcm', dataKey, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(additionalData(context));
      decipher.setAuthTag(tag);
      try {
        return Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64')), decipher.final()]);
      } catch (err) {
        throw new SecretVaultError('Sealed secret failed authentication (tampered or wrong context)', {
          cause: err,
        });
      }
    } finally {
      dataKey?.fill(0);
    }
  }
}
