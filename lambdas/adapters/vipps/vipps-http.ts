/**
 * One HTTP exchange with Vipps, with a per-attempt timeout and retries. Retries happen on 5xx,
 * network errors and timeouts only: a 4xx is Vipps' final word on that request (and a retried
 * POST is safe because it carries the same Idempotency-Key). Nothing here logs headers or bodies.
 */
import { VippsUnavailableError } from '../../core/errors.js';
import type { Log } from '../../core/ports.js';

export interface RetryPolicy {
  /** Total tries, the first included. */
  attempts: number;
  /** The n-th retry waits about baseDelayMs × 2^(n-1), jittered to 50–100 % of that. */
  baseDelayMs: number;
}

export const defaultRetry: RetryPolicy = { attempts: 3, baseDelayMs: 200 };

export interface VippsHttpRequest {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** For logs and error messages: e.g. "init". Never a secret. */
  label: string;
  /** Overrides of the client-wide policy for this one request. */
  timeoutMs?: number;
  attempts?: number;
}

export interface VippsHttpResponse {
  status: number;
  text: string;
}

export interface VippsHttpOptions {
  fetch: typeof fetch;
  timeoutMs: number;
  retry: RetryPolicy;
  log?: Log;
  /** Injected in tests to avoid real waiting; defaults to setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  /** Answers worth another try besides 5xx (ePayment: 423 Locked). Default: none. */
  retryStatuses?: readonly number[];
}

export type VippsHttp = (request: VippsHttpRequest) => Promise<VippsHttpResponse>;

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function describeFailure(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'timeout';
    const cause = (error as { cause?: { code?: unknown } }).cause;
    return typeof cause?.code === 'string' ? cause.code : error.name;
  }
  return 'unknown error';
}

export function createVippsHttp(options: VippsHttpOptions): VippsHttp {
  const sleep = options.sleep ?? wait;
  return async function send(request) {
    const attempts = Math.max(1, request.attempts ?? options.retry.attempts);
    const timeoutMs = request.timeoutMs ?? options.timeoutMs;
    let lastProblem = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) {
        const ceiling = options.retry.baseDelayMs * 2 ** (attempt - 2);
        await sleep(ceiling / 2 + Math.random() * (ceiling / 2));
      }
      try {
        const response = await options.fetch(request.url, {
          method: request.method,
          headers: request.headers,
          ...(request.body !== undefined ? { body: request.body } : {}),
          signal: AbortSignal.timeout(timeoutMs),
          redirect: 'manual',
        });
        // Read the body under the same deadline: a server that stalls mid-body is a timeout too.
        const text = await response.text();
        const retryable = response.status >= 500 || options.retryStatuses?.includes(response.status);
        if (!retryable) return { status: response.status, text };
        lastProblem = `HTTP ${response.status}`;
      } catch (error) {
        lastProblem = describeFailure(error);
      }
      options.log?.warn('Vipps call failed', {
        vippsCall: request.label,
        attempt,
        of: attempts,
        problem: lastProblem,
        willRetry: attempt < attempts,
      });
    }
    throw new VippsUnavailableError(
      `Vipps ${request.label} failed after ${attempts} attempt(s): ${lastProblem}`,
    );
  };
}
