/**
 * In-memory merchant-webhook dispatch for tests of use cases that do not look at webhooks: the
 * events a write put in the outbox are "handed over" (recorded here) and the payment's
 * eventsDispatched is raised in the caller's in-memory store, as the DynamoDB outbox does.
 */
import type { Transaction } from '../../lambdas/core/transaction.js';
import type { DispatchDeps } from '../../lambdas/core/webhooks/dispatch.js';
import type { PaymentEvent } from '../../lambdas/core/webhooks/payment-events.js';
import type { DeliveryTask, WebhookStore } from '../../lambdas/core/webhooks/ports.js';

export function inMemoryEventDispatch(store: {
  read(pspTransactionId: string): Transaction | undefined;
  write(tx: Transaction): void;
}): DispatchDeps & { events: PaymentEvent[]; tasks: DeliveryTask[] } {
  const events: PaymentEvent[] = [];
  const tasks: DeliveryTask[] = [];
  const webhooks = {
    listEndpoints: () => Promise.resolve([]),
    putEvent: (event: PaymentEvent) => Promise.resolve(void events.push(event)),
  } as unknown as WebhookStore;
  return {
    events,
    tasks,
    webhooks,
    deliveries: { send: (task) => Promise.resolve(void tasks.push(task)) },
    outbox: {
      markDispatched: (written, count, dueAt) => {
        const tx = store.read(written.pspTransactionId);
        if (!tx) return Promise.resolve();
        if (tx.version === written.version) {
          const { dueAt: _stale, ...rest } = tx;
          store.write({ ...rest, eventsDispatched: count, ...(dueAt ? { dueAt } : {}) });
        } else if ((tx.eventsDispatched ?? 0) < count) store.write({ ...tx, eventsDispatched: count });
        return Promise.resolve();
      },
    },
    clock: { now: () => new Date() },
  };
}
