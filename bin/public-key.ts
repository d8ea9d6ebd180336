/**
 * `npm run public-key`: prints the RSA public key (PEM) that Vipps encrypts legacy ENCRYPTEDCARD
 * `cardData` with — the public half of our KMS key; the private half never leaves KMS.
 *
 *   CARD_DATA_KEY_ID     key id, key ARN or alias of the RSA_2048 ENCRYPT_DECRYPT key (required)
 *   CARD_DATA_OAEP_HASH  SHA_256 (default) or SHA_1: the key must allow that OAEP algorithm
 *   AWS credentials and region: the SDK's normal chain (AWS_PROFILE, AWS_REGION, SSO, …);
 *   AWS_ENDPOINT_URL_KMS points it elsewhere, e.g. at the local stack's KMS emulator.
 *
 * The PEM goes to stdout (pipe it to a file for Vipps); key id and fingerprint go to stderr.
 */
import { createHash, createPublicKey } from 'node:crypto';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KMSClient } from '@aws-sdk/client-kms';
import { createKmsClient } from '../lambdas/adapters/kms/kms-client.js';
import { KmsCardDataDecryptor, type OaepHash } from '../lambdas/adapters/kms/kms-card-data-decryptor.js';

export interface PrintPublicKeyOptions {
  kmsClient: KMSClient;
  keyId: string;
  oaepHash?: OaepHash;
  /** Where the PEM goes. */
  out: { write(text: string): unknown };
  /** Where the human-readable summary goes (omit for none). */
  info?: { write(text: string): unknown };
}

/** Reads the public key through the production adapter and writes it as PEM; returns the PEM. */
export async function printPublicKey(options: PrintPublicKeyOptions): Promise<string> {
  const pem = await new KmsCardDataDecryptor({
    client: options.kmsClient,
    keyId: options.keyId,
    ...(options.oaepHash ? { oaepHash: options.oaepHash } : {}),
  }).publicKeyPem();
  options.out.write(pem.endsWith('\n') ? pem : `${pem}\n`);
  if (options.info) {
    const key = createPublicKey(pem);
    const der = key.export({ type: 'spki', format: 'der' });
    options.info.write(
      `KMS key ${options.keyId}: ${key.asymmetricKeyType?.toUpperCase()} ${key.asymmetricKeyDetails?.modulusLength} bit, ` +
        `RSAES_OAEP_${options.oaepHash ?? 'SHA_256'}; SPKI SHA-256 fingerprint ${createHash('sha256').update(der).digest('hex')}\n`,
    );
  }
  return pem;
}

async function main(): Promise<number> {
  const keyId = process.env.CARD_DATA_KEY_ID;
  if (!keyId) {
    process.stderr.write('CARD_DATA_KEY_ID: is required (the id, ARN or alias of the card-data KMS key)\n');
    return 1;
  }
  const hash = process.env.CARD_DATA_OAEP_HASH ?? 'SHA_256';
  if (hash !== 'SHA_256' && hash !== 'SHA_1') {
    process.stderr.write('CARD_DATA_OAEP_HASH: must be SHA_256 or SHA_1\n');
    return 1;
  }
  try {
    await printPublicKey({
      kmsClient: createKmsClient({ counter: false }),
      keyId,
      oaepHash: hash,
      out: process.stdout,
      info: process.stderr,
    });
    return 0;
  } catch (error) {
    process.stderr.write(`Could not read the public key of ${keyId}: ${(error as Error).message}\n`);
    return 1;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}
