/**
 * The 3-D Secure pages handler (lambdas/handlers/three-ds.ts) under unit test, with the real use
 * cases behind it over the shared in-memory fakes (in-memory-three-ds.ts), plus what only these
 * tests need:
 *   - ChallengingThreeDsServer: a 3DS server that plays a whole step-up (a 3DS Method, then a
 *     challenge, then Y by default), recording every call; its method notifications and CRes are
 *     base64url JSON like 3dsecure.io's;
 *   - MemoryLog, recording each entry's fields;
 *   - pagesUnderTest(): the handler over all of them, with the requests a web view and an ACS send.
 * Results are deep-copied in and out, so a test cannot change scripted state by accident.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { expect } from 'vitest';
import type { Log, ThreeDsAuthentication } from '../../lambdas/core/ports.js';
import type {
  AuthenticationRequest,
  AuthenticationResponse,
  ChallengeResponseInfo,
  Preauth,
  PreauthRequest,
  ThreeDsResult,
  ThreeDsServer,
} from '../../lambdas/core/three-ds-server.js';
import type { ThreeDsSession } from '../../lambdas/core/three-ds-session.js';
import { type ThreeDsHandlerDeps, createThreeDsHandler } from '../../lambdas/handlers/three-ds.js';
import {
  BROWSER,
  FORM,
  InMemoryThreeDsSessions,
  inputValue,
  pendingThreeDsSession,
  readChallengeResponse,
  readMethodNotification,
  threeDsEvent,
} from './in-memory-three-ds.js';
import { contextBoundVault } from './context-bound-vault.js';
import { TestClock } from './three-ds-harness.js';

const copy = <T>(value: T): T => structuredClone(value);

const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
export const AUTHENTICATION: ThreeDsAuthentication = {
  cavv: 'AAABBEg0VhI0VniQEjRWAAAAAAA=',
  eci: '05',
  version: '2.2.0',
  threeDsTransactionId: 'f38e6948-5388-41a6-bca4-b49723c19437',
  transStatus: 'Y',
};

/** The 3DS server port, answering as scripted (by default: a 3DS Method, then a challenge, then Y). */
export class ChallengingThreeDsServer implements ThreeDsServer {
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
    return readMethodNotification(threeDSMethodData);
  }

  readChallengeResponse(cres: string): ChallengeResponseInfo | undefined {
    return readChallengeResponse(cres);
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

// ── the handler under test ──────────────────────────────────────────────────────────────────

export const NOW = new Date('2026-11-30T09:00:00.000Z');
export const VIPPS_AND_US =
  "'self' https://vipps.no https://*.vipps.no https://vippsmobilepay.com https://*.vippsmobilepay.com";

type NotificationRoute = 'method' | 'challenge';

export function pagesUnderTest(overrides: Partial<ThreeDsHandlerDeps> = {}) {
  const sessions = new InMemoryThreeDsSessions();
  const vault = contextBoundVault();
  const server = new ChallengingThreeDsServer();
  const log = new MemoryLog();
  const clock = new TestClock(NOW);
  const results: string[] = [];
  const authentications: string[] = [];
  const pages = createThreeDsHandler({
    sessions,
    vault,
    server,
    clock,
    log,
    publicBaseUrl: 'https://psp.example',
    onResult: (result) => results.push(result),
    onAuthentication: (outcome) => authentications.push(outcome),
    ...overrides,
  });
  const seed = async (changes: Partial<ThreeDsSession> = {}) => {
    const session = await pendingThreeDsSession(vault, NOW, changes);
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
