/**
 * Test helper: a tiny acquirer speaking the JSON ISO 8583 contract of
 * lambdas/adapters/acquirer/http-acquirer-contract.ts over real HTTP on 127.0.0.1 (ephemeral
 * port). Answers DE39 00 unless a rule for the message's DE4 amount says otherwise; can delay,
 * answer an HTTP error, send garbage or hang up. Keeps every message it received (tests may
 * inspect token fields; nothing here is logged). Idempotent by the Idempotency-Key header.
 */
import { type IncomingHttpHeaders, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeIsoRule {
  /** DE39 to answer (default '00'). */
  de39?: string;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Reported on an approval. */
  funding?: 'CREDIT' | 'DEBIT';
  /** Answer this HTTP status with a problem body instead of a DE39. */
  httpStatus?: number;
  /** Destroy the connection after reading the request (the answer is lost). */
  hangUp?: boolean;
  /** Answer 200 with a body that is not the contract. */
  garbled?: boolean;
}

export interface ReceivedMessage {
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

export interface FakeIsoAcquirer {
  /** Base URL, e.g. http://127.0.0.1:54321/api */
  readonly url: string;
  readonly received: ReceivedMessage[];
  /** How to answer messages with DE4 = amount on `path` (default /authorisations). */
  respond(amount: number, rule: FakeIsoRule, path?: string): void;
  /** Authorisations approved and not reversed/voided, by our reference (pspTransactionId). */
  openAuthorisations(): string[];
  close(): Promise<void>;
}

export async function startFakeIsoAcquirer(options: { apiKey?: string } = {}): Promise<FakeIsoAcquirer> {
  const rules = new Map<string, FakeIsoRule>();
  const received: ReceivedMessage[] = [];
  const answered = new Map<string, { status: number; body: unknown }>();
  /** pspTransactionId → RRN of its approved, still-open authorisation. */
  const open = new Map<string, string>();
  const reversed = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  let rrnCounter = 100_000_000_000;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = (req.url ?? '').replace(/^\/api/, '');
      if (options.apiKey && req.headers.authorization !== `Bearer ${options.apiKey}`) {
        return send(res, 401, { title: 'unauthorised' });
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        return send(res, 400, { title: 'not JSON' });
      }
      received.push({ path, headers: req.headers, body });
      const rule = rules.get(`${path} ${String(body.de4)}`) ?? {};
      const answer = () => {
        if (rule.hangUp) return res.socket?.destroy();
        if (rule.httpStatus) return send(res, rule.httpStatus, { title: `HTTP ${rule.httpStatus}` });
        if (rule.garbled) return send(res, 200, { hello: 'world' });
        const key = String(req.headers['idempotency-key'] ?? '');
        const replay = answered.get(key);
        if (replay) return send(res, replay.status, replay.body);
        const reply = handle(path, body, rule);
        answered.set(key, reply);
        send(res, reply.status, reply.body);
      };
      if (rule.delayMs) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          answer();
        }, rule.delayMs);
        timers.add(timer);
      } else answer();
    });
  });

  function handle(
    path: string,
    body: Record<string, unknown>,
    rule: FakeIsoRule,
  ): { status: number; body: unknown } {
    const reference = String(body.reference);
    const de39 = rule.de39 ?? '00';
    const rrn = String(++rrnCounter);
    switch (path) {
      case '/authorisations':
        if (de39 === '00') open.set(reference, rrn);
        return {
          status: 200,
          body: {
            mti: '0110',
            reference,
            de39,
            ...(de39 === '00'
              ? { de37: rrn, de38: rrn.slice(-6), ...(rule.funding ? { funding: rule.funding } : {}) }
              : {}),
          },
        };
      case '/captures':
      case '/refunds':
        return {
          status: 200,
          body: { mti: '0230', reference, de39, ...(de39 === '00' ? { de37: rrn } : {}) },
        };
      case '/reversals': {
        const original = String(body.originalReference);
        if (rule.de39) return { status: 200, body: { mti: '0410', reference, de39 } };
        if (open.has(original)) {
          open.delete(original);
          reversed.add(original);
        } else if (!reversed.has(original)) {
          return { status: 200, body: { mti: '0410', reference, de39: '25' } };
        }
        return { status: 200, body: { mti: '0410', reference, de39: '00', de37: rrn } };
      }
      default:
        return { status: 404, body: { title: 'no such endpoint' } };
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/api`,
    received,
    respond(amount, rule, path = '/authorisations') {
      rules.set(`${path} ${amount}`, rule);
    },
    openAuthorisations: () => [...open.keys()],
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const timer of timers) clearTimeout(timer);
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.writableEnded || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
