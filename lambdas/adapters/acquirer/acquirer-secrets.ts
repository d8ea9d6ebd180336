/**
 * An acquirer's keys: a JSON secret in Secrets Manager (cached by Powertools Parameters, so a
 * rotation is picked up without a redeploy), or fixed values on the local stack.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type * as z from 'zod/mini';

const CACHE_SECONDS = 300;

export function secretJson<T>(
  client: SecretsManagerClient,
  secretId: string,
  schema: z.ZodMiniType<T>,
  shape: string,
): () => Promise<T> {
  const provider = new SecretsProvider({ awsSdkV3Client: client });
  return async () => {
    const value = await provider.get(secretId, { maxAge: CACHE_SECONDS, transform: 'json' });
    const parsed = schema.safeParse(value);
    // Never the value in the message: it is a key.
    if (!parsed.success) throw new Error(`Secret ${secretId} must be JSON ${shape}`);
    return parsed.data;
  };
}
