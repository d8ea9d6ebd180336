/**
 * The 3-D Secure step-up (DESIGN.md "3-D Secure step-up"): a real EMV 3DS 2.x browser
 * authentication through the 3DS server port, for a session created on a soft decline.
 * HTTP-free: the handler turns the outcomes into pages, redirects and status codes.
 *
 *   openPage            GET /3ds/{id}: preauth with the network token → the 3DS Method step
 *   submitBrowserData   POST /3ds/{id}: browser data → AReq; frictionless → redirect, C → challenge
 *   methodCompleted     POST /3ds/{id}/method: the ACS's 3DS Method notification
 *   challengeCompleted  POST /3ds/{id}/challenge: the CRes → postauth (RReq) → redirect
 *   abandon             POST /3ds/{id} (cancel, ACS unreachable): the shopper is sent on
 *
 * Single use and CSRF, without cookies: every render mints a random page token and stores only its
 * SHA-256 on the session. The browser-data form, our cancel form and the challenge's
 * `threeDSSessionData` carry it back; the writes that move the flow on are conditional on that
 * hash, so a token works once, only the latest render's works, and of two racing posts one wins.
 * Notifications must also name this session's threeDSServerTransID (and the CRes its acsTransID).
 */
import type { Clock, Log, SecretVault } from '../ports.js';
import { randomToken, secretMatches, sha256Hex } from '../secrets.js';
import type {
  BrowserData,
  ChallengeWindowSize,
  MessageVersion,
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

/** The authentication in progress on a session. */
export interface AuthenticationFlow {
  serverTransactionId: string;
  messageVersion: MessageVersion;
  /** The ACS's 3DS Method URL, when it has one. */
  methodUrl?: string;
  /** When the ACS's method notification for this transaction arrived. */
  methodCompletedAt?: string;
  /** SHA-256 (hex) of the latest render's page token; the token itself is never stored. */
  pageTokenHash: string;
  startedAt: string;
  /** When the one AReq of this transaction was claimed (a double submit must not send two). */
  authenticationClaimedAt?: string;
  challenge?: ChallengeRecord;
}

export interface ChallengeRecord {
  acsUrl: string;
  acsTransactionId: string;
  dsTransactionId: string;
  creq: string;
  startedAt: string;
}

export type ChallengeSession = ThreeDsSession & {
  flow?: AuthenticationFlow;
  /** Why the session ended FAILED without the issuer's answer (expired, an error). */
  endReason?: EndReason;
};

/** ThreeDsSessionStore plus the flow's conditional writes; DynamoThreeDsSessionStore implements both. */
export interface ThreeDsChallengeStore extends ThreeDsSessionStore {
  get(sessionId: string): Promise<ChallengeSession | undefined>;
  /** A new flow (after preauth). Conditional on PENDING, not expired and no challenge started. */
  startFlow(sessionId: string, flow: AuthenticationFlow, at: string): Promise<boolean>;
  /**
   * Claim the transaction's one AReq. Conditional on PENDING, not expired, this transaction, the
   * page token, and no earlier claim: of two racing posts of the browser data, one sends the AReq.
   */
  claimAuthentication(
    sessionId: string,
    claim: { serverTransactionId: string; pageTokenHash: string },
    at: string,
  ): Promise<boolean>;
  /** Conditional on PENDING, not expired, this transaction, no challenge yet, and the page token. */
  startChallenge(
    sessionId: string,
    change: {
      serverTransactionId: string;
      pageTokenHash: string;
      challenge: ChallengeRecord;
      newTokenHash: string;
    },
    at: string,
  ): Promise<boolean>;
  /** A fresh page token for a reload of the challenge. Conditional on PENDING and this transaction. */
  renewPageToken(
    sessionId: string,
    serverTransactionId: string,
    newTokenHash: string,
    at: string,
  ): Promise<boolean>;
  /** Conditional on PENDING, this transaction and no earlier notification (once). */
  markMethodCompleted(sessionId: string, serverTransactionId: string, at: string): Promise<boolean>;
  /** As ThreeDsSessionStore.complete; with a guard, also conditional on the page token. */
  complete(sessionId: string, outcome: ThreeDsOutcome, guard?: { pageTokenHash: string }): Promise<boolean>;
  /** End a session that got no answer from the issuer as FAILED. Conditional on PENDING only. */
  failPending(sessionId: string, failure: { completedAt: string; reason: EndReason }): Promise<boolean>;
}

export interface ThreeDsChallengeDeps {
  sessions: ThreeDsChallengeStore;
  vault: SecretVault;
  server: ThreeDsServer;
  clock: Clock;
  log: Log;
  /** Our notification routes for a session (absolute URLs). */
  urls: { method: (sessionId: string) => string; challenge: (sessionId: string) => string };
  /** EMV challengeWindowSize: full screen (05) suits the app's web view. */
  challengeWindowSize?: ChallengeWindowSize;
  /** Counts authentication outcomes (frictionless, challenged, failed) for the dashboard. */
  onAuthentication?: (outcome: 'frictionless' | 'challenged' | 'failed') => void;
}

export { sessionRef };
export type ChallengeResultName = EndingName;

/** Why a request gets an error page instead of a step or a redirect. */
export type ThreeDsProblem =
  /** Malformed, tampered or unknown session id: no session, so no URL to send the shopper to. */
  | 'UNKNOWN_SESSION'
  /** The page token is missing, wrong or from an older render (CSRF / stale page). */
  | 'FORGED_FORM'
  /** Missing or garbled form fields (decided by the handler). */
  | 'BAD_FORM'
  /** Form fields sent with GET (decided by the handler). */
  | 'FORM_IN_QUERY'
  /** The session ended but Vipps gave no usable operations URL: nowhere to send the shopper. */
  | 'UNUSABLE_SESSION'
  /** A notification for another transaction, a replayed one, or one the session no longer awaits. */
  | 'STALE_NOTIFICATION';

interface PageBasics {
  sessionId: string;
  merchantName: string;
  amount: MinorUnits;
  currency: Currency;
  expiresAt: string;
  /** The raw page token of this render (only its hash is stored). */
  pageToken: string;
  /** Where an ending may redirect (for the page's CSP form-action). */
  redirectTargets: string[];
}

export type MethodView = PageBasics & { method?: { url: string; data: string } };
export type ChallengeView = PageBasics & { acsUrl: string; creq: string };

type Problem = { kind: 'PROBLEM'; problem: ThreeDsProblem };
type Ended = Redirect | Problem;

export type OpenPageOutcome =
  { kind: 'METHOD'; view: MethodView } | { kind: 'CHALLENGE'; view: ChallengeView } | Ended;
export type BrowserDataOutcome = { kind: 'CHALLENGE'; view: ChallengeView } | Ended;
export type NotificationOutcome = { kind: 'METHOD_RECORDED' } | Problem;

/** ≥128 bits of base64url; anything else was typed, truncated or tampered with. */
const SESSION_ID = /^[A-Za-z0-9_-]{22,64}$/;
const PAGE_TOKEN_BYTES = 32;

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

// ── use cases ────────────────────────────────────────────────────────────────────────────────

/** GET /3ds/{id}: preauth and the 3DS Method step, or the challenge already started (a reload). */
export async function openPage(sessionId: string, deps: ThreeDsChallengeDeps): Promise<OpenPageOutcome> {
  const loaded = await loadPending(sessionId, deps, 'open');
  if (loaded.kind !== 'PENDING') return loaded;
  const session = loaded.session;
  return guarded(session, deps, 'open', async () => {
    const { flow } = session;
    if (flow?.challenge) return resumeChallenge(session, flow, flow.challenge, deps);
    const token = await openToken(session, deps);
    if (!token) return ended(await endInFailure(session, 'TOKEN_UNREADABLE', deps, 'open'));
    const preauth = await provider(session, deps, 'preauth', () =>
      deps.server.preauth({ cardNumber: token.number, methodNotificationUrl: deps.urls.method(sessionId) }),
    );
    if ('kind' in preauth) return preauth;
    const pageToken = randomToken(PAGE_TOKEN_BYTES);
    const at = now(deps);
    const started: AuthenticationFlow = {
      serverTransactionId: preauth.serverTransactionId,
      messageVersion: preauth.messageVersion,
      ...(preauth.method ? { methodUrl: preauth.method.url } : {}),
      pageTokenHash: sha256Hex(pageToken),
      startedAt: at,
    };
    if (!(await deps.sessions.startFlow(sessionId, started, at))) return lostRace(sessionId, deps, 'open');
    return {
      kind: 'METHOD',
      view: { ...basics(session, pageToken), ...(preauth.method ? { method: preauth.method } : {}) },
    };
  });
}

/** POST /3ds/{id} with the browser data: the AReq; frictionless ends here, C starts the challenge. */
export async function submitBrowserData(
  input: { sessionId: string; pageToken: string; browser: BrowserData },
  deps: ThreeDsChallengeDeps,
): Promise<BrowserDataOutcome> {
  const loaded = await loadPending(input.sessionId, deps, 'authenticate');
  if (loaded.kind !== 'PENDING') return loaded;
  const session = loaded.session;
  const flow = session.flow;
  if (!flow || flow.challenge || !secretMatches(input.pageToken, flow.pageTokenHash)) {
    return problem(
      deps,
      'FORGED_FORM',
      session,
      'authenticate',
      'page token does not match the latest render',
    );
  }
  return guarded(session, deps, 'authenticate', async () => {
    const claim = { serverTransactionId: flow.serverTransactionId, pageTokenHash: flow.pageTokenHash };
    if (!(await deps.sessions.claimAuthentication(session.sessionId, claim, now(deps)))) {
      return lostRace(session.sessionId, deps, 'authenticate');
    }
    const token = await openToken(session, deps);
    if (!token) return ended(await endInFailure(session, 'TOKEN_UNREADABLE', deps, 'authenticate'));
    const methodCompletion = flow.methodUrl ? (flow.methodCompletedAt ? 'Y' : 'N') : 'U';
    const response = await provider(session, deps, 'auth', () =>
      deps.server.authenticate({
        serverTransactionId: flow.serverTransactionId,
        messageVersion: flow.messageVersion,
        card: { ...token, scheme: session.tokenType },
        purchase: {
          amount: session.amount,
          currency: session.currency,
          date: now(deps),
          merchantName: session.merchantName,
        },
        methodCompletion,
        notificationUrl: deps.urls.challenge(session.sessionId),
        browser: input.browser,
        challengeWindowSize: deps.challengeWindowSize ?? '05',
      }),
    );
    if ('kind' in response && response.kind !== 'CHALLENGE' && response.kind !== 'RESULT') return response;
    if (response.kind === 'RESULT') {
      deps.onAuthentication?.(response.result.status === 'AUTHENTICATED' ? 'frictionless' : 'failed');
      return record(session, response.result, flow.pageTokenHash, deps, 'authenticate');
    }
    const pageToken = randomToken(PAGE_TOKEN_BYTES);
    const at = now(deps);
    const challenge: ChallengeRecord = {
      acsUrl: response.acsUrl,
      acsTransactionId: response.acsTransactionId,
      dsTransactionId: response.dsTransactionId,
      creq: response.creq,
      startedAt: at,
    };
    const saved = await deps.sessions.startChallenge(
      session.sessionId,
      {
        serverTransactionId: flow.serverTransactionId,
        pageTokenHash: flow.pageTokenHash,
        challenge,
        newTokenHash: sha256Hex(pageToken),
      },
      at,
    );
    if (!saved) return lostRace(session.sessionId, deps, 'authenticate');
    deps.onAuthentication?.('challenged');
    deps.log.info('3-D Secure challenge started', {
      pspTransactionId: session.pspTransactionId,
      sessionRef: sessionRef(session.sessionId),
      provider: deps.server.provider,
      methodCompletion,
    });
    return { kind: 'CHALLENGE', view: challengeView(session, challenge, pageToken) };
  });
}

/** POST /3ds/{id}/method: the 3DS Method finished for this session's transaction (once). */
export async function methodCompleted(
  input: { sessionId: string; threeDSMethodData: string },
  deps: ThreeDsChallengeDeps,
): Promise<NotificationOutcome> {
  if (!SESSION_ID.test(input.sessionId))
    return problem(deps, 'UNKNOWN_SESSION', undefined, 'method', 'malformed id');
  const session = await deps.sessions.get(input.sessionId);
  if (!session)
    return problem(deps, 'UNKNOWN_SESSION', undefined, 'method', 'no such session', input.sessionId);
  const named = deps.server.readMethodNotification(input.threeDSMethodData);
  const flow = session.flow;
  if (session.state !== 'PENDING' || !flow || named !== flow.serverTransactionId) {
    return problem(deps, 'STALE_NOTIFICATION', session, 'method', 'not this session’s transaction');
  }
  if (!(await deps.sessions.markMethodCompleted(session.sessionId, named, now(deps)))) {
    return problem(deps, 'STALE_NOTIFICATION', session, 'method', 'already recorded or moved on');
  }
  return { kind: 'METHOD_RECORDED' };
}

/** POST /3ds/{id}/challenge: the CRes came back; the RReq (postauth) decides. */
export async function challengeCompleted(
  input: { sessionId: string; cres: string; pageToken: string },
  deps: ThreeDsChallengeDeps,
): Promise<Ended> {
  const loaded = await loadPending(input.sessionId, deps, 'challenge');
  if (loaded.kind !== 'PENDING') return loaded;
  const session = loaded.session;
  const flow = session.flow;
  const challenge = flow?.challenge;
  if (!flow || !challenge || !secretMatches(input.pageToken, flow.pageTokenHash)) {
    return problem(deps, 'FORGED_FORM', session, 'challenge', 'threeDSSessionData does not match');
  }
  return guarded(session, deps, 'challenge', async () => {
    const named = deps.server.readChallengeResponse(input.cres);
    if (
      !named ||
      named.serverTransactionId !== flow.serverTransactionId ||
      named.acsTransactionId !== challenge.acsTransactionId
    ) {
      deps.onAuthentication?.('failed');
      return ended(
        await endInFailure(session, 'PROVIDER_ERROR', deps, 'challenge: CRes names another transaction'),
      );
    }
    const result = await provider(session, deps, 'postauth', () =>
      deps.server.challengeResult(flow.serverTransactionId),
    );
    if ('kind' in result) return result;
    if (result.status !== 'AUTHENTICATED') deps.onAuthentication?.('failed');
    return record(session, result, flow.pageTokenHash, deps, 'challenge');
  });
}

/** The shopper cancelled on our page, or the page found the ACS unreachable. */
export async function abandon(
  input: { sessionId: string; pageToken: string; why: 'cancel' | 'acs-unreachable' },
  deps: ThreeDsChallengeDeps,
): Promise<Ended> {
  const loaded = await loadPending(input.sessionId, deps, input.why);
  if (loaded.kind !== 'PENDING') return loaded;
  const session = loaded.session;
  const flow = session.flow;
  if (!flow || !secretMatches(input.pageToken, flow.pageTokenHash)) {
    return problem(deps, 'FORGED_FORM', session, input.why, 'page token does not match the latest render');
  }
  if (input.why === 'acs-unreachable') {
    deps.onAuthentication?.('failed');
    return ended(await endInFailure(session, 'PROVIDER_ERROR', deps, 'the browser could not reach the ACS'));
  }
  return guarded(session, deps, 'cancel', () =>
    record(session, { status: 'CANCELLED' }, flow.pageTokenHash, deps, 'cancel'),
  );
}

// ── steps ───────────────────────────────────────────────────────────────────────────────────

type Loaded = { kind: 'PENDING'; session: ChallengeSession } | Ended;

/** The session if it can still be authenticated; else where it sends the shopper (or why nowhere). */
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
  // Stryker disable next-line StringLiteral: any other name falls back to 3dssuccess (operationUrl)
  if (!operationUrl(session, '3dssuccess')) {
    // Vipps steps up only with a 3dssuccess URL to come back to: nothing to authenticate for.
    return ended(await endInFailure(session, 'NO_SUCCESS_URL', deps, step));
  }
  return { kind: 'PENDING', session };
}

/** Anything unexpected once the session is read (KMS, a store write, a bug) ends it in failure. */
async function guarded<T>(
  session: ChallengeSession,
  deps: ThreeDsChallengeDeps,
  step: string,
  run: () => Promise<T | Ended>,
): Promise<T | Ended> {
  try {
    return await run();
  } catch (error) {
    return ended(await endInFailure(session, 'INTERNAL_ERROR', deps, `${step}: ${errorName(error)}`));
  }
}

/** A 3DS server call; its failure (Erro, HTTP, timeout, garbage) ends the session in failure. */
async function provider<T>(
  session: ChallengeSession,
  deps: ThreeDsChallengeDeps,
  step: string,
  call: () => Promise<T>,
): Promise<T | Ended> {
  try {
    return await call();
  } catch (error) {
    deps.onAuthentication?.('failed');
    const detail = `${step}: ${error instanceof Error ? `${error.name}: ${error.message}` : typeof error}`;
    return ended(await endInFailure(session, 'PROVIDER_ERROR', deps, detail));
  }
}

async function resumeChallenge(
  session: ChallengeSession,
  flow: AuthenticationFlow,
  challenge: ChallengeRecord,
  deps: ThreeDsChallengeDeps,
): Promise<OpenPageOutcome> {
  const pageToken = randomToken(PAGE_TOKEN_BYTES);
  const renewed = await deps.sessions.renewPageToken(
    session.sessionId,
    flow.serverTransactionId,
    sha256Hex(pageToken),
    now(deps),
  );
  if (!renewed) return lostRace(session.sessionId, deps, 'open');
  return { kind: 'CHALLENGE', view: challengeView(session, challenge, pageToken) };
}

/** Record how the authentication ended (single use, on the page token) and send the shopper on. */
async function record(
  session: ChallengeSession,
  result: ThreeDsResult,
  pageTokenHash: string,
  deps: ThreeDsChallengeDeps,
  step: string,
): Promise<Ended> {
  const outcome: ThreeDsOutcome = {
    state: STATE_FOR[result.status],
    completedAt: now(deps),
    ...(result.status === 'AUTHENTICATED' ? { authentication: result.authentication } : {}),
  };
  if (!(await deps.sessions.complete(session.sessionId, outcome, { pageTokenHash }))) {
    return lostRace(session.sessionId, deps, step);
  }
  // The session had a 3dssuccess URL (pendingOrEnded), which every operation falls back to.
  const location = operationUrl(session, OPERATION_FOR[result.status])!;
  deps.log.info('3-D Secure authentication finished', {
    pspTransactionId: session.pspTransactionId,
    sessionRef: sessionRef(session.sessionId),
    result: RESULT_NAME[result.status],
    ...(result.status === 'FAILED' ? { transStatus: result.transStatus, reason: result.reason } : {}),
    ...(result.status === 'AUTHENTICATED'
      ? { transStatus: result.transStatus, eci: result.authentication.eci }
      : {}),
  });
  return { kind: 'REDIRECT', location, result: RESULT_NAME[result.status] };
}

/** A conditional write lost: from a fresh read, it ended or expired meanwhile, or a newer render won. */
async function lostRace(sessionId: string, deps: ThreeDsChallengeDeps, step: string): Promise<Ended> {
  const current = await deps.sessions.get(sessionId);
  if (!current) return problem(deps, 'UNKNOWN_SESSION', undefined, step, 'vanished', sessionId);
  const next = await pendingOrEnded(current, deps, step);
  if (next.kind !== 'PENDING') return next;
  return problem(deps, 'FORGED_FORM', current, step, 'a newer render replaced the page token');
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
    const value = JSON.parse(new TextDecoder().decode(plaintext)) as Partial<
      Record<keyof NetworkToken, unknown>
    >;
    const { number, expiryMonth, expiryYear } = value ?? {};
    if (typeof number === 'string' && typeof expiryMonth === 'string' && typeof expiryYear === 'string') {
      return { number, expiryMonth, expiryYear };
    }
  } catch {
    // The reason (KMS refusal, tag mismatch, bad JSON) goes nowhere: it could echo card data.
  }
  return undefined;
}

// ── helpers ─────────────────────────────────────────────────────────────────────────────────

function basics(session: ChallengeSession, pageToken: string): PageBasics {
  return {
    sessionId: session.sessionId,
    merchantName: session.merchantName,
    amount: session.amount,
    currency: session.currency,
    expiresAt: session.expiresAt,
    pageToken,
    redirectTargets: redirectTargets(session),
  };
}

function challengeView(
  session: ChallengeSession,
  challenge: ChallengeRecord,
  pageToken: string,
): ChallengeView {
  return { ...basics(session, pageToken), acsUrl: challenge.acsUrl, creq: challenge.creq };
}

/** Nowhere to send the shopper: only then an error page. */
function ended(outcome: Redirect | Nowhere): Ended {
  return outcome.kind === 'NOWHERE' ? { kind: 'PROBLEM', problem: 'UNUSABLE_SESSION' } : outcome;
}

const now = (deps: ThreeDsChallengeDeps) => deps.clock.now().toISOString();

function isExpired(session: ThreeDsSession, at: Date): boolean {
  const expiresAt = Date.parse(session.expiresAt);
  return !Number.isFinite(expiresAt) || expiresAt <= at.getTime();
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
