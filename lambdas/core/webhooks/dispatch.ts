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
 * Every other call goes straight to the wrapped store.
 */
class EventDispatchingStore implements TransactionStore {
  constructor(
    private readonly store: TransactionStore,
    private readonly deps: DispatchDeps & { log: Pick<Log, 'warn'> },
  ) {}

  async apply(...args: Parameters<TransactionStore['apply']>): Promise<Transaction> {
    const written = await this.store.apply(...args);
    if (undispatchedEvents(written).length === 0) return written;
    try {
      return await dispatchEvents(written, this.deps);
    } catch (error) {
      this.deps.log.warn('webhook events left for the sweep', {
        pspTransactionId: written.pspTransactionId,
        error: error instanceof Error ? error.message : String(error),
      });
      return written;
    }
  }

  create(...args: Parameters<TransactionStore['create']>) {
    return this.store.create(...args);
  }
  get(...args: Parameters<TransactionStore['get']>) {
    return this.store.get(...args);
  }
  findByMerchantOrder(...args: Parameters<TransactionStore['findByMerchantOrder']>) {
    return this.store.findByMerchantOrder(...args);
  }
  claimMerchantOrder(...args: Parameters<TransactionStore['claimMerchantOrder']>) {
    return this.store.claimMerchantOrder(...args);
  }
  listDue(...args: Parameters<TransactionStore['listDue']>) {
    return this.store.listDue(...args);
  }
  recordVippsAck(...args: Parameters<TransactionStore['recordVippsAck']>) {
    return this.store.recordVippsAck(...args);
  }
  recordVippsSending(...args: Parameters<TransactionStore['recordVippsSending']>) {
    return this.store.recordVippsSending(...args);
  }
  recordVippsRejection(...args: Parameters<TransactionStore['recordVippsRejection']>) {
    return this.store.recordVippsRejection(...args);
  }
}

export function withEventDispatch(
  store: TransactionStore,
  deps: DispatchDeps & { log: Pick<Log, 'warn'> },
): TransactionStore {
  return new EventDispatchingStore(store, deps);
}
