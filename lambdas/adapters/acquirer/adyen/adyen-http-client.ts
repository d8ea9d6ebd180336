/**
 * Calls to Adyen's Checkout API (v72): fetch-based, so it honours our AbortSignal and budget,
 * tells "never sent" from "answer lost", works against the local simulator over http, and turns
 * anything but a 2xx JSON answer into a typed AdyenCallError. Request and response bodies are
 * typed with the models Adyen's library generates from its OpenAPI spec (type-only imports: the
 * library's runtime services would add ~340 KB of model serialisers to every bundle).
 */
import { exchange, jsonBody } from '../acquirer-http.js';

export type AdyenFailure = 'timeout' | 'not-sent' | 'lost' | 'http' | 'unreadable';

export class AdyenCallError extends Error {
  constructor(
    readonly failure: AdyenFailure,
    message: string,
    readonly httpStatus?: number,
    readonly errorCode?: string,
  ) {
    super(message);
    this.name = 'AdyenCallError';
  }
}

export interface AdyenHttpOptions {
  apiKey: () => Promise<string>;
  environment: 'TEST' | 'LIVE';
  /** LIVE only: the account's URL prefix. */
  liveUrlPrefix?: string;
  timeoutMs: number;
  /** Local only: the simulator's origin instead of Adyen's. */
  checkoutUrl?: string;
  fetch?: typeof fetch;
}

/** Adyen's Checkout base URL (what the library's Service.createBaseUrl builds). */
export function checkoutBaseUrl(options: AdyenHttpOptions): string {
  if (options.checkoutUrl) return `${options.checkoutUrl}/v72`;
  if (options.environment === 'TEST') return 'https://checkout-test.adyen.com/v72';
  return `https://${options.liveUrlPrefix}-checkout-live.adyenpayments.com/checkout/v72`;
}

export type AdyenPost = <T>(
  path: string,
  body: unknown,
  request: { idempotencyKey: string; signal?: AbortSignal },
) => Promise<T>;

export function adyenPost(options: AdyenHttpOptions): AdyenPost {
  const base = checkoutBaseUrl(options);
  return async <T>(
    path: string,
    body: unknown,
    request: { idempotencyKey: string; signal?: AbortSignal },
  ) => {
    let apiKey: string;
    try {
      apiKey = await options.apiKey();
    } catch {
      throw new AdyenCallError('not-sent', 'could not read the Adyen API key');
    }
    const sent = await exchange({
      url: `${base}${path}`,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        'x-api-key': apiKey,
        'idempotency-key': request.idempotencyKey,
      },
      body: JSON.stringify(body),
      timeoutMs: options.timeoutMs,
      ...(request.signal ? { signal: request.signal } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    if (sent.kind === 'timeout') throw new AdyenCallError('timeout', 'Adyen did not answer in time');
    if (sent.kind === 'not-sent') throw new AdyenCallError('not-sent', `Adyen not reached: ${sent.detail}`);
    if (sent.kind === 'lost') throw new AdyenCallError('lost', `Adyen answer lost: ${sent.detail}`);
    const answer = jsonBody(sent.text) as { errorCode?: unknown } | undefined;
    if (sent.status < 200 || sent.status > 299) {
      const code = typeof answer?.errorCode === 'string' ? answer.errorCode : undefined;
      throw new AdyenCallError(
        'http',
        `Adyen answered HTTP ${sent.status}${code ? ` (${code})` : ''}`,
        sent.status,
        code,
      );
    }
    if (typeof answer !== 'object' || answer === null) {
      throw new AdyenCallError('unreadable', `Adyen answered HTTP ${sent.status} without JSON`, sent.status);
    }
    return answer as T;
  };
}
