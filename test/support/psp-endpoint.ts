/**
 * A tiny stand-in for our Vipps-facing endpoints (card callback, 3-D Secure page, webhooks) for
 * tests of the Vipps simulator's ePayment side: real HTTP, every request recorded with the
 * result of verifying Vipps' HMAC signature against the URL it was sent to.
 */
import { type IncomingMessage, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type SignatureCheck,
  verifyVippsSignature,
} from '../../lambdas/adapters/vipps/shared/hmac-signature.js';
import type { Clock } from '../../lambdas/core/ports.js';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  rawBody: string;
  /** Verified with the secret the test gave for this path (undefined: none given). */
  signature?: SignatureCheck;
}

export interface Answer {
  status: number;
  json?: unknown;
  headers?: Record<string, string>;
}

export interface PspEndpoint {
  baseUrl: string;
  received: ReceivedRequest[];
  close(): Promise<void>;
}

function read(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startPspEndpoint(options: {
  clock: Clock;
  /** The secret that signs requests to a path (card callback: client secret; webhooks: theirs). */
  secretFor: (path: string) => string | undefined;
  answer: (request: ReceivedRequest, baseUrl: string) => Answer | Promise<Answer>;
}): Promise<PspEndpoint> {
  const received: ReceivedRequest[] = [];
  let baseUrl = '';
  const server = createServer((req, res) => {
    void (async () => {
      const rawBody = await read(req);
      const path = req.url ?? '/';
      const headers = Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]),
      );
      const secret = options.secretFor(path);
      const request: ReceivedRequest = {
        method: req.method ?? 'GET',
        path,
        headers,
        rawBody,
        ...(secret !== undefined
          ? {
              signature: verifyVippsSignature({
                method: req.method ?? 'POST',
                rawBody,
                headers,
                expectedUrl: `${baseUrl}${path}`,
                secret,
                now: options.clock.now(),
              }),
            }
          : {}),
      };
      received.push(request);
      // A test's answer function that throws must show up as a 500, not as a hung request.
      const answer = await Promise.resolve()
        .then(() => options.answer(request, baseUrl))
        .catch((error: unknown): Answer => ({ status: 500, json: { error: String(error) } }));
      res.writeHead(answer.status, {
        ...(answer.json !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...answer.headers,
      });
      res.end(answer.json !== undefined ? JSON.stringify(answer.json) : '');
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
