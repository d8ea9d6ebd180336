/** The ENCRYPTEDCARD public key as PEM, read through the same adapter production uses. */
import { KmsCardDataDecryptor } from '../lambdas/adapters/kms/kms-card-data-decryptor.js';
import { createKmsClient } from '../lambdas/adapters/kms/kms-client.js';

export function publicKeyPem(kmsEndpoint: string, keyId: string): Promise<string> {
  return new KmsCardDataDecryptor({
    client: createKmsClient({ endpoint: kmsEndpoint, counter: false }),
    keyId,
  }).publicKeyPem();
}
