/**
 * The Vipps simulator: PSP API v3 and the access-token API over real HTTP (node:http), for tests
 * and the local stack. The files:
 *   - auth.ts            POST /accesstoken/get, the headers every API call must carry
 *   - payments-routes.ts init (with Vipps' error codes), updatestatus (applied at once), details
 *   - approve-route.ts   force-approve and the landing page behind vippsRedirectUrl
 *   - approve-flow.ts    calling our makePaymentUrl exactly like Vipps, 3-D Secure included
 *   - test-tokens.ts     Vipps' magic-amount token table
 * Inspection: `payments`, `statusUpdates`, `updateStatusCalls`, `requests`, … below, and over
 * HTTP GET /_simulator/payments[/{id}] and GET /_simulator/status-updates.
 */
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Clock, systemClock } from '../../lambdas/core/ports.js';
import { type ApproveDeps, type ApproveResult, type SimulateOptions, runApproval } from './approve-flow.js';
import { finishBrowserThreeDs, handleApprove, handleLanding, handleLandingApprove } from './approve-route.js';
import { type AuthOptions, type SimulatorCredentials, issueToken } from './auth.js';
import { type EPaymentSimulator, createEPaymentSide } from './epayment/index.js';
import { FaultQueue, type VippsSimulatorFaults } from './faults.js';
import { type SimRequest, type SimResponse, json, vippsErrors } from './http-util.js';
import { handleDetails, handleInit, handleUpdateStatus } from './payments-routes.js';
import {
  type MobileInterceptVisit,
  type RecordedRequest,
  type RecordedStatusUpdate,
  type SimEndpoint,
  type SimulatedPayment,
  SimulatorState,
} from './state.js';

export type { ApproveResult, MakePaymentExchange, SimulateOptions } from './approve-flow.js';
export type { SimulatorCredentials } from './auth.js';
export type { VippsSimulatorFaults } from './faults.js';
export type { EPaymentSimulator } from './epayment/index.js';
export type {
  MobileInterceptVisit,
  RecordedRequest,
  RecordedStatusUpdate,
  SimulatedPayment,
} from './state.js';
export { operationsFor } from './approve-flow.js';
export { encryptCardData } from './card-data.js';
export { testCryptograms, testEncryptedCard, testTokenForAmount } from './test-tokens.js';

export interface VippsSimulatorOptions {
  /** Default 0: an ephemeral port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Active sales units (MSNs); init for any other answers 21. Default ['123456']. */
  merchants?: string[];
  /** When given, the token call and the subscription key must match; otherwise any non-empty value. */
  credentials?: SimulatorCredentials;
  /** When given, every API call's Psp-Id must match; otherwise any non-empty value. */
  pspId?: string;
  /** Default 3600 (Vipps' test environment). */
  tokenLifetimeSeconds?: number;
  /** The PSP's RSA public key (PEM) for legacy ENCRYPTEDCARD. Without it, ENCRYPTEDCARD is refused. */
  cardDataPublicKeyPem?: () => Promise<string>;
  clock?: Clock;
  /** For the calls the simulator makes (makePaymentUrl, the 3-D Secure page). */
  fetch?: typeof fetch;
  /** Default 15000: Vipps' makePaymentUrl budget. */
  makePaymentTimeoutMs?: number;
  /** The base URL in vippsRedirectUrl and operations URLs; default http://{host}:{port}. */
  publicBaseUrl?: string;
  /** ePayment: the HMAC key of card callbacks (the PSP's client secret; default credentials.clientSecret or "secret"). */
  cardCallbackSecret?: string;
}

export interface VippsSimulator {
  baseUrl: string;
  close(): Promise<void>;
  payments: { get(pspTransactionId: string): SimulatedPayment | undefined; list(): SimulatedPayment[] };
  /** Every updatestatus entry in arrival order (snapshot). */
  readonly statusUpdates: RecordedStatusUpdate[];
  /** updatestatus calls that were processed (not faulted, not rejected, not idempotent replays). */
  readonly updateStatusCalls: number;
  /** Every HTTP request in arrival order, secrets masked (snapshot). */
  readonly requests: RecordedRequest[];
  readonly mobileInterceptVisits: MobileInterceptVisit[];
  /** Access tokens issued so far. */
  readonly tokensIssued: number;
  /** Approve in-process (no Vipps credentials needed); same flow as the approve endpoint. */
  approve(
    pspTransactionId: string,
    options?: { customerPhoneNumber?: string; simulate?: SimulateOptions },
  ): Promise<ApproveResult>;
  merchants: { activate(msn: string): void; deactivate(msn: string): void; list(): string[] };
  faults: VippsSimulatorFaults;
  /** Forget recorded requests, status updates and visits (payments stay). */
  clearRecords(): void;
  /**
   * Tests only: the raw makePaymentToken we sent at init for this payment. Vipps knows it because
   * we sent it; tests need it to call our makePaymentUrl directly, as Vipps would.
   */
  makePaymentToken(pspTransactionId: string): string | undefined;
  /** The ePayment side: payments, test approve, webhooks, faults (epayment/index.ts). */
  epayment: EPaymentSimulator;
}

const MAX_BODY = 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) reject(new Error('body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function maskHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    const v = Array.isArray(value) ? value.join(', ') : value;
    if (name === 'authorization') out[name] = v.startsWith('Bearer ') ? 'Bearer ***' : '***';
    else if (name === 'client_secret' || name === 'ocp-apim-subscription-key') out[name] = '***';
    else out[name] = v;
  }
  return out;
}

function maskBody(raw: string): unknown {
  if (raw === '') return undefined;
  try {
    const body = JSON.parse(raw) as unknown;
    if (body && typeof body === 'object' && 'makePaymentToken' in body)
      return { ...body, makePaymentToken: '***' };
    return body;
  } catch {
    return raw;
  }
}

function send(res: ServerResponse, answer: SimResponse): void {
  if (res.destroyed || res.headersSent) return;
  const [type, payload] =
    answer.json !== undefined
      ? ['application/json; charset=utf-8', JSON.stringify(answer.json)]
      : answer.html !== undefined
        ? ['text/html; charset=utf-8', answer.html]
        : ['text/plain; charset=utf-8', answer.text ?? ''];
  res.writeHead(answer.status, { 'Content-Type': type, ...answer.headers });
  res.end(payload);
}

/** Which API endpoint a request is for (faults and the request log use it). */
function endpointOf(method: string, path: string): { endpoint: SimEndpoint; id?: string } | undefined {
  if (method === 'POST' && path === '/accesstoken/get') return { endpoint: 'accesstoken' };
  if (method === 'POST' && path === '/psp/v3/psppayments/init') return { endpoint: 'init' };
  if (method === 'POST' && path === '/psp/v3/psppayments/updatestatus') return { endpoint: 'updatestatus' };
  let m = /^\/psp\/v3\/psppayments\/([^/]+)\/details$/.exec(path);
  if (method === 'GET' && m?.[1]) return { endpoint: 'details', id: decodeURIComponent(m[1]) };
  m = /^\/psp\/v3\/integration-test\/psppayments\/([^/]+)\/approve$/.exec(path);
  if (method === 'POST' && m?.[1]) return { endpoint: 'approve', id: decodeURIComponent(m[1]) };
  return undefined;
}

export async function startVippsSimulator(options: VippsSimulatorOptions = {}): Promise<VippsSimulator> {
  const clock = options.clock ?? systemClock;
  const host = options.host ?? '127.0.0.1';
  const state = new SimulatorState(clock, options.merchants ?? ['123456']);
  const faults = new FaultQueue(state);
  const auth: AuthOptions = {
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3600,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.pspId ? { pspId: options.pspId } : {}),
  };
  const hangs = new Set<{ timer: NodeJS.Timeout; cancel: () => void }>();
  const hang = (ms: number) =>
    new Promise<void>((resolve, reject) => {
      const entry = {
        timer: setTimeout(() => {
          hangs.delete(entry);
          resolve();
        }, ms),
        cancel: () => reject(new Error('simulator closed')),
      };
      hangs.add(entry);
    });
  const epayment = createEPaymentSide({
    state,
    auth,
    clock,
    fetch: options.fetch ?? globalThis.fetch,
    baseUrl: () => deps.baseUrl,
    signingSecret: options.cardCallbackSecret ?? options.credentials?.clientSecret ?? 'secret',
    callbackTimeoutMs: 20_000,
  });

  async function route(req: SimRequest, api: ReturnType<typeof endpointOf>): Promise<SimResponse> {
    const path = req.url.pathname;
    if (api) {
      switch (api.endpoint) {
        case 'accesstoken':
          return issueToken(state, auth, req);
        case 'init':
          return handleInit(state, auth, deps.baseUrl, req);
        case 'updatestatus':
          return handleUpdateStatus(state, auth, req);
        case 'details':
          return handleDetails(state, auth, req, api.id ?? '');
        case 'approve':
          return handleApprove(state, auth, deps, req, api.id ?? '');
      }
    }
    if (req.method === 'GET' && path === '/mobileintercept') {
      state.mobileInterceptVisits.push({
        at: state.now(),
        url: req.url.href,
        ...(req.url.searchParams.get('transactionId')
          ? { transactionId: req.url.searchParams.get('transactionId')! }
          : {}),
        ...(req.url.searchParams.get('responsecode')
          ? { responsecode: req.url.searchParams.get('responsecode')! }
          : {}),
      });
      const finished = await finishBrowserThreeDs(state, deps, req);
      if (finished) return finished;
      return { status: 200, html: '<!doctype html><title>Vipps</title><p>Back in the Vipps app.</p>' };
    }
    const ePaymentAnswer = await epayment.route(req);
    if (ePaymentAnswer) return ePaymentAnswer;
    if (req.method === 'GET' && path === '/landing') return handleLanding(state, req);
    if (req.method === 'POST' && path === '/landing/approve') return handleLandingApprove(state, deps, req);
    if (req.method === 'GET' && path === '/_simulator/payments') return json(200, simulator.payments.list());
    const m = /^\/_simulator\/payments\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && m?.[1]) {
      const payment = simulator.payments.get(decodeURIComponent(m[1]));
      return payment ? json(200, payment) : json(404, { message: 'no such payment' });
    }
    if (req.method === 'GET' && path === '/_simulator/status-updates') return json(200, state.statusUpdates);
    return json(404, { message: `no route ${req.method} ${path}` });
  }

  async function onRequest(incoming: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = incoming.method ?? 'GET';
    const url = new URL(incoming.url ?? '/', 'http://simulator.invalid');
    const api = endpointOf(method, url.pathname);
    const rawBody = await readBody(incoming);
    const entry: Omit<RecordedRequest, 'seq'> = {
      at: state.now(),
      method,
      path: url.pathname + url.search,
      ...(api ? { endpoint: api.endpoint } : {}),
      headers: maskHeaders(incoming),
      ...(rawBody ? { body: maskBody(rawBody) } : {}),
    };
    // The inspection endpoints are not part of what is being observed.
    const record = url.pathname.startsWith('/_simulator/')
      ? { seq: 0, ...entry }
      : state.recordRequest(entry);

    const fault = api ? faults.take(api.endpoint) : undefined;
    if (fault?.kind === 'drop') {
      record.fault = 'drop';
      incoming.socket.destroy();
      return;
    }
    if (fault?.kind === 'status') {
      record.fault = `HTTP ${fault.status}`;
      record.status = fault.status;
      const errors = fault.errors ?? [
        { errorCode: String(fault.status), errorMessage: `Simulated HTTP ${fault.status}` },
      ];
      send(
        res,
        fault.status === 503
          ? { status: 503, text: 'Service Unavailable' }
          : vippsErrors(
              fault.status,
              errors.map((e) => ({ errorCode: e.errorCode ?? '', errorMessage: e.errorMessage ?? '' })),
            ),
      );
      return;
    }
    if (fault?.kind === 'hang') {
      record.fault = `hang ${fault.delayMs} ms`;
      await hang(fault.delayMs);
    }
    const answer = await route({ method, url, headers: incoming.headers, rawBody }, api);
    record.status = answer.status;
    if (answer.replayed) record.replayed = true;
    send(res, answer);
  }

  const server = createServer((req, res) => {
    onRequest(req, res).catch((error: unknown) => {
      if (res.destroyed) return;
      send(
        res,
        vippsErrors(500, [
          {
            errorCode: '500',
            errorMessage: `Simulator error: ${String((error as Error)?.message ?? error)}`,
          },
        ]),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const baseUrl = (options.publicBaseUrl ?? `http://${host}:${port}`).replace(/\/+$/, '');
  // Requests are only handled on later event-loop turns, after this is set.
  const deps: ApproveDeps = {
    baseUrl,
    fetch: options.fetch ?? globalThis.fetch,
    clock,
    makePaymentTimeoutMs: options.makePaymentTimeoutMs ?? 15_000,
    ...(options.cardDataPublicKeyPem ? { cardDataPublicKeyPem: options.cardDataPublicKeyPem } : {}),
  };

  const simulator: VippsSimulator = {
    baseUrl,
    async close() {
      for (const h of hangs) {
        clearTimeout(h.timer);
        h.cancel();
      }
      hangs.clear();
      epayment.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
    payments: {
      get: (id) => {
        const p = state.payments.get(id);
        return p ? state.view(p) : undefined;
      },
      list: () => [...state.payments.values()].map((p) => state.view(p)),
    },
    get statusUpdates() {
      return structuredClone(state.statusUpdates);
    },
    get updateStatusCalls() {
      return state.updateStatusCalls;
    },
    get requests() {
      return structuredClone(state.requests);
    },
    get mobileInterceptVisits() {
      return structuredClone(state.mobileInterceptVisits);
    },
    get tokensIssued() {
      return state.tokensIssued;
    },
    async approve(pspTransactionId, approveOptions) {
      const payment = state.payments.get(pspTransactionId);
      if (!payment) throw new Error(`The simulator has no payment ${pspTransactionId}`);
      return structuredClone(
        await runApproval(deps, payment, {
          customerPhoneNumber: approveOptions?.customerPhoneNumber ?? '91234567',
          ...(approveOptions?.simulate ? { simulate: approveOptions.simulate } : {}),
        }),
      );
    },
    merchants: {
      activate: (msn) => void state.merchants.add(msn),
      deactivate: (msn) => void state.merchants.delete(msn),
      list: () => [...state.merchants],
    },
    faults,
    clearRecords: () => state.clearRecords(),
    makePaymentToken: (id) => state.payments.get(id)?.makePaymentToken,
    epayment: epayment.handle,
  };
  return simulator;
}
