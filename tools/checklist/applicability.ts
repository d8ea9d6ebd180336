/**
 * The "applicability" line per errorId Vipps asks for: does the code apply to this PSP, and why.
 * The acquirers' codes are read from their mapping tables themselves (clearhaus/status-codes.ts,
 * adyen/refusal-reasons.ts), so the report cannot drift from what the adapters do.
 */
import type { AcquirerCodeEntry } from '../../lambdas/adapters/acquirer/acquirer-codes.js';
import { clearhausStatusCodes } from '../../lambdas/adapters/acquirer/clearhaus/status-codes.js';
import { vippsErrors } from '../../lambdas/core/error-catalogue.js';

export interface Applicability {
  errorId: string;
  errorText: string;
  applies: 'yes' | 'conditional';
  why: string;
}

const acquirerTables: Record<string, Readonly<Record<string, AcquirerCodeEntry>>> = {
  Clearhaus: clearhausStatusCodes,
};

/** Each acquirer's codes that our mapping turns into `errorId`. */
export function acquirerCodesFor(errorId: string): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(acquirerTables).map(([name, table]) => [
      name,
      Object.entries(table)
        .filter(([, entry]) => entry.vippsErrorId === errorId)
        .map(([code]) => code)
        .sort(),
    ]),
  );
}

const de39 = (errorId: string) => {
  const parts = Object.entries(acquirerCodesFor(errorId))
    .filter(([, codes]) => codes.length)
    .map(([name, codes]) => `${name} ${codes.join('/')}`);
  return parts.length ? `${parts.join('; ')} → ${errorId}` : 'no acquirer code maps to it';
};

export function applicability(): Applicability[] {
  const line = (
    error: { errorId: string; errorText: string },
    applies: Applicability['applies'],
    why: string,
  ): Applicability => ({ errorId: error.errorId, errorText: error.errorText, applies, why });
  return [
    line(
      vippsErrors.invalidRequest,
      'yes',
      'every makePayment body is schema-validated before anything is read or changed; an invalid one is answered FAIL 71',
    ),
    line(
      { errorId: '72', errorText: '<our text>' },
      'yes',
      'a known error outside Vipps’ list, with our own text; we use it for "3-D Secure cancelled" (Cancel on our challenge page)',
    ),
    line(vippsErrors.noSuchIssuer, 'yes', `${de39('81')}`),
    line(vippsErrors.refusedByIssuer, 'yes', `${de39('82')}; also a failed 3-D Secure challenge`),
    line(
      vippsErrors.suspectedFraud,
      'conditional',
      `depends on the acquirer’s codes: ${de39('83')}; an issuer that reports fraud as a plain refusal gives 82`,
    ),
    line(
      vippsErrors.exceedsLimit,
      'conditional',
      `depends on the acquirer’s codes: ${de39('84')}; otherwise the issuer’s refusal shows as 82`,
    ),
    line(
      vippsErrors.tooLate,
      'yes',
      'the acquirer did not answer within ACQUIRER_BUDGET_MS (default 10 s, well inside Vipps’ 15 s) → 85 and the reconciler reverses the unknown authorisation (Adyen, by our reference; Clearhaus has no lookup, so ops are alerted with the reference); also a makePayment for a payment we already cancelled or expired, or a different request after a final answer',
    ),
    line(vippsErrors.expiredCard, 'yes', `${de39('86')}; we never decline on a token’s expiry ourselves`),
    line(vippsErrors.invalidCardNumber, 'yes', de39('87')),
    line(
      vippsErrors.creditCardNotAllowed,
      'conditional',
      'only for merchants whose setting disallows credit cards (BIN lookup decides the funding); the demo merchant disallows them',
    ),
    line(vippsErrors.insufficientFunds, 'yes', de39('89')),
    line(
      vippsErrors.internalError,
      'yes',
      `${de39('91')} (and any unmapped code), or anything unexpected in our handler — never a stack trace`,
    ),
    line(
      vippsErrors.unableToDecrypt,
      'conditional',
      'only for the legacy ENCRYPTEDCARD instrument (cardData, RSA-OAEP via KMS); PSP API v3 sends network tokens',
    ),
    line(
      { errorId: '93', errorText: 'Status from Vipps:<state>' },
      'yes',
      'paymentState USER_CANCEL / TIMEOUT (legacy confirmed NO / CANCEL / TIMEOUT): the payment is cancelled or expired, nothing goes to the acquirer',
    ),
    line(
      vippsErrors.unhandledSoftDecline,
      'yes',
      'a soft decline we cannot step up: no operations URLs, or soft-declined again after 3-D Secure',
    ),
    line(
      vippsErrors.softDecline,
      'yes',
      `issuer asks for SCA (${de39('1036')}): SOFT_DECLINE with url3dSecure to our 3-D Secure page, then OK or FAIL only`,
    ),
  ];
}
