/**
 * Deciding, from the stored payment alone, what a makePayment request gets before anything is
 * authorised: the stored answer again (a repeated request), 85 (late, out of order, finished),
 * 93 (Vipps ended the payment), a wait for a concurrent duplicate, or the claim of a new attempt.
 * A lost conditional write throws ConcurrentUpdateError: the caller re-reads and decides again.
 */
import { type VippsEndState, statusFromVipps, vippsErrors } from '../../error-catalogue.js';
import {
  type MakePaymentAnswer,
  type MakePaymentAttempt,
  type Transaction,
  endedByVipps,
  expire,
  isPastDeadline,
} from '../../transaction.js';
import { commit } from '../commit.js';
import { answerOf, commitIgnoringConflict, mustGet, withAnswer } from './attempt.js';
import { threeDsFinished } from './step-up.js';
import { abandonedAfter, abandonedAnswer, takeOverAbandoned } from './takeover.js';
import type { MakePaymentCommand, MakePaymentDeps } from './types.js';

export type Step =
  | { kind: 'answer'; answer: MakePaymentAnswer; replayed: boolean }
  | { kind: 'claim'; attempt: MakePaymentAttempt };

const MAX_POLL_INTERVAL_MS = 250;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const answered = (answer: MakePaymentAnswer, replayed = false): Step => ({
  kind: 'answer',
  answer,
  replayed,
});

export async function nextStep(
  tx: Transaction,
  command: MakePaymentCommand,
  deps: MakePaymentDeps,
): Promise<Step> {
  const prior = tx.makePayment;
  let phase: MakePaymentAttempt['phase'] = 'INITIAL';
  if (prior?.requestHash === command.requestHash) {
    if (prior.state === 'IN_PROGRESS') return waitForFirstAnswer(tx, command, deps);
    const answer = prior.answer ?? answerOf(vippsErrors.internalError);
    if (answer.status !== 'SOFT_DECLINE' || !(await threeDsFinished(tx, deps))) return answered(answer, true);
    phase = 'AFTER_3DS'; // the same body again, but the user has since completed 3-D Secure
  } else if (prior) {
    // A SOFT_DECLINE is not final: the request after 3-D Secure is expected. Anything else is.
    if (prior.state !== 'ANSWERED' || prior.answer?.status !== 'SOFT_DECLINE')
      return answered(answerOf(vippsErrors.tooLate));
    phase = 'AFTER_3DS';
  }

  const now = deps.clock.now();
  if (tx.status !== 'INITIATED') return answered(answerOf(vippsErrors.tooLate));
  if (isPastDeadline(tx, now)) {
    await commitIgnoringConflict(deps.transactions, tx, expire(tx, now.toISOString()));
    return answered(answerOf(vippsErrors.tooLate));
  }
  const attempt: MakePaymentAttempt = {
    requestHash: command.requestHash,
    phase,
    state: 'IN_PROGRESS',
    claimedAt: now.toISOString(),
  };
  if (command.endedByVipps) return recordEndedByVipps(tx, command.endedByVipps, attempt, deps);
  // Stryker disable next-line StringLiteral: callers only ask whether the step is an answer
  return { kind: 'claim', attempt };
}

/** USER_CANCEL / TIMEOUT (legacy NO): the payment ends here, nothing goes to the acquirer. */
async function recordEndedByVipps(
  tx: Transaction,
  state: VippsEndState,
  attempt: MakePaymentAttempt,
  deps: MakePaymentDeps,
): Promise<Step> {
  const error = statusFromVipps(state);
  const answer = answerOf(error);
  const transition = endedByVipps(tx, state, error, attempt.claimedAt);
  await commit(deps.transactions, tx, withAnswer(transition, attempt, answer));
  deps.log.info('Payment ended in the Vipps app', { pspTransactionId: tx.pspTransactionId, errorId: '93' });
  return answered(answer);
}

/**
 * A concurrent duplicate: wait for the first request's answer instead of authorising again. Fast
 * at first (the winner usually answers within milliseconds), then backing off, so a winner stuck
 * on a slow acquirer costs a handful of reads, not one every 25 ms for 12 s.
 */
async function waitForFirstAnswer(
  tx: Transaction,
  command: MakePaymentCommand,
  deps: MakePaymentDeps,
): Promise<Step> {
  const giveUpAt = abandonedAfter(tx.makePayment!, deps.acquirerBudgetMs);
  let current = tx;
  let interval = deps.pollIntervalMs ?? 25;
  while (deps.clock.now().getTime() < giveUpAt) {
    await sleep(interval);
    interval = Math.min(interval * 2, MAX_POLL_INTERVAL_MS);
    current = await mustGet(deps.transactions, tx.pspTransactionId);
    const stillRunning =
      current.makePayment?.requestHash === command.requestHash && current.makePayment.state === 'IN_PROGRESS';
    if (!stillRunning) return nextStep(current, command, deps);
  }
  await commit(deps.transactions, current, takeOverAbandoned(current, deps.clock.now().toISOString()));
  deps.log.warn('Took over an abandoned makePayment attempt; reversal scheduled', {
    pspTransactionId: tx.pspTransactionId,
  });
  return answered(abandonedAnswer);
}
