import type { TransactionStore } from '../ports.js';
import { type Transaction, type Transition, nextDueAt } from '../transaction.js';

/**
 * Apply a transition as one conditional write, keeping `dueAt` (the reconciler's index) true to
 * the resulting state. Every state change in the use cases goes through here.
 */
export async function commit(
  store: TransactionStore,
  current: Transaction,
  transition: Pick<Transition, 'changes' | 'history'>,
): Promise<Transaction> {
  const projected: Transaction = { ...current, ...transition.changes } as Transaction;
  const dueAt = nextDueAt(projected);
  return store.apply(
    current,
    { changes: { ...transition.changes, ...(dueAt ? { dueAt } : {}) }, history: transition.history },
    dueAt ? [] : ['dueAt'],
  );
}
