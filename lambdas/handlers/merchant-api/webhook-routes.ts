/**
 * Merchant API routes of merchant webhooks (DESIGN.md "Merchant API"): endpoints and the event
 * log. Everything is looked up under the calling merchant, so another merchant's id is a 404.
 */
import type * as z from 'zod/mini';
import type { Clock, Merchant, SecretVault } from '../../core/ports.js';
import {
  createEndpoint,
  deleteEndpoint,
  listEndpoints,
  rotateSecret,
} from '../../core/webhooks/endpoints.js';
import { listDeliveries, listEvents, redeliver } from '../../core/webhooks/event-log.js';
import type { DeliveryQueue, WebhookStore } from '../../core/webhooks/ports.js';
import type { HttpResult } from '../http/api-gateway.js';
import { json } from '../http/api-gateway.js';
import { createEndpointSchema, emptySchema } from './webhook-schemas.js';

export interface WebhookApiDeps {
  webhooks: WebhookStore;
  deliveries: DeliveryQueue;
  vault: SecretVault;
  clock: Clock;
  allowHttpRedirectUrl: boolean;
}

export interface WebhookRouteInput<T> {
  id: string;
  body: T;
  query: Record<string, string | undefined>;
  /**
   * Hand a secret to the live answer only: the stored (replayable) answer never holds it, so the
   * idempotency table never keeps a signing secret in plain text.
   */
  showOnce(secret: string): void;
}

export interface WebhookRoute<T> {
  schema?: (deps: WebhookApiDeps) => z.ZodMiniType<T>;
  action(merchant: Merchant, input: WebhookRouteInput<T>, deps: WebhookApiDeps): Promise<HttpResult>;
}

const route = <T>(r: WebhookRoute<T>): WebhookRoute<unknown> => r as WebhookRoute<unknown>;

const schemas = {
  local: createEndpointSchema({ allowHttp: true }),
  deployed: createEndpointSchema({ allowHttp: false }),
};

const SECRET_NOTE = 'Shown in the first answer only; rotate the secret if it was lost.';

export const WEBHOOK_ROUTES: Record<string, WebhookRoute<unknown>> = {
  'POST /v1/webhook-endpoints': route({
    schema: (deps) => (deps.allowHttpRedirectUrl ? schemas.local : schemas.deployed),
    action: async (merchant, { body, showOnce }, deps) => {
      const { secret, ...endpoint } = await createEndpoint(merchant.merchantId, body, deps);
      showOnce(secret);
      return json(
        201,
        { ...endpoint, secret: SECRET_NOTE },
        { Location: `/v1/webhook-endpoints/${endpoint.id}` },
      );
    },
  }),
  'GET /v1/webhook-endpoints': route({
    action: async (merchant, _input, deps) =>
      json(200, { endpoints: await listEndpoints(merchant.merchantId, deps) }),
  }),
  'DELETE /v1/webhook-endpoints/{id}': route({
    action: async (merchant, { id }, deps) => {
      await deleteEndpoint(merchant.merchantId, id, deps);
      return { statusCode: 204, headers: {}, body: '' };
    },
  }),
  'POST /v1/webhook-endpoints/{id}/rotate-secret': route({
    schema: () => emptySchema,
    action: async (merchant, { id, showOnce }, deps) => {
      const { secret, ...endpoint } = await rotateSecret(merchant.merchantId, id, deps);
      showOnce(secret);
      return json(200, { ...endpoint, secret: SECRET_NOTE });
    },
  }),
  'GET /v1/events': route({
    action: async (merchant, { query }, deps) =>
      json(
        200,
        await listEvents(merchant.merchantId, { after: query.after, paymentId: query.paymentId }, deps),
      ),
  }),
  'GET /v1/events/{id}/deliveries': route({
    action: async (merchant, { id }, deps) => json(200, await listDeliveries(merchant.merchantId, id, deps)),
  }),
  'POST /v1/events/{id}/redeliver': route({
    schema: () => emptySchema,
    action: async (merchant, { id }, deps) => json(202, await redeliver(merchant.merchantId, id, deps)),
  }),
};

/** The live answer with the secret in it (the stored one says it was shown once). */
export function withSecret(result: HttpResult, secret: string): HttpResult {
  if (result.statusCode >= 300) return result;
  const body = JSON.parse(result.body) as Record<string, unknown>;
  return { ...result, body: JSON.stringify({ ...body, secret }) };
}
