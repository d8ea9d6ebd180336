/**
 * The sandbox acquirer's decision table (DESIGN.md "Sandbox acquirer"): a pure function of the
 * authorisation request, so tests, the local Vipps simulator and the docs share one source.
 * Amount rows are in øre and win over the Mastercard row. Never decides on the token's expiry:
 * several of Vipps' test tokens are expired on purpose, and only the issuer may refuse for that.
 */
import type { DeclineReason } from '../../core/error-catalogue.js';
import type { AuthorisationRequest } from '../../core/ports.js';

/** The magic amounts (øre). */
export const sandboxAmounts = {
  noSuchIssuer: 10081,
  refused: 10082,
  suspectedFraud: 10083,
  exceedsLimit: 10084,
  noAnswer: 10085,
  expiredCard: 10086,
  invalidCardNumber: 10087,
  creditCard: 10088,
  insufficientFunds: 10089,
  internalError: 10091,
  softDecline: 10036,
  softDeclineNoStepUp: 10094,
} as const;

const declines: ReadonlyMap<number, { reason: DeclineReason; responseCode: string }> = new Map([
  [sandboxAmounts.noSuchIssuer, { reason: 'NO_SUCH_ISSUER', responseCode: '15' }],
  [sandboxAmounts.refused, { reason: 'REFUSED', responseCode: '05' }],
  [sandboxAmounts.suspectedFraud, { reason: 'SUSPECTED_FRAUD', responseCode: '59' }],
  [sandboxAmounts.exceedsLimit, { reason: 'EXCEEDS_LIMIT', responseCode: '61' }],
  [sandboxAmounts.expiredCard, { reason: 'EXPIRED_CARD', responseCode: '54' }],
  [sandboxAmounts.invalidCardNumber, { reason: 'INVALID_CARD_NUMBER', responseCode: '14' }],
  [sandboxAmounts.insufficientFunds, { reason: 'INSUFFICIENT_FUNDS', responseCode: '51' }],
]);

/** What the sandbox issuer decides; the acquirer turns it into an answer (or a late approval). */
export type SandboxDecision =
  | { outcome: 'APPROVE'; forceCredit: boolean }
  | { outcome: 'DECLINE'; reason: DeclineReason; responseCode: string }
  | { outcome: 'SOFT_DECLINE'; canStepUp: boolean; responseCode: string }
  | { outcome: 'ERROR'; responseCode: string }
  /** The issuer approves, but too late for the caller's budget. */
  | { outcome: 'APPROVE_LATE' };

export function decideSandboxOutcome(request: AuthorisationRequest): SandboxDecision {
  const authenticated = Boolean(request.threeDs?.cavv);
  const decline = declines.get(request.amount);
  if (decline) return { outcome: 'DECLINE', ...decline };
  switch (request.amount) {
    case sandboxAmounts.noAnswer:
      return { outcome: 'APPROVE_LATE' };
    case sandboxAmounts.creditCard:
      return { outcome: 'APPROVE', forceCredit: true };
    case sandboxAmounts.internalError:
      return { outcome: 'ERROR', responseCode: '96' };
    case sandboxAmounts.softDecline:
      return authenticated
        ? { outcome: 'APPROVE', forceCredit: false }
        : { outcome: 'SOFT_DECLINE', canStepUp: true, responseCode: '1A' };
    case sandboxAmounts.softDeclineNoStepUp:
      return { outcome: 'SOFT_DECLINE', canStepUp: false, responseCode: '1A' };
  }
  const { card } = request;
  // Vipps sends Mastercard tokens with ECI 06 ("no 3DS, no challenge requested") and warns that
  // issuers may soft-decline them: the sandbox always does, until a 3-D Secure result comes along.
  if (
    card.kind === 'NETWORK_TOKEN' &&
    card.tokenType === 'MASTERCARD' &&
    (card.eci === '06' || card.eci === '6') &&
    !authenticated
  ) {
    return { outcome: 'SOFT_DECLINE', canStepUp: true, responseCode: '65' };
  }
  return { outcome: 'APPROVE', forceCredit: false };
}
