/**
 * Lambda entry: the 3-D Secure step-up pages.
 *   GET  /3ds/{sessionId}            the page the Vipps app opens (3DS Method step, or the challenge)
 *   POST /3ds/{sessionId}            our own forms: browser data (→ AReq), cancel, ACS unreachable
 *   POST /3ds/{sessionId}/method     the ACS's 3DS Method notification (in the hidden iframe)
 *   POST /3ds/{sessionId}/challenge  the ACS's CRes (in the challenge iframe)
 * Every ending of a session is a redirect to a Vipps operations URL (a 302, or from inside the
 * challenge iframe a page that sends its parent there); only refusals that change nothing and an
 * id matching no session get an error page. Thin: parse, one use case, render with the headers.
 */
import { randomBytes } from 'node:crypto';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { Config } from '../config.js';
import { renderChallengePage } from '../adapters/three-ds/pages/challenge-page.js';
import { renderErrorPage } from '../adapters/three-ds/pages/error-page.js';
import { renderMethodPage } from '../adapters/three-ds/pages/method-page.js';
import { renderBreakOut, renderMethodDone } from '../adapters/three-ds/pages/notification-pages.js';
import type { RenderedPage } from '../adapters/three-ds/pages/page-parts.js';
import type { PageProblem } from '../adapters/three-ds/pages/page-problem.js';
import { DEFAULT_FRAME_ANCESTORS, securityHeaders } from '../adapters/three-ds/pages/security-headers.js';
import { type Language, pickLanguage } from '../adapters/three-ds/pages/texts.js';
import type { Clock, Log, SecretVault } from '../core/ports.js';
import type { ThreeDsServer } from '../core/three-ds-server.js';
import type { ThreeDsSessionStore } from '../core/three-ds-session.js';
import {
  type ChallengeResultName,
  type ThreeDsChallengeDeps,
  type ThreeDsChallengeStore,
  abandon,
  challengeCompleted,
  methodCompleted,
  openPage,
  sessionRef,
  submitBrowserData,
} from '../core/use-cases/three-ds-challenge.js';
import { metricDimensions, metricNames } from '../observability.js';
import { threeDsChallengePath, threeDsMethodPath, threeDsPath } from '../routes.js';
import { threeDsServer } from '../wiring/three-ds.js';
import { clock, config } from '../wiring/context.js';
import { vault } from '../wiring/keys.js';
import { threeDsSessions } from '../wiring/storage.js';
import { header } from './http/api-gateway.js';
import { apiGatewayRequestId, entryDependencies, lambdaEntry } from './lambda-entry.js';
import { type Form, browserData, readForm } from './three-ds/forms.js';

export interface ThreeDsHandlerDeps {
  sessions: ThreeDsChallengeStore;
  vault: SecretVault;
  server: ThreeDsServer;
  clock: Clock;
  log: Log;
  /** PUBLIC_BASE_URL: the notification URLs and the forms' action paths are built from it. */
  publicBaseUrl: string;
  /** CSP sources allowed to frame the page (FRAME_ANCESTORS); ourselves and Vipps by default. */
  frameAncestors?: readonly string[];
  /** How long the page waits for the 3DS Method notification (EMV: 10 s). */
  methodTimeoutMs?: number;
  /** Counts sessions started and how they ended (metric ThreeDsSession, dimension result). */
  onResult?: (result: 'started' | ChallengeResultName) => void;
  /** Counts authentication outcomes (metric ThreeDsAuthentication, dimension outcome). */
  onAuthentication?: ThreeDsChallengeDeps['onAuthentication'];
}

type Handler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
type Route = 'page' | 'method' | 'challenge';

/** Our form fields: seeing them in a GET's query means a form went the wrong way. */
const FORM_FIELDS = ['csrf', 'step', 'cres', 'threeDSSessionData', 'threeDSMethodData'];

export function createThreeDsHandler(deps: ThreeDsHandlerDeps): Handler {
  const publicBaseUrl = deps.publicBaseUrl.replace(/\/+$/, '');
  // The forms post to paths on our own origin: keep the base path (an API Gateway stage, say).
  // Stryker disable next-line Regex: publicBaseUrl lost its trailing slashes above, so the pathname ends in at most one ('/')
  const basePath = new URL(publicBaseUrl).pathname.replace(/\/+$/, '');
  const useCaseDeps: ThreeDsChallengeDeps = {
    sessions: deps.sessions,
    vault: deps.vault,
    server: deps.server,
    clock: deps.clock,
    log: deps.log,
    urls: {
      method: (id) => `${publicBaseUrl}${threeDsMethodPath(id)}`,
      challenge: (id) => `${publicBaseUrl}${threeDsChallengePath(id)}`,
    },
    ...(deps.onAuthentication ? { onAuthentication: deps.onAuthentication } : {}),
  };

  return async (event) => {
    const language = pickLanguage(header(event, 'accept-language'));
    const sessionId = event.pathParameters?.sessionId ?? '';
    const route = routeOf(event);
    const actionPath = `${basePath}${threeDsPath(encodeURIComponent(sessionId))}`;
    // Notifications answer inside our own page's iframes: every ancestor (our page, and whoever
    // frames it) must be allowed, so 'self' joins the page's list.
    const pageFraming = deps.frameAncestors?.length ? deps.frameAncestors : DEFAULT_FRAME_ANCESTORS;
    const framing = route === 'page' ? deps.frameAncestors : [...new Set(["'self'", ...pageFraming])];
    const send = (page: RenderedPage, extra: Record<string, string> = {}) => respond(page, framing, extra);
    const errorPage = (problem: PageProblem, extra: Record<string, string> = {}) =>
      send(
        renderErrorPage(problem, { language, ...(route === 'page' ? { retryPath: actionPath } : {}) }),
        extra,
      );
    // Never the session id itself (a bearer secret), nor any submitted value.
    const refused = (problem: PageProblem, detail: string) => {
      deps.log.warn('3-D Secure request refused', {
        problem,
        route,
        sessionRef: sessionRef(sessionId),
        detail,
      });
      return errorPage(problem);
    };
    const ending = (outcome: { kind: 'REDIRECT'; location: string; result?: ChallengeResultName }) => {
      if (outcome.result) deps.onResult?.(outcome.result);
      return route === 'challenge'
        ? send(renderBreakOut(outcome.location, { language, nonce: nonce() }))
        : redirect(outcome.location, framing);
    };

    try {
      if (event.httpMethod === 'GET' && route === 'page') {
        const query = event.queryStringParameters ?? {};
        if (FORM_FIELDS.some((name) => query[name] !== undefined)) {
          deps.log.warn('3-D Secure form fields arrived in a GET query; ignored', {
            sessionRef: sessionRef(sessionId),
          });
          return errorPage('FORM_IN_QUERY', { Allow: 'POST' });
        }
        const outcome = await openPage(sessionId, useCaseDeps);
        if (outcome.kind === 'PROBLEM') return errorPage(outcome.problem);
        if (outcome.kind === 'REDIRECT') return ending(outcome);
        if (outcome.kind === 'METHOD') {
          deps.onResult?.('started');
          const options = {
            language,
            actionPath,
            nonce: nonce(),
            methodTimeoutMs: deps.methodTimeoutMs ?? 10_000,
          };
          return send(renderMethodPage(outcome.view, options));
        }
        return send(renderChallengePage(outcome.view, { language, actionPath, nonce: nonce() }));
      }
      if (event.httpMethod !== 'POST')
        return errorPage('METHOD_NOT_ALLOWED', { Allow: route === 'page' ? 'GET, POST' : 'POST' });

      const form = readForm(event);
      if (!form.ok) return refused('BAD_FORM', form.reason);
      if (route === 'method') return await methodNotification(form.form);
      if (route === 'challenge') return await challengeNotification(form.form);
      if (isCrossSite(event)) return refused('FORGED_FORM', 'sec-fetch-site');
      return await ownForm(form.form, event, language);
    } catch (error) {
      // The session could not even be read (the store is down): no operations URL to send the
      // shopper to. A plain page, never a stack trace, nothing half-done.
      deps.log.error('3-D Secure page failed', {
        route,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
      return errorPage('INTERNAL');
    }

    async function methodNotification(form: Form): Promise<APIGatewayProxyResult> {
      const data = form.one('threeDSMethodData', /^[A-Za-z0-9_-]{1,4096}={0,2}$/);
      if (!data.ok) return refused('BAD_FORM', data.reason);
      const outcome = await methodCompleted({ sessionId, threeDSMethodData: data.value }, useCaseDeps);
      return outcome.kind === 'PROBLEM' ? errorPage(outcome.problem) : send(renderMethodDone(nonce()));
    }

    async function challengeNotification(form: Form): Promise<APIGatewayProxyResult> {
      const cres = form.one('cres', /^[A-Za-z0-9_-]{1,16000}={0,2}$/);
      if (!cres.ok) return refused('BAD_FORM', cres.reason);
      const token = form.one('threeDSSessionData', /^[A-Za-z0-9_-]{32,128}$/);
      if (!token.ok) return refused('BAD_FORM', token.reason);
      const outcome = await challengeCompleted(
        { sessionId, cres: cres.value, pageToken: token.value },
        useCaseDeps,
      );
      return outcome.kind === 'PROBLEM' ? errorPage(outcome.problem) : ending(outcome);
    }

    async function ownForm(
      form: Form,
      request: APIGatewayProxyEvent,
      lang: Language,
    ): Promise<APIGatewayProxyResult> {
      const token = form.one('csrf', /^[A-Za-z0-9_-]{32,128}$/);
      if (!token.ok) return refused('BAD_FORM', token.reason);
      const step = form.one('step', /^(authenticate|cancel|acs-unreachable)$/);
      if (!step.ok) return refused('BAD_FORM', step.reason);
      if (step.value !== 'authenticate') {
        const why = step.value as 'cancel' | 'acs-unreachable';
        const outcome = await abandon({ sessionId, pageToken: token.value, why }, useCaseDeps);
        return outcome.kind === 'PROBLEM' ? errorPage(outcome.problem) : ending(outcome);
      }
      const browser = browserData(form, request);
      if (!browser.ok) return refused('BAD_FORM', browser.reason);
      const outcome = await submitBrowserData(
        { sessionId, pageToken: token.value, browser: browser.value },
        useCaseDeps,
      );
      if (outcome.kind === 'PROBLEM') return errorPage(outcome.problem);
      if (outcome.kind === 'REDIRECT') return ending(outcome);
      return send(renderChallengePage(outcome.view, { language: lang, actionPath, nonce: nonce() }));
    }
  };
}

function routeOf(event: APIGatewayProxyEvent): Route {
  // Stryker disable next-line StringLiteral: any fallback ending in neither suffix routes to the page
  const resource = event.resource ?? event.path ?? '';
  if (resource.endsWith('/method')) return 'method';
  if (resource.endsWith('/challenge')) return 'challenge';
  return 'page';
}

/** A fresh CSP nonce per response (128 bits). */
const nonce = () => randomBytes(16).toString('base64');

function respond(
  page: RenderedPage,
  frameAncestors: readonly string[] | undefined,
  extra: Record<string, string> = {},
): APIGatewayProxyResult {
  return {
    statusCode: page.statusCode,
    headers: {
      ...securityHeaders({
        formOrigins: page.formOrigins,
        ...(page.nonce ? { nonce: page.nonce } : {}),
        ...(page.frameOrigins ? { frameOrigins: page.frameOrigins } : {}),
        ...(page.connectOrigins ? { connectOrigins: page.connectOrigins } : {}),
        ...(frameAncestors ? { frameAncestors } : {}),
      }),
      ...extra,
    },
    body: page.html,
  };
}

/** 302 to the operations URL exactly as Vipps sent it (query string intact), with no Referer. */
function redirect(location: string, frameAncestors: readonly string[] | undefined): APIGatewayProxyResult {
  return {
    statusCode: 302,
    headers: {
      ...securityHeaders({ formOrigins: [], ...(frameAncestors ? { frameAncestors } : {}) }),
      Location: location,
    },
    body: '',
  };
}

/** Fetch metadata, where the browser sends it: our forms are same-origin, a forged one is not. */
function isCrossSite(event: APIGatewayProxyEvent): boolean {
  const site = header(event, 'sec-fetch-site')?.toLowerCase();
  return site === 'cross-site' || site === 'same-site';
}

/** The wiring types the store as the makePayment port; the pages need the flow methods too. */
function asChallengeStore(store: ThreeDsSessionStore): ThreeDsChallengeStore {
  if (typeof (store as Partial<ThreeDsChallengeStore>).startFlow !== 'function') {
    throw new Error('threeDsSessions must be a ThreeDsChallengeStore (DynamoThreeDsSessionStore)');
  }
  return store as ThreeDsChallengeStore;
}

/** What the Lambda entry resolves from the wiring (tests pass fakes). */
export interface ThreeDsEntryDeps {
  threeDsSessions: ThreeDsSessionStore;
  vault: SecretVault;
  threeDsServer: ThreeDsServer;
  clock: Clock;
  log: Log;
  metrics: Pick<Metrics, 'singleMetric'>;
  config: Pick<Config, 'PUBLIC_BASE_URL' | 'FRAME_ANCESTORS'>;
}

/** The pages over the wiring's dependencies, counting sessions and authentications as metrics. */
export function threeDsPagesFromWiring(deps: ThreeDsEntryDeps): Handler {
  const count = (metric: string, dimension: string, value: string) => {
    const single = deps.metrics.singleMetric();
    single.addDimension(dimension, value);
    single.addMetric(metric, MetricUnit.Count, 1);
  };
  return createThreeDsHandler({
    sessions: asChallengeStore(deps.threeDsSessions),
    vault: deps.vault,
    server: deps.threeDsServer,
    clock: deps.clock,
    log: deps.log,
    publicBaseUrl: deps.config.PUBLIC_BASE_URL,
    ...(deps.config.FRAME_ANCESTORS ? { frameAncestors: deps.config.FRAME_ANCESTORS } : {}),
    onResult: (result) => count(metricNames.threeDsSession, metricDimensions.result, result),
    onAuthentication: (outcome) =>
      count(metricNames.threeDsAuthentication, metricDimensions.outcome, outcome),
  });
}

type Entry = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
let entry: Entry | undefined;

function buildEntry(): Entry {
  const deps = entryDependencies({ threeDsSessions, vault, threeDsServer, clock, config });
  const pages = threeDsPagesFromWiring(deps);
  return lambdaEntry(deps, (event: APIGatewayProxyEvent) => pages(event), {
    correlationId: apiGatewayRequestId,
  });
}

/** Built on first invocation, so importing this module (tests, the local host) reads no config. */
export const handler = (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => {
  entry ??= buildEntry();
  return entry(event, context);
};
