/**
 * Key material and the cryptography behind the emulated KMS operations. Private and symmetric
 * key material stays in this module: only GetPublicKey's DER public key ever leaves.
 *
 * Symmetric ciphertext blob (our own format, like KMS's it names the key inside):
 *   0x01 | key id (36 ASCII bytes) | IV (12) | GCM tag (16) | ciphertext
 * AES-256-GCM with AAD = key id + the canonical EncryptionContext, so a blob only decrypts under
 * the exact context it was made with.
 */
import {
  type KeyObject,
  constants,
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  randomUUID,
} from 'node:crypto';
import { promisify } from 'node:util';
import { kmsError } from './errors.js';

export type KeySpec = 'SYMMETRIC_DEFAULT' | 'RSA_2048';
export type EncryptionAlgorithm = 'SYMMETRIC_DEFAULT' | 'RSAES_OAEP_SHA_1' | 'RSAES_OAEP_SHA_256';

export interface KmsKey {
  keyId: string;
  arn: string;
  keySpec: KeySpec;
  keyUsage: 'ENCRYPT_DECRYPT';
  description: string;
  createdAt: Date;
  /** Symmetric keys only. */
  secret?: Buffer;
  /** RSA keys only. */
  privateKey?: KeyObject;
  publicKeyDer?: Buffer;
}

const generateRsa = promisify(generateKeyPair);
const VERSION = 0x01;
const ID_LENGTH = 36;
const HEADER = 1 + ID_LENGTH + 12 + 16;

export async function newKey(
  region: string,
  account: string,
  spec: KeySpec,
  description: string,
  keyId: string = randomUUID(),
): Promise<KmsKey> {
  const base = {
    keyId,
    arn: `arn:aws:kms:${region}:${account}:key/${keyId}`,
    keySpec: spec,
    keyUsage: 'ENCRYPT_DECRYPT' as const,
    description,
    createdAt: new Date(),
  };
  if (spec === 'SYMMETRIC_DEFAULT') return { ...base, secret: randomBytes(32) };
  const { privateKey, publicKey } = await generateRsa('rsa', {
    modulusLength: 2048,
    publicExponent: 0x10001,
  });
  return { ...base, privateKey, publicKeyDer: publicKey.export({ type: 'spki', format: 'der' }) };
}

export function encryptionAlgorithms(key: KmsKey): EncryptionAlgorithm[] {
  return key.keySpec === 'SYMMETRIC_DEFAULT'
    ? ['SYMMETRIC_DEFAULT']
    : ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'];
}

/** Order-independent, as KMS treats the context: the same pairs in any order match. */
function canonicalContext(context: Record<string, string>): string {
  return JSON.stringify(Object.entries(context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function aad(keyId: string, context: Record<string, string>): Buffer {
  return Buffer.from(`${keyId}\n${canonicalContext(context)}`, 'utf8');
}

export function symmetricEncrypt(key: KmsKey, plaintext: Buffer, context: Record<string, string>): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key.secret!, iv);
  cipher.setAAD(aad(key.keyId, context));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([
    Buffer.from([VERSION]),
    Buffer.from(key.keyId, 'ascii'),
    iv,
    cipher.getAuthTag(),
    body,
  ]);
}

/** The key id a symmetric blob names, or undefined if it is not one of our blobs. */
export function blobKeyId(blob: Buffer): string | undefined {
  if (blob.length <= HEADER || blob[0] !== VERSION) return undefined;
  const id = blob.subarray(1, 1 + ID_LENGTH).toString('ascii');
  return /^[0-9a-f-]{36}$/.test(id) ? id : undefined;
}

export function symmetricDecrypt(key: KmsKey, blob: Buffer, context: Record<string, string>): Buffer {
  const iv = blob.subarray(1 + ID_LENGTH, 1 + ID_LENGTH + 12);
  const tag = blob.subarray(1 + ID_LENGTH + 12, HEADER);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.secret!, iv, { authTagLength: 16 });
    decipher.setAAD(aad(key.keyId, context));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(blob.subarray(HEADER)), decipher.final()]);
  } catch {
    // Wrong context or tampered blob: KMS does not say which.
    throw kmsError(
      'InvalidCiphertextException',
      'The ciphertext is invalid or the encryption context does not match.',
    );
  }
}

const oaepHash = (algorithm: EncryptionAlgorithm) => (algorithm === 'RSAES_OAEP_SHA_1' ? 'sha1' : 'sha256');

/** RSAES_OAEP_SHA_*: OAEP with that hash for both the digest and MGF1, empty label (as KMS). */
export function rsaEncrypt(key: KmsKey, plaintext: Buffer, algorithm: EncryptionAlgorithm): Buffer {
  return publicEncrypt(
    { key: key.privateKey!, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: oaepHash(algorithm) },
    plaintext,
  );
}

export function rsaDecrypt(key: KmsKey, ciphertext: Buffer, algorithm: EncryptionAlgorithm): Buffer {
  if (ciphertext.length !== 256) throw kmsError('InvalidCiphertextException', 'The ciphertext is invalid.');
  try {
    return privateDecrypt(
      { key: key.privateKey!, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: oaepHash(algorithm) },
      ciphertext,
    );
  } catch {
    throw kmsError('InvalidCiphertextException', 'The ciphertext is invalid.');
  }
}

/** Largest plaintext KMS accepts per algorithm on RSA_2048 (API_Encrypt). */
export function rsaMaxPlaintext(algorithm: EncryptionAlgorithm): number {
  return algorithm === 'RSAES_OAEP_SHA_1' ? 214 : 190;
}

/** On-disk form for the local stack's data directory (never used outside the emulator). */
export interface StoredKey {
  keyId: string;
  keySpec: KeySpec;
  description: string;
  createdAt: string;
  secret?: string;
  privateKeyPem?: string;
}

export function exportKey(key: KmsKey): StoredKey {
  return {
    keyId: key.keyId,
    keySpec: key.keySpec,
    description: key.description,
    createdAt: key.createdAt.toISOString(),
    ...(key.secret ? { secret: key.secret.toString('base64') } : {}),
    ...(key.privateKey
      ? { privateKeyPem: key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() }
      : {}),
  };
}

export function importKey(stored: StoredKey, region: string, account: string): KmsKey {
  const base: KmsKey = {
    keyId: stored.keyId,
    arn: `arn:aws:kms:${region}:${account}:key/${stored.keyId}`,
    keySpec: stored.keySpec,
    keyUsage: 'ENCRYPT_DECRYPT',
    description: stored.description,
    createdAt: new Date(stored.createdAt),
  };
  if (stored.keySpec === 'SYMMETRIC_DEFAULT') {
    if (!stored.secret) throw new Error(`Stored key ${stored.keyId} has no key material`);
    return { ...base, secret: Buffer.from(stored.secret, 'base64') };
  }
  if (!stored.privateKeyPem) throw new Error(`Stored key ${stored.keyId} has no private key`);
  const privateKey = createPrivateKey(stored.privateKeyPem);
  return {
    ...base,
    privateKey,
    publicKeyDer: createPublicKey(privateKey).export({ type: 'spki', format: 'der' }),
  };
}
