/**
 * API Gateway REST (proxy integration) plumbing shared by the HTTP handlers: header lookup,
 * body decoding, JSON and problem+json responses.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

export type HttpEvent = APIGatewayProxyEvent;
export type HttpResult = APIGatewayProxyResult;

export function header(event: HttpEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}

/** The raw body as text (API Gateway base64-encodes binary media types). */
export function bodyText(event: HttpEvent): string {
  if (!event.body) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

export function bodyBytes(event: HttpEvent): number {
  if (!event.body) return 0;
  if (event.isBase64Encoded) return Buffer.from(event.body, 'base64').length;
  // Stryker disable next-line StringLiteral: Node reads an empty encoding as its default, utf8
  return Buffer.byteLength(event.body, 'utf8');
}

const JSON_HEADERS = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' };

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return { statusCode, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

/** RFC 9457 problem details; `type` is a stable, documented identifier. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  [extension: string]: unknown;
}

export function problem(
  status: number,
  slug: string,
  title: string,
  detail?: string,
  extensions: Record<string, unknown> = {},
): HttpResult {
  // Extensions first, so they can never overwrite the standard members.
  const body: Problem = {
    ...extensions,
    type: `/problems/${slug}`,
    title,
    status,
    ...(detail ? { detail } : {}),
  };
  return {
    statusCode: status,
    headers: { 'Content-Type': 'application/problem+json', 'Cache-Control': 'no-store' },
    body: JSON.stringify(body),
  };
}

export function isJsonContentType(value: string | undefined): boolean {
  if (!value) return false;
  // split always yields at least one element.
  const mediaType = value.split(';')[0]!.trim().toLowerCase();
  return mediaType === 'application/json' || mediaType.endsWith('+json');
}

/** Parse JSON without prototype pollution (`__proto__` keys are dropped). */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return {
      ok: true,
      value: JSON.parse(text, (key, value: unknown) =>
        key === '__proto__' || key === 'constructor' ? undefined : value,
      ),
    };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}
