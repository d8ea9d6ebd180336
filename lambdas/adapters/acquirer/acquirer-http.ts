/**
 * One HTTP request to an acquirer that never throws and tells apart what matters for money:
 * the request provably never left (safe to say "nothing happened"), it left and no answer came
 * back in time (the outcome is unknown), or an answer came (whatever its body).
 */

/** Network failures where the request provably never reached the acquirer. */
const notSentCodes = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

export type Exchange =
  | { kind: 'answer'; status: number; contentType: string; text: string }
  | { kind: 'timeout' }
  | { kind: 'not-sent'; detail: string }
  | { kind: 'lost'; detail: string };

export interface ExchangeRequest {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

export async function exchange(request: ExchangeRequest): Promise<Exchange> {
  const timeout = AbortSignal.timeout(request.timeoutMs);
  const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
  if (signal.aborted) return { kind: 'timeout' };
  let response: Response;
  try {
    response = await (request.fetch ?? globalThis.fetch)(request.url, {
      method: request.method,
      headers: request.headers,
      ...(request.body !== undefined ? { body: request.body } : {}),
      signal,
    });
  } catch (error) {
    if (signal.aborted) return { kind: 'timeout' };
    const code = networkErrorCode(error);
    return notSentCodes.has(code) ? { kind: 'not-sent', detail: code } : { kind: 'lost', detail: code };
  }
  try {
    const text = await response.text();
    return {
      kind: 'answer',
      status: response.status,
      contentType: response.headers.get('content-type') ?? '',
      text,
    };
  } catch (error) {
    if (signal.aborted) return { kind: 'timeout' };
    return { kind: 'lost', detail: networkErrorCode(error) };
  }
}

/** The body as JSON, or undefined when it is not JSON (an HTML error page, an empty body). */
export function jsonBody(text: string): unknown {
  try {
    return text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    return undefined;
  }
}

/** undici puts the system error code on `cause` (TypeError: fetch failed). */
function networkErrorCode(error: unknown): string {
  const code = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.name : 'unknown';
}
