/** Small request/response types for the simulator's routes, and Vipps-style error answers. */
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export interface SimRequest {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  rawBody: string;
}

export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  /** Sent as application/json. */
  json?: unknown;
  /** Sent as text/html. */
  html?: string;
  /** Sent as text/plain. */
  text?: string;
  /** Set by the idempotency store for the request log. */
  replayed?: boolean;
}

export function header(req: SimRequest, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

export function json(status: number, body: unknown): SimResponse {
  return { status, json: body };
}

/** Vipps' error answer: an array of ErrorDetails, each with a contextId. */
export function vippsErrors(
  status: number,
  errors: Array<{ errorCode: string; errorMessage: string }>,
): SimResponse {
  return json(
    status,
    errors.map((e) => ({ ...e, contextId: randomUUID() })),
  );
}

export function invalidRequest(message: string): SimResponse {
  return vippsErrors(400, [{ errorCode: '51', errorMessage: `Invalid request: ${message}` }]);
}

/** Azure API Management's 401 shape, which Vipps' gateway answers with. */
export function unauthorized(message: string): SimResponse {
  return json(401, { statusCode: 401, message });
}

export function parseJsonBody(req: SimRequest): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(req.rawBody) };
  } catch {
    return { ok: false };
  }
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
