/**
 * The 3-D Secure step-up pages (DESIGN.md "3-D Secure step-up"): show the challenge for a session
 * created on a soft decline, and complete it when the form (or a real ACS) posts back. HTTP-free:
 * the handler turns the outcomes into pages, redirects and status codes.
 *
 * Single use and CSRF, without cookies (app web views do not reliably keep or send them): every
 * render mints a random form token and stores only its SHA-256 on the session with a conditional
 * write (state = PENDING). The return route accepts a token only if its hash is the stored one, and
 * completion is ONE conditional UpdateItem on `state = PENDING AND formTokenHash = <hash>`, so a
 * token works once, only the latest render's token works, and of two racing posts one wins. A
 * cross-site page cannot read our HTML, so it cannot learn the token even if it knew the session id.
 *
 * Every way a session ends sends the shopper on to Vipps (three-ds-endings.ts); only bad input that
 * leaves the session usable (a stale or forged form) and an id matching no session get a page.
 */
import type { Clock, Log, SecretVault } from '../ports.js';
import { randomToken, secretMatches, sha256Hex } from '../secrets.js';
import {
  type EndReason,
  type EndingName,
  type Nowhere,
  type Redirect,
  endInFailure,
  operationUrl,
  redirectTargets,
  replayEnding,
  sessionRef,
} from './three-ds-endings.js';
import type {
  BrowserInfo,
  ChallengeAnswer,
  ChallengeStep,
  ThreeDsResult,
  ThreeDsServer,
} from '../three-ds-server.js';
import type {
  ThreeDsOperation,
  ThreeDsOutcome,
  ThreeDsSession,
  ThreeDsSessionState,
  ThreeDsSessionStore,
} from '../three-ds-session.js';
import type { Currency, MinorUnits } from '../money.js';

/** The challenge in progress: what the 3DS server started and the hash of the live form token. */
export interface ChallengeRecord {
  acsTransactionId: string;
  dsTransactionId: string;
  protocolVersion: string;
  step: ChallengeStep;
  /** SHA-256 (hex) of the form token of the latest render; the token itself is never stored. */
  formTokenHash: string;
  renderedAt: string;
}

export type ChallengeSession = ThreeDsSession & {
  challenge?: ChallengeRecord;
  /** Why the session ended FAILED without the issuer's answer (expired, an error). */
  endReason?: EndReason;
};

/**
 * ThreeDsSessionStore plus what the pages need. Kept here (not in three-ds-session.ts) so
 * makePayment's view of the session is unchanged; DynamoThreeDsSessionStore implements both.
 */
export interface ThreeDsChallengeStore extends ThreeDsSessionStore {
  get(sessionId: string): Promise<ChallengeSession | undefined>;
  /**
   * Record the started challenge (or a fresh form token for it). Conditional on state = PENDING
   * and expiresAt > at; returns false, changing nothing, otherwise.
   */
  saveChallenge(
    sessionId: string,
    serverTransactionId: string,
    challenge: ChallengeRecord,
    at: string,
  ): Promise<boolean>;
  /**
   * As ThreeDsSessionStore.complete, and also conditional on expiresAt > completedAt and, with a
   * guard, on the stored form token hash: the single-use, anti-replay write.
   */
  complete(sessionId: string, outcome: ThreeDsOutcome, guard?: { formTokenHash: string }): Promise<boolean>;
  /**
   * End a session that got no answer from the issuer as FAILED, expired or not. Conditional on
   * state = PENDING only; returns false, changing nothing, if it had already ended.
   */
  failPending(sessionId: string, failure: { completedAt: string; reason: EndReason }): Promise<boolean>;
}

export interface ThreeDsChallengeDeps {
  sessions: ThreeDsChallengeStore;
  vault: SecretVault;
  server: ThreeDsServer;
  clock: Clock;
  log: Log;
  /** Absolute URL of our return route for a session (the 3DS notificationURL). */
  returnUrl: (sessionId: string) => string;
}

export { sessionRef };
export type ChallengeResultName = EndingName;

/** Why a request gets an error page instead of the challenge or a redirect. */
export type ThreeDsProblem =
  /** Malformed, tampered or unknown session id: no session, so no URL to send the shopper to. */
  | 'UNKNOWN_SESSION'
  /** The form token is missing, wrong or from an older render (CSRF / stale page). */
  | 'FORGED_FORM'
  /** Missing or garbled form fields (decided by the handler). */
  | 'BAD_FORM'
  /** Form fields sent with GET to the return route (decided by the handler). */
  | 'FORM_IN_QUERY'
  /** The session ended but Vipps gave no usable operations URL: nowhere to send the shopper. */
  | 'UNUSABLE_SESSION';

export interface ChallengeView {
  sessionId: string;
  merchantName: string;
  amount: MinorUnits;
  currency: Currency;
  expiresAt: string;
  /** The raw single-use form token for this render (only its hash is stored). */
  formToken: string;
  step: ChallengeStep;
  /** Where an ending may redirect (for the page's CSP form-action). */
  redirectTargets: string[];
}

type Problem = { kind: 'PROBLEM'; problem: ThreeDsProblem };

export type ShowChallengeOutcome =
  { kind: 'CHALLENGE'; view: ChallengeView; started: boolean } | Redirect | Problem;

export type CompleteChallengeOutcome = Redirect | Problem;

/** What the return route received, already validated by the handler. */
export interface ChallengeSubmission {
  /** Our form's `csrf`, or the `threeDSSessionData` a real ACS echoes back with the CRes. */
  formToken: string;
  answer: ChallengeAnswer;
}

/** ≥128 bits of base64url; anything else was typed, truncated or tampered with. */
const SESSION_ID = /^[A-Za-z0-9_-]{22,64}$/;
const FORM_TOKEN_BYTES = 32;

const OPERATION_FOR: Record<ThreeDsResult['status'], ThreeDsOperation> = {
  AUTHENTICATED: '3dssuccess',
  FAILED: '3dsfailure',
  CANCELLED: '3dscancel',
};
const STATE_FOR: Record<ThreeDsResult['status'], Exclude<ThreeDsSessionState, 'PENDING'>> = {
  AUTHENTICATED: 'SUCCEEDED',
  FAILED: 'FAILED',
  CANCELLED: 'CANCELLED',
};
const RESULT_NAME: Record<ThreeDsResult['status'], ChallengeResultName> = {
  AUTHENTICATED: 'success',
  FAILED: 'failure',
  CANCELLED: 'cancel',
};

/** GET /3ds/{sessionId}: start (or resume) the challenge and render it with a fresh form token. */
export async function showChallenge(
  input: { sessionId: string; browser: BrowserInfo },
  deps: ThreeDsChallengeDeps,
): Promise<ShowChallengeOutcome> {
  const loaded = await loadPending(input.sessionId, deps, 'show');
  if (loaded.kind !== 'PENDING') return loaded;
  const session = loaded.session;
  try {
    return await renderChallenge(session, input.browser, deps);
  } catch (error) {
    return ended(await endInFailure(session, 'INTERNAL_ERROR', deps, `show: ${errorName(error)}`));
  }
}

/** POST /3ds/{sessionId}: verify the form token, finish the challenge, record it, redirect. */
export async function completeChallenge(
  input: { sessionId: string; submission: ChallengeSubmission },
  deps: ThreeDsChallengeDeps,
): Promise<CompleteChallengeOutcome> {
  const loaded = await loadPending(input.sessionId, deps, 'complete');
  if (loaded.kind !== 'PENDING') return loaded;
  const session = loaded.session;
  const { challenge } = session;
  if (!challenge || !secretMatches(input.submission.formToken, challenge.formTokenHash)) {
    return problem(deps, 'FORGED_FORM', session, 'complete', 'form token does not match the latest render');
  }
  try {
    return await finishChallenge(session, input.submission, deps);
  } catch (error) {
    return ended(await endInFailure(session, 'INTERNAL_ERROR', deps, `complete: ${errorName(error)}`));
  }
}

// ── steps ───────────────────────────────────────────────────────────────────────────────────

type Loaded = { kind: 'PENDING'; session: ChallengeSession } | Redirect | Problem;

/** The session if it can still be challenged; else where it sends the shopper (or why nowhere). */
async function loadPending(sessionId: string, deps: ThreeDsChallengeDeps, step: string): Promise<Loaded> {
  if (!SESSION_ID.test(sessionId)) return problem(deps, 'UNKNOWN_SESSION', undefined, step, 'malformed id');
  const session = await deps.sessions.get(sessionId);
  if (!session) return problem(deps, 'UNKNOWN_SESSION', undefined, step, 'no such session', sessionId);
  return pendingOrEnded(session, deps, step);
}

async function pendingOrEnded(
  session: ChallengeSession,
  deps: ThreeDsChallengeDeps,
  step: string,
): Promise<Loaded> {
  if (session.state !== 'PENDING') return ended(replayEnding(session, deps));
  if (isExpired(session, deps.clock.now())) {
    return ended(await endInFailure(session, 'EXPIRED', deps, `${step}: ${session.expiresAt}`));
  }
  if (!operationUrl(session, '3dssuccess')) {
    // Vipps steps up only with a 3dssuccess URL to come back to: nothing to challenge for.
    return ended(await endInFailure(session, 'NO_SUCCESS_URL', deps, step));
  }
  return { kind: 'PENDING', session };
}

async function renderChallenge(
  session: ChallengeSession,
  browser: BrowserInfo,
  deps: ThreeDsChallengeDeps,
): Promise<ShowChallengeOutcome> {
  // A reload resumes the challenge already started (one AReq per session); only the token is new.
  const resumed =
    session.challenge && session.serverTransactionId
      ? { serverTransactionId: session.serverTransactionId, challenge: session.challenge }
      : undefined;
  const begun = resumed ?? (await beginAuthentication(session, browser, deps));
  if ('kind' in begun) return begun;
  const { serverTransactionId, challenge } = begun;

  const formToken = randomToken(FORM_TOKEN_BYTES);
  const renderedAt = deps.clock.now().toISOString();
  const record: ChallengeRecord = { ...challenge, formTokenHash: sha256Hex(formToken), renderedAt };
  if (!(await deps.sessions.saveChallenge(session.sessionId, serverTransactionId, record, renderedAt))) {
    return lostRace(session.sessionId, deps, 'show');
  }
  if (!resumed) {
    deps.log.info('3-D Secure challenge started', {
      pspTransactionId: session.pspTransactionId,
      sessionRef: sessionRef(session.sessionId),
      provider: deps.server.provider,
      step: challenge.step.kind,
    });
  }
  return {
    kind: 'CHALLENGE',
    started: !resumed,
    view: {
      sessionId: session.sessionId,
      merchantName: session.merchantName,
      amount: session.amount,
      currency: session.currency,
      expiresAt: session.expiresAt,
      formToken,
      step: challenge.step,
      redirectTargets: redirectTargets(session),
    },
  };
}

async function finishChallenge(
  session: ChallengeSession,
  submission: ChallengeSubmission,
  deps: ThreeDsChallengeDeps,
): Promise<CompleteChallengeOutcome> {
  const challenge = session.challenge!;
  let result: ThreeDsResult;
  try {
    result = await deps.server.completeChallenge({
      serverTransactionId: session.serverTransactionId!,
      acsTransactionId: challenge.acsTransactionId,
      dsTransactionId: challenge.dsTransactionId,
      protocolVersion: challenge.protocolVersion,
      answer: submission.answer,
    });
  } catch (error) {
    return ended(await endInFailure(session, 'PROVIDER_ERROR', deps, `complete: ${errorName(error)}`));
  }
  const recorded = await deps.sessions.complete(session.sessionId, outcomeOf(result, deps), {
    formTokenHash: challenge.formTokenHash,
  });
  if (!recorded) return lostRace(session.sessionId, deps, 'complete');
  return finished(session, result, deps);
}

type StartedChallenge = Omit<ChallengeRecord, 'formTokenHash' | 'renderedAt'>;
type Begun = { serverTransactionId: string; challenge: StartedChallenge };

/** Open the sealed token and ask the 3DS server for an authentication (PReq, then AReq). */
async function beginAuthentication(
  session: ChallengeSession,
  browser: BrowserInfo,
  deps: ThreeDsChallengeDeps,
): Promise<Begun | Redirect | Problem> {
  const token = await openToken(session, deps);
  if (!token) return ended(await endInFailure(session, 'TOKEN_UNREADABLE', deps, 'show'));

  let prepared: Awaited<ReturnType<ThreeDsServer['prepare']>>;
  let response: Awaited<ReturnType<ThreeDsServer['authenticate']>>;
  try {
    prepared = await deps.server.prepare({ cardNumber: token.number, scheme: session.tokenType });
    response = await deps.server.authenticate({
      serverTransactionId: prepared.serverTransactionId,
      protocolVersion: prepared.protocolVersion,
      card: { ...token, scheme: session.tokenType, isNetworkToken: true },
      purchase: {
        amount: session.amount,
        currency: session.currency,
        date: deps.clock.now().toISOString(),
        merchantName: session.merchantName,
      },
      challengeIndicator: '04',
      methodCompletion: prepared.methodUrl ? 'N' : 'U',
      notificationUrl: deps.returnUrl(session.sessionId),
      reference: session.pspTransactionId,
      browser,
    });
  } catch (error) {
    return ended(await endInFailure(session, 'PROVIDER_ERROR', deps, `show: ${errorName(error)}`));
  }
  if (response.kind === 'CHALLENGE') {
    const { acsTransactionId, dsTransactionId, step } = response;
    return {
      serverTransactionId: prepared.serverTransactionId,
      challenge: { acsTransactionId, dsTransactionId, protocolVersion: prepared.protocolVersion, step },
    };
  }
  // Frictionless (the issuer decided without a challenge): record it and go straight on.
  const recorded = await deps.sessions.complete(session.sessionId, outcomeOf(response.result, deps));
  if (!recorded) return lostRace(session.sessionId, deps, 'show');
  return finished(session, response.result, deps);
}

interface NetworkToken {
  number: string;
  expiryMonth: string;
  expiryYear: string;
}

async function openToken(
  session: ChallengeSession,
  deps: ThreeDsChallengeDeps,
): Promise<NetworkToken | undefined> {
  try {
    const plaintext = await deps.vault.open(session.sealedToken, {
      pspTransactionId: session.pspTransactionId,
      sessionId: session.sessionId,
    });
    const value: unknown = JSON.parse(new TextDecoder().decode(plaintext));
    if (
      typeof value === 'object' &&
      value !== null &&
      typeof (value as NetworkToken).number === 'string' &&
      typeof (value as NetworkToken).expiryMonth === 'string' &&
      typeof (value as NetworkToken).expiryYear === 'string'
    ) {
      const { number, expiryMonth, expiryYear } = value as NetworkToken;
      return { number, expiryMonth, expiryYear };
    }
    return undefined;
  } catch {
    // The reason (KMS refusal, tag mismatch, bad JSON) goes nowhere: it could echo card data.
    return undefined;
  }
}

function outcomeOf(result: ThreeDsResult, deps: ThreeDsChallengeDeps): ThreeDsOutcome {
  return {
    state: STATE_FOR[result.status],
    completedAt: deps.clock.now().toISOString(),
    ...(result.status === 'AUTHENTICATED' ? { authentication: result.authentication } : {}),
  };
}

function finished(session: ChallengeSession, result: ThreeDsResult, deps: ThreeDsChallengeDeps): Redirect {
  // The session had a 3dssuccess URL (pendingOrEnded), which every operation falls back to.
  const location = operationUrl(session, OPERATION_FOR[result.status])!;
  deps.log.info('3-D Secure challenge finished', {
    pspTransactionId: session.pspTransactionId,
    sessionRef: sessionRef(session.sessionId),
    result: RESULT_NAME[result.status],
    ...(result.status === 'FAILED' ? { transStatus: result.transStatus, reason: result.reason } : {}),
  });
  return { kind: 'REDIRECT', location, result: RESULT_NAME[result.status] };
}

/** A conditional write lost: from a fresh read, it ended or expired meanwhile, or a newer render won. */
async function lostRace(
  sessionId: string,
  deps: ThreeDsChallengeDeps,
  step: string,
): Promise<Redirect | Problem> {
  const current = await deps.sessions.get(sessionId);
  if (!current) return problem(deps, 'UNKNOWN_SESSION', undefined, step, 'vanished', sessionId);
  const next = await pendingOrEnded(current, deps, step);
  if (next.kind !== 'PENDING') return next;
  return problem(deps, 'FORGED_FORM', current, step, 'a newer render replaced the form token');
}

// ── helpers ─────────────────────────────────────────────────────────────────────────────────

/** Nowhere to send the shopper: only then an error page. */
function ended(outcome: Redirect | Nowhere): Redirect | Problem {
  return outcome.kind === 'NOWHERE' ? { kind: 'PROBLEM', problem: 'UNUSABLE_SESSION' } : outcome;
}

function isExpired(session: ThreeDsSession, now: Date): boolean {
  const expiresAt = Date.parse(session.expiresAt);
  return !Number.isFinite(expiresAt) || expiresAt <= now.getTime();
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

function problem(
  deps: ThreeDsChallengeDeps,
  kind: ThreeDsProblem,
  session: ThreeDsSession | undefined,
  step: string,
  detail: string,
  sessionId?: string,
): Problem {
  const id = session?.sessionId ?? sessionId;
  // Bad input: a warning (someone's mistake or probing); nothing changed.
  deps.log.warn('3-D Secure request refused', {
    problem: kind,
    step,
    detail,
    ...(session ? { pspTransactionId: session.pspTransactionId } : {}),
    ...(id ? { sessionRef: sessionRef(id) } : {}),
  });
  return { kind: 'PROBLEM', problem: kind };
}
