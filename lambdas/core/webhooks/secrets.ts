import { randomBytes } from 'node:crypto';
import type { SecretVault } from '../ports.js';
import type { EndpointSecret, WebhookEndpoint } from './ports.js';

/** After a rotation the old secret keeps signing this long, so receivers can switch over. */
export const ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;

/** A Standard Webhooks secret: `whsec_` + base64 of 24 random bytes. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/** The encryption context: a sealed secret opens only for its own endpoint. */
export function secretContext(endpoint: Pick<WebhookEndpoint, 'merchantId' | 'endpointId'>) {
  return {
    purpose: 'webhook-signing-secret',
    merchantId: endpoint.merchantId,
    endpointId: endpoint.endpointId,
  };
}

export async function sealSecret(
  secret: string,
  endpoint: Pick<WebhookEndpoint, 'merchantId' | 'endpointId'>,
  vault: SecretVault,
  createdAt: string,
): Promise<EndpointSecret> {
  const sealed = await vault.seal(new TextEncoder().encode(secret), secretContext(endpoint));
  return { sealed, createdAt };
}

/** The secrets that sign at `now`: the current one and any rotated out less than 24 h ago. */
export function signingSecrets(endpoint: WebhookEndpoint, now: Date): EndpointSecret[] {
  return endpoint.secrets.filter((s) => !s.expiresAt || Date.parse(s.expiresAt) > now.getTime());
}

export async function openSecrets(
  endpoint: WebhookEndpoint,
  now: Date,
  vault: SecretVault,
): Promise<string[]> {
  const context = secretContext(endpoint);
  const opened = await Promise.all(signingSecrets(endpoint, now).map((s) => vault.open(s.sealed, context)));
  return opened.map((bytes) => new TextDecoder().decode(bytes));
}

/**
 * Rotation: a new current secret; the old ones that still sign expire 24 h from now at the
 * latest, and those already expired are dropped so the item cannot grow.
 */
export function rotated(endpoint: WebhookEndpoint, fresh: EndpointSecret, now: Date): EndpointSecret[] {
  const until = new Date(now.getTime() + ROTATION_OVERLAP_MS).toISOString();
  const kept = signingSecrets(endpoint, now).map((s) => ({
    ...s,
    // Stryker disable next-line EqualityOperator: when they are equal either choice is the same time
    expiresAt: s.expiresAt && s.expiresAt < until ? s.expiresAt : until,
  }));
  return [fresh, ...kept];
}
