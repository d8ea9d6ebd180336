import { randomUUID } from 'node:crypto';
import { DomainError } from '../errors.js';
import type { Clock, SecretVault } from '../ports.js';
import { PAYMENT_EVENT_TYPES, type PaymentEventType } from './payment-events.js';
import type { WebhookEndpoint, WebhookStore } from './ports.js';
import { newSigningSecret, rotated, sealSecret } from './secrets.js';

export class WebhookEndpointNotFoundError extends DomainError {
  constructor(readonly endpointId: string) {
    super(`No webhook endpoint ${endpointId} for this merchant`);
  }
}

export interface EndpointDeps {
  webhooks: WebhookStore;
  vault: SecretVault;
  clock: Clock;
}

/** What a merchant sees of an endpoint: never a secret (it is shown once, at create/rotate). */
export function endpointView(endpoint: WebhookEndpoint) {
  return {
    id: endpoint.endpointId,
    url: endpoint.url,
    events: endpoint.events,
    createdAt: endpoint.createdAt,
    status: endpoint.disabledAt ? ('disabled' as const) : ('enabled' as const),
    ...(endpoint.disabledAt
      ? { disabledAt: endpoint.disabledAt, disabledReason: endpoint.disabledReason }
      : {}),
  };
}

export async function createEndpoint(
  merchantId: string,
  input: { url: string; events?: PaymentEventType[] | undefined },
  deps: EndpointDeps,
) {
  const createdAt = deps.clock.now().toISOString();
  const ids = { merchantId, endpointId: `we_${randomUUID().replaceAll('-', '')}` };
  const secret = newSigningSecret();
  const endpoint: WebhookEndpoint = {
    ...ids,
    url: input.url,
    events: input.events?.length ? [...new Set(input.events)] : [...PAYMENT_EVENT_TYPES],
    secrets: [await sealSecret(secret, ids, deps.vault, createdAt)],
    createdAt,
  };
  await deps.webhooks.putEndpoint(endpoint);
  return { ...endpointView(endpoint), secret };
}

export async function listEndpoints(merchantId: string, deps: Pick<EndpointDeps, 'webhooks'>) {
  return (await deps.webhooks.listEndpoints(merchantId)).map(endpointView);
}

export async function deleteEndpoint(
  merchantId: string,
  endpointId: string,
  deps: Pick<EndpointDeps, 'webhooks'>,
): Promise<void> {
  if (!(await deps.webhooks.deleteEndpoint(merchantId, endpointId)))
    throw new WebhookEndpointNotFoundError(endpointId);
}

/** A new secret, shown once; the old one keeps signing for 24 h so receivers can switch. */
export async function rotateSecret(merchantId: string, endpointId: string, deps: EndpointDeps) {
  const endpoint = await deps.webhooks.getEndpoint(merchantId, endpointId);
  if (!endpoint) throw new WebhookEndpointNotFoundError(endpointId);
  const now = deps.clock.now();
  const secret = newSigningSecret();
  const fresh = await sealSecret(secret, endpoint, deps.vault, now.toISOString());
  const next = { ...endpoint, secrets: rotated(endpoint, fresh, now) };
  await deps.webhooks.putEndpoint(next);
  return { ...endpointView(next), secret };
}
