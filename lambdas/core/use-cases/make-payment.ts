/**
 * Vipps' makePaymentUrl (DESIGN.md answer table). Primary course: authenticate the per-payment
 * token → recognise a repeated request (same answer, never a second authorisation) → reject late
 * or out-of-order calls with 85 → claim the attempt (one conditional write) → authorise within
 * the budget → store the answer and the new state (one conditional write) → enqueue RESERVED.
 *
 * The parts, by concern: make-payment/claim.ts (what a request gets before anything is
 * authorised), authorise.ts (the acquirer and storing its answer), step-up.ts (3-D Secure),
 * takeover.ts (an abandoned attempt, shared with the reconciler).
 */
import { vippsErrors } from '../error-catalogue.js';
import { ConcurrentUpdateError } from '../errors.js';
import { secretMatches } from '../secrets.js';
import type { MakePaymentAttempt, Transaction } from '../transaction.js';
import { retryOnWriteConflict } from '../write-conflict-retry.js';
import { commit } from './commit.js';
import { answerOf, mustGet } from './make-payment/attempt.js';
import { authoriseClaimed } from './make-payment/authorise.js';
import { type Step, nextStep } from './make-payment/claim.js';
import type { MakePaymentCommand, MakePaymentDeps, MakePaymentOutcome } from './make-payment/types.js';

export type { MakePaymentCommand, MakePaymentDeps, MakePaymentOutcome } from './make-payment/types.js';

export async function makePayment(
  command: MakePaymentCommand,
  authorization: string | undefined,
  deps: MakePaymentDeps,
): Promise<MakePaymentOutcome> {
  const tx = await deps.transactions.get(command.pspTransactionId);
  if (!tx) return { kind: 'UNAUTHENTICATED', reason: 'UNKNOWN_TRANSACTION' };
  const presented = (authorization ?? '').replace(/^Bearer\s+/i, '');
  if (!secretMatches(presented, tx.makePaymentTokenHash))
    return { kind: 'UNAUTHENTICATED', reason: 'TOKEN_MISMATCH' };
  if (
    command.merchantSerialNumber !== tx.merchantSerialNumber ||
    (command.amount !== undefined && command.amount !== tx.amount)
  ) {
    return { kind: 'ANSWER', answer: answerOf(vippsErrors.invalidRequest), replayed: false };
  }
  return authoriseForPayment(tx, command, deps);
}

/**
 * The authorisation core every Vipps API shares once the caller is authenticated and the request
 * matches the payment: a repeat gets the stored answer, a late one 85, otherwise claim the attempt
 * and authorise the card (at most once per attempt). makePaymentUrl and the ePayment card
 * callback both come here.
 */
export async function authoriseForPayment(
  tx: Transaction,
  command: MakePaymentCommand,
  deps: MakePaymentDeps,
): Promise<MakePaymentOutcome> {
  const claim = await claimOrAnswer(tx, command, deps);
  if (claim.kind === 'answer') return { kind: 'ANSWER', answer: claim.answer, replayed: claim.replayed };
  // Outside the retry on purpose: once the acquirer has been asked, a lost write is settled by
  // authoriseClaimed itself, never by deciding (and authorising) again.
  return authoriseClaimed(claim.tx, claim.attempt, command, deps);
}

type Claim =
  Exclude<Step, { kind: 'claim' }> | { kind: 'claimed'; tx: Transaction; attempt: MakePaymentAttempt };

/**
 * Decide from the stored payment and claim the attempt. A lost write means another request
 * changed the payment: read it again and decide again.
 */
async function claimOrAnswer(
  tx: Transaction,
  command: MakePaymentCommand,
  deps: MakePaymentDeps,
): Promise<Claim> {
  try {
    return await retryOnWriteConflict(async (attemptNo): Promise<Claim> => {
      const current = attemptNo === 0 ? tx : await mustGet(deps.transactions, tx.pspTransactionId);
      const step = await nextStep(current, command, deps);
      if (step.kind === 'answer') return step;
      const claimed = await commit(deps.transactions, current, {
        changes: { makePayment: step.attempt, updatedAt: step.attempt.claimedAt },
        history: [],
      });
      return { kind: 'claimed', tx: claimed, attempt: step.attempt };
    });
  } catch (error) {
    if (!(error instanceof ConcurrentUpdateError)) throw error;
    deps.log.error('makePayment could not settle after repeated write conflicts', {
      pspTransactionId: tx.pspTransactionId,
    });
    return { kind: 'answer', answer: answerOf(vippsErrors.internalError), replayed: false };
  }
}
