/**
 * The simulator's ePayment side (DESIGN.md "Vipps simulator"): create, modifications, get and
 * events, the test approve that posts our signed card callback (soft-decline loop included),
 * webhook registration and signed webhook events. Mounted by ../index.ts through `route`;
 * shares its access tokens, merchants and clock. Files:
 *   payment-routes.ts  create / get / events        modification-routes.ts capture / refund / cancel
 *   admin-routes.ts    test approve, webhooks       card-callback.ts       what Vipps posts to us
 *   published-shapes.ts the documented request shapes the simulator validates against
 */
import type { Clock } from '../../../lambdas/core/ports.js';
import type { AuthOptions } from '../auth.js';
import type { SimRequest, SimResponse } from '../http-util.js';
import type { SimulatorState } from '../state.js';
import { type SimulateApproval, approve, handleApprove, handleWebhooks } from './admin-routes.js';
import type { CardApprovalReport } from './card-callback.js';
import type { EPaymentContext } from './context.js';
import { handleModification } from './modification-routes.js';
import { handleCreate, handleGet } from './payment-routes.js';
import { problem } from './problems.js';
import {
  type EPaymentRecord,
  EPaymentStore,
  type WebhookDelivery,
  type WebhookRegistrationRecord,
} from './store.js';
import { WebhookDispatcher } from './webhooks.js';

export type { CardApprovalReport } from './card-callback.js';
export type { EPaymentRecord, WebhookDelivery, WebhookRegistrationRecord } from './store.js';
export type { SimulateApproval } from './admin-routes.js';

export type EPaymentEndpoint =
  'create' | 'capture' | 'refund' | 'cancel' | 'get' | 'events' | 'approve' | 'webhooks';

type Fault = { kind: 'status'; status: number; errorCode?: string } | { kind: 'hang'; delayMs: number };

export interface EPaymentSimulator {
  payments: { get(reference: string): EPaymentRecord | undefined; list(): EPaymentRecord[] };
  /** The test approve, in-process (no credentials needed). */
  approve(
    reference: string,
    simulate?: SimulateApproval,
  ): Promise<CardApprovalReport | { reference: string; outcome: string }>;
  webhooks: {
    list(): WebhookRegistrationRecord[];
    readonly deliveries: WebhookDelivery[];
    flush(): Promise<void>;
  };
  faults: {
    /** The next call(s) answer `status` (a problem with `errorCode`; 503 as plain text). */
    failNext(
      endpoint: EPaymentEndpoint,
      options: { status: number; errorCode?: string; times?: number },
    ): void;
    /** The next call(s) wait `delayMs` first, then are handled normally. */
    hangNext(endpoint: EPaymentEndpoint, options: { delayMs: number; times?: number }): void;
    clear(): void;
  };
}

export interface EPaymentSide {
  /** The answer for an ePayment or webhooks path, or undefined for any other path. */
  route(req: SimRequest): Promise<SimResponse | undefined>;
  handle: EPaymentSimulator;
  close(): void;
}

function endpointOf(
  method: string,
  path: string,
): { endpoint: EPaymentEndpoint; reference?: string; id?: string } | undefined {
  if (path === '/epayment/v1/payments' && method === 'POST') return { endpoint: 'create' };
  let m = /^\/epayment\/v1\/payments\/([^/]+)(?:\/(capture|refund|cancel|events))?$/.exec(path);
  if (m?.[1]) {
    const reference = decodeURIComponent(m[1]);
    const sub = m[2] as EPaymentEndpoint | undefined;
    if (!sub && method === 'GET') return { endpoint: 'get', reference };
    if (sub === 'events' && method === 'GET') return { endpoint: 'events', reference };
    if (sub && sub !== 'events' && method === 'POST') return { endpoint: sub, reference };
    return undefined;
  }
  m = /^\/epayment\/v1\/test\/payments\/([^/]+)\/approve$/.exec(path);
  if (m?.[1] && method === 'POST') return { endpoint: 'approve', reference: decodeURIComponent(m[1]) };
  m = /^\/webhooks\/v1\/webhooks(?:\/([^/]+))?$/.exec(path);
  if (m && ((method === 'DELETE' && m[1]) || (!m[1] && (method === 'GET' || method === 'POST')))) {
    return { endpoint: 'webhooks', ...(m[1] ? { id: decodeURIComponent(m[1]) } : {}) };
  }
  return undefined;
}

export function createEPaymentSide(options: {
  state: SimulatorState;
  auth: AuthOptions;
  clock: Clock;
  fetch: typeof fetch;
  baseUrl: () => string;
  signingSecret: string;
  callbackTimeoutMs: number;
}): EPaymentSide {
  const store = new EPaymentStore(options.clock);
  const webhooks = new WebhookDispatcher(store, {
    fetch: options.fetch,
    clock: options.clock,
    timeoutMs: 10_000,
  });
  const ctx: EPaymentContext = {
    state: options.state,
    auth: options.auth,
    store,
    webhooks,
    callbackDeps: () => ({
      baseUrl: options.baseUrl(),
      fetch: options.fetch,
      clock: options.clock,
      callbackTimeoutMs: options.callbackTimeoutMs,
      signingSecret: options.signingSecret,
    }),
  };
  const faults = new Map<EPaymentEndpoint, Fault[]>();
  const timers = new Set<NodeJS.Timeout>();
  const add = (endpoint: EPaymentEndpoint, fault: Fault, times = 1) =>
    faults.set(endpoint, [...(faults.get(endpoint) ?? []), ...Array<Fault>(times).fill(fault)]);
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => (timers.delete(timer), resolve()), ms);
      timers.add(timer);
    });

  async function dispatch(
    req: SimRequest,
    api: NonNullable<ReturnType<typeof endpointOf>>,
  ): Promise<SimResponse> {
    switch (api.endpoint) {
      case 'create':
        return handleCreate(ctx, req);
      case 'get':
        return handleGet(ctx, req, api.reference!, 'payment');
      case 'events':
        return handleGet(ctx, req, api.reference!, 'events');
      case 'approve':
        return handleApprove(ctx, req, api.reference!);
      case 'webhooks':
        return handleWebhooks(ctx, req, api.id);
      default:
        return handleModification(ctx, req, api.reference!, api.endpoint);
    }
  }

  return {
    async route(req) {
      if (req.method === 'GET' && req.url.pathname === '/epayment/landing') {
        return {
          status: 200,
          html: '<!doctype html><title>Vipps</title><p>Approve with POST /epayment/v1/test/payments/{reference}/approve.</p>',
        };
      }
      const api = endpointOf(req.method, req.url.pathname);
      if (!api) return undefined;
      const fault = faults.get(api.endpoint)?.shift();
      if (fault?.kind === 'status') {
        return fault.status === 503
          ? { status: 503, text: 'Service Unavailable' }
          : problem(fault.status, `Simulated HTTP ${fault.status}`, fault.errorCode);
      }
      if (fault?.kind === 'hang') await wait(fault.delayMs);
      return dispatch(req, api);
    },
    handle: {
      payments: {
        get: (reference) => structuredClone(store.findByReference(reference)),
        list: () => structuredClone([...store.payments.values()]),
      },
      async approve(reference, simulate) {
        const payment = store.findByReference(reference);
        if (!payment) throw new Error(`The simulator has no ePayment ${reference}`);
        return structuredClone(await approve(ctx, payment, simulate));
      },
      webhooks: {
        list: () => structuredClone([...store.webhooks.values()]),
        get deliveries() {
          return structuredClone(store.deliveries);
        },
        flush: () => webhooks.flush(),
      },
      faults: {
        failNext: (endpoint, o) =>
          add(
            endpoint,
            { kind: 'status', status: o.status, ...(o.errorCode ? { errorCode: o.errorCode } : {}) },
            o.times,
          ),
        hangNext: (endpoint, o) => add(endpoint, { kind: 'hang', delayMs: o.delayMs }, o.times),
        clear: () => faults.clear(),
      },
    },
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
