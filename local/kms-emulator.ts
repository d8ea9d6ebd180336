/**
 * A local KMS: the AWS JSON 1.1 protocol (`X-Amz-Target: TrentService.<Operation>`) on node:http,
 * so the real @aws-sdk/client-kms — and the production KMS adapters — run against it unchanged.
 * Supports SYMMETRIC_DEFAULT and RSA_2048 ENCRYPT_DECRYPT keys, addressable by id, key ARN
 * (`arn:aws:kms:<region>:000000000000:key/<id>`) and `alias/<name>`. Keys live in memory —
 * or, with `dataFile`, also in a local JSON file so the local stack keeps its keys (and can still
 * open what it sealed, and Vipps' copy of our public key stays valid) across restarts. Private key
 * material never leaves the emulator over the API.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { startAwsJsonServer } from './aws-json-server.js';
import { kmsError } from './kms-emulator/errors.js';
import { type KeySpec, type StoredKey, exportKey, importKey } from './kms-emulator/keys.js';
import { ACCOUNT_ID, type KmsState, createAlias, createKey, operations } from './kms-emulator/operations.js';

export type { KeySpec };

/**
 * A key to have at start. Idempotent with `dataFile`: a seed whose keyId or one of whose aliases
 * already exists reuses that key (and adds any missing alias) instead of creating another.
 */
export interface KmsKeySeed {
  keySpec: KeySpec;
  /** `alias/<name>`; several allowed. */
  aliases?: string[];
  /** A fixed key id (lower-case UUID) instead of a random one. */
  keyId?: string;
  description?: string;
}

export interface KmsEmulatorOptions {
  port?: number;
  host?: string;
  region?: string;
  /** Keys (and aliases) to have before the endpoint opens. */
  keys?: KmsKeySeed[];
  /** Keep keys and aliases in this JSON file (created if missing; holds key material: local only). */
  dataFile?: string;
}

export interface CreatedKmsKey {
  keyId: string;
  arn: string;
  keySpec: KeySpec;
}

export interface KmsEmulator {
  endpoint: string;
  region: string;
  accountId: string;
  /** The seeded keys, in the order given. */
  keys: CreatedKmsKey[];
  createKey(seed: KmsKeySeed): Promise<CreatedKmsKey>;
  createAlias(aliasName: string, keyIdOrArn: string): void;
  close(): Promise<void>;
}

export async function startKmsEmulator(options: KmsEmulatorOptions = {}): Promise<KmsEmulator> {
  const region = options.region ?? 'eu-north-1';
  const state: KmsState = { region, keys: new Map(), aliases: new Map() };

  if (options.dataFile && existsSync(options.dataFile)) {
    const saved = JSON.parse(readFileSync(options.dataFile, 'utf8')) as PersistedState;
    for (const stored of saved.keys) state.keys.set(stored.keyId, importKey(stored, region, ACCOUNT_ID));
    for (const [alias, keyId] of Object.entries(saved.aliases)) state.aliases.set(alias, keyId);
  }
  const save = () => {
    if (!options.dataFile) return;
    const data: PersistedState = {
      keys: [...state.keys.values()].map(exportKey),
      aliases: Object.fromEntries(state.aliases),
    };
    mkdirSync(dirname(options.dataFile), { recursive: true });
    writeFileSync(options.dataFile, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
  };

  const create = async (seed: KmsKeySeed): Promise<CreatedKmsKey> => {
    const existingId =
      (seed.keyId && state.keys.has(seed.keyId) ? seed.keyId : undefined) ??
      (seed.aliases ?? []).map((a) => state.aliases.get(a)).find((id) => id !== undefined);
    const key = existingId
      ? state.keys.get(existingId)!
      : await createKey(state, seed.keySpec, seed.description ?? '', seed.keyId);
    if (key.keySpec !== seed.keySpec) {
      throw new Error(`KMS emulator: key ${key.keyId} is ${key.keySpec}, the seed asks for ${seed.keySpec}`);
    }
    for (const alias of seed.aliases ?? []) {
      const current = state.aliases.get(alias);
      if (current === undefined) createAlias(state, alias, key.keyId);
      else if (current !== key.keyId) throw new Error(`KMS emulator: ${alias} already names key ${current}`);
    }
    save();
    return { keyId: key.keyId, arn: key.arn, keySpec: key.keySpec };
  };
  const seeded: CreatedKmsKey[] = [];
  for (const seed of options.keys ?? []) seeded.push(await create(seed));

  const server = await startAwsJsonServer({
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    targetPrefix: 'TrentService',
    jsonVersion: '1.1',
    namespace: 'com.amazonaws.kms',
    maxBodyBytes: 1024 * 1024,
    handle: async (operation, input) => {
      const op = operations[operation];
      if (!op)
        throw kmsError(
          'UnsupportedOperationException',
          `Operation ${operation} is not supported by the local KMS emulator.`,
        );
      const output = await op(state, input);
      if (operation === 'CreateKey' || operation === 'CreateAlias') save();
      return output;
    },
  });

  return {
    endpoint: server.endpoint,
    region,
    accountId: ACCOUNT_ID,
    keys: seeded,
    createKey: create,
    createAlias: (aliasName, keyIdOrArn) => {
      createAlias(state, aliasName, keyIdOrArn);
      save();
    },
    close: () => server.close(),
  };
}

interface PersistedState {
  keys: StoredKey[];
  aliases: Record<string, string>;
}
