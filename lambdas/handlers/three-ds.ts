/**
 * Lambda entry: the 3-D Secure step-up pages. GET /3ds/{sessionId} renders the challenge the Vipps
 * app opens; POST /3ds/{sessionId} is the return route its form (or a real ACS) posts to. Every
 * ending of a session (success, failure, cancel, expired, already used, an error) is a 302 to a
 * Vipps operations URL; only a refusal that leaves the session usable (stale or garbled form) and
 * an id matching no session get an error page, with its own status, changing nothing. Thin: parse
 * the API Gateway event, run the use case, render HTML with the security headers.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { renderChallengePage } from '../adapters/three-ds/pages/challenge-page.js';
import type { RenderedPage } from '../adapters/three-ds/pages/challenge-page.js';
import { renderErrorPage } from '../adapters/three-ds/pages/error-page.js';
import type { PageProblem } from '../adapters/three-ds/pages/page-problem.js';
import { securityHeaders } from '../adapters/three-ds/pages/security-headers.js';
import { pickLanguage } from '../adapters/three-ds/pages/texts.js';
import type { Clock, Log, SecretVault } from '../core/ports.js';
import type { BrowserInfo, ThreeDsServer } from '../core/three-ds-server.js';
import type { ThreeDsSessionStore } from '../core/three-ds-session.js';
import {
  type ChallengeResultName,
  type ChallengeSubmission,
  type ThreeDsChallengeStore,
  completeChallenge,
  sessionRef,
  showChallenge,
} from '../core/use-cases/three-ds-challenge.js';
import { metricDimensions, metricNames } from '../observability.js';
import { routes, threeDsPath } from '../routes.js';
import { threeDsServer } from '../wiring/acquirer.js';
import { clock, config } from '../wiring/context.js';
import { vault } from '../wiring/keys.js';
import { threeDsSessions } from '../wiring/storage.js';
import { bodyBytes, bodyText, header } from './http/api-gateway.js';
import { apiGatewayRequestId, entryDependencies, lambdaEntry } from './lambda-entry.js';

export interface ThreeDsHandlerDeps {
  sessions: ThreeDsChallengeStore;
  vault: SecretVault;
  server: ThreeDsServer;
  clock: Clock;
  log: Log;
  /** PUBLIC_BASE_URL: the notification URL and the form's action path are built from it. */
  publicBaseUrl: string;
  /** CSP sources allowed to frame the pages (FRAME_ANCESTORS); ourselves and Vipps by default. */
  frameAncestors?: readonly string[];
  /** Largest form accepted (bytes); the route table's limit by default. */
  maxBodyBytes?: number;
  /** Counts sessions started and finished (metric ThreeDsSession, dimension result). */
  onResult?: (result: 'started' | ChallengeResultName) => void;
}

type Handler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

/** Form fields of the return route: seeing them in a GET's query means the form went the wrong way. */
const FORM_FIELDS = ['otp', 'csrf', 'action', 'cres', 'threeDSSessionData'] as const;
const FORM_TOKEN = /^[A-Za-z0-9_-]{32,128}$/;
const CRES = /^[A-Za-z0-9_=-]{1,8192}$/;
const ROUTE_MAX_BODY =
  routes.find((r) => r.function === 'threeDs' && r.method === 'POST')?.maxBodyBytes ?? 4096;

export function createThreeDsHandler(deps: ThreeDsHandlerDeps): Handler {
  const publicBaseUrl = deps.publicBaseUrl.replace(/\/+$/, '');
  // The form posts to a path on our own origin: keep the base path (an API Gateway stage, say).
  const basePath = new URL(publicBaseUrl).pathname.replace(/\/+$/, '');
  const maxBodyBytes = deps.maxBodyBytes ?? ROUTE_MAX_BODY;
  const useCaseDeps = {
    sessions: deps.sessions,
    vault: deps.vault,
    server: deps.server,
    clock: deps.clock,
    log: deps.log,
    returnUrl: (sessionId: string) => `${publicBaseUrl}${threeDsPath(sessionId)}`,
  };

  return async (event) => {
    const language = pickLanguage(header(event, 'accept-language'));
    const sessionId = event.pathParameters?.sessionId ?? '';
    const pagePath = `${basePath}${threeDsPath(encodeURIComponent(sessionId))}`;
    const errorPage = (problem: PageProblem, extra: Record<string, string> = {}) =>
      respond(renderErrorPage(problem, { language, retryPath: pagePath }), deps, extra);
    // Never the session id itself (a bearer secret), nor any submitted value.
    const refused = (message: string, problem: PageProblem, detail?: string) =>
      deps.log.warn(message, { problem, sessionRef: sessionRef(sessionId), ...(detail ? { detail } : {}) });

    try {
      if (event.httpMethod === 'GET') {
        const query = event.queryStringParameters ?? {};
        if (FORM_FIELDS.some((name) => query[name] !== undefined)) {
          refused('3-D Secure form fields arrived in a GET query; ignored', 'FORM_IN_QUERY');
          return errorPage('FORM_IN_QUERY', { Allow: 'POST' });
        }
        const outcome = await showChallenge({ sessionId, browser: browserInfo(event) }, useCaseDeps);
        if (outcome.kind === 'PROBLEM') return errorPage(outcome.problem);
        if (outcome.kind === 'REDIRECT') {
          if (outcome.result) deps.onResult?.(outcome.result);
          return redirect(outcome.location, deps);
        }
        if (outcome.started) deps.onResult?.('started');
        return respond(renderChallengePage(outcome.view, { language, actionPath: pagePath }), deps);
      }

      if (event.httpMethod === 'POST') {
        const read = readSubmission(event, maxBodyBytes);
        if (!read.ok) {
          refused('3-D Secure form unreadable', 'BAD_FORM', read.reason);
          return errorPage('BAD_FORM');
        }
        const submission = read.submission;
        if (submission.answer.kind !== 'CRES' && isCrossSite(event)) {
          // Our own form posts same-origin; only a real ACS posts cross-site (and it sends a CRes).
          refused('3-D Secure form posted from another site', 'FORGED_FORM', 'sec-fetch-site');
          return errorPage('FORGED_FORM');
        }
        const outcome = await completeChallenge({ sessionId, submission }, useCaseDeps);
        if (outcome.kind === 'PROBLEM') return errorPage(outcome.problem);
        if (outcome.result) deps.onResult?.(outcome.result);
        return redirect(outcome.location, deps);
      }

      return errorPage('METHOD_NOT_ALLOWED', { Allow: 'GET, POST' });
    } catch (error) {
      // The session could not even be read (the store is down), so there is no operations URL to
      // send the shopper to: a plain page, never a stack trace, nothing half-done.
      deps.log.error('3-D Secure page failed', {
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
      return errorPage('INTERNAL');
    }
  };
}

function respond(
  page: RenderedPage,
  deps: Pick<ThreeDsHandlerDeps, 'frameAncestors'>,
  extra: Record<string, string> = {},
): APIGatewayProxyResult {
  return {
    statusCode: page.statusCode,
    headers: {
      ...securityHeaders({
        formOrigins: page.formOrigins,
        ...(deps.frameAncestors ? { frameAncestors: deps.frameAncestors } : {}),
      }),
      ...extra,
    },
    body: page.html,
  };
}

/** 302 to the operations URL exactly as Vipps sent it (query string intact), with no Referer. */
function redirect(location: string, deps: Pick<ThreeDsHandlerDeps, 'frameAncestors'>): APIGatewayProxyResult {
  return {
    statusCode: 302,
    headers: {
      ...securityHeaders({
        formOrigins: [],
        ...(deps.frameAncestors ? { frameAncestors: deps.frameAncestors } : {}),
      }),
      Location: location,
    },
    body: '',
  };
}

/**
 * The return route's form: `csrf` + `action` (submit | cancel) + `otp` from our page, or `cres` +
 * `threeDSSessionData` from a real ACS. Anything missing, repeated, oversized or malformed is
 * refused as a whole (a half-understood form must not complete a challenge), naming for the log
 * what was wrong, never the value.
 */
function readSubmission(
  event: APIGatewayProxyEvent,
  maxBodyBytes: number,
): { ok: true; submission: ChallengeSubmission } | { ok: false; reason: string } {
  const refuse = (reason: string) => ({ ok: false as const, reason });
  const accept = (submission: ChallengeSubmission) => ({ ok: true as const, submission });
  const contentType = header(event, 'content-type')?.split(';')[0]?.trim().toLowerCase();
  if (contentType !== 'application/x-www-form-urlencoded') return refuse('content-type');
  if (bodyBytes(event) > maxBodyBytes) return refuse('too large');
  const form = new URLSearchParams(bodyText(event));
  if (FORM_FIELDS.some((name) => form.getAll(name).length > 1)) return refuse('repeated field');
  const single = (name: string): string | undefined => form.get(name) ?? undefined;

  const cres = single('cres');
  if (cres !== undefined) {
    const token = single('threeDSSessionData');
    if (!CRES.test(cres)) return refuse('cres');
    if (token === undefined || !FORM_TOKEN.test(token)) return refuse('threeDSSessionData');
    return accept({ formToken: token, answer: { kind: 'CRES', cres } });
  }

  const token = single('csrf');
  const action = single('action');
  if (token === undefined || !FORM_TOKEN.test(token)) return refuse('csrf');
  if (action === 'cancel') return accept({ formToken: token, answer: { kind: 'CANCEL' } });
  if (action !== 'submit') return refuse('action');
  // People type codes with spaces ("12 34"); anything but digits is garbled, not a wrong code.
  const code = single('otp')?.replace(/\s+/g, '');
  if (code === undefined || !/^\d{1,12}$/.test(code)) return refuse('otp');
  return accept({ formToken: token, answer: { kind: 'ONE_TIME_CODE', code } });
}

/** Fetch metadata, where the browser sends it: our form is same-origin, a forged one is not. */
function isCrossSite(event: APIGatewayProxyEvent): boolean {
  const site = header(event, 'sec-fetch-site')?.toLowerCase();
  return site === 'cross-site' || site === 'same-site';
}

function browserInfo(event: APIGatewayProxyEvent): BrowserInfo {
  const clip = (value: string | undefined, max: number) => (value ?? '').slice(0, max);
  const language = header(event, 'accept-language')?.split(',')[0]?.split(';')[0]?.trim();
  return {
    acceptHeader: clip(header(event, 'accept') ?? '*/*', 2048),
    userAgent: clip(header(event, 'user-agent'), 2048),
    ...(event.requestContext?.identity?.sourceIp ? { ip: event.requestContext.identity.sourceIp } : {}),
    ...(language ? { language: clip(language, 35) } : {}),
    javascriptEnabled: false,
  };
}

/** The wiring types the store as the makePayment port; the pages need the challenge methods too. */
function asChallengeStore(store: ThreeDsSessionStore): ThreeDsChallengeStore {
  if (typeof (store as Partial<ThreeDsChallengeStore>).saveChallenge !== 'function') {
    throw new Error('threeDsSessions must be a ThreeDsChallengeStore (DynamoThreeDsSessionStore)');
  }
  return store as ThreeDsChallengeStore;
}

type Entry = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
let entry: Entry | undefined;

function buildEntry(): Entry {
  const deps = entryDependencies({ threeDsSessions, vault, threeDsServer, clock, config });
  const pages = createThreeDsHandler({
    sessions: asChallengeStore(deps.threeDsSessions),
    vault: deps.vault,
    server: deps.threeDsServer,
    clock: deps.clock,
    log: deps.log,
    publicBaseUrl: deps.config.PUBLIC_BASE_URL,
    ...(deps.config.FRAME_ANCESTORS ? { frameAncestors: deps.config.FRAME_ANCESTORS } : {}),
    onResult: (result) => {
      const metric = deps.metrics.singleMetric();
      metric.addDimension(metricDimensions.result, result);
      metric.addMetric(metricNames.threeDsSession, MetricUnit.Count, 1);
    },
  });
  return lambdaEntry(deps, (event: APIGatewayProxyEvent) => pages(event), {
    correlationId: apiGatewayRequestId,
  });
}

/** Built on first invocation, so importing this module (tests, the local host) reads no config. */
export const handler = (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => {
  entry ??= buildEntry();
  return entry(event, context);
};
