import { DomainError } from '../errors.js';
import type { Clock } from '../ports.js';
import { isActiveFor } from './dispatch.js';
import type { PaymentEvent } from './payment-events.js';
import type { DeliveryQueue, WebhookStore } from './ports.js';

export class EventNotFoundError extends DomainError {
  constructor(readonly eventId: string) {
    super(`No event ${eventId} for this merchant`);
  }
}

export interface EventLogDeps {
  webhooks: WebhookStore;
  deliveries: DeliveryQueue;
  clock: Clock;
}

export const EVENT_PAGE_SIZE = 50;

export function eventView(event: PaymentEvent) {
  return {
    id: event.id,
    type: event.type,
    createdAt: event.createdAt,
    pspTransactionId: event.pspTransactionId,
    version: event.version,
    data: event.data,
  };
}

export async function listEvents(
  merchantId: string,
  query: { after?: string | undefined; paymentId?: string | undefined },
  deps: Pick<EventLogDeps, 'webhooks'>,
) {
  const page = await deps.webhooks.listEvents(merchantId, {
    limit: EVENT_PAGE_SIZE,
    ...(query.after ? { after: query.after } : {}),
    ...(query.paymentId ? { pspTransactionId: query.paymentId } : {}),
  });
  return { events: page.events.map(eventView), ...(page.next ? { next: page.next } : {}) };
}

async function ownedEvent(merchantId: string, eventId: string, deps: Pick<EventLogDeps, 'webhooks'>) {
  const event = await deps.webhooks.getEvent(merchantId, eventId);
  if (!event) throw new EventNotFoundError(eventId);
  return event;
}

export async function listDeliveries(
  merchantId: string,
  eventId: string,
  deps: Pick<EventLogDeps, 'webhooks'>,
) {
  await ownedEvent(merchantId, eventId, deps);
  return { deliveries: await deps.webhooks.listAttempts(eventId) };
}

/**
 * Redeliver by hand: a fresh first attempt to every endpoint the event is for (also after the
 * schedule gave up). A disabled endpoint is not sent to: re-create it to receive again.
 */
export async function redeliver(merchantId: string, eventId: string, deps: EventLogDeps) {
  const event = await ownedEvent(merchantId, eventId, deps);
  const endpoints = (await deps.webhooks.listEndpoints(merchantId)).filter((e) => isActiveFor(e, event));
  const notBefore = deps.clock.now().toISOString();
  for (const endpoint of endpoints) {
    await deps.deliveries.send(
      { merchantId, eventId, endpointId: endpoint.endpointId, attempt: 1, notBefore },
      0,
    );
  }
  return { eventId, endpoints: endpoints.map((e) => e.endpointId) };
}
