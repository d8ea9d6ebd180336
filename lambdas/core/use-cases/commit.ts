import type { TransactionStore } from '../ports.js';
import { type Transaction, type Transition, nextDueAt } from '../transaction.js';
import { paymentEventsFor } from '../webhooks/payment-events.js';

/**
 * Apply a transition as one conditional write, keeping `dueAt` (the reconciler's index) true to
 * the resulting state, and appending the merchant events the change produces (the webhook
 * outbox) to the same write. Every state change in the use cases goes through here.
 */
export async function commit(
  store: TransactionStore,
  current: Transaction,
  transition: Pick<Transition, 'changes' | 'history'>,
): Promise<Transaction> {
  const changes = { ...transition.changes, ...withEvents(current, transition) };
  const projected: Transaction = { ...current, ...changes } as Transaction;
  const dueAt = nextDueAt(projected);
  return store.apply(
    current,
    { changes: { ...changes, ...(dueAt ? { dueAt } : {}) }, history: transition.history },
    dueAt ? [] : ['dueAt'],
  );
}

/**
 * The whole event list, old and new: replacing it is an append because the write is conditional
 * on the version it was read at.
 */
function withEvents(current: Transaction, transition: Pick<Transition, 'changes' | 'history'>) {
  const after = {
    ...current,
    ...transition.changes,
    history: [...current.history, ...transition.history],
    version: current.version + 1,
  } as Transaction;
  const added = paymentEventsFor(after, transition.history);
  return added.length ? { events: [...(current.events ?? []), ...added] } : {};
}
