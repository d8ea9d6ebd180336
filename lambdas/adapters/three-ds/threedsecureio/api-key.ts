/**
 * The 3dsecure.io API key: a plain-string secret in Secrets Manager (cached by Powertools
 * Parameters, so a rotation is picked up within the cache time), or a local variable.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';

const CACHE_SECONDS = 300;

export function secretsManagerApiKey(client: SecretsManagerClient, secretId: string): () => Promise<string> {
  const provider = new SecretsProvider({ awsSdkV3Client: client });
  return async () => {
    const value = await provider.get(secretId, { maxAge: CACHE_SECONDS });
    if (typeof value !== 'string' || value.trim() === '') {
      throw new Error(`Secret ${secretId} must hold the 3dsecure.io API key as a string`);
    }
    return value.trim();
  };
}
