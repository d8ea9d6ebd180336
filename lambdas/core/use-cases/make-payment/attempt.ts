/** Small helpers every part of makePayment shares: answers, and writing them onto the attempt. */
import type { VippsError } from '../../error-catalogue.js';
import { ConcurrentUpdateError } from '../../errors.js';
import type { TransactionStore } from '../../ports.js';
import type { MakePaymentAnswer, MakePaymentAttempt, Transaction, Transition } from '../../transaction.js';
import { commit } from '../commit.js';

export const answerOf = (error: VippsError): MakePaymentAnswer => ({ status: 'FAIL', error });

/** A transition that also records the answer on the attempt, in the same conditional write. */
export function withAnswer(
  transition: Pick<Transition, 'changes' | 'history'>,
  attempt: MakePaymentAttempt,
  answer: MakePaymentAnswer,
  extra: Partial<Transaction> = {},
): Pick<Transition, 'changes' | 'history'> {
  return {
    changes: { ...transition.changes, ...extra, makePayment: { ...attempt, state: 'ANSWERED', answer } },
    history: transition.history,
  };
}

export function noChange(at: string): Transition {
  return { changes: { updatedAt: at }, history: [] };
}

/** For writes whose loss is fine: whoever won has already recorded something at least as final. */
export async function commitIgnoringConflict(
  store: TransactionStore,
  tx: Transaction,
  transition: Pick<Transition, 'changes' | 'history'>,
): Promise<void> {
  try {
    await commit(store, tx, transition);
  } catch (error) {
    if (!(error instanceof ConcurrentUpdateError)) throw error;
  }
}

export async function mustGet(store: TransactionStore, id: string): Promise<Transaction> {
  const tx = await store.get(id);
  if (!tx) throw new Error(`Payment ${id} disappeared`);
  return tx;
}
