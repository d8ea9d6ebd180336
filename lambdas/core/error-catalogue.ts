/**
 * The errorIds we answer Vipps with at makePaymentUrl (Vipps PSP API v3 guide), in one place; the
 * texts are Vipps' own, word for word (test/unit/error-catalogue.test.ts compares them with the guide).
 * Every FAIL and SOFT_DECLINE answer is built from this table.
 */
export interface VippsError {
  readonly errorId: string;
  readonly errorText: string;
}

export const vippsErrors = {
  invalidRequest: { errorId: '71', errorText: 'Invalid request' },
  noSuchIssuer: { errorId: '81', errorText: 'No such issuer' },
  refusedByIssuer: { errorId: '82', errorText: 'Refused by Issuer' },
  suspectedFraud: { errorId: '83', errorText: 'Suspected fraud' },
  exceedsLimit: { errorId: '84', errorText: 'Exceeds withdrawal amount limit' },
  tooLate: { errorId: '85', errorText: 'Response received too late' },
  expiredCard: { errorId: '86', errorText: 'Expired card' },
  invalidCardNumber: { errorId: '87', errorText: 'Invalid card number (no such number)' },
  creditCardNotAllowed: { errorId: '88', errorText: 'Merchant does not allow credit cards' },
  insufficientFunds: { errorId: '89', errorText: 'Insufficient funds' },
  internalError: { errorId: '91', errorText: 'Internal error' },
  unableToDecrypt: { errorId: '92', errorText: 'Unable to decrypt' },
  unhandledSoftDecline: { errorId: '94', errorText: 'Unhandled soft decline' },
  softDecline: { errorId: '1036', errorText: 'Soft Decline' },
} as const satisfies Record<string, VippsError>;

/** 72: a known error outside the catalogue, with our own text. */
export function otherError(text: string): VippsError {
  return { errorId: '72', errorText: text };
}

/** 93: the user (or Vipps) ended the payment in the app. */
export type VippsEndState = 'CANCEL' | 'TIMEOUT' | 'NO';
export function statusFromVipps(state: VippsEndState): VippsError {
  return { errorId: '93', errorText: `Status from Vipps:${state}` };
}

export const threeDsCancelled = otherError('3-D Secure cancelled');

/** Why an issuer or acquirer refused: the acquirer adapters map their codes to these. */
export type DeclineReason =
  | 'NO_SUCH_ISSUER'
  | 'REFUSED'
  | 'SUSPECTED_FRAUD'
  | 'EXCEEDS_LIMIT'
  | 'EXPIRED_CARD'
  | 'INVALID_CARD_NUMBER'
  | 'INSUFFICIENT_FUNDS';

export const declineErrors: Record<DeclineReason, VippsError> = {
  NO_SUCH_ISSUER: vippsErrors.noSuchIssuer,
  REFUSED: vippsErrors.refusedByIssuer,
  SUSPECTED_FRAUD: vippsErrors.suspectedFraud,
  EXCEEDS_LIMIT: vippsErrors.exceedsLimit,
  EXPIRED_CARD: vippsErrors.expiredCard,
  INVALID_CARD_NUMBER: vippsErrors.invalidCardNumber,
  INSUFFICIENT_FUNDS: vippsErrors.insufficientFunds,
};
