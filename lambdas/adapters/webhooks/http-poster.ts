/**
 * WebhookPoster over node:http(s). Outside the local stage: https only, and the host is resolved
 * here and checked (address-guard.ts) before connecting, to the checked address itself (the
 * `lookup` hook), with TLS still verified against the host name. Redirects are not followed.
 */
import { lookup as dnsLookup } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import type { PostResult, WebhookPoster } from '../../core/webhooks/ports.js';
import { isForbiddenAddress } from './address-guard.js';

const RESPONSE_START_BYTES = 256;

export class WebhookRefusedError extends Error {}

export interface HttpWebhookPosterOptions {
  /** Local stage: http and loopback/private receivers allowed (a receiver on the laptop). */
  allowPrivateNetwork: boolean;
}

/** Resolve every address of the name and refuse it when any of them is forbidden. */
export const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { all: true, family: options.family ?? 0 }, (error, addresses) => {
    if (error) return callback(error, '', 4);
    const forbidden = addresses.find((a) => isForbiddenAddress(a.address));
    if (forbidden || addresses.length === 0) {
      const refusal = new WebhookRefusedError(
        `${hostname} resolves to ${forbidden?.address ?? 'nothing'}, which webhooks may not reach`,
      );
      return callback(refusal as NodeJS.ErrnoException, '', 4);
    }
    if (options.all) return callback(null, addresses);
    const [first] = addresses;
    return callback(null, first!.address, first!.family);
  });
};

/** Why this URL may not be called at all, or undefined when it may. */
export function urlRefusal(url: URL, allowPrivateNetwork: boolean): string | undefined {
  if (allowPrivateNetwork)
    return url.protocol === 'https:' || url.protocol === 'http:' ? undefined : 'not http(s)';
  if (url.protocol !== 'https:') return 'webhook endpoints must use https';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) && isForbiddenAddress(host)) return `${host} is an address webhooks may not reach`;
  return undefined;
}

export class HttpWebhookPoster implements WebhookPoster {
  constructor(private readonly options: HttpWebhookPosterOptions) {}

  post(request: {
    url: string;
    headers: Record<string, string>;
    body: string;
    timeoutMs: number;
  }): Promise<PostResult> {
    const started = performance.now();
    const latencyMs = () => Math.round(performance.now() - started);
    const url = new URL(request.url);
    const refusal = urlRefusal(url, this.options.allowPrivateNetwork);
    if (refusal) return Promise.resolve({ kind: 'failed', error: refusal, latencyMs: 0 });
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve) => {
      const done = (result: PostResult) => {
        clearTimeout(timer);
        resolve(result);
      };
      const req = send(
        url,
        {
          method: 'POST',
          headers: { ...request.headers, 'content-length': Buffer.byteLength(request.body) },
          ...(this.options.allowPrivateNetwork ? {} : { lookup: guardedLookup }),
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            if (size < RESPONSE_START_BYTES) chunks.push(chunk);
            size += chunk.length;
          });
          res.on('end', () =>
            done({
              kind: 'answered',
              status: res.statusCode ?? 0,
              latencyMs: latencyMs(),
              bodyStart: Buffer.concat(chunks).subarray(0, RESPONSE_START_BYTES).toString('utf8'),
            }),
          );
          res.on('error', (error) => done({ kind: 'failed', error: error.message, latencyMs: latencyMs() }));
        },
      );
      const timer = setTimeout(() => {
        req.destroy(new Error(`no answer within ${request.timeoutMs} ms`));
      }, request.timeoutMs);
      req.on('error', (error) => done({ kind: 'failed', error: describe(error), latencyMs: latencyMs() }));
      req.end(request.body);
    });
  }
}

function describe(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
}
