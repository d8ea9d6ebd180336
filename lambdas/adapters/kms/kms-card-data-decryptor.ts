/**
 * Legacy ENCRYPTEDCARD: Vipps encrypts `cardData` with our RSA public key (RSA-OAEP); only KMS
 * holds the private key, so decryption is a KMS Decrypt with the key id and the OAEP algorithm
 * (asymmetric ciphertext carries no metadata, so both must be given).
 */
import { createPublicKey } from 'node:crypto';
import { DecryptCommand, GetPublicKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { CardDataDecryptor } from '../../core/ports.js';

export type OaepHash = 'SHA_256' | 'SHA_1';

export interface KmsCardDataDecryptorOptions {
  client: KMSClient;
  /** Key id, key ARN or alias of the RSA_2048 ENCRYPT_DECRYPT key. */
  keyId: string;
  /** Must match what Vipps encrypts with (CARD_DATA_OAEP_HASH); SHA-256 by default. */
  oaepHash?: OaepHash;
}

export class KmsCardDataDecryptor implements CardDataDecryptor {
  private readonly kms: KMSClient;
  private readonly keyId: string;
  private readonly algorithm: 'RSAES_OAEP_SHA_256' | 'RSAES_OAEP_SHA_1';
  private pem: Promise<string> | undefined;

  constructor(options: KmsCardDataDecryptorOptions) {
    this.kms = options.client;
    this.keyId = options.keyId;
    this.algorithm = options.oaepHash === 'SHA_1' ? 'RSAES_OAEP_SHA_1' : 'RSAES_OAEP_SHA_256';
  }

  async decrypt(ciphertext: Uint8Array): Promise<Uint8Array> {
    const out = await this.kms.send(
      new DecryptCommand({
        CiphertextBlob: ciphertext,
        KeyId: this.keyId,
        EncryptionAlgorithm: this.algorithm,
      }),
    );
    if (!out.Plaintext) throw new Error('KMS Decrypt returned no plaintext');
    return out.Plaintext;
  }

  /** The PEM to hand to Vipps. Cached: a key's public half never changes. */
  publicKeyPem(): Promise<string> {
    this.pem ??= this.fetchPem().catch((err: unknown) => {
      this.pem = undefined; // a failed fetch is retried next time
      throw err;
    });
    return this.pem;
  }

  private async fetchPem(): Promise<string> {
    const out = await this.kms.send(new GetPublicKeyCommand({ KeyId: this.keyId }));
    if (!out.PublicKey) throw new Error('KMS GetPublicKey returned no key');
    if (out.KeyUsage !== 'ENCRYPT_DECRYPT' || !out.EncryptionAlgorithms?.includes(this.algorithm)) {
      throw new Error(
        `KMS key ${this.keyId} cannot decrypt with ${this.algorithm} (usage ${out.KeyUsage ?? '?'}, algorithms ${out.EncryptionAlgorithms?.join(', ') ?? '?'})`,
      );
    }
    // GetPublicKey returns DER (SubjectPublicKeyInfo) bytes, not PEM: convert, never relabel.
    return createPublicKey({ key: Buffer.from(out.PublicKey), format: 'der', type: 'spki' })
      .export({ type: 'spki', format: 'pem' })
      .toString();
  }
}
