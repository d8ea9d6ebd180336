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
 */
import type { Clock, Log, SecretVault } from '../ports.js';
import { randomToken, secretMatches, sha256Hex } from '../secrets.js';
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

export type ChallengeSession = ThreeDsSession & { challenge?: ChallengeRecord };

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

/** Why a request gets an error page instead of the challenge or a redirect. */
export type ThreeDsProblem =
  /** Malformed, tampered or unknown session id. */
  | 'UNKNOWN_SESSION'
  | 'EXPIRED'
  /** The session already ended (the form was used, replayed or raced). */
  | 'ALREADY_USED'
  /** The form token is missing, wrong or from an older render (CSRF / stale page). */
  | 'FORGED_FORM'
  /** Missing or garbled form fields (decided by the handler). */
  | 'BAD_FORM'
  /** Form fields sent with GET to the return route (decided by the handler). */
  | 'FORM_IN_QUERY'
  /** The session's token cannot be decrypted, or its stored data is unusable. */
  | 'UNUSABLE_SESSION'
  /** The 3DS server failed; nothing changed, the user may try again. */
  | 'PROVIDER_ERROR';

export type ChallengeResultName = 'success' | 'failure' | 'cancel';

export interface ChallengeView {
  sessionId: string;
  merchantName: string;
  amount: MinorUnits;
  currency: Currency;
  expiresAt: string;
  /** The raw single-use form token for this render (only its hash is stored). */
  formToken: string;
  step: ChallengeStep;
  /** Where a completed challenge may redirect (for the page's CSP form-action). */
  redirectTargets: string[];
}

export type ShowChallengeOutcome =
  | { kind: 'CHALLENGE'; view: ChallengeView; started: boolean }
  | { kind: 'REDIRECT'; location: string; result: ChallengeResultName }
  | { kind: 'PROBLEM'; problem: ThreeDsProblem };

export type CompleteChallengeOutcome =
  | { kind: 'REDIRECT'; location: string; result: ChallengeResultName }
  | { kind: 'PROBLEM'; problem: ThreeDsProblem };

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

/** A short, irreversible reference for logs: the session id is a bearer secret. */
export const sessionRef = (sessionId: string): string => sha256Hex(sessionId).slice(0, 12);

/** GET /3ds/{sessionId}: start (or resume) the challenge and render it with a fresh form token. */
export async function showChallenge(
  input: { sessionId: string; browser: BrowserInfo },
  deps: ThreeDsChallengeDeps,
): Promise<ShowChallengeOutcome> {
  const loaded = await loadPending(input.sessionId, deps, 'show');
  if (loaded.kind === 'PROBLEM') return loaded;
  const session = loaded.session;
  const targets = redirectTargets(session);
  if (!targets) return problem(deps, 'UNUSABLE_SESSION', session, 'show', 'operations URLs unusable');

  let serverTransactionId: string;
  let challenge: StartedChallenge;
  // A reload resumes the challenge already started (one AReq per session); only the token is new.
  const started = !session.challenge || !session.serverTransactionId;
  if (session.challenge && session.serverTransactionId) {
    serverTransactionId = session.serverTransactionId;
    challenge = session.challenge;
  } else {
    const begun = await beginAuthentication(session, input.browser, deps);
    if (begun.kind !== 'CHALLENGE') return begun;
    serverTransactionId = begun.serverTransactionId;
    challenge = begun.challenge;
  }

  const formToken = randomToken(FORM_TOKEN_BYTES);
  const renderedAt = deps.clock.now().toISOString();
  const record: ChallengeRecord = { ...challenge, formTokenHash: sha256Hex(formToken), renderedAt };
  if (!(await deps.sessions.saveChallenge(session.sessionId, serverTransactionId, record, renderedAt))) {
    return lostRace(session.sessionId, deps, 'show');
  }
  if (started) {
    deps.log.info('3-D Secure challenge started', {
      pspTransactionId: session.pspTransactionId,
      sessionRef: sessionRef(session.sessionId),
      provider: deps.server.provider,
      step: challenge.step.kind,
    });
  }
  return {
    kind: 'CHALLENGE',
    started,
    view: {
      sessionId: session.sessionId,
      merchantName: session.merchantName,
      amount: session.amount,
      currency: session.currency,
      expiresAt: session.expiresAt,
      formToken,
      step: challenge.step,
      redirectTargets: targets,
    },
  };
}

/** POST /3ds/{sessionId}: verify the form token, finish the challenge, record it, redirect. */
export async function completeChallenge(
  input: { sessionId: string; submission: ChallengeSubmission },
  deps: ThreeDsChallengeDeps,
): Promise<CompleteChallengeOutcome> {
  const loaded = await loadPending(input.sessionId, deps, 'complete');
  if (loaded.kind === 'PROBLEM') return loaded;
  const session = loaded.session;
  const { challenge, serverTransactionId } = session;
  if (
    !challenge ||
    !serverTransactionId ||
    !secretMatches(input.submission.formToken, challenge.formTokenHash)
  ) {
    return problem(deps, 'FORGED_FORM', session, 'complete', 'form token does not match the latest render');
  }
  // Checked before the 3DS server is asked, so a broken session changes nothing anywhere.
  if (!redirectTargets(session))
    return problem(deps, 'UNUSABLE_SESSION', session, 'complete', 'operations URLs unusable');

  let result: ThreeDsResult;
  try {
    result = await deps.server.completeChallenge({
      serverTransactionId,
      acsTransactionId: challenge.acsTransactionId,
      dsTransactionId: challenge.dsTransactionId,
      protocolVersion: challenge.protocolVersion,
      answer: input.submission.answer,
    });
  } catch (error) {
    return problem(deps, 'PROVIDER_ERROR', session, 'complete', errorName(error));
  }

  const completedAt = deps.clock.now().toISOString();
  const recorded = await deps.sessions.complete(
    session.sessionId,
    {
      state: STATE_FOR[result.status],
      completedAt,
      ...(result.status === 'AUTHENTICATED' ? { authentication: result.authentication } : {}),
    },
    { formTokenHash: challenge.formTokenHash },
  );
  if (!recorded) return lostRace(session.sessionId, deps, 'complete');
  return finished(session, result, deps);
}

// ── steps ───────────────────────────────────────────────────────────────────────────────────

type Loaded = { kind: 'PENDING'; session: ChallengeSession } | { kind: 'PROBLEM'; problem: ThreeDsProblem };

async function loadPending(sessionId: string, deps: ThreeDsChallengeDeps, step: string): Promise<Loaded> {
  if (!SESSION_ID.test(sessionId)) return problem(deps, 'UNKNOWN_SESSION', undefined, step, 'malformed id');
  const session = await deps.sessions.get(sessionId);
  if (!session) return problem(deps, 'UNKNOWN_SESSION', undefined, step, 'no such session', sessionId);
  if (session.state !== 'PENDING') return problem(deps, 'ALREADY_USED', session, step, session.state);
  if (isExpired(session, deps.clock.now())) return problem(deps, 'EXPIRED', session, step, session.expiresAt);
  return { kind: 'PENDING', session };
}

type StartedChallenge = Omit<ChallengeRecord, 'formTokenHash' | 'renderedAt'>;

type Begun =
  | { kind: 'CHALLENGE'; serverTransactionId: string; challenge: StartedChallenge }
  | { kind: 'REDIRECT'; location: string; result: ChallengeResultName }
  | { kind: 'PROBLEM'; problem: ThreeDsProblem };

/** Open the sealed token and ask the 3DS server for an authentication (PReq, then AReq). */
async function beginAuthentication(
  session: ChallengeSession,
  browser: BrowserInfo,
  deps: ThreeDsChallengeDeps,
): Promise<Begun> {
  const token = await openToken(session, deps);
  if (!token) return problem(deps, 'UNUSABLE_SESSION', session, 'show', 'token cannot be decrypted');

  try {
    const prepared = await deps.server.prepare({ cardNumber: token.number, scheme: session.tokenType });
    const response = await deps.server.authenticate({
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
    if (response.kind === 'CHALLENGE') {
      return {
        kind: 'CHALLENGE',
        serverTransactionId: prepared.serverTransactionId,
        challenge: {
          acsTransactionId: response.acsTransactionId,
          dsTransactionId: response.dsTransactionId,
          protocolVersion: prepared.protocolVersion,
          step: response.step,
        },
      };
    }
    // Frictionless (the issuer decided without a challenge): record it and go straight on.
    const result = response.result;
    const completedAt = deps.clock.now().toISOString();
    const recorded = await deps.sessions.complete(session.sessionId, {
      state: STATE_FOR[result.status],
      completedAt,
      ...(result.status === 'AUTHENTICATED' ? { authentication: result.authentication } : {}),
    });
    if (!recorded) return lostRace(session.sessionId, deps, 'show');
    return finished(session, result, deps);
  } catch (error) {
    return problem(deps, 'PROVIDER_ERROR', session, 'show', errorName(error));
  }
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

function finished(
  session: ChallengeSession,
  result: ThreeDsResult,
  deps: ThreeDsChallengeDeps,
): { kind: 'REDIRECT'; location: string; result: ChallengeResultName } {
  const operation = OPERATION_FOR[result.status];
  // redirectTargets() was checked before anything changed, so the URL is there and safe.
  const location = operationUrl(session, operation)!;
  deps.log.info('3-D Secure challenge finished', {
    pspTransactionId: session.pspTransactionId,
    sessionRef: sessionRef(session.sessionId),
    result: RESULT_NAME[result.status],
    ...(result.status === 'FAILED' ? { transStatus: result.transStatus, reason: result.reason } : {}),
  });
  return { kind: 'REDIRECT', location, result: RESULT_NAME[result.status] };
}

/** A conditional write lost: say why from a fresh read (it ended, it expired, or a newer render). */
async function lostRace(sessionId: string, deps: ThreeDsChallengeDeps, step: string) {
  const current = await deps.sessions.get(sessionId);
  if (!current) return problem(deps, 'UNKNOWN_SESSION', undefined, step, 'vanished', sessionId);
  if (current.state !== 'PENDING') return problem(deps, 'ALREADY_USED', current, step, 'lost race');
  if (isExpired(current, deps.clock.now()))
    return problem(deps, 'EXPIRED', current, step, 'expired meanwhile');
  return problem(deps, 'FORGED_FORM', current, step, 'a newer render replaced the form token');
}

// ── helpers ─────────────────────────────────────────────────────────────────────────────────

function isExpired(session: ThreeDsSession, now: Date): boolean {
  const expiresAt = Date.parse(session.expiresAt);
  return !Number.isFinite(expiresAt) || expiresAt <= now.getTime();
}

/** The Vipps operations URL, used exactly as sent (its query string stays intact). */
function operationUrl(session: ThreeDsSession, operation: ThreeDsOperation): string | undefined {
  const url = session.operations.find((o) => o.operation === operation)?.url;
  return url !== undefined && isSafeRedirect(url) ? url : undefined;
}

/** All three operations URLs, if each is a plain absolute http(s) URL; else undefined. */
function redirectTargets(session: ThreeDsSession): string[] | undefined {
  const urls = (['3dssuccess', '3dsfailure', '3dscancel'] as const).map((op) => operationUrl(session, op));
  return urls.every((u): u is string => u !== undefined) ? urls : undefined;
}

/** Printable ASCII only (no header injection), absolute, http or https. */
function isSafeRedirect(url: string): boolean {
  if (!/^https?:\/\/[\x21-\x7e]+$/i.test(url)) return false;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:';
  } catch {
    return false;
  }
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
): { kind: 'PROBLEM'; problem: ThreeDsProblem } {
  const id = session?.sessionId ?? sessionId;
  const context = {
    problem: kind,
    step,
    detail,
    ...(session ? { pspTransactionId: session.pspTransactionId } : {}),
    ...(id ? { sessionRef: sessionRef(id) } : {}),
  };
  // Bad input is a warning (someone's mistake or probing); only an unreachable 3DS server is ours.
  if (kind === 'PROVIDER_ERROR') deps.log.error('3-D Secure server failed', context);
  else deps.log.warn('3-D Secure request refused', context);
  return { kind: 'PROBLEM', problem: kind };
}
