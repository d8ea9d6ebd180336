/** Our MakePaymentResponse, always HTTP 200 application/json for business outcomes. */
import type { VippsError } from '../../core/error-catalogue.js';
import type { MakePaymentAnswer } from '../../core/transaction.js';
import { type HttpResult, json } from '../http/api-gateway.js';

export interface MakePaymentResponseBody {
  paymentInfo: { pspTransactionId?: string; status: 'OK' | 'FAIL' | 'SOFT_DECLINE'; url3dSecure?: string };
  errorMessage?: { errorId: string; errorText: string };
}

export function responseBody(
  answer: MakePaymentAnswer,
  pspTransactionId: string | undefined,
): MakePaymentResponseBody {
  return {
    // An undefined pspTransactionId or url3dSecure is left out of the JSON Vipps receives.
    paymentInfo: { pspTransactionId, status: answer.status, url3dSecure: answer.url3dSecure },
    ...(answer.error
      ? { errorMessage: { errorId: answer.error.errorId, errorText: answer.error.errorText } }
      : {}),
  };
}

export function answerResponse(answer: MakePaymentAnswer, pspTransactionId: string | undefined): HttpResult {
  return json(200, responseBody(answer, pspTransactionId));
}

export function failResponse(error: VippsError, pspTransactionId: string | undefined): HttpResult {
  return answerResponse({ status: 'FAIL', error }, pspTransactionId);
}
