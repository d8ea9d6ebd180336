/**
 * The HTTP client we give Adyen's library (its ClientInterface): fetch-based, so it honours our
 * AbortSignal and budget, tells "never sent" from "answer lost", works against the local simulator
 * over http, and turns anything but a 2xx JSON answer into a typed AdyenCallError — the library
 * then never sees an HTML page it would try to parse.
 */
import type ClientInterface from '@adyen/api-library/lib/src/httpClient/clientInterface.js';
import type { IRequest } from '@adyen/api-library/lib/src/typings/requestOptions.js';
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
  timeoutMs: number;
  /** Local only: send to this origin (the simulator) instead of Adyen's. */
  checkoutUrl?: string;
  fetch?: typeof fetch;
}

export function adyenHttpClient(options: AdyenHttpOptions): ClientInterface {
  return {
    async request(endpoint, json, _config, _apiKeyRequired, requestOptions?: IRequest.Options) {
      const url = options.checkoutUrl ? endpoint.replace(/^https:\/\/[^/]+/, options.checkoutUrl) : endpoint;
      let apiKey: string;
      try {
        apiKey = await options.apiKey();
      } catch {
        throw new AdyenCallError('not-sent', 'could not read the Adyen API key');
      }
      const sent = await exchange({
        url,
        method: (requestOptions?.method as 'GET' | 'POST' | undefined) ?? 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          'x-api-key': apiKey,
          ...(requestOptions?.idempotencyKey ? { 'idempotency-key': requestOptions.idempotencyKey } : {}),
        },
        body: typeof json === 'string' ? json : json.toString('utf8'),
        timeoutMs: options.timeoutMs,
        ...(requestOptions?.signal ? { signal: requestOptions.signal } : {}),
        ...(options.fetch ? { fetch: options.fetch } : {}),
      });
      if (sent.kind === 'timeout') throw new AdyenCallError('timeout', 'Adyen did not answer in time');
      if (sent.kind === 'not-sent') throw new AdyenCallError('not-sent', `Adyen not reached: ${sent.detail}`);
      if (sent.kind === 'lost') throw new AdyenCallError('lost', `Adyen answer lost: ${sent.detail}`);
      const body = jsonBody(sent.text) as { errorCode?: unknown; message?: unknown } | undefined;
      if (sent.status < 200 || sent.status > 299) {
        const code = typeof body?.errorCode === 'string' ? body.errorCode : undefined;
        throw new AdyenCallError(
          'http',
          `Adyen answered HTTP ${sent.status}${code ? ` (${code})` : ''}`,
          sent.status,
          code,
        );
      }
      if (typeof body !== 'object' || body === null) {
        throw new AdyenCallError(
          'unreadable',
          `Adyen answered HTTP ${sent.status} without JSON`,
          sent.status,
        );
      }
      return sent.text;
    },
  };
}
