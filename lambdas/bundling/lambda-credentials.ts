/**
 * Replaces `@aws-sdk/credential-provider-node` in the Lambda bundles only (see lib/bundling.ts).
 * In Lambda the execution role's credentials are always in the environment, so the default
 * chain's other sources (ini files, SSO, web identity, process, IMDS) are dead weight: aliasing
 * them away takes ~130 KB and ~25 ms of module initialisation off every cold start.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider = (init: Parameters<typeof fromEnv>[0] = {}) => fromEnv(init);

// Re-exported by the real package; the SDK clients import only defaultProvider, but keep the shape.
export const credentialsWillNeedRefresh = (): boolean => false;
export const credentialsTreatedAsExpired = (): boolean => false;
