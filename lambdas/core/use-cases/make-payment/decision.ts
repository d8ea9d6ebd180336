/**
 * The acquirer's answer, turned into Vipps' answer and the payment's next state (the answer table
 * in DESIGN.md): OK and RESERVED, a decline's errorId, SOFT_DECLINE with a 3-D Secure page, 94, 85.
 */
import { type VippsError, declineErrors, vippsErrors } from '../../error-catalogue.js';
import type { AuthorisationResult, CardCredentials, ThreeDsAuthentication } from '../../ports.js';
import {
  type MakePaymentAnswer,
  type MakePaymentAttempt,
  type Transaction,
  type Transition,
  fail,
  reserve,
} from '../../transaction.js';
import { answerOf } from './attempt.js';
import { type StepUpOperations, authorisationKey, startStepUp } from './step-up.js';
import type { MakePaymentDeps } from './types.js';

/** What the attempt comes to: the answer, and the state change it makes (decided once). */
export interface Decision {
  answer: MakePaymentAnswer;
  transitionFor: (tx: Transaction) => Pick<Transition, 'changes' | 'history' | 'statusUpdate'>;
  acquirerLatencyMs?: number;
  approvedReference?: string;
  /** The acquirer may hold an authorisation we do not know of (timeout, failed void). */
  outcomeUnknown?: boolean;
}

/** Everything the acquirer's answer is interpreted with. */
export interface Attempt {
  tx: Transaction;
  attempt: MakePaymentAttempt;
  card: CardCredentials;
  /** Checked on arrival; undefined: no step-up possible. */
  operations: StepUpOperations | undefined;
  deps: MakePaymentDeps;
}

export function failWith(
  deps: Pick<MakePaymentDeps, 'clock'>,
  error: VippsError,
  outcome?: 'DECLINED' | 'UNKNOWN',
  note?: string,
): Decision {
  return {
    answer: answerOf(error),
    transitionFor: (current) => fail(current, error, { at: deps.clock.now().toISOString(), outcome, note }),
    ...(outcome === 'UNKNOWN' ? { outcomeUnknown: true } : {}),
  };
}

export async function askAcquirer(
  tx: Transaction,
  attempt: MakePaymentAttempt,
  card: CardCredentials,
  threeDs: ThreeDsAuthentication | undefined,
  deps: MakePaymentDeps,
): Promise<AuthorisationResult> {
  try {
    return await deps.acquirer.authorise(
      {
        pspTransactionId: tx.pspTransactionId,
        idempotencyKey: authorisationKey(tx, attempt.phase),
        merchantSerialNumber: tx.merchantSerialNumber,
        amount: tx.amount,
        currency: tx.currency,
        card,
        ...(threeDs ? { threeDs } : {}),
      },
      { signal: AbortSignal.timeout(deps.acquirerBudgetMs) },
    );
  } catch (error) {
    // An adapter that throws instead of answering: we cannot know whether an authorisation exists.
    deps.log.error('Acquirer authorisation threw', {
      pspTransactionId: tx.pspTransactionId,
      error: String(error),
    });
    return { outcome: 'TIMEOUT' };
  }
}

export async function interpret(result: AuthorisationResult, at: Attempt): Promise<Decision> {
  const { tx, deps } = at;
  switch (result.outcome) {
    case 'APPROVED': {
      if (result.funding === 'CREDIT' && !tx.allowCreditCards) {
        const voided = await voidApproval(tx, result.acquirerReference, 'credit', deps);
        return failWith(
          deps,
          vippsErrors.creditCardNotAllowed,
          voided ? 'DECLINED' : 'UNKNOWN',
          'Credit card (acquirer)',
        );
      }
      const acquirerReference = result.acquirerReference;
      const ntr = result.networkTransactionReference;
      return {
        answer: { status: 'OK', ...(ntr ? { networkTransactionReference: ntr } : {}) },
        transitionFor: (current) =>
          reserve(current, { at: deps.clock.now().toISOString(), acquirerReference }),
        approvedReference: acquirerReference,
      };
    }
    case 'DECLINED':
      return failWith(deps, declineErrors[result.reason], 'DECLINED', result.responseCode);
    case 'SOFT_DECLINE':
      return softDecline(at, result.canStepUp);
    case 'ERROR':
      return failWith(deps, vippsErrors.internalError, 'DECLINED', result.responseCode ?? result.message);
    case 'TIMEOUT':
      // The issuer may still approve: mark the outcome unknown; the reconciler reverses it.
      return failWith(deps, vippsErrors.tooLate, 'UNKNOWN', 'No acquirer answer within the budget');
  }
}

/** SOFT_DECLINE with a 3-D Secure page, or 94 when that cannot be (DESIGN.md answer table). */
async function softDecline(
  { tx, attempt, card, operations, deps }: Attempt,
  canStepUp: boolean,
): Promise<Decision> {
  // Never a second SOFT_DECLINE after 3-D Secure; a PAN (legacy) payment has no token to step up.
  const unhandled = (note: string) => {
    deps.log.warn('Soft decline that cannot be stepped up; answered 94', {
      pspTransactionId: tx.pspTransactionId,
      why: note,
    });
    return failWith(deps, vippsErrors.unhandledSoftDecline, 'DECLINED', note);
  };
  if (attempt.phase === 'AFTER_3DS') return unhandled('Soft-declined again after 3-D Secure');
  if (!canStepUp) return unhandled('The acquirer cannot step this one up');
  if (card.kind !== 'NETWORK_TOKEN') return unhandled('No network token to authenticate (ENCRYPTEDCARD)');
  if (!operations) return unhandled('No usable operations URLs (3dssuccess missing, or one not https)');
  const { sessionId, url3dSecure } = await startStepUp(tx, card, operations, deps);
  const at = deps.clock.now().toISOString();
  return {
    answer: { status: 'SOFT_DECLINE', error: vippsErrors.softDecline, url3dSecure },
    transitionFor: () => ({
      changes: { threeDsSessionId: sessionId, updatedAt: at },
      history: [{ operation: 'SOFT_DECLINE', amount: 0, at, errorId: vippsErrors.softDecline.errorId }],
    }),
  };
}

export async function voidApproval(
  tx: Transaction,
  acquirerReference: string,
  why: string,
  deps: MakePaymentDeps,
): Promise<boolean> {
  try {
    await deps.acquirer.cancel({
      pspTransactionId: tx.pspTransactionId,
      acquirerReference,
      amount: tx.amount,
      currency: tx.currency,
      operationId: `${tx.pspTransactionId}-void-${why}`,
    });
    return true;
  } catch (error) {
    deps.log.error('Could not void an approval; reversal scheduled', {
      pspTransactionId: tx.pspTransactionId,
      error: String(error),
    });
    return false;
  }
}
