/**
 * Server-side latency at our API host, from Node's own HTTP diagnostics channels: from the moment
 * the host has parsed a request's headers (`http.server.request.start`) to the moment the last
 * byte of its response was handed to the socket (`http.server.response.finish`). That is the
 * API Gateway stand-in's event mapping plus the Lambda handler, without the client's own HTTP
 * work — the closest local equivalent of "our handler's latency". No code is patched: the
 * channels are Node's public observability hooks.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';

export interface ServerTiming {
  /** Milliseconds per route label, in completion order. */
  samples(): Map<string, number[]>;
  stop(): void;
}

interface ServerMessage {
  request: IncomingMessage;
}

/**
 * Record requests served on `port` (the API host; the Vipps simulator and the AWS emulators run
 * in the same process on other ports). `label` names a request's route, or returns undefined to
 * ignore it.
 */
export function recordServerTiming(
  port: number,
  label: (method: string, path: string) => string | undefined,
): ServerTiming {
  const started = new WeakMap<IncomingMessage, { label: string; at: number }>();
  const samples = new Map<string, number[]>();
  const onStart = (message: unknown) => {
    const { request } = message as ServerMessage;
    if (request.socket.localPort !== port) return;
    const name = label(request.method ?? 'GET', (request.url ?? '/').split('?')[0]!);
    if (name) started.set(request, { label: name, at: performance.now() });
  };
  const onFinish = (message: unknown) => {
    const { request } = message as ServerMessage;
    const start = started.get(request);
    if (!start) return;
    started.delete(request);
    const list = samples.get(start.label) ?? [];
    list.push(performance.now() - start.at);
    samples.set(start.label, list);
  };
  diagnosticsChannel.subscribe('http.server.request.start', onStart);
  diagnosticsChannel.subscribe('http.server.response.finish', onFinish);
  return {
    samples: () => new Map([...samples].map(([k, v]) => [k, [...v]])),
    stop: () => {
      diagnosticsChannel.unsubscribe('http.server.request.start', onStart);
      diagnosticsChannel.unsubscribe('http.server.response.finish', onFinish);
    },
  };
}

/** Route labels for the gateway's paths (lambdas/routes.ts). */
export function gatewayRouteLabel(method: string, path: string): string | undefined {
  if (method === 'POST' && path === '/vipps/make-payment') return 'makePayment';
  if (method === 'POST' && path === '/vipps/card-callback') return 'cardCallback';
  if (method === 'POST' && path === '/v1/payments') return 'createPayment';
  const m = /^\/v1\/payments\/[^/]+(?:\/(capture|refund|cancel))?$/.exec(path);
  if (m) return m[1] ?? (method === 'GET' ? 'getPayment' : undefined);
  if (path.startsWith('/3ds/')) return 'threeDs';
  return undefined;
}
