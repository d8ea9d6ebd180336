/**
 * What the simulated card network answers an authorisation with, as a Clearhaus status code.
 *
 * Clearhaus' test rule (test card numbers): for PANs starting 420000 and ending 0000, or starting
 * 555555 and ending 4444, the amount is the status code (another amount → 40110).
 * Vipps' test tokens are not such cards, so for them the simulator plays the same issuer as the
 * sandbox acquirer (DESIGN.md "Sandbox acquirer"), answering in Clearhaus' own codes — that is
 * how the checklist reaches every errorId through Clearhaus. That amount table is our convention,
 * not Clearhaus' documented test behaviour; the status codes are Clearhaus' documented ones.
 */
import { sandboxAmounts } from '../../../lambdas/adapters/acquirer/sandbox-outcomes.js';

export type IssuerDecision = { kind: 'code'; code: number } | { kind: 'late-approval' };

const documentedCodes = new Set([
  20000, 40000, 40110, 40111, 40120, 40130, 40135, 40140, 40150, 40200, 40300, 40310, 40400, 40410, 40411,
  40412, 40413, 40414, 40415, 40416, 40420, 50000,
]);

const byAmount = new Map<number, number>([
  [sandboxAmounts.noSuchIssuer, 40111],
  [sandboxAmounts.refused, 40410],
  [sandboxAmounts.suspectedFraud, 40414],
  [sandboxAmounts.exceedsLimit, 40415],
  [sandboxAmounts.expiredCard, 40135],
  [sandboxAmounts.invalidCardNumber, 40110],
  [sandboxAmounts.insufficientFunds, 40413],
  [sandboxAmounts.internalError, 50000],
  [sandboxAmounts.softDeclineNoStepUp, 40416],
]);

export function isClearhausTestCard(number: string): boolean {
  return (
    (number.startsWith('420000') && number.endsWith('0000')) ||
    (number.startsWith('555555') && number.endsWith('4444'))
  );
}

export function decide(
  card: { number: string; isToken: boolean },
  amount: number,
  authenticated: boolean,
): IssuerDecision {
  const { number } = card;
  if (isClearhausTestCard(number)) {
    return { kind: 'code', code: documentedCodes.has(amount) ? amount : 40110 };
  }
  const code = byAmount.get(amount);
  if (code) return { kind: 'code', code };
  if (amount === sandboxAmounts.noAnswer) return { kind: 'late-approval' };
  if (amount === sandboxAmounts.softDecline && !authenticated) return { kind: 'code', code: 40416 };
  // Mastercard tokens reach Clearhaus without an ECI; like the sandbox (Vipps warns Mastercard
  // issuers may soft-decline them) the issuer wants 3-D Secure first.
  if (card.isToken && /^[25]/.test(number) && !authenticated) return { kind: 'code', code: 40416 };
  return { kind: 'code', code: 20000 };
}
