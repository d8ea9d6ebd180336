/**
 * Ports of merchant webhooks (DESIGN.md "Merchant webhooks"): where endpoints, the merchant's event
 * log and delivery attempts are kept, the queue that schedules deliveries, and the HTTP poster.
 */
import type { SealedSecret } from '../ports.js';
import type { Transaction } from '../transaction.js';
import type { PaymentEvent, PaymentEventType } from './payment-events.js';

/** A signing secret, sealed at rest; a rotated-out one keeps signing until `expiresAt`. */
export interface EndpointSecret {
  sealed: SealedSecret;
  createdAt: string;
  expiresAt?: string;
}

export interface WebhookEndpoint {
  endpointId: string;
  merchantId: string;
  url: string;
  /** The event types it receives. */
  events: PaymentEventType[];
  secrets: EndpointSecret[];
  createdAt: string;
  /** Set when the receiver answered 410 Gone: nothing more is sent to it. */
  disabledAt?: string;
  disabledReason?: string;
}

export type AttemptOutcome = 'delivered' | 'failed' | 'gone';

/** One try to deliver one event to one endpoint, for the merchant and for ops. */
export interface DeliveryAttempt {
  eventId: string;
  endpointId: string;
  attempt: number;
  at: string;
  outcome: AttemptOutcome;
  status?: number;
  latencyMs: number;
  /** Why there was no HTTP answer (timeout, refused address, DNS failure). */
  error?: string;
  /** The first bytes of the receiver's answer. */
  responseStart?: string;
  /** When the next attempt is due, if there is one. */
  nextAttemptAt?: string;
}

export interface EventPage {
  events: PaymentEvent[];
  /** Pass as `after` for the next page; absent on the last page. */
  next?: string;
}

export interface WebhookStore {
  putEndpoint(endpoint: WebhookEndpoint): Promise<void>;
  getEndpoint(merchantId: string, endpointId: string): Promise<WebhookEndpoint | undefined>;
  listEndpoints(merchantId: string): Promise<WebhookEndpoint[]>;
  /** False when there was no such endpoint. */
  deleteEndpoint(merchantId: string, endpointId: string): Promise<boolean>;
  /** Idempotent: the merchant's copy of an event (the event log). */
  putEvent(event: PaymentEvent): Promise<void>;
  getEvent(merchantId: string, eventId: string): Promise<PaymentEvent | undefined>;
  listEvents(
    merchantId: string,
    query: { after?: string; pspTransactionId?: string; limit: number },
  ): Promise<EventPage>;
  recordAttempt(attempt: DeliveryAttempt): Promise<void>;
  listAttempts(eventId: string): Promise<DeliveryAttempt[]>;
}

/** One delivery to do: which event, to which endpoint, which try, and not before when. */
export interface DeliveryTask {
  merchantId: string;
  eventId: string;
  endpointId: string;
  attempt: number;
  notBefore: string;
}

export interface DeliveryQueue {
  /** `delaySeconds` is capped by SQS at 900; a task arriving early is sent again (deliver.ts). */
  send(task: DeliveryTask, delaySeconds: number): Promise<void>;
}

/**
 * Marks the payment's outbox handed over, never bumping `version`. `dueAt` (recomputed without
 * the hand-over) is written too when the item is still at `tx.version`; otherwise only the count
 * is raised (never lowered) and the reconciler clears a stale dueAt on its next visit.
 */
export interface EventOutbox {
  markDispatched(tx: Transaction, count: number, dueAt: string | undefined): Promise<void>;
}

export type PostResult =
  | { kind: 'answered'; status: number; latencyMs: number; bodyStart: string }
  | { kind: 'failed'; error: string; latencyMs: number };

export interface WebhookPoster {
  /** Never throws: a refused address, DNS failure or timeout is a `failed` result. */
  post(request: {
    url: string;
    headers: Record<string, string>;
    body: string;
    timeoutMs: number;
  }): Promise<PostResult>;
}

/** Standard Webhooks signing: the `webhook-signature` value for these secrets (`whsec_…`). */
export interface WebhookSigner {
  sign(secrets: string[], id: string, timestamp: Date, body: string): string;
}
