/**
 * Vipps API credentials: from Secrets Manager in AWS (cached by Powertools Parameters, so a
 * rotation is picked up within maxAge without a redeploy), from plain variables only locally.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import * as z from 'zod/mini';

export interface VippsCredentials {
  clientId: string;
  clientSecret: string;
  subscriptionKey: string;
  /** The PSP's ePayment webhook registration secret (shown once at registration), if stored. */
  webhookSecret?: string;
}

const secretSchema = z.object({
  clientId: z.string().check(z.minLength(1)),
  clientSecret: z.string().check(z.minLength(1)),
  subscriptionKey: z.string().check(z.minLength(1)),
  webhookSecret: z.optional(z.string().check(z.minLength(1))),
});

const CACHE_SECONDS = 300;

export function secretsManagerCredentials(
  client: SecretsManagerClient,
  secretId: string,
): () => Promise<VippsCredentials> {
  const provider = new SecretsProvider({ awsSdkV3Client: client });
  return async () => {
    const value = await provider.get(secretId, { maxAge: CACHE_SECONDS, transform: 'json' });
    const parsed = secretSchema.safeParse(value);
    if (!parsed.success) {
      throw new Error(
        `Secret ${secretId} must be JSON {clientId, clientSecret, subscriptionKey[, webhookSecret]}`,
      );
    }
    const { webhookSecret, ...required } = parsed.data;
    return { ...required, ...(webhookSecret ? { webhookSecret } : {}) };
  };
}

export function staticCredentials(credentials: VippsCredentials): () => Promise<VippsCredentials> {
  return () => Promise.resolve(credentials);
}
