/**
 * The local stand-in for API Gateway (REST, Lambda proxy integration): matches the routes of
 * lambdas/routes.ts, runs the merchant authorizer like a TOKEN authorizer, builds real
 * APIGatewayProxyEvent shapes and invokes the very same handler modules Lambda runs.
 */
import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  APIGatewayTokenAuthorizerEvent,
} from 'aws-lambda';
import { type RouteDefinition, routes } from '../lambdas/routes.js';
import { callerIdentity } from './api-gateway-identity.js';
import { type HandlerTable, type Invoker, inProcessInvoker } from './lambda-workers/invoker.js';
import type { Invocation } from './lambda-workers/protocol.js';

export type { HandlerTable } from './lambda-workers/invoker.js';

/** API Gateway's own payload limit; routes enforce their smaller limits in the handlers. */
const GATEWAY_MAX_BODY = 10 * 1024 * 1024;
/** REST API integration timeout (the default and, for Lambda, the usual maximum). */
const INTEGRATION_TIMEOUT_MS = 29_000;

interface CompiledRoute extends RouteDefinition {
  pattern: RegExp;
  params: string[];
}

function compile(route: RouteDefinition): CompiledRoute {
  const params: string[] = [];
  const source = route.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    params.push(name);
    return '([^/]+)';
  });
  return { ...route, pattern: new RegExp(`^${source}$`), params };
}

const compiled = routes.map(compile);

/** API Gateway's own answers (default gateway responses), not our problem documents. */
const gatewayMessage = (status: number, message: string | null): APIGatewayProxyResult => ({
  statusCode: status,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ message }),
});

/**
 * What API Gateway answers for a Lambda proxy integration: the handler's response, or for a
 * function error — which includes Lambda's own timeout ("Task timed out after N.NN seconds"),
 * every function behind a route having a timeout below the integration timeout — 502 "Internal
 * server error". Only the integration timeout itself is 504 "Endpoint request timed out".
 */
function integrationAnswer(outcome: Invocation | 'integration-timeout'): APIGatewayProxyResult {
  if (outcome === 'integration-timeout') return gatewayMessage(504, 'Endpoint request timed out');
  if (outcome.kind === 'ok') return outcome.value as APIGatewayProxyResult;
  return gatewayMessage(502, 'Internal server error');
}

function gatewayProblem(status: number, slug: string, title: string): APIGatewayProxyResult {
  return {
    statusCode: status,
    headers: { 'Content-Type': 'application/problem+json' },
    body: JSON.stringify({ type: `/problems/${slug}`, title, status }),
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > GATEWAY_MAX_BODY) return 'too-large';
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function toEvent(
  req: IncomingMessage,
  url: URL,
  route: CompiledRoute,
  match: RegExpExecArray,
  body: Buffer,
): APIGatewayProxyEvent {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    const value = req.rawHeaders[i + 1]!;
    headers[name] = value;
    (multiValueHeaders[name] ??= []).push(value);
  }
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const [k, v] of url.searchParams) {
    query[k] = v;
    (multiQuery[k] ??= []).push(v);
  }
  const pathParameters = Object.fromEntries(
    route.params.map((name, i) => [name, decodeURIComponent(match[i + 1]!)]),
  );
  const isText =
    body.length === 0 ||
    /json|text|x-www-form-urlencoded/i.test(headers['content-type'] ?? headers['Content-Type'] ?? '');
  const now = Date.now();
  return {
    resource: route.path,
    path: url.pathname,
    httpMethod: route.method,
    headers,
    multiValueHeaders,
    queryStringParameters: url.searchParams.size ? query : null,
    multiValueQueryStringParameters: url.searchParams.size ? multiQuery : null,
    pathParameters: route.params.length ? pathParameters : null,
    stageVariables: null,
    body: body.length ? (isText ? body.toString('utf8') : body.toString('base64')) : null,
    isBase64Encoded: body.length > 0 && !isText,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: null,
      protocol: `HTTP/${req.httpVersion}`,
      httpMethod: route.method,
      identity: callerIdentity(req.socket.remoteAddress ?? '127.0.0.1', req.headers['user-agent'] ?? null),
      path: `/local${url.pathname}`,
      stage: 'local',
      requestId: randomUUID(),
      requestTimeEpoch: now,
      resourceId: route.path,
      resourcePath: route.path,
    },
  };
}

export interface ApiHost {
  server: Server;
  baseUrl: string;
  port: number;
  /** Attach the handlers (run in this process) once the environment they read is in place. */
  setHandlers(handlers: HandlerTable): void;
  /** Or attach any invoker, e.g. the worker host (each function in its own workers). */
  setInvoker(invoker: Invoker): void;
  close(): Promise<void>;
}

/** Bind first (so PUBLIC_BASE_URL is known), attach handlers after. */
export async function startApiHost(
  options: { port?: number; host?: string; integrationTimeoutMs?: number } = {},
): Promise<ApiHost> {
  let invoke: Invoker = () => Promise.reject(new Error('No handlers attached yet'));
  const integrate = async (route: CompiledRoute, event: APIGatewayProxyEvent) => {
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<'integration-timeout'>((resolve) => {
      timer = setTimeout(
        () => resolve('integration-timeout'),
        options.integrationTimeoutMs ?? INTEGRATION_TIMEOUT_MS,
      );
    });
    try {
      return integrationAnswer(await Promise.race([invoke(route.function, event), gaveUp]));
    } finally {
      clearTimeout(timer);
    }
  };

  const respond = async (req: IncomingMessage, res: ServerResponse): Promise<APIGatewayProxyResult> => {
    const url = new URL(req.url ?? '/', 'http://local');
    const candidates = compiled.filter((r) => r.pattern.test(url.pathname));
    if (candidates.length === 0) return gatewayProblem(404, 'route-not-found', 'No such route');
    const route = candidates.find((r) => r.method === req.method);
    if (!route) return gatewayProblem(405, 'method-not-allowed', 'Method not allowed');
    const body = await readBody(req);
    if (body === 'too-large') {
      res.setHeader('Connection', 'close');
      return gatewayProblem(413, 'payload-too-large', 'Request body too large');
    }
    const event = toEvent(req, url, route, route.pattern.exec(url.pathname)!, body);
    if (route.auth === 'merchant') {
      const authEvent: APIGatewayTokenAuthorizerEvent = {
        type: 'TOKEN',
        authorizationToken: event.headers.Authorization ?? event.headers.authorization ?? '',
        methodArn: `arn:aws:execute-api:eu-north-1:000000000000:local/local/${route.method}${url.pathname}`,
      };
      const authorized = await invoke('merchantAuthorizer', authEvent);
      if (authorized.kind === 'error' && authorized.errorMessage === 'Unauthorized')
        return gatewayProblem(401, 'unauthorized', 'Missing or invalid API key');
      // Any other authorizer failure (an error, its timeout) is API Gateway's AUTHORIZER_FAILURE.
      if (authorized.kind !== 'ok') return gatewayMessage(500, null);
      const auth = authorized.value as APIGatewayAuthorizerResult;
      const allowed = auth.policyDocument.Statement.some((s) => 'Effect' in s && s.Effect === 'Allow');
      if (!allowed) return gatewayProblem(403, 'forbidden', 'Not allowed');
      event.requestContext.authorizer = { principalId: auth.principalId, ...(auth.context ?? {}) };
    }
    return integrate(route, event);
  };

  const server = createServer((req, res) => {
    respond(req, res)
      .catch((error: unknown) => {
        console.error('local API host: invocation failed', error);
        return gatewayMessage(502, 'Internal server error');
      })
      .then((result) => {
        const headers: Record<string, string | string[]> = {
          ...(result.multiValueHeaders as Record<string, string[]>),
        };
        for (const [k, v] of Object.entries(result.headers ?? {})) headers[k] = String(v);
        res.writeHead(result.statusCode, headers);
        res.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
      })
      .catch(() => res.destroy());
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    setHandlers: (table) => {
      invoke = inProcessInvoker(() => table);
    },
    setInvoker: (invoker) => {
      invoke = invoker;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
