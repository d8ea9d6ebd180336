/**
 * The Merchant API handler on in-memory ports, for unit tests: API Gateway events as the
 * authorizer hands them over, the transaction store, a scripted Vipps, the sandbox acquirer, a
 * webhook store and delivery queue in memory, and an Idempotency-Key runner that records what it
 * was asked (the real one, over a fake DynamoDB table, is in in-memory-idempotency-table.ts).
 */
import { SandboxAcquirer, SandboxLedger } from '../../lambdas/adapters/acquirer/sandbox-acquirer.js';
import type { Merchant, VippsApi, VippsInitRequest } from '../../lambdas/core/ports.js';
import type { StatusUpdate, Transaction } from '../../lambdas/core/transaction.js';
import type { PaymentEvent } from '../../lambdas/core/webhooks/payment-events.js';
import type {
  DeliveryAttempt,
  DeliveryTask,
  EventPage,
  WebhookEndpoint,
  WebhookStore,
} from '../../lambdas/core/webhooks/ports.js';
import type { HttpEvent, HttpResult } from '../../lambdas/handlers/http/api-gateway.js';
import type {
  IdempotencyRunner,
  IdempotentRequest,
} from '../../lambdas/handlers/merchant-api/idempotency.js';
import {
  type MerchantApiDeps,
  createMerchantApiHandler,
} from '../../lambdas/handlers/merchant-api/merchant-api-handler.js';
import { toAuthorizerContext } from '../../lambdas/handlers/merchant-api/merchant-context.js';
import { contextBoundVault } from './context-bound-vault.js';
import { InMemoryTransactionStore } from './in-memory-transaction-store.js';
import { lambdaContext } from './lambda-context.js';
import { RecordingLog, TestClock } from './three-ds-harness.js';

export const NOW = new Date('2026-11-24T10:00:00.000Z');

export const sokker: Merchant = {
  merchantId: 'merchant-1',
  name: 'Sokker AS',
  merchantSerialNumbers: ['123456', '234567'],
  allowCreditCards: true,
};

export const other: Merchant = {
  merchantId: 'merchant-2',
  name: 'Votter AS',
  merchantSerialNumbers: ['654321'],
  allowCreditCards: false,
};

/** Only what a merchant's webhook routes read and write, kept per merchant. */
export class InMemoryWebhookStore implements WebhookStore {
  readonly endpoints = new Map<string, WebhookEndpoint>();
  readonly events: PaymentEvent[] = [];
  readonly attempts: DeliveryAttempt[] = [];
  readonly eventQueries: Array<{ merchantId: string; query: object }> = [];

  putEndpoint(endpoint: WebhookEndpoint) {
    this.endpoints.set(`${endpoint.merchantId}#${endpoint.endpointId}`, structuredClone(endpoint));
    return Promise.resolve();
  }
  getEndpoint(merchantId: string, endpointId: string) {
    return Promise.resolve(structuredClone(this.endpoints.get(`${merchantId}#${endpointId}`)));
  }
  listEndpoints(merchantId: string) {
    return Promise.resolve([...this.endpoints.values()].filter((e) => e.merchantId === merchantId));
  }
  deleteEndpoint(merchantId: string, endpointId: string) {
    return Promise.resolve(this.endpoints.delete(`${merchantId}#${endpointId}`));
  }
  putEvent(event: PaymentEvent) {
    this.events.push(event);
    return Promise.resolve();
  }
  getEvent(merchantId: string, eventId: string) {
    return Promise.resolve(this.events.find((e) => e.merchantId === merchantId && e.id === eventId));
  }
  listEvents(
    merchantId: string,
    query: { after?: string; pspTransactionId?: string; limit: number },
  ): Promise<EventPage> {
    this.eventQueries.push({ merchantId, query });
    const events = this.events.filter(
      (e) =>
        e.merchantId === merchantId &&
        (!query.pspTransactionId || e.pspTransactionId === query.pspTransactionId),
    );
    const start = query.after ? events.findIndex((e) => e.id === query.after) + 1 : 0;
    const page = events.slice(start, start + query.limit);
    const last = page.at(-1);
    return Promise.resolve({
      events: page,
      ...(last && start + query.limit < events.length ? { next: last.id } : {}),
    });
  }
  recordAttempt(attempt: DeliveryAttempt) {
    this.attempts.push(attempt);
    return Promise.resolve();
  }
  listAttempts(eventId: string) {
    return Promise.resolve(this.attempts.filter((a) => a.eventId === eventId));
  }
}

/** A Vipps whose init answers a landing page per call; `details` is what getDetails returns. */
export function scriptedVipps() {
  const inits: Array<{ request: VippsInitRequest; key: string }> = [];
  const detailsAsked: Array<{ msn: string; id: string }> = [];
  let details: () => Promise<unknown> = () => Promise.resolve({ transactionSummary: 'at Vipps' });
  const vipps: VippsApi = {
    initiatePayment: (request, key) => {
      inits.push({ request, key });
      return Promise.resolve({ vippsRedirectUrl: `https://vipps.example/landing/${inits.length}` });
    },
    updateStatus: () => Promise.reject(new Error('not used by the Merchant API')),
    getDetails: (msn, id) => {
      detailsAsked.push({ msn, id });
      return details() as ReturnType<VippsApi['getDetails']>;
    },
  };
  return { vipps, inits, detailsAsked, answerDetails: (fn: () => Promise<unknown>) => void (details = fn) };
}

/** Runs the work once per call and records what the handler asked it to keep, and the answer it would keep. */
export function recordingIdempotency() {
  const requests: IdempotentRequest[] = [];
  const kept: HttpResult[] = [];
  const runner: IdempotencyRunner = async (request, _context, work) => {
    requests.push(structuredClone(request));
    const result = await work();
    kept.push(structuredClone(result));
    return result;
  };
  return { runner, requests, kept };
}

export function merchantApi(options: { transactions?: Transaction[]; deps?: Partial<MerchantApiDeps> } = {}) {
  const transactions = new InMemoryTransactionStore(options.transactions);
  const ledger = new SandboxLedger();
  const enqueued: StatusUpdate[] = [];
  const deliveries: Array<{ task: DeliveryTask; delaySeconds: number }> = [];
  const webhooks = new InMemoryWebhookStore();
  const log = new RecordingLog();
  const vipps = scriptedVipps();
  const idempotency = recordingIdempotency();
  const deps: MerchantApiDeps = {
    transactions,
    acquirer: new SandboxAcquirer({ ledger }),
    statusQueue: { enqueue: (u) => Promise.resolve(void enqueued.push(u)) },
    clock: new TestClock(NOW),
    log,
    vipps: vipps.vipps,
    idempotency: idempotency.runner,
    makePaymentUrl: 'https://psp.example/make-payment',
    paymentTtlSeconds: 900,
    maxBodyBytes: 4096,
    allowHttpRedirectUrl: false,
    webhooks,
    deliveries: {
      send: (task, delaySeconds) => Promise.resolve(void deliveries.push({ task, delaySeconds })),
    },
    vault: contextBoundVault(),
    ...options.deps,
  };
  const handler = createMerchantApiHandler(deps);
  const call = async (event: HttpEvent) => answer(await handler(event, lambdaContext()));
  return { call, deps, transactions, ledger, enqueued, deliveries, webhooks, log, vipps, idempotency };
}

export interface Answer {
  status: number;
  headers: Record<string, string | number | boolean>;
  body: Record<string, unknown>;
  raw: string;
}

export function answer(result: HttpResult): Answer {
  return {
    status: result.statusCode,
    headers: result.headers ?? {},
    body: result.body ? (JSON.parse(result.body) as Record<string, unknown>) : {},
    raw: result.body,
  };
}

/** An API Gateway (REST, proxy) event for `METHOD /resource`, authorised as `merchant`. */
export function apiEvent(
  method: string,
  resource: string,
  options: {
    merchant?: Merchant | null;
    path?: Record<string, string>;
    query?: Record<string, string>;
    body?: unknown;
    rawBody?: string;
    base64?: boolean;
    headers?: Record<string, string>;
    key?: string;
  } = {},
): HttpEvent {
  const merchant = options.merchant === undefined ? sokker : options.merchant;
  const text = options.rawBody ?? (options.body === undefined ? null : JSON.stringify(options.body));
  const headers: Record<string, string> = {
    ...(text ? { 'Content-Type': 'application/json' } : {}),
    ...(options.key ? { 'Idempotency-Key': options.key } : {}),
    ...options.headers,
  };
  let path = resource;
  for (const [name, value] of Object.entries(options.path ?? {})) path = path.replace(`{${name}}`, value);
  return {
    httpMethod: method,
    resource,
    path,
    pathParameters: options.path ?? null,
    queryStringParameters: options.query ?? null,
    headers,
    multiValueHeaders: {},
    multiValueQueryStringParameters: null,
    stageVariables: null,
    body: text !== null && options.base64 ? Buffer.from(text).toString('base64') : text,
    isBase64Encoded: options.base64 ?? false,
    requestContext: {
      requestId: 'api-req-1',
      authorizer: merchant ? { ...toAuthorizerContext(merchant), principalId: merchant.merchantId } : null,
    } as unknown as HttpEvent['requestContext'],
  };
}
