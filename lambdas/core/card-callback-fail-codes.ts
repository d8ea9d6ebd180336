/**
 * The ePayment card callback's FAIL answer carries an integer `errorCode` and an `errorMessage`.
 * Vipps publishes no catalogue for them, so by default the integer is the PSP API v3 errorId of
 * the same reason and the message its catalogue text (e.g. 82 "Refused by Issuer"): one table,
 * for every reason, that a PSP can override per errorId (CARD_CALLBACK_FAIL_CODES).
 */
import type { VippsError } from './error-catalogue.js';

export interface CallbackFailCode {
  errorCode: number;
  errorMessage: string;
}

/** Overrides by PSP API v3 errorId, e.g. {"82": {"errorCode": 5, "errorMessage": "Declined"}}. */
export type CallbackFailCodeTable = Readonly<Record<string, CallbackFailCode>>;

/** Our internal-error id, for a reason whose errorId is not a number. */
const FALLBACK_CODE = 91;

export function callbackFailCode(error: VippsError, overrides: CallbackFailCodeTable = {}): CallbackFailCode {
  const override = overrides[error.errorId];
  if (override) return override;
  const code = /^\d+$/.test(error.errorId) ? Number(error.errorId) : FALLBACK_CODE;
  return { errorCode: code, errorMessage: error.errorText };
}
