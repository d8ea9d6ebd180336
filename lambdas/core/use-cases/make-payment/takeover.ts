/**
 * The one rule for an abandoned makePayment attempt, used by a waiting duplicate request and by
 * the reconciler alike. A claim still IN_PROGRESS after the acquirer budget plus a grace belongs
 * to a Lambda that died mid-authorisation: we cannot know whether the issuer approved, so the
 * payment fails with 85 and outcome UNKNOWN (the reconciler then reverses whatever exists), and
 * the attempt records that answer so Vipps gets the same 85 if it asks again.
 */
import { vippsErrors } from '../../error-catalogue.js';
import { type MakePaymentAttempt, type Transaction, type Transition, fail } from '../../transaction.js';
import { answerOf, noChange, withAnswer } from './attempt.js';

/** Beyond the acquirer budget: the claimer's own write of its answer after the acquirer answered. */
const ABANDON_GRACE_MS = 2_000;

/** When a claim made at `claimedAt` counts as abandoned (epoch ms). */
export function abandonedAfter(
  attempt: Pick<MakePaymentAttempt, 'claimedAt'>,
  acquirerBudgetMs: number,
): number {
  return Date.parse(attempt.claimedAt) + acquirerBudgetMs + ABANDON_GRACE_MS;
}

export function isAbandoned(tx: Transaction, now: Date, acquirerBudgetMs: number): boolean {
  const attempt = tx.makePayment;
  return attempt?.state === 'IN_PROGRESS' && now.getTime() >= abandonedAfter(attempt, acquirerBudgetMs);
}

export const abandonedAnswer = answerOf(vippsErrors.tooLate);

/**
 * Take over the payment's IN_PROGRESS attempt: an INITIATED payment fails (85, outcome unknown);
 * one that moved on meanwhile (e.g. the merchant cancelled) keeps its state and only the attempt
 * is answered.
 */
export function takeOverAbandoned(tx: Transaction, at: string): Pick<Transition, 'changes' | 'history'> {
  const attempt = tx.makePayment;
  if (attempt?.state !== 'IN_PROGRESS') throw new Error('No makePayment attempt in progress to take over');
  const transition =
    tx.status === 'INITIATED'
      ? fail(tx, vippsErrors.tooLate, { at, outcome: 'UNKNOWN', note: 'Abandoned attempt' })
      : noChange(at);
  return withAnswer(transition, attempt, abandonedAnswer);
}
