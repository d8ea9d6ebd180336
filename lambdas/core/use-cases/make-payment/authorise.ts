/**
 * We hold the claim on the attempt: ask the acquirer (at most once per attempt), turn its answer
 * into Vipps' answer and the payment's next state, and store both in one conditional write.
 */
import { vippsErrors } from '../../error-catalogue.js';
import type { ThreeDsAuthentication } from '../../ports.js';
import type { MakePaymentAttempt, Transaction } from '../../transaction.js';
import { retryOnWriteConflict } from '../../write-conflict-retry.js';
import { commit } from '../commit.js';
import { enqueueStatusUpdate } from '../payment-operations.js';
import { answerOf, commitIgnoringConflict, mustGet, noChange, withAnswer } from './attempt.js';
import { isDisallowedCredit, resolveCard } from './card.js';
import { type Decision, askAcquirer, failWith, interpret, voidApproval } from './decision.js';
import { authenticationFor, stepUpOperations } from './step-up.js';
import type { MakePaymentCommand, MakePaymentDeps, MakePaymentOutcome } from './types.js';

export async function authoriseClaimed(
  tx: Transaction,
  attempt: MakePaymentAttempt,
  command: MakePaymentCommand,
  deps: MakePaymentDeps,
): Promise<MakePaymentOutcome> {
  const decided = await decide(tx, attempt, command, deps);
  const stored = await storeDecision(tx, attempt, decided, deps);
  if (stored) return stored;
  const { answer, acquirerLatencyMs } = decided;
  deps.log.info('makePayment answered', {
    pspTransactionId: tx.pspTransactionId,
    outcome: answer.status,
    errorId: answer.error?.errorId ?? 'OK',
    acquirerLatencyMs,
  });
  return { kind: 'ANSWER', answer, replayed: false, acquirerLatencyMs };
}

/** Write the decision (retrying lost writes while the attempt is still ours); an outcome if we lost it. */
async function storeDecision(
  tx: Transaction,
  attempt: MakePaymentAttempt,
  decided: Decision,
  deps: MakePaymentDeps,
): Promise<MakePaymentOutcome | undefined> {
  return retryOnWriteConflict(async (attemptNo) => {
    const stored = attemptNo === 0 ? tx : await mustGet(deps.transactions, tx.pspTransactionId);
    const stillOurs =
      stored.status === 'INITIATED' &&
      stored.makePayment?.requestHash === attempt.requestHash &&
      stored.makePayment.state === 'IN_PROGRESS';
    if (!stillOurs) return settleLostRace(stored, attempt, decided, deps);
    const transition = decided.transitionFor(stored);
    await commit(deps.transactions, stored, withAnswer(transition, attempt, decided.answer));
    // Only a reservation has a status update for Vipps; declines and soft declines have none.
    await enqueueStatusUpdate(deps, transition.statusUpdate);
    return undefined;
  });
}

/**
 * While we authorised, the payment changed under us (the merchant cancelled it, or a duplicate
 * took over an attempt it thought abandoned). Vipps gets 85; an approval we obtained is voided.
 */
async function settleLostRace(
  stored: Transaction,
  attempt: MakePaymentAttempt,
  decided: Decision,
  deps: MakePaymentDeps,
): Promise<MakePaymentOutcome> {
  // Nothing held when the acquirer declined; an approval is voided; an unknown outcome stays unknown.
  let voided = !decided.outcomeUnknown;
  if (decided.approvedReference)
    voided = await voidApproval(stored, decided.approvedReference, 'lost-race', deps);
  const unknown = voided ? {} : { authorisationOutcome: 'UNKNOWN' as const };
  const existing = stored.makePayment;
  if (existing?.requestHash === attempt.requestHash && existing.state === 'ANSWERED' && existing.answer) {
    if (!voided) await commitIgnoringConflict(deps.transactions, stored, { changes: unknown, history: [] });
    return { kind: 'ANSWER', answer: existing.answer, replayed: true };
  }
  const answer = answerOf(vippsErrors.tooLate);
  const at = deps.clock.now().toISOString();
  await commitIgnoringConflict(deps.transactions, stored, withAnswer(noChange(at), attempt, answer, unknown));
  deps.log.warn('Payment changed during authorisation; answered 85', {
    pspTransactionId: stored.pspTransactionId,
    voided,
  });
  return { kind: 'ANSWER', answer, replayed: false };
}

/** The checks before the acquirer, then the acquirer itself. */
async function decide(
  tx: Transaction,
  attempt: MakePaymentAttempt,
  command: MakePaymentCommand,
  deps: MakePaymentDeps,
): Promise<Decision> {
  const operations = stepUpOperations(command.operations, deps);
  let threeDs: ThreeDsAuthentication | undefined;
  if (attempt.phase === 'AFTER_3DS') {
    const authenticated = await authenticationFor(tx, command, deps);
    if (!authenticated.ok) {
      const { error, outcome, note } = authenticated.refusal;
      return failWith(deps, error, outcome, note);
    }
    threeDs = authenticated.threeDs;
  }
  const card = await resolveCard(command, tx, deps);
  if (!card) return failWith(deps, vippsErrors.unableToDecrypt);
  if (card === 'MISSING') return failWith(deps, vippsErrors.invalidRequest);
  if (await isDisallowedCredit(card, command, tx, deps))
    return failWith(deps, vippsErrors.creditCardNotAllowed, 'DECLINED', 'Credit card (BIN lookup)');

  const started = performance.now();
  const result = await askAcquirer(tx, attempt, card, threeDs, deps);
  const decision = await interpret(result, { tx, attempt, card, operations, deps });
  return { ...decision, acquirerLatencyMs: Math.round(performance.now() - started) };
}
