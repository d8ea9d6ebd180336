import type { Clock, TransactionStore } from '../ports.js';
import { type Transaction, nextDueAt } from '../transaction.js';
import { type PaymentEvent, undispatchedEvents } from './payment-events.js';
import type { DeliveryQueue, EventOutbox, WebhookEndpoint, WebhookStore } from './ports.js';

export interface DispatchDeps {
  webhooks: WebhookStore;
  deliveries: DeliveryQueue;
  outbox: EventOutbox;
  clock: Clock;
}

export function isActiveFor(endpoint: WebhookEndpoint, event: Pick<PaymentEvent, 'type'>): boolean {
  return !endpoint.disabledAt && endpoint.events.includes(event.type);
}

/**
 * Hand a payment's new events to delivery: copy each into the merchant's event log, queue one
 * delivery per subscribed endpoint, then mark the outbox. A crash before the mark repeats the
 * hand-over (the log write is idempotent; a receiver may see a delivery twice — at least once,
 * as promised, and the webhook-id tells it so).
 */
export async function dispatchEvents(tx: Transaction, deps: DispatchDeps): Promise<Transaction> {
  const pending = undispatchedEvents(tx);
  if (pending.length === 0) return tx;
  const endpoints = await deps.webhooks.listEndpoints(tx.merchantId);
  const now = deps.clock.now().toISOString();
  for (const event of pending) {
    await deps.webhooks.putEvent(event);
    for (const endpoint of endpoints.filter((e) => isActiveFor(e, event))) {
      await deps.deliveries.send(
        {
          merchantId: event.merchantId,
          eventId: event.id,
          endpointId: endpoint.endpointId,
          attempt: 1,
          notBefore: now,
        },
        0,
      );
    }
  }
  const handedOver = { ...tx, eventsDispatched: tx.events?.length ?? 0 };
  const dueAt = nextDueAt(handedOver);
  await deps.outbox.markDispatched(tx, handedOver.eventsDispatched, dueAt);
  const { dueAt: _stale, ...rest } = handedOver;
  return { ...rest, ...(dueAt ? { dueAt } : {}) };
}

/** One change of a payment as the table's stream reports it: its position and the new image. */
export interface PaymentChange {
  /** The stream record's SequenceNumber: where a retry resumes. */
  position: string;
  tx: Transaction;
}

export interface StreamDispatchDeps extends DispatchDeps {
  transactions: Pick<TransactionStore, 'get'>;
}

/**
 * Hand over the events of a batch of streamed payment images. Payments go side by side; one
 * payment's images go in stream order (the order of its writes), and after a failure none of its
 * later images is handed over. Returns the earliest failing position in the batch: the stream
 * resumes there (repeating any later record of other payments — at least once, never lost).
 */
export async function dispatchChanges(
  changes: ReadonlyArray<PaymentChange>,
  deps: StreamDispatchDeps,
): Promise<{ failedAt?: string; error?: unknown }> {
  const byPayment = new Map<string, PaymentChange[]>();
  for (const change of changes) {
    const id = change.tx.pspTransactionId;
    const ofPayment = byPayment.get(id);
    if (ofPayment) ofPayment.push(change);
    else byPayment.set(id, [change]);
  }
  const outcomes = await Promise.all([...byPayment.values()].map((one) => dispatchInOrder(one, deps)));
  const order = (position: string | undefined) => changes.findIndex((c) => c.position === position);
  const failed = outcomes
    .filter((o) => o.failedAt !== undefined)
    .sort((a, b) => order(a.failedAt) - order(b.failedAt));
  return failed[0] ?? {};
}

/**
 * One payment's images, in order. An image whose events were all handed over costs nothing. An
 * image can be older than the hand-over of its own events (any write before the mark — a Vipps
 * ack, say — carries the old count, and may arrive in a later batch): so before handing over, the
 * payment's count is read again (consistently), and what is already handed over is not handed
 * over twice. Stops at the first failure.
 */
async function dispatchInOrder(
  changes: ReadonlyArray<PaymentChange>,
  deps: StreamDispatchDeps,
): Promise<{ failedAt?: string; error?: unknown }> {
  let handedOver = 0;
  for (const { position, tx } of changes) {
    const seen = Math.max(tx.eventsDispatched ?? 0, handedOver);
    if (undispatchedEvents({ ...tx, eventsDispatched: seen }).length === 0) continue;
    try {
      const stored = await deps.transactions.get(tx.pspTransactionId);
      handedOver = Math.max(seen, stored?.eventsDispatched ?? 0);
      const current = { ...tx, eventsDispatched: handedOver };
      if (undispatchedEvents(current).length === 0) continue;
      handedOver = (await dispatchEvents(current, deps)).eventsDispatched ?? 0;
    } catch (error) {
      return { failedAt: position, error };
    }
  }
  return {};
}
