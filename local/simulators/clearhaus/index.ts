/**
 * A Clearhaus gateway simulator over real HTTP, built from Clearhaus' published gateway API docs:
 * HTTP Basic with the API key, RS256-hex `Signature` verified against the registered public key,
 * form-encoded authorisations (methods `token` and `card`, 3-D Secure v2 results), captures,
 * refunds and voids on /authorizations/:id/…, HAL JSON answers with `status.code`. It validates
 * what we send (40000 otherwise) and answers by the issuer rules in issuer.ts. Faults on demand:
 * `failNext('authorise' | 'capture' | …, 'timeout' | '5xx' | 'html')`.
 */
import { createPublicKey, randomUUID, verify } from 'node:crypto';
import {
  BookView,
  FaultQueue,
  type SimAnswer,
  type SimRequest,
  SimulatorBook,
  htmlErrorPage,
  startSimulatorServer,
} from '../simulator-http.js';
import { decide } from './issuer.js';
import { amountProblem, authorisationProblem, has3dsResult } from './request-rules.js';

export type ClearhausOperation = 'authorise' | 'capture' | 'refund' | 'void';

export interface ClearhausSimulatorOptions {
  apiKey: string;
  signingApiKey: string;
  /** The public half of the signing key, PEM. */
  signingPublicKey: string;
}

export interface ClearhausSimulator {
  baseUrl: string;
  faults: FaultQueue<ClearhausOperation>;
  /** Every authorisation, capture, refund, void by our pspTransactionId. */
  ledger: BookView;
  /** Requests refused for bad input or authentication, with the reason (tests assert none). */
  rejected: string[];
  close(): Promise<void>;
}

const HAL = 'application/vnd.clearhaus-gateway.hal+json; version=0.10.0; charset=utf-8';

export async function startClearhausSimulator(
  options: ClearhausSimulatorOptions,
): Promise<ClearhausSimulator> {
  const book = new SimulatorBook();
  const faults = new FaultQueue<ClearhausOperation>();
  const rejected: string[] = [];
  /** Authorisation id → our reference (the book is keyed by the reference). */
  const references = new Map<string, string>();
  const publicKey = createPublicKey(options.signingPublicKey);

  const status = (
    code: number,
    extra: Record<string, unknown> = {},
    http = 201,
  ): Exclude<SimAnswer, 'NO_ANSWER'> => ({
    status: http,
    contentType: HAL,
    body: { id: randomUUID(), status: { code }, processed_at: new Date().toISOString(), ...extra },
  });
  const refuse = (reason: string, http = 400): SimAnswer => {
    rejected.push(reason);
    return http === 401
      ? { status: 401, body: { message: reason } }
      : status(40000, { status: { code: 40000, message: reason } }, 400);
  };

  const authenticate = (request: SimRequest): string | undefined => {
    const basic = /^Basic (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const user = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':')[0] : undefined;
    if (user !== options.apiKey) return 'wrong or missing API key';
    const signature = /^(\S+) RS256-hex ([0-9a-f]+)$/.exec(String(request.headers.signature ?? ''));
    if (!signature) return 'missing Signature header';
    if (signature[1] !== options.signingApiKey) return 'unknown signing API key';
    const ok = verify(
      'sha256',
      Buffer.from(request.body, 'utf8'),
      publicKey,
      Buffer.from(signature[2]!, 'hex'),
    );
    return ok ? undefined : 'signature does not match the body';
  };

  const authorise = async (form: URLSearchParams, fault: string | undefined): Promise<SimAnswer> => {
    const problem = authorisationProblem(form);
    if (problem) return refuse(problem);
    const reference = form.get('reference') ?? '';
    const amount = Number(form.get('amount'));
    const isToken = form.has('token[tan]');
    const number = form.get('token[tan]') ?? form.get('card[pan]')!;
    const decision = decide({ number, isToken }, amount, has3dsResult(form));
    const id = randomUUID();
    const now = new Date();
    const approved = decision.kind === 'late-approval' || decision.code === 20000;
    const unanswered = fault === 'timeout' || decision.kind === 'late-approval';
    if (approved) {
      references.set(id, reference);
      book.recordAuthorisation(
        {
          pspTransactionId: reference,
          acquirerReference: id,
          amount,
          currency: 'NOK',
          funding: 'UNKNOWN',
          late: unanswered,
        },
        now,
      );
    } else {
      book.recordDecline(reference, amount, String(decision.kind === 'code' ? decision.code : ''), now);
    }
    if (unanswered) return 'NO_ANSWER';
    const code = decision.kind === 'code' ? decision.code : 20000;
    return {
      ...status(code),
      body: { id, status: { code }, processed_at: now.toISOString(), amount, currency: form.get('currency') },
    };
  };

  const operate = (
    type: 'CAPTURE' | 'REFUND' | 'VOID',
    id: string,
    form: URLSearchParams,
    fault: string | undefined,
  ): SimAnswer => {
    const problem = amountProblem(form);
    if (problem) return refuse(problem);
    const reference = references.get(id);
    if (!reference)
      return { status: 404, body: { status: { code: 40000, message: 'authorization not found' } } };
    const auth = book.authorisations(reference).find((a) => a.acquirerReference === id)!;
    const amount = form.has('amount')
      ? Number(form.get('amount'))
      : type === 'CAPTURE'
        ? auth.amount - auth.captured
        : type === 'REFUND'
          ? auth.captured - auth.refunded
          : auth.amount;
    try {
      const { operationReference } = book.apply(
        type,
        {
          pspTransactionId: reference,
          acquirerReference: id,
          amount,
          currency: 'NOK',
          operationId: randomUUID(),
        },
        new Date(),
      );
      if (fault === 'timeout') return 'NO_ANSWER';
      return { ...status(20000), body: { id: operationReference, status: { code: 20000 }, amount } };
    } catch {
      return status(40200, {}, 400);
    }
  };

  const server = await startSimulatorServer(async (request) => {
    if (request.method !== 'POST') return { status: 404, body: { message: 'not found' } };
    const route = /^\/authorizations(?:\/([^/]+)\/(captures|refunds|voids))?$/.exec(request.path);
    if (!route) return { status: 404, body: { message: 'not found' } };
    const denied = authenticate(request);
    if (denied) return refuse(denied, denied.includes('API key') ? 401 : 400);
    const operation: ClearhausOperation = !route[1]
      ? 'authorise'
      : route[2] === 'captures'
        ? 'capture'
        : route[2] === 'refunds'
          ? 'refund'
          : 'void';
    const fault = faults.take(operation);
    if (fault === '5xx') return { status: 503, body: { message: 'Service unavailable' } };
    if (fault === 'html') return htmlErrorPage;
    const form = new URLSearchParams(request.body);
    if (operation === 'authorise') return authorise(form, fault);
    const type = operation === 'capture' ? 'CAPTURE' : operation === 'refund' ? 'REFUND' : 'VOID';
    return operate(type, decodeURIComponent(route[1]!), form, fault);
  });

  return {
    baseUrl: server.baseUrl,
    faults,
    ledger: new BookView(book, (pspTransactionId) => pspTransactionId.slice(0, 30)),
    rejected,
    close: () => server.close(),
  };
}
