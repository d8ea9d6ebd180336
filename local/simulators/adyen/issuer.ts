/**
 * What the simulated issuer answers, in Adyen's terms (resultCode + refusalReasonCode, test
 * environment semantics). Vipps' test tokens get the sandbox acquirer's outcomes by amount
 * (DESIGN.md "Sandbox acquirer"), so the checklist reaches every errorId through Adyen's codes.
 * That amount table is our convention, not Adyen's documented test behaviour (Adyen's own test
 * triggers are RequestedTestAcquirerResponseCode and special holder names, docs "Testing result
 * codes and refusal reasons"); the codes it answers with are Adyen's documented ones.
 */
import { sandboxAmounts } from '../../../lambdas/adapters/acquirer/sandbox-outcomes.js';
import type { SimPaymentRequest } from './payment-request-schema.js';

export type AdyenDecision =
  | { kind: 'authorised'; funding: 'CREDIT' | 'DEBIT' }
  | { kind: 'refused'; code: string; reason: string }
  | { kind: 'late-approval' };

const refusals = new Map<number, [string, string]>([
  [sandboxAmounts.noSuchIssuer, ['10', 'Not supported']],
  [sandboxAmounts.refused, ['2', 'Refused']],
  [sandboxAmounts.suspectedFraud, ['31', 'Issuer Suspected Fraud']],
  [sandboxAmounts.exceedsLimit, ['28', 'Withdrawal amount exceeded']],
  [sandboxAmounts.expiredCard, ['6', 'Expired Card']],
  [sandboxAmounts.invalidCardNumber, ['8', 'Invalid Card Number']],
  [sandboxAmounts.insufficientFunds, ['12', 'Not enough balance']],
  [sandboxAmounts.internalError, ['4', 'Acquirer Error']],
  [sandboxAmounts.softDeclineNoStepUp, ['38', 'Authentication required']],
]);
const authenticationRequired = { kind: 'refused', code: '38', reason: 'Authentication required' } as const;

export function decide(request: SimPaymentRequest): AdyenDecision {
  const amount = request.amount.value;
  const authenticated = Boolean(request.mpiData?.cavv);
  const refusal = refusals.get(amount);
  if (refusal) return { kind: 'refused', code: refusal[0], reason: refusal[1] };
  if (amount === sandboxAmounts.noAnswer) return { kind: 'late-approval' };
  if (amount === sandboxAmounts.creditCard) return { kind: 'authorised', funding: 'CREDIT' };
  if (amount === sandboxAmounts.softDecline && !authenticated) return authenticationRequired;
  const { paymentMethod, mpiData } = request;
  if (
    paymentMethod.type === 'networkToken' &&
    paymentMethod.brand === 'mc' &&
    mpiData?.eci === '06' &&
    !authenticated
  )
    return authenticationRequired;
  return { kind: 'authorised', funding: 'DEBIT' };
}
