/**
 * The ePayment card callback (DESIGN.md "ePayment PSP API" §2–3), after the handler verified
 * Vipps' signature. Primary course: find the payment (unknown, or not an ePayment one → the
 * caller answers 401, revealing nothing) → check MSN, amount and card against it (a mismatch is
 * a FAIL; nothing is authorised or changed) → the same authorisation core as makePaymentUrl →
 * RESERVE, FAIL or SOFT_DECLINE. The soft decline opens the same 3-D Secure session as PSP API
 * v3, ending at Vipps' softDeclineCompletedRedirectUrl; the second callback (same attempt, new
 * cryptogram) is the request after 3-D Secure and gets RESERVE or FAIL only.
 */
import { type CallbackFailCodeTable, callbackFailCode } from '../card-callback-fail-codes.js';
import { type VippsError, vippsErrors } from '../error-catalogue.js';
import type { TokenType } from '../ports.js';
import type { MakePaymentAnswer } from '../transaction.js';
import { vippsApiOf } from '../vipps-api.js';
import { authoriseForPayment } from './make-payment.js';
import type { MakePaymentCommand, MakePaymentDeps } from './make-payment/types.js';

/** A verified, parsed card callback in domain words. Card data never leaves this object in a log. */
export interface CardCallbackCommand {
  pspReference: string;
  authorizationAttemptId: string;
  merchantSerialNumber: string;
  amount?: { currency: string; value: number };
  softDeclineCompletedRedirectUrl?: string;
  /** TOKEN, PAN, or whatever Vipps sent. */
  cardDataType: string;
  /** Normalised (VISA_DEBIT, MC_CREDIT, …) when Vipps sent one. */
  cardType?: string;
  networkToken?: {
    number: string;
    cryptogram: string;
    expiryMonth: string;
    expiryYear: string;
    tokenType?: string;
    eci?: string;
  };
  /** SHA-256 of the canonical body: the same callback again gets the same answer. */
  requestHash: string;
}

export type CardCallbackAnswer =
  | { status: 'RESERVE'; networkTransactionReference?: string }
  | { status: 'FAIL'; errorCode: number; errorMessage: string; errorId: string }
  | { status: 'SOFT_DECLINE'; softDeclineUrl: string };

export type CardCallbackOutcome =
  | { kind: 'UNKNOWN_PAYMENT' }
  | { kind: 'ANSWER'; answer: CardCallbackAnswer; replayed: boolean; acquirerLatencyMs?: number };

export interface CardCallbackDeps extends MakePaymentDeps {
  failCodes?: CallbackFailCodeTable;
}

export async function answerCardCallback(
  command: CardCallbackCommand,
  deps: CardCallbackDeps,
): Promise<CardCallbackOutcome> {
  const tx = await deps.transactions.get(command.pspReference);
  if (!tx || vippsApiOf(tx) !== 'epayment') return { kind: 'UNKNOWN_PAYMENT' };
  const fail = (error: VippsError, why: string): CardCallbackOutcome => {
    deps.log.warn('Card callback refused before authorisation', {
      pspTransactionId: tx.pspTransactionId,
      errorId: error.errorId,
      why,
    });
    return { kind: 'ANSWER', answer: failAnswer(error, deps.failCodes), replayed: false };
  };
  if (command.merchantSerialNumber !== tx.merchantSerialNumber)
    return fail(vippsErrors.invalidRequest, 'merchantSerialNumber differs from the payment');
  const amount = command.amount;
  if (amount && (amount.value !== tx.amount || amount.currency !== tx.currency))
    return fail(vippsErrors.invalidRequest, 'amount differs from the payment');
  if (command.cardDataType === 'PAN')
    return fail(vippsErrors.unableToDecrypt, 'cardDataType PAN: no encryptedPan key is registered');
  const token = command.networkToken;
  if (command.cardDataType !== 'TOKEN' || !token)
    return fail(vippsErrors.invalidRequest, 'no network token in the callback');
  if (!tx.allowCreditCards && command.cardType?.endsWith('_CREDIT'))
    return fail(vippsErrors.creditCardNotAllowed, 'credit card type');

  const outcome = await authoriseForPayment(tx, toMakePaymentCommand(command, token, tx.amount), deps);
  // Narrows the type only: authoriseForPayment answers every payment it is given (UNAUTHENTICATED
  // comes from makePayment's token check, which a callback never passes through).
  // Stryker disable next-line ConditionalExpression,BlockStatement: unreachable, see above
  if (outcome.kind !== 'ANSWER') {
    // Stryker disable next-line ObjectLiteral,StringLiteral: unreachable, see above
    return { kind: 'UNKNOWN_PAYMENT' };
  }
  return {
    kind: 'ANSWER',
    answer: callbackAnswerOf(outcome.answer, deps.failCodes),
    replayed: outcome.replayed,
    ...(outcome.acquirerLatencyMs !== undefined ? { acquirerLatencyMs: outcome.acquirerLatencyMs } : {}),
  };
}

/** Either of Vipps' hints naming Mastercard (tokenType MASTERCARD, cardType MC_DEBIT, …) makes it one. */
function tokenTypeOf(command: CardCallbackCommand, tokenType: string | undefined): TokenType {
  const hints = [tokenType, command.cardType].filter((hint) => hint !== undefined);
  return hints.some((hint) => /\bMC|MASTER/.test(hint.toUpperCase())) ? 'MASTERCARD' : 'VISA';
}

/** Without softDeclineCompletedRedirectUrl a soft decline has nowhere to end: it is answered 94. */
const NO_STEP_UP: MakePaymentCommand['operations'] = [];

/**
 * The callback as the authorisation core's request. The 3-D Secure page's only ending is Vipps'
 * softDeclineCompletedRedirectUrl (success, failure and cancel alike: the second callback tells).
 */
function toMakePaymentCommand(
  command: CardCallbackCommand,
  token: NonNullable<CardCallbackCommand['networkToken']>,
  amount: number,
): MakePaymentCommand {
  const completed = command.softDeclineCompletedRedirectUrl;
  return {
    pspTransactionId: command.pspReference,
    merchantSerialNumber: command.merchantSerialNumber,
    amount,
    operations: completed ? [{ operation: '3dssuccess', url: completed }] : NO_STEP_UP,
    card: {
      kind: 'NETWORK_TOKEN',
      number: token.number,
      expiryMonth: token.expiryMonth,
      expiryYear: token.expiryYear,
      cryptogram: token.cryptogram,
      eci: token.eci ?? '',
      tokenType: tokenTypeOf(command, token.tokenType),
    },
    requestHash: command.requestHash,
  };
}

/** FAIL for `error`, in the PSP's code table when it has one. */
export function failAnswer(error: VippsError, table: CallbackFailCodeTable | undefined): CardCallbackAnswer {
  return { status: 'FAIL', ...callbackFailCode(error, table), errorId: error.errorId };
}

/** makePayment's answer in the callback's words. */
export function callbackAnswerOf(
  answer: MakePaymentAnswer,
  table: CallbackFailCodeTable | undefined,
): CardCallbackAnswer {
  if (answer.status === 'OK') {
    const ntr = answer.networkTransactionReference;
    return { status: 'RESERVE', ...(ntr ? { networkTransactionReference: ntr } : {}) };
  }
  if (answer.status === 'SOFT_DECLINE' && answer.url3dSecure)
    return { status: 'SOFT_DECLINE', softDeclineUrl: answer.url3dSecure };
  return failAnswer(answer.error ?? vippsErrors.internalError, table);
}
