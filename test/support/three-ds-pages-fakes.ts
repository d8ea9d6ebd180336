/**
 * In-memory fakes of what the 3-D Secure pages depend on, for unit tests of the handler
 * (lambdas/handlers/three-ds.ts) with the real use cases behind it:
 *   - InMemoryThreeDsSessions: the ThreeDsChallengeStore port with the same conditional writes as
 *     DynamoThreeDsSessionStore (state, expiry, transaction, page token, once-only fields);
 *   - fakeVault: "seals" by encoding, and refuses to open with another encryption context;
 *   - ScriptedThreeDsServer: the 3DS server port answering what the test scripts, recording every
 *     call; its method notifications and CRes are base64url JSON like 3dsecure.io's;
 *   - MemoryLog and a hand-moved clock;
 *   - pagesUnderTest(): the handler over all of them, with the requests a web view and an ACS send.
 * Sessions and results are deep-copied in and out, so a test cannot change stored state by accident.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { expect } from 'vitest';
import { callerIdentity } from '../../local/api-gateway-identity.js';
import type {
  Clock,
  Log,
  SealedSecret,
  SecretVault,
  ThreeDsAuthentication,
} from '../../lambdas/core/ports.js';
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
import { type ThreeDsHandlerDeps, createThreeDsHandler } from '../../lambdas/handlers/three-ds.js';

const copy = <T>(value: T): T => structuredClone(value);

export class InMemoryThreeDsSessions implements ThreeDsChallengeStore {
  readonly #items = new Map<string, ChallengeSession>();
  #failReads = 0;
  #readError: unknown;

  /** The next n reads throw `error`, as a store that is down. */
  failNextReads(n: number, error: unknown = new Error('store unavailable')): this {
    this.#failReads += n;
    this.#readError = error;
    return this;
  }

  async create(session: ThreeDsSession): Promise<void> {
    if (this.#items.has(session.sessionId)) throw new Error('session exists');
    this.#items.set(session.sessionId, copy(session));
  }

  async get(sessionId: string): Promise<ChallengeSession | undefined> {
    if (this.#failReads > 0) {
      this.#failReads -= 1;
      throw this.#readError;
    }
    const item = this.#items.get(sessionId);
    return item ? copy(item) : undefined;
  }

  /** What is stored, without the read faults. */
  peek(sessionId: string): ChallengeSession | undefined {
    const item = this.#items.get(sessionId);
    return item ? copy(item) : undefined;
  }

  async startFlow(sessionId: string, flow: AuthenticationFlow, at: string): Promise<boolean> {
    return this.#update(
      sessionId,
      (s) => pendingAt(s, at) && !s.flow?.challenge,
      (s) => {
        s.flow = copy(flow);
      },
    );
  }

  async claimAuthentication(
    sessionId: string,
    claim: { serverTransactionId: string; pageTokenHash: string },
    at: string,
  ): Promise<boolean> {
    return this.#update(
      sessionId,
      (s) =>
        pendingAt(s, at) &&
        s.flow?.serverTransactionId === claim.serverTransactionId &&
        s.flow.pageTokenHash === claim.pageTokenHash &&
        s.flow.authenticationClaimedAt === undefined,
      (s) => {
        s.flow!.authenticationClaimedAt = at;
      },
    );
  }

  async startChallenge(
    sessionId: string,
    change: {
      serverTransactionId: string;
      pageTokenHash: string;
      challenge: ChallengeRecord;
      newTokenHash: string;
    },
    at: string,
  ): Promise<boolean> {
    return this.#update(
      sessionId,
      (s) =>
        pendingAt(s, at) &&
        s.flow?.serverTransactionId === change.serverTransactionId &&
        s.flow.pageTokenHash === change.pageTokenHash &&
        !s.flow.challenge,
      (s) => {
        s.flow!.challenge = copy(change.challenge);
        s.flow!.pageTokenHash = change.newTokenHash;
      },
    );
  }

  async renewPageToken(
    sessionId: string,
    serverTransactionId: string,
    newTokenHash: string,
    at: string,
  ): Promise<boolean> {
    return this.#update(
      sessionId,
      (s) => pendingAt(s, at) && s.flow?.serverTransactionId === serverTransactionId,
      (s) => {
        s.flow!.pageTokenHash = newTokenHash;
      },
    );
  }

  async markMethodCompleted(sessionId: string, serverTransactionId: string, at: string): Promise<boolean> {
    return this.#update(
      sessionId,
      (s) =>
        s.state === 'PENDING' &&
        s.flow?.serverTransactionId === serverTransactionId &&
        s.flow.methodCompletedAt === undefined &&
        !s.flow.challenge,
      (s) => {
        s.flow!.methodCompletedAt = at;
      },
    );
  }

  async complete(
    sessionId: string,
    outcome: ThreeDsOutcome,
    guard?: { pageTokenHash: string },
  ): Promise<boolean> {
    return this.#update(
      sessionId,
      (s) => pendingAt(s, outcome.completedAt) && (!guard || s.flow?.pageTokenHash === guard.pageTokenHash),
      (s) => {
        s.state = outcome.state;
        s.completedAt = outcome.completedAt;
        if (outcome.authentication) s.authentication = copy(outcome.authentication);
      },
    );
  }

  async failPending(
    sessionId: string,
    failure: { completedAt: string; reason: EndReason },
  ): Promise<boolean> {
    return this.#update(
      sessionId,
      (s) => s.state === 'PENDING',
      (s) => {
        s.state = 'FAILED';
        s.completedAt = failure.completedAt;
        s.endReason = failure.reason;
      },
    );
  }

  async #update(
    sessionId: string,
    condition: (s: ChallengeSession) => boolean,
    change: (s: ChallengeSession) => void,
  ): Promise<boolean> {
    const item = this.#items.get(sessionId);
    if (!item || !condition(item)) return false;
    const next = copy(item);
    change(next);
    this.#items.set(sessionId, next);
    return true;
  }
}

const pendingAt = (s: ChallengeSession, at: string) => s.state === 'PENDING' && s.expiresAt > at;

/** Opens only what it sealed under the same context, like the KMS envelope vault. */
export const fakeVault: SecretVault = {
  async seal(plaintext, context) {
    return {
      encryptedDataKey: JSON.stringify(context),
      iv: 'iv',
      ciphertext: Buffer.from(plaintext).toString('base64'),
      tag: 'tag',
    };
  },
  async open(sealed: SealedSecret, context) {
    if (sealed.encryptedDataKey !== JSON.stringify(context)) throw new Error('InvalidCiphertextException');
    return new Uint8Array(Buffer.from(sealed.ciphertext, 'base64'));
  },
};

export const NETWORK_TOKEN = { number: '4895370013193500', expiryMonth: '03', expiryYear: '30' };

/** A PENDING session as makePayment creates it on a soft decline. */
export async function pendingSession(
  now: Date,
  overrides: Partial<ThreeDsSession> = {},
): Promise<ThreeDsSession> {
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
    sealedToken: await fakeVault.seal(Buffer.from(JSON.stringify(NETWORK_TOKEN)), {
      pspTransactionId,
      sessionId,
    }),
    operations: [
      {
        operation: '3dssuccess',
        url: `https://vipps.example/mobileintercept?id=${pspTransactionId}&r=OK&x=a%2Fb`,
      },
      { operation: '3dsfailure', url: `https://vipps.example/mobileintercept?id=${pspTransactionId}&r=FAIL` },
      {
        operation: '3dscancel',
        url: `https://vipps.example/mobileintercept?id=${pspTransactionId}&r=CANCEL`,
      },
    ],
    ...overrides,
  };
}

const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
function decode(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export const AUTHENTICATION: ThreeDsAuthentication = {
  cavv: 'AAABBEg0VhI0VniQEjRWAAAAAAA=',
  eci: '05',
  version: '2.2.0',
  threeDsTransactionId: 'f38e6948-5388-41a6-bca4-b49723c19437',
  transStatus: 'Y',
};

/** The 3DS server port, answering as scripted (by default: a 3DS Method, then a challenge, then Y). */
export class ScriptedThreeDsServer implements ThreeDsServer {
  readonly provider = 'scripted';
  readonly preauths: PreauthRequest[] = [];
  readonly authentications: AuthenticationRequest[] = [];
  readonly results: string[] = [];
  acsUrl = 'https://acs.example/challenge';
  methodUrl = 'https://acs-method.example/method';
  /** Instead of our own encoding: what the 3DS server hands the page as threeDSMethodData / creq. */
  methodData?: string;
  challengeRequest?: string;
  #transactionId = randomUUID();
  withMethod = true;
  /** What the AReq gets back: CHALLENGE by default. */
  ares: ThreeDsResult | 'CHALLENGE' | Error = 'CHALLENGE';
  rreq: ThreeDsResult | Error = { status: 'AUTHENTICATED', transStatus: 'Y', authentication: AUTHENTICATION };
  preauthError?: Error;
  readonly acsTransactionId = randomUUID();

  get serverTransactionId(): string {
    return this.#transactionId;
  }

  async preauth(request: PreauthRequest): Promise<Preauth> {
    this.preauths.push(request);
    if (this.preauthError) throw this.preauthError;
    this.#transactionId = randomUUID();
    return {
      serverTransactionId: this.#transactionId,
      messageVersion: '2.2.0',
      ...(this.withMethod
        ? {
            method: {
              url: this.methodUrl,
              data:
                this.methodData ??
                encode({
                  threeDSServerTransID: this.#transactionId,
                  threeDSMethodNotificationURL: request.methodNotificationUrl,
                }),
            },
          }
        : {}),
    };
  }

  async authenticate(request: AuthenticationRequest): Promise<AuthenticationResponse> {
    this.authentications.push(copy(request));
    if (this.ares instanceof Error) throw this.ares;
    if (this.ares !== 'CHALLENGE') return { kind: 'RESULT', result: copy(this.ares) };
    return {
      kind: 'CHALLENGE',
      acsUrl: this.acsUrl,
      acsTransactionId: this.acsTransactionId,
      dsTransactionId: randomUUID(),
      messageVersion: request.messageVersion,
      creq: this.challengeRequest ?? this.creq(),
    };
  }

  async challengeResult(serverTransactionId: string): Promise<ThreeDsResult> {
    this.results.push(serverTransactionId);
    if (this.rreq instanceof Error) throw this.rreq;
    return copy(this.rreq);
  }

  readMethodNotification(threeDSMethodData: string): string | undefined {
    const id = decode(threeDSMethodData)?.threeDSServerTransID;
    return typeof id === 'string' ? id : undefined;
  }

  readChallengeResponse(cres: string): ChallengeResponseInfo | undefined {
    const value = decode(cres);
    const serverTransactionId = value?.threeDSServerTransID;
    const acsTransactionId = value?.acsTransID;
    return typeof serverTransactionId === 'string' && typeof acsTransactionId === 'string'
      ? { serverTransactionId, acsTransactionId }
      : undefined;
  }

  /** The CReq the page posts to the ACS. */
  creq(): string {
    return encode({
      messageType: 'CReq',
      threeDSServerTransID: this.#transactionId,
      acsTransID: this.acsTransactionId,
      challengeWindowSize: '05',
    });
  }

  /** What the ACS posts back to the challenge notification route. */
  cres(transStatus = 'Y'): string {
    return encode({
      messageType: 'CRes',
      threeDSServerTransID: this.#transactionId,
      acsTransID: this.acsTransactionId,
      transStatus,
    });
  }

  /** What the ACS posts to the method notification route. */
  methodNotification(transactionId: string = this.#transactionId): string {
    return encode({ threeDSServerTransID: transactionId });
  }
}

export interface MemoryLogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields: Record<string, unknown>;
}

export class MemoryLog implements Log {
  readonly entries: MemoryLogEntry[] = [];
  debug(message: string, fields: Record<string, unknown> = {}) {
    this.entries.push({ level: 'debug', message, fields });
  }
  info(message: string, fields: Record<string, unknown> = {}) {
    this.entries.push({ level: 'info', message, fields });
  }
  warn(message: string, fields: Record<string, unknown> = {}) {
    this.entries.push({ level: 'warn', message, fields });
  }
  error(message: string, fields: Record<string, unknown> = {}) {
    this.entries.push({ level: 'error', message, fields });
  }
  text(): string {
    return JSON.stringify(this.entries);
  }
}

export class HandClock implements Clock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
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

/** The value of the `<input name="...">` in a page (our pages quote every attribute). */
export function inputValue(html: string, name: string): string | undefined {
  const tag = new RegExp(`<input[^>]*\\bname="${name}"[^>]*>`).exec(html)?.[0];
  return tag ? /\bvalue="([^"]*)"/.exec(tag)?.[1] : undefined;
}

// ── the handler under test ──────────────────────────────────────────────────────────────────

export const NOW = new Date('2026-11-30T09:00:00.000Z');
export const FORM = 'application/x-www-form-urlencoded';
export const VIPPS_AND_US =
  "'self' https://vipps.no https://*.vipps.no https://vippsmobilepay.com https://*.vippsmobilepay.com";
export const BROWSER = {
  javascriptEnabled: 'true',
  colorDepth: '24',
  screenHeight: '844',
  screenWidth: '390',
  timeZoneOffset: '-60',
  javaEnabled: 'false',
  language: 'nb-NO',
};

type NotificationRoute = 'method' | 'challenge';

export function pagesUnderTest(overrides: Partial<ThreeDsHandlerDeps> = {}) {
  const sessions = new InMemoryThreeDsSessions();
  const server = new ScriptedThreeDsServer();
  const log = new MemoryLog();
  const clock = new HandClock(NOW);
  const results: string[] = [];
  const authentications: string[] = [];
  const pages = createThreeDsHandler({
    sessions,
    vault: fakeVault,
    server,
    clock,
    log,
    publicBaseUrl: 'https://psp.example',
    onResult: (result) => results.push(result),
    onAuthentication: (outcome) => authentications.push(outcome),
    ...overrides,
  });
  const seed = async (changes: Partial<ThreeDsSession> = {}) => {
    const session = await pendingSession(NOW, changes);
    await sessions.create(session);
    return session;
  };
  const open = (sessionId: string, headers: Record<string, string> = {}) =>
    pages(threeDsEvent({ method: 'GET', sessionId, headers }));
  const post = (
    sessionId: string,
    fields: Record<string, string> | string,
    options: { route?: NotificationRoute; headers?: Record<string, string> } = {},
  ) =>
    pages(
      threeDsEvent({
        method: 'POST',
        sessionId,
        body: typeof fields === 'string' ? fields : new URLSearchParams(fields).toString(),
        headers: { 'Content-Type': FORM, 'Sec-Fetch-Site': 'same-origin', ...options.headers },
        ...(options.route ? { route: options.route } : {}),
      }),
    );
  /** GET the page: the 3DS Method step and its page token. */
  const methodStep = async (session: ThreeDsSession) => {
    const page = await open(session.sessionId);
    expect(page.statusCode).toBe(200);
    return { page, csrf: inputValue(page.body, 'csrf')! };
  };
  const authenticate = (session: ThreeDsSession, csrf: string, extra: Record<string, string> = {}) =>
    post(session.sessionId, { step: 'authenticate', csrf, ...BROWSER, ...extra });
  /** Method step, browser data → ARes C → the challenge page. */
  const challengeStep = async (session: ThreeDsSession) => {
    const { csrf } = await methodStep(session);
    const page = await authenticate(session, csrf);
    expect(page.statusCode).toBe(200);
    return { page, sessionData: inputValue(page.body, 'threeDSSessionData')! };
  };
  const returnCres = (session: ThreeDsSession, fields: Record<string, string> | string) =>
    post(session.sessionId, fields, { route: 'challenge', headers: { 'Sec-Fetch-Site': 'cross-site' } });
  const refusals = () =>
    log.entries.filter((e) => e.level === 'warn' && e.message === '3-D Secure request refused');
  return {
    pages,
    sessions,
    server,
    log,
    clock,
    results,
    authentications,
    seed,
    open,
    post,
    methodStep,
    authenticate,
    challengeStep,
    returnCres,
    refusals,
  };
}

export const headersOf = (r: APIGatewayProxyResult) => r.headers as Record<string, string>;
export const directive = (r: APIGatewayProxyResult, name: string) =>
  new RegExp(`(?:^|; )${name} ([^;]*)`).exec(headersOf(r)['Content-Security-Policy'] ?? '')?.[1];
