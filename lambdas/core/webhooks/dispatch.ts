import type { Clock, Log, TransactionStore } from '../ports.js';
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

/**
 * A TransactionStore that hands new events to delivery right after the write that made them, so
 * a receiver hears of a change within moments. A failure here is logged, never thrown: the write
 * stands, the events wait in the outbox and the reconciler's sweep (dueAt) dispatches them.
 */
export function withEventDispatch<S extends TransactionStore>(
  store: S,
  deps: DispatchDeps & { log: Pick<Log, 'warn'> },
): S {
  const apply: TransactionStore['apply'] = async (current, transition, remove) => {
    const written = await store.apply(current, transition, remove);
    if (undispatchedEvents(written).length === 0) return written;
    try {
      return await dispatchEvents(written, deps);
    } catch (error) {
      deps.log.warn('webhook events left for the sweep', {
        pspTransactionId: written.pspTransactionId,
        error: error instanceof Error ? error.message : String(error),
      });
      return written;
    }
  };
  return new Proxy(store, {
    get: (target, name) => {
      if (name === 'apply') return apply;
      const value: unknown = Reflect.get(target, name);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
