/**
 * What the acquirer simulators share: a node:http server on 127.0.0.1, body reading, JSON
 * answers, faults on demand (the next call answers 5xx or HTML, or never answers), and the
 * simulator's money book seen by our pspTransactionId.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SandboxLedger } from '../../lambdas/adapters/acquirer/sandbox-ledger.js';

/** `timeout`: the request is applied but no answer ever comes; `5xx`/`html`: applied nothing. */
export type SimulatorFault = 'timeout' | '5xx' | 'html';

export class FaultQueue<Op extends string> {
  readonly #queues = new Map<Op, SimulatorFault[]>();
  /** The next call of `operation` fails this way (queued: call twice to fail the next two). */
  failNext(operation: Op, fault: SimulatorFault): void {
    this.#queues.set(operation, [...(this.#queues.get(operation) ?? []), fault]);
  }
  take(operation: Op): SimulatorFault | undefined {
    return this.#queues.get(operation)?.shift();
  }
}

export interface SimRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type SimAnswer = { status: number; body: unknown; contentType?: string } | 'NO_ANSWER';

export interface RunningServer {
  baseUrl: string;
  close(): Promise<void>;
}

export async function startSimulatorServer(
  route: (request: SimRequest) => Promise<SimAnswer>,
): Promise<RunningServer> {
  const hanging = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const url = new URL(req.url ?? '/', 'http://simulator');
      const answer = await route({
        method: req.method ?? 'GET',
        path: url.pathname,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      }).catch((error: unknown): SimAnswer => ({ status: 500, body: { error: String(error) } }));
      if (answer === 'NO_ANSWER') {
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return;
      }
      const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      res.writeHead(answer.status, { 'content-type': answer.contentType ?? 'application/json' });
      res.end(text);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const htmlErrorPage = {
  status: 502,
  contentType: 'text/html',
  body: '<html><body><h1>502 Bad Gateway</h1></body></html>',
};

/** The simulator's money book, asked by our pspTransactionId (the simulator keys by its own reference). */
export class BookView {
  constructor(
    readonly book: SandboxLedger,
    private readonly keyOf: (pspTransactionId: string) => string,
  ) {}
  events(pspTransactionId: string) {
    return this.book.events(this.keyOf(pspTransactionId));
  }
  authorisations(pspTransactionId: string) {
    return this.book.authorisations(this.keyOf(pspTransactionId));
  }
  balance(pspTransactionId: string) {
    return this.book.balance(this.keyOf(pspTransactionId));
  }
  netCharged(pspTransactionId: string) {
    return this.book.netCharged(this.keyOf(pspTransactionId));
  }
}

export { SandboxLedger as SimulatorBook };
