/**
 * How a 3-D Secure session ends (DESIGN.md "3-D Secure step-up"): EVERY ending sends the shopper
 * on to one of Vipps' `operations` URLs, exactly as Vipps sent it (query string intact), because
 * that redirect is what releases the app; Vipps then sends makePayment again and that answer
 * carries the outcome. Expired, provider or internal error: `3dsfailure`. A session that already
 * ended: the URL of how it ended, every time (the loser of a double submit lands where the winner
 * did). Vipps may send only `3dssuccess`: failure and cancel fall back to it. Only when there is
 * no usable URL at all is there nowhere to go (the caller shows a plain error page).
 */
import type { ThreeDsOperation, ThreeDsSession, ThreeDsSessionState } from '../three-ds-session.js';
import type { ChallengeSession, ThreeDsChallengeDeps } from './three-ds-challenge.js';
import { sha256Hex } from '../secrets.js';

/** Why a session ended without a result from the issuer (stored on the session for ops). */
export type EndReason =
  | 'EXPIRED'
  /** The 3DS server (or the ACS behind it) failed or did not answer. */
  | 'PROVIDER_ERROR'
  /** Our side failed once the session was read (a store write, KMS, a bug). */
  | 'INTERNAL_ERROR'
  /** The sealed network token cannot be opened or is not a token. */
  | 'TOKEN_UNREADABLE'
  /** Vipps sent no usable `3dssuccess` URL: no step-up is possible. */
  | 'NO_SUCCESS_URL';

export type EndingName = 'success' | 'failure' | 'cancel' | 'expired' | 'error';

export type Redirect = {
  kind: 'REDIRECT';
  location: string;
  /** How the session ended by this request; absent when it had ended before (a replay). */
  result?: EndingName;
};

/** There is no usable operations URL to send the shopper to. */
export type Nowhere = { kind: 'NOWHERE' };

/** A short, irreversible reference for logs: the session id is a bearer secret. */
export const sessionRef = (sessionId: string): string => sha256Hex(sessionId).slice(0, 12);

const OPERATION_FOR_STATE: Record<Exclude<ThreeDsSessionState, 'PENDING'>, ThreeDsOperation> = {
  SUCCEEDED: '3dssuccess',
  FAILED: '3dsfailure',
  CANCELLED: '3dscancel',
};

/**
 * The URL for an operation, falling back to `3dssuccess` for failure and cancel when Vipps sent
 * only that one (the second makePayment tells Vipps what really happened). This is the one place
 * an ending picks its URL. ePayment: a session created from a card callback carries Vipps'
 * one `softDeclineCompletedRedirectUrl` as its only operation, `3dssuccess` (card-callback.ts), so
 * success, failure and cancel all end there; Vipps' second callback tells what really happened.
 */
export function operationUrl(session: ThreeDsSession, operation: ThreeDsOperation): string | undefined {
  return sentUrl(session, operation) ?? sentUrl(session, '3dssuccess');
}

/** Every distinct URL an ending of this session may redirect to (for the page's form-action). */
export function redirectTargets(session: ThreeDsSession): string[] {
  const all = (['3dssuccess', '3dsfailure', '3dscancel'] as const).map((op) => operationUrl(session, op));
  return [...new Set(all.filter((url): url is string => url !== undefined))];
}

/** A session that already ended: back to the URL of how it ended, changing nothing. */
export function replayEnding(session: ThreeDsSession, deps: ThreeDsChallengeDeps): Redirect | Nowhere {
  if (session.state === 'PENDING') throw new Error('replayEnding needs an ended session');
  const location = operationUrl(session, OPERATION_FOR_STATE[session.state]);
  deps.log.info('3-D Secure session already ended; sent on again', {
    pspTransactionId: session.pspTransactionId,
    sessionRef: sessionRef(session.sessionId),
    state: session.state,
  });
  return location ? { kind: 'REDIRECT', location } : { kind: 'NOWHERE' };
}

/**
 * End a session that got no answer from the issuer: record it FAILED (one conditional write on
 * state = PENDING), then send the shopper to `3dsfailure`. If the write fails the shopper is sent
 * on anyway (makePayment then finds the session unfinished and fails the payment); if another
 * request ended the session first, its ending wins.
 */
export async function endInFailure(
  session: ChallengeSession,
  reason: EndReason,
  deps: ThreeDsChallengeDeps,
  detail: string,
): Promise<Redirect | Nowhere> {
  const location = operationUrl(session, '3dsfailure');
  const context = {
    pspTransactionId: session.pspTransactionId,
    sessionRef: sessionRef(session.sessionId),
    ending: reason,
    detail,
  };
  if (!location) {
    deps.log.error('3-D Secure session has no usable operations URL', context);
    return { kind: 'NOWHERE' };
  }
  if (reason === 'EXPIRED') deps.log.warn('3-D Secure session ended: expired', context);
  else deps.log.error('3-D Secure session ended in failure', context);

  const result: EndingName = reason === 'EXPIRED' ? 'expired' : 'error';
  try {
    const completedAt = deps.clock.now().toISOString();
    if (await deps.sessions.failPending(session.sessionId, { completedAt, reason })) {
      return { kind: 'REDIRECT', location, result };
    }
    // failPending loses only to an ending (or a deleted session): that ending wins.
    const current = await deps.sessions.get(session.sessionId);
    if (current) return replayEnding(current, deps);
  } catch (error) {
    deps.log.error('3-D Secure failure could not be recorded; sent on anyway', {
      ...context,
      error: error instanceof Error ? error.name : typeof error,
    });
  }
  return { kind: 'REDIRECT', location, result };
}

/** The URL exactly as Vipps sent it, if it is safe to put in a Location header. */
function sentUrl(session: ThreeDsSession, operation: ThreeDsOperation): string | undefined {
  const url = session.operations.find((o) => o.operation === operation)?.url;
  // Stryker disable next-line ConditionalExpression: test(undefined) tests "undefined", never a URL
  return url !== undefined && isSafeRedirect(url) ? url : undefined;
}

/** Printable ASCII only (no header injection), absolute, http or https (the pattern's scheme). */
function isSafeRedirect(url: string): boolean {
  return /^https?:\/\/[\x21-\x7e]+$/i.test(url) && URL.canParse(url);
}
