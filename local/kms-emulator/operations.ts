/**
 * The KMS operations we use (TrentService, AWS JSON 1.1). Blobs travel as base64 strings and
 * timestamps as epoch seconds, as in the real protocol.
 */
import { randomBytes } from 'node:crypto';
import { kmsError } from './errors.js';
import {
  type EncryptionAlgorithm,
  type KeySpec,
  type KmsKey,
  blobKeyId,
  encryptionAlgorithms,
  newKey,
  rsaDecrypt,
  rsaEncrypt,
  rsaMaxPlaintext,
  symmetricDecrypt,
  symmetricEncrypt,
} from './keys.js';

export const ACCOUNT_ID = '000000000000';

export interface KmsState {
  region: string;
  keys: Map<string, KmsKey>;
  /** `alias/<name>` → key id */
  aliases: Map<string, string>;
}

type Input = Record<string, unknown>;

// ── parameters ─────────────────────────────────────────────────────────────────────────────

function requiredString(input: Input, name: string): string {
  const value = input[name];
  if (typeof value !== 'string' || value === '') {
    throw kmsError(
      'ValidationException',
      `1 validation error detected: Value at '${lower(name)}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

function optionalString(input: Input, name: string): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw kmsError('ValidationException', `${name} must be a string`);
  return value;
}

function blob(input: Input, name: string, min: number, max: number): Buffer {
  const value = input[name];
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) {
    throw kmsError('ValidationException', `${name} must be a base64 blob`);
  }
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length < min || bytes.length > max) {
    throw kmsError(
      'ValidationException',
      `1 validation error detected: Value at '${lower(name)}' failed to satisfy constraint: Member must have length between ${min} and ${max}`,
    );
  }
  return bytes;
}

function context(input: Input): Record<string, string> {
  const value = input.EncryptionContext;
  if (value === undefined || value === null) return {};
  if (
    typeof value !== 'object' ||
    Array.isArray(value) ||
    Object.values(value).some((v) => typeof v !== 'string')
  ) {
    throw kmsError('ValidationException', 'EncryptionContext must be a map of strings');
  }
  return value as Record<string, string>;
}

function algorithm(input: Input): EncryptionAlgorithm {
  const value = input.EncryptionAlgorithm ?? 'SYMMETRIC_DEFAULT';
  if (value !== 'SYMMETRIC_DEFAULT' && value !== 'RSAES_OAEP_SHA_1' && value !== 'RSAES_OAEP_SHA_256') {
    throw kmsError('ValidationException', `Unsupported EncryptionAlgorithm ${String(value)}`);
  }
  return value;
}

const lower = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);

// ── key resolution ─────────────────────────────────────────────────────────────────────────

/** A key by id, key ARN, `alias/<name>` or alias ARN. */
export function resolveKey(state: KmsState, reference: string): KmsKey {
  let id = reference;
  const arn = /^arn:aws:kms:[^:]+:(\d{12}):(key\/.+|alias\/.+)$/.exec(reference);
  if (arn) {
    if (arn[1] !== ACCOUNT_ID) throw notFound(reference);
    id = arn[2]!;
  }
  if (id.startsWith('key/')) id = id.slice(4);
  if (id.startsWith('alias/')) id = state.aliases.get(id) ?? '';
  const key = state.keys.get(id);
  if (!key) throw notFound(reference);
  return key;
}

const notFound = (reference: string) => kmsError('NotFoundException', `Key '${reference}' does not exist`);

function symmetricOnly(key: KmsKey, operation: string): void {
  if (key.keySpec !== 'SYMMETRIC_DEFAULT') {
    throw kmsError(
      'InvalidKeyUsageException',
      `${key.arn} key usage is ENCRYPT_DECRYPT with key spec ${key.keySpec}, which is not valid for ${operation}.`,
    );
  }
}

function metadata(key: KmsKey) {
  return {
    AWSAccountId: ACCOUNT_ID,
    KeyId: key.keyId,
    Arn: key.arn,
    CreationDate: key.createdAt.getTime() / 1000,
    Enabled: true,
    Description: key.description,
    KeyUsage: key.keyUsage,
    KeyState: 'Enabled',
    Origin: 'AWS_KMS',
    KeyManager: 'CUSTOMER',
    CustomerMasterKeySpec: key.keySpec,
    KeySpec: key.keySpec,
    EncryptionAlgorithms: encryptionAlgorithms(key),
    MultiRegion: false,
  };
}

// ── operations ─────────────────────────────────────────────────────────────────────────────

export async function createKey(
  state: KmsState,
  spec: KeySpec,
  description = '',
  keyId?: string,
): Promise<KmsKey> {
  const key = await newKey(state.region, ACCOUNT_ID, spec, description, keyId);
  if (state.keys.has(key.keyId)) throw kmsError('AlreadyExistsException', `Key ${key.keyId} already exists`);
  state.keys.set(key.keyId, key);
  return key;
}

export function createAlias(state: KmsState, aliasName: string, target: string): void {
  if (!/^alias\/[a-zA-Z0-9/_-]{1,250}$/.test(aliasName) || aliasName.startsWith('alias/aws/')) {
    throw kmsError(
      'ValidationException',
      `Alias name ${aliasName} must begin with alias/ and not alias/aws/`,
    );
  }
  if (target.includes('alias/'))
    throw kmsError('ValidationException', 'TargetKeyId must be a key id or key ARN');
  const key = resolveKey(state, target);
  if (state.aliases.has(aliasName))
    throw kmsError('AlreadyExistsException', `An alias with the name ${aliasName} already exists`);
  state.aliases.set(aliasName, key.keyId);
}

export type Operation = (state: KmsState, input: Input) => Promise<unknown> | unknown;

export const operations: Record<string, Operation> = {
  async CreateKey(state, input) {
    const spec = input.KeySpec ?? input.CustomerMasterKeySpec ?? 'SYMMETRIC_DEFAULT';
    const usage = input.KeyUsage ?? 'ENCRYPT_DECRYPT';
    if (spec !== 'SYMMETRIC_DEFAULT' && spec !== 'RSA_2048') {
      throw kmsError(
        'ValidationException',
        `KeySpec ${String(spec)} is not supported by the local KMS emulator`,
      );
    }
    if (usage !== 'ENCRYPT_DECRYPT') {
      throw kmsError(
        'ValidationException',
        `KeyUsage ${String(usage)} is not supported by the local KMS emulator`,
      );
    }
    const key = await createKey(state, spec, optionalString(input, 'Description') ?? '');
    return { KeyMetadata: metadata(key) };
  },

  DescribeKey(state, input) {
    return { KeyMetadata: metadata(resolveKey(state, requiredString(input, 'KeyId'))) };
  },

  CreateAlias(state, input) {
    createAlias(state, requiredString(input, 'AliasName'), requiredString(input, 'TargetKeyId'));
    return {};
  },

  ListAliases(state, input) {
    const only = optionalString(input, 'KeyId');
    const onlyId = only ? resolveKey(state, only).keyId : undefined;
    const Aliases = [...state.aliases]
      .filter(([, keyId]) => !onlyId || keyId === onlyId)
      .map(([AliasName, TargetKeyId]) => ({
        AliasName,
        AliasArn: `arn:aws:kms:${state.region}:${ACCOUNT_ID}:${AliasName}`,
        TargetKeyId,
      }));
    return { Aliases, Truncated: false };
  },

  GetPublicKey(state, input) {
    const key = resolveKey(state, requiredString(input, 'KeyId'));
    if (!key.publicKeyDer) {
      throw kmsError(
        'UnsupportedOperationException',
        `${key.arn} is a symmetric key; GetPublicKey needs an asymmetric key.`,
      );
    }
    return {
      KeyId: key.arn,
      PublicKey: key.publicKeyDer.toString('base64'),
      CustomerMasterKeySpec: key.keySpec,
      KeySpec: key.keySpec,
      KeyUsage: key.keyUsage,
      EncryptionAlgorithms: encryptionAlgorithms(key),
    };
  },

  Encrypt(state, input) {
    const key = resolveKey(state, requiredString(input, 'KeyId'));
    const plaintext = blob(input, 'Plaintext', 1, 4096);
    const alg = algorithm(input);
    const ctx = context(input);
    let CiphertextBlob: Buffer;
    if (key.keySpec === 'SYMMETRIC_DEFAULT') {
      if (alg !== 'SYMMETRIC_DEFAULT') throw badAlgorithm(key, alg);
      CiphertextBlob = symmetricEncrypt(key, plaintext, ctx);
    } else {
      if (alg === 'SYMMETRIC_DEFAULT') throw badAlgorithm(key, alg);
      if (Object.keys(ctx).length > 0) {
        throw kmsError('ValidationException', 'EncryptionContext is not supported with asymmetric KMS keys');
      }
      if (plaintext.length > rsaMaxPlaintext(alg)) {
        throw kmsError(
          'ValidationException',
          `Plaintext is too long for ${alg} (at most ${rsaMaxPlaintext(alg)} bytes)`,
        );
      }
      CiphertextBlob = rsaEncrypt(key, plaintext, alg);
    }
    return { CiphertextBlob: CiphertextBlob.toString('base64'), KeyId: key.arn, EncryptionAlgorithm: alg };
  },

  Decrypt(state, input) {
    const ciphertext = blob(input, 'CiphertextBlob', 1, 6144);
    const keyRef = optionalString(input, 'KeyId');
    const alg = algorithm(input);
    const ctx = context(input);
    const embedded = blobKeyId(ciphertext);
    // Without KeyId only a symmetric blob (which names its key) can be decrypted.
    const key = keyRef ? resolveKey(state, keyRef) : embedded ? state.keys.get(embedded) : undefined;
    if (!key) throw kmsError('InvalidCiphertextException', 'The ciphertext is invalid.');
    let plaintext: Buffer;
    if (key.keySpec === 'SYMMETRIC_DEFAULT') {
      if (alg !== 'SYMMETRIC_DEFAULT') throw badAlgorithm(key, alg);
      if (!embedded) throw kmsError('InvalidCiphertextException', 'The ciphertext is invalid.');
      if (embedded !== key.keyId) {
        throw kmsError(
          'IncorrectKeyException',
          'The key ID in the request does not identify the KMS key that encrypted the ciphertext.',
        );
      }
      plaintext = symmetricDecrypt(key, ciphertext, ctx);
    } else {
      if (alg === 'SYMMETRIC_DEFAULT') throw badAlgorithm(key, alg);
      plaintext = rsaDecrypt(key, ciphertext, alg);
    }
    return { KeyId: key.arn, Plaintext: plaintext.toString('base64'), EncryptionAlgorithm: alg };
  },

  GenerateDataKey(state, input) {
    const { key, plaintext, ciphertext } = generateDataKey(state, input);
    return {
      KeyId: key.arn,
      Plaintext: plaintext.toString('base64'),
      CiphertextBlob: ciphertext.toString('base64'),
    };
  },

  GenerateDataKeyWithoutPlaintext(state, input) {
    const { key, ciphertext } = generateDataKey(state, input);
    return { KeyId: key.arn, CiphertextBlob: ciphertext.toString('base64') };
  },
};

function generateDataKey(state: KmsState, input: Input) {
  const key = resolveKey(state, requiredString(input, 'KeyId'));
  symmetricOnly(key, 'GenerateDataKey');
  const spec = input.KeySpec;
  const count = input.NumberOfBytes;
  if ((spec === undefined) === (count === undefined)) {
    throw kmsError('ValidationException', 'Specify exactly one of KeySpec and NumberOfBytes');
  }
  let length: number;
  if (spec !== undefined) {
    if (spec !== 'AES_256' && spec !== 'AES_128')
      throw kmsError('ValidationException', `Invalid KeySpec ${String(spec)}`);
    length = spec === 'AES_256' ? 32 : 16;
  } else {
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 1024) {
      throw kmsError('ValidationException', 'NumberOfBytes must be from 1 to 1024');
    }
    length = count;
  }
  const plaintext = randomBytes(length);
  return { key, plaintext, ciphertext: symmetricEncrypt(key, plaintext, context(input)) };
}

const badAlgorithm = (key: KmsKey, alg: EncryptionAlgorithm) =>
  kmsError(
    'InvalidKeyUsageException',
    `${key.arn} (${key.keySpec}) does not support the encryption algorithm ${alg}; it supports ${encryptionAlgorithms(key).join(', ')}.`,
  );
