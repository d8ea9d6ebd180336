/**
 * The 3-D Secure fakes and fixtures shared by the use case, pages and integration tests:
 *   - InMemoryThreeDsSessions: the ThreeDsChallengeStore with the same conditions as
 *     DynamoThreeDsSessionStore (state, expiry, transaction, page token, once-only fields), able
 *     to run another writer's change just before a write (`beforeNext`), to fail a write
 *     (`failNext`) or the next reads (`failNextReads`);
 *   - ScriptedThreeDsServer: the 3DS server port, answering what the test scripts and recording
 *     every request; notifications are base64url JSON (methodData(), cres()), read as the adapter
 *     reads them (readMethodNotification(), readChallengeResponse());
 *   - pendingThreeDsSession(): a session as makePayment creates it, sealed by any vault (a
 *     test's is usually contextBoundVault());
 *   - threeDsEvent(), FORM, BROWSER, inputValue(): the requests a web view sends and its pages.
 * Sessions are deep-copied in and out, so a test cannot change stored state by accident.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { callerIdentity } from '../../local/api-gateway-identity.js';
import type { SecretVault } from '../../lambdas/core/ports.js';
import type {
  AuthenticationRequest,
  AuthenticationResponse,
  ChallengeResponseInfo,
  Preauth,
  PreauthRequest,
  ThreeDsResult,
  ThreeDsServer,
} from '../../lambdas/core/three-ds-server.js';
import type { ThreeDsOutcome, ThreeDsSession } from '../../lambdas/core/three-ds-session.js';
import type {
  AuthenticationFlow,
  ChallengeRecord,
  ChallengeSession,
  ThreeDsChallengeStore,
} from '../../lambdas/core/use-cases/three-ds-challenge.js';
import type { EndReason } from '../../lambdas/core/use-cases/three-ds-endings.js';

type Write = Exclude<keyof ThreeDsChallengeStore, 'get' | 'create'>;
type Hook = (store: InMemoryThreeDsSessions) => void | Promise<void>;

export class InMemoryThreeDsSessions implements ThreeDsChallengeStore {
  readonly #items = new Map<string, ChallengeSession>();
  readonly #before = new Map<Write, Hook[]>();
  readonly #failures = new Map<Write, unknown[]>();
  #failReads = 0;
  #readError: unknown;
  /** Every write attempted, with its arguments, and whether its condition held. */
  readonly writes: Array<{ method: Write; args: unknown[]; won: boolean }> = [];

  constructor(initial: ChallengeSession[] = []) {
    for (const session of initial) this.#items.set(session.sessionId, copy(session));
  }

  /** `hook` runs once, just before the next `method` checks its condition (another writer). */
  beforeNext(method: Write, hook: Hook): this {
    this.#before.set(method, [...(this.#before.get(method) ?? []), hook]);
    return this;
  }

  /** The next `method` throws `error` (a throttled or unreachable table), changing nothing. */
  failNext(method: Write, error: unknown): this {
    this.#failures.set(method, [...(this.#failures.get(method) ?? []), error]);
    return this;
  }

  /** The next n reads throw `error`, as a store that is down. */
  failNextReads(n: number, error: unknown = new Error('store unavailable')): this {
    this.#failReads += n;
    this.#readError = error;
    return this;
  }

  /** The stored session as it is now (a copy), without the read faults. */
  peek(sessionId: string): ChallengeSession | undefined {
    const item = this.#items.get(sessionId);
    return item && copy(item);
  }

  /** Change a stored session directly (another request's write, a test's setup). */
  put(session: ChallengeSession): void {
    this.#items.set(session.sessionId, copy(session));
  }

  /** The session disappears (DynamoDB's TTL deleted it). */
  remove(sessionId: string): void {
    this.#items.delete(sessionId);
  }

  /** The writes of one kind that won, with their arguments. */
  won(method: Write): unknown[][] {
    return this.writes.filter((w) => w.method === method && w.won).map((w) => w.args);
  }

  create(session: ThreeDsSession): Promise<void> {
    if (this.#items.has(session.sessionId)) return Promise.reject(new Error('session exists'));
    this.#items.set(session.sessionId, copy(session));
    return Promise.resolve();
  }

  get(sessionId: string): Promise<ChallengeSession | undefined> {
    if (this.#failReads > 0) {
      this.#failReads -= 1;
      return Promise.reject(this.#readError);
    }
    return Promise.resolve(this.peek(sessionId));
  }

  startFlow(sessionId: string, flow: AuthenticationFlow, at: string): Promise<boolean> {
    return this.#write('startFlow', [sessionId, flow, at], sessionId, (s) =>
      live(s, at) && !s.flow?.challenge ? { ...s, flow } : undefined,
    );
  }

  claimAuthentication(
    sessionId: string,
    claim: { serverTransactionId: string; pageTokenHash: string },
    at: string,
  ): Promise<boolean> {
    return this.#write('claimAuthentication', [sessionId, claim, at], sessionId, (s) =>
      live(s, at) &&
      s.flow?.serverTransactionId === claim.serverTransactionId &&
      s.flow.pageTokenHash === claim.pageTokenHash &&
      !s.flow.authenticationClaimedAt
        ? { ...s, flow: { ...s.flow, authenticationClaimedAt: at } }
        : undefined,
    );
  }

  startChallenge(
    sessionId: string,
    change: {
      serverTransactionId: string;
      pageTokenHash: string;
      challenge: ChallengeRecord;
      newTokenHash: string;
    },
    at: string,
  ): Promise<boolean> {
    return this.#write('startChallenge', [sessionId, change, at], sessionId, (s) =>
      live(s, at) &&
      s.flow?.serverTransactionId === change.serverTransactionId &&
      s.flow.pageTokenHash === change.pageTokenHash &&
      !s.flow.challenge
        ? { ...s, flow: { ...s.flow, challenge: change.challenge, pageTokenHash: change.newTokenHash } }
        : undefined,
    );
  }

  renewPageToken(
    sessionId: string,
    serverTransactionId: string,
    newTokenHash: string,
    at: string,
  ): Promise<boolean> {
    return this.#write(
      'renewPageToken',
      [sessionId, serverTransactionId, newTokenHash, at],
      sessionId,
      (s) =>
        live(s, at) && s.flow?.serverTransactionId === serverTransactionId
          ? { ...s, flow: { ...s.flow, pageTokenHash: newTokenHash } }
          : undefined,
    );
  }

  markMethodCompleted(sessionId: string, serverTransactionId: string, at: string): Promise<boolean> {
    return this.#write('markMethodCompleted', [sessionId, serverTransactionId, at], sessionId, (s) =>
      s.state === 'PENDING' &&
      s.flow?.serverTransactionId === serverTransactionId &&
      !s.flow.methodCompletedAt &&
      !s.flow.challenge
        ? { ...s, flow: { ...s.flow, methodCompletedAt: at } }
        : undefined,
    );
  }

  complete(sessionId: string, outcome: ThreeDsOutcome, guard?: { pageTokenHash: string }): Promise<boolean> {
    return this.#write('complete', [sessionId, outcome, guard], sessionId, (s) =>
      live(s, outcome.completedAt) && (!guard || s.flow?.pageTokenHash === guard.pageTokenHash)
        ? { ...s, ...outcome }
        : undefined,
    );
  }

  failPending(sessionId: string, failure: { completedAt: string; reason: EndReason }): Promise<boolean> {
    return this.#write('failPending', [sessionId, failure], sessionId, (s) =>
      s.state === 'PENDING'
        ? { ...s, state: 'FAILED', completedAt: failure.completedAt, endReason: failure.reason }
        : undefined,
    );
  }

  /** One conditional write: `change` answers the new item, or undefined when the condition fails. */
  async #write(
    method: Write,
    args: unknown[],
    sessionId: string,
    change: (session: ChallengeSession) => ChallengeSession | undefined,
  ): Promise<boolean> {
    const hook = this.#before.get(method)?.shift();
    if (hook) await hook(this);
    const failures = this.#failures.get(method);
    if (failures?.length) throw failures.shift();
    const current = this.#items.get(sessionId);
    const next = current && change(copy(current));
    this.writes.push({ method, args: copy(args), won: next !== undefined });
    if (next) this.#items.set(sessionId, copy(next));
    return next !== undefined;
  }
}

/** PENDING and not expired at `at` (ISO strings compare in time order, as in DynamoDB). */
const live = (session: ChallengeSession, at: string) => session.state === 'PENDING' && session.expiresAt > at;

const copy = <T>(value: T): T => structuredClone(value);

type Answer<T> = T | { throws: unknown };

const answer = <T>(scripted: Answer<T>): Promise<T> =>
  typeof scripted === 'object' && scripted !== null && 'throws' in scripted
    ? Promise.reject(scripted.throws)
    : Promise.resolve(scripted);

/** threeDSMethodData as the ACS posts it back, naming a 3DS server transaction. */
export const methodData = (serverTransactionId: string): string =>
  Buffer.from(JSON.stringify({ threeDSServerTransID: serverTransactionId })).toString('base64url');

/** A CRes as the ACS posts it, naming the 3DS server and ACS transactions. */
export const cres = (ids: ChallengeResponseInfo): string =>
  Buffer.from(
    JSON.stringify({ threeDSServerTransID: ids.serverTransactionId, acsTransID: ids.acsTransactionId }),
  ).toString('base64url');

function decode(encoded: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The 3DS server transaction a threeDSMethodData (base64url JSON) names, as the adapter reads it. */
export function readMethodNotification(threeDSMethodData: string): string | undefined {
  const id = decode(threeDSMethodData)?.threeDSServerTransID;
  return typeof id === 'string' ? id : undefined;
}

/** The transactions a CRes (base64url JSON) names, as the adapter reads it. */
export function readChallengeResponse(posted: string): ChallengeResponseInfo | undefined {
  const { threeDSServerTransID, acsTransID } = decode(posted) ?? {};
  return typeof threeDSServerTransID === 'string' && typeof acsTransID === 'string'
    ? { serverTransactionId: threeDSServerTransID, acsTransactionId: acsTransID }
    : undefined;
}

/** The 3DS server port: answers as scripted (a value, or `{ throws }`), recording every request. */
export class ScriptedThreeDsServer implements ThreeDsServer {
  readonly provider = 'scripted-3ds';
  readonly preauths: PreauthRequest[] = [];
  readonly authentications: AuthenticationRequest[] = [];
  readonly resultRequests: string[] = [];
  preauthAnswer: Answer<Preauth> = { serverTransactionId: 'server-tx-1', messageVersion: '2.2.0' };
  authenticateAnswer: Answer<AuthenticationResponse> = {
    kind: 'RESULT',
    result: { status: 'FAILED', transStatus: 'N' },
  };
  challengeResultAnswer: Answer<ThreeDsResult> = { status: 'FAILED', transStatus: 'N' };
  /** When set, reading a CRes throws this (a bug in the adapter). */
  readingFails?: unknown;

  preauth(request: PreauthRequest): Promise<Preauth> {
    this.preauths.push(request);
    return answer(this.preauthAnswer);
  }

  authenticate(request: AuthenticationRequest): Promise<AuthenticationResponse> {
    this.authentications.push(structuredClone(request));
    return answer(this.authenticateAnswer);
  }

  challengeResult(serverTransactionId: string): Promise<ThreeDsResult> {
    this.resultRequests.push(serverTransactionId);
    return answer(this.challengeResultAnswer);
  }

  readMethodNotification(threeDSMethodData: string): string | undefined {
    return readMethodNotification(threeDSMethodData);
  }

  readChallengeResponse(posted: string): ChallengeResponseInfo | undefined {
    if (this.readingFails !== undefined) throw this.readingFails;
    return readChallengeResponse(posted);
  }
}

/** A network token as makePayment seals it into the session (Vipps' test Visa token). */
export const NETWORK_TOKEN = { number: '4895370013193500', expiryMonth: '03', expiryYear: '30' };

/** Vipps' operations URLs, query strings and an escaped slash included (they must arrive intact). */
export const vippsOperations = (pspTransactionId: string) => [
  {
    operation: '3dssuccess' as const,
    url: `https://vipps.example/mobileintercept?transactionId=${pspTransactionId}&responsecode=OK&x=a%2Fb`,
  },
  {
    operation: '3dsfailure' as const,
    url: `https://vipps.example/mobileintercept?transactionId=${pspTransactionId}&responsecode=FAIL`,
  },
  {
    operation: '3dscancel' as const,
    url: `https://vipps.example/mobileintercept?transactionId=${pspTransactionId}&responsecode=CANCEL`,
  },
];

/**
 * A PENDING session as makePayment creates it on a soft decline (token sealed with context
 * {pspTransactionId, sessionId}), 15 minutes before it expires at `now`.
 */
export async function pendingThreeDsSession(
  vault: SecretVault,
  now: Date,
  overrides: Partial<ChallengeSession> = {},
  token: unknown = NETWORK_TOKEN,
): Promise<ChallengeSession> {
  const sessionId = overrides.sessionId ?? randomBytes(24).toString('base64url');
  const pspTransactionId = overrides.pspTransactionId ?? randomBytes(16).toString('hex');
  return {
    sessionId,
    pspTransactionId,
    merchantName: 'Sokkebutikken AS',
    amount: 10036,
    currency: 'NOK',
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + 15 * 60_000).toISOString(),
    state: 'PENDING',
    tokenType: 'VISA',
    sealedToken: await vault.seal(new TextEncoder().encode(JSON.stringify(token)), {
      pspTransactionId,
      sessionId,
    }),
    operations: vippsOperations(pspTransactionId),
    ...overrides,
  };
}

/** An API Gateway REST proxy event for the 3-D Secure routes, as API Gateway builds it. */
export function threeDsEvent(options: {
  method: string;
  sessionId: string | null;
  route?: 'method' | 'challenge';
  body?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  base64?: boolean;
  sourceIp?: string;
}): APIGatewayProxyEvent {
  const suffix = options.route ? `/${options.route}` : '';
  const path = `/3ds/${options.sessionId ?? ''}${suffix}`;
  const resource = `/3ds/{sessionId}${suffix}`;
  return {
    resource,
    path,
    httpMethod: options.method,
    headers: options.headers ?? {},
    multiValueHeaders: {},
    queryStringParameters: options.query ?? null,
    multiValueQueryStringParameters: null,
    pathParameters: options.sessionId === null ? null : { sessionId: options.sessionId },
    stageVariables: null,
    body:
      options.base64 && options.body ? Buffer.from(options.body).toString('base64') : (options.body ?? null),
    isBase64Encoded: options.base64 ?? false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'test',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: options.method,
      identity: callerIdentity(options.sourceIp ?? '203.0.113.7', null),
      path,
      stage: 'test',
      requestId: randomUUID(),
      requestTimeEpoch: 0,
      resourceId: 'test',
      resourcePath: resource,
    },
  };
}

export const FORM = 'application/x-www-form-urlencoded';
export const BROWSER = {
  javascriptEnabled: 'true',
  colorDepth: '24',
  screenHeight: '844',
  screenWidth: '390',
  timeZoneOffset: '-60',
  javaEnabled: 'false',
  language: 'nb-NO',
};

/** The value of the first `<input name="...">` in a page (our pages quote every attribute). */
export function inputValue(html: string, name: string): string | undefined {
  const tag = new RegExp(`<input[^>]*\\bname="${name}"[^>]*>`).exec(html)?.[0];
  return tag ? /\bvalue="([^"]*)"/.exec(tag)?.[1] : undefined;
}
