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
 * Hand over the events of a batch of streamed payment images, in stream order (per payment, the
 * order of its writes). An image whose events were all handed over costs nothing. An image can be
 * older than the hand-over of its own events (any write before the mark — a Vipps ack, say —
 * carries the old count, and may arrive in a later batch): so before handing over, the payment's
 * count is read again (consistently), and what is already handed over is not handed over twice.
 * Stops at the first failure and returns its position, so the stream resumes there and no later
 * change of that payment overtakes it.
 */
export async function dispatchChanges(
  changes: ReadonlyArray<PaymentChange>,
  deps: StreamDispatchDeps,
): Promise<{ failedAt?: string; error?: unknown }> {
  const handedOver = new Map<string, number>();
  for (const { position, tx } of changes) {
    const id = tx.pspTransactionId;
    const seen = Math.max(tx.eventsDispatched ?? 0, handedOver.get(id) ?? 0);
    if ((tx.events?.length ?? 0) <= seen) continue;
    try {
      const stored = await deps.transactions.get(id);
      const known = Math.max(seen, stored?.eventsDispatched ?? 0);
      handedOver.set(id, known);
      const current = { ...tx, eventsDispatched: known };
      if (undispatchedEvents(current).length === 0) continue;
      const after = await dispatchEvents(current, deps);
      handedOver.set(id, after.eventsDispatched ?? 0);
    } catch (error) {
      return { failedAt: position, error };
    }
  }
  return {};
}
