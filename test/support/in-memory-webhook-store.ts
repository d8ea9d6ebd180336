/**
 * The merchant-webhook ports in memory, for unit tests of the webhook use cases and the delivery
 * handler: a WebhookStore that behaves like DynamoWebhookStore (events listed in id order per
 * merchant, `after` exclusive, `next` only when more remain), a DeliveryQueue that records what was
 * sent with which delay, and a clock the test moves (the vault is context-bound-vault.ts). Items are copied in and out, so a test cannot change stored state by accident.
 */
import type { Clock } from '../../lambdas/core/ports.js';
import type { PaymentEvent } from '../../lambdas/core/webhooks/payment-events.js';
import type {
  DeliveryAttempt,
  DeliveryQueue,
  DeliveryTask,
  EventPage,
  WebhookEndpoint,
  WebhookStore,
} from '../../lambdas/core/webhooks/ports.js';

const copy = <T>(value: T): T => structuredClone(value);

export class InMemoryWebhookStore implements WebhookStore {
  readonly endpoints = new Map<string, WebhookEndpoint>();
  readonly events = new Map<string, PaymentEvent>();
  readonly attempts: DeliveryAttempt[] = [];

  putEndpoint(endpoint: WebhookEndpoint): Promise<void> {
    this.endpoints.set(`${endpoint.merchantId}/${endpoint.endpointId}`, copy(endpoint));
    return Promise.resolve();
  }

  getEndpoint(merchantId: string, endpointId: string): Promise<WebhookEndpoint | undefined> {
    const found = this.endpoints.get(`${merchantId}/${endpointId}`);
    return Promise.resolve(found && copy(found));
  }

  listEndpoints(merchantId: string): Promise<WebhookEndpoint[]> {
    return Promise.resolve([...this.endpoints.values()].filter((e) => e.merchantId === merchantId).map(copy));
  }

  deleteEndpoint(merchantId: string, endpointId: string): Promise<boolean> {
    return Promise.resolve(this.endpoints.delete(`${merchantId}/${endpointId}`));
  }

  putEvent(event: PaymentEvent): Promise<void> {
    this.events.set(`${event.merchantId}/${event.id}`, copy(event));
    return Promise.resolve();
  }

  getEvent(merchantId: string, eventId: string): Promise<PaymentEvent | undefined> {
    const found = this.events.get(`${merchantId}/${eventId}`);
    return Promise.resolve(found && copy(found));
  }

  listEvents(
    merchantId: string,
    query: { after?: string; pspTransactionId?: string; limit: number },
  ): Promise<EventPage> {
    const matching = [...this.events.values()]
      .filter((e) => e.merchantId === merchantId)
      .filter((e) => !query.pspTransactionId || e.pspTransactionId === query.pspTransactionId)
      .filter((e) => !query.after || e.id > query.after)
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    const events = matching.slice(0, query.limit).map(copy);
    const last = events.at(-1);
    return Promise.resolve({ events, ...(matching.length > query.limit && last ? { next: last.id } : {}) });
  }

  recordAttempt(attempt: DeliveryAttempt): Promise<void> {
    this.attempts.push(copy(attempt));
    return Promise.resolve();
  }

  listAttempts(eventId: string): Promise<DeliveryAttempt[]> {
    return Promise.resolve(this.attempts.filter((a) => a.eventId === eventId).map(copy));
  }
}

export class RecordingDeliveryQueue implements DeliveryQueue {
  readonly sent: Array<{ task: DeliveryTask; delaySeconds: number }> = [];

  send(task: DeliveryTask, delaySeconds: number): Promise<void> {
    this.sent.push({ task: copy(task), delaySeconds });
    return Promise.resolve();
  }
}

export function movableClock(start: Date): Clock & { set(at: Date): void; advance(ms: number): void } {
  let now = start;
  return {
    now: () => new Date(now.getTime()),
    set: (at) => void (now = at),
    advance: (ms) => void (now = new Date(now.getTime() + ms)),
  };
}
