/**
 * The Merchant API: route → validate → (idempotency) → one use case → response.
 * `createMerchantApiHandler` takes every dependency explicitly; merchant-api.ts wires the real ones.
 */
import type { Context } from 'aws-lambda';
import type * as z from 'zod/mini';
import type { VippsApi } from '../../core/ports.js';
import { createPayment } from '../../core/use-cases/create-payment.js';
import { loadOwnedPayment } from '../../core/use-cases/owned-payment.js';
import {
  type PaymentOperationDeps,
  cancelPayment,
  capturePayment,
  refundPayment,
} from '../../core/use-cases/payment-operations.js';
import { paymentView } from '../../core/use-cases/payment-view.js';
import type { Merchant } from '../../core/ports.js';
import type { HttpEvent, HttpResult } from '../http/api-gateway.js';
import {
  bodyBytes,
  bodyText,
  header,
  isJsonContentType,
  json,
  parseJson,
  problem,
} from '../http/api-gateway.js';
import { describeIssues } from '../http/zod-issues.js';
import { IDEMPOTENCY_KEY_PATTERN, type IdempotencyRunner } from './idempotency.js';
import { merchantFromEvent } from './merchant-context.js';
import type { EPaymentApi } from '../../core/epayment-port.js';
import type { EPaymentStartDeps } from '../../core/use-cases/start-at-vipps.js';
import type { VippsApiName } from '../../core/vipps-api.js';
import { problemFor } from './problems.js';
import { amountSchema, cancelSchema, createPaymentSchema } from './schemas.js';
import { WEBHOOK_ROUTES, type WebhookApiDeps, type WebhookRouteInput, withSecret } from './webhook-routes.js';

export interface MerchantApiDeps extends PaymentOperationDeps, WebhookApiDeps {
  vipps: VippsApi;
  idempotency: IdempotencyRunner;
  makePaymentUrl: string;
  /** The ePayment create, for sales units on ePayment. */
  epayment?: EPaymentStartDeps;
  /** Vipps' view of an ePayment payment, for ?include=vipps. */
  ePaymentReader?: Pick<EPaymentApi, 'getPayment'>;
  paymentTtlSeconds: number;
  maxBodyBytes: number;
  /** Only the local stage lets a merchant send an http (not https) redirectUrl. */
  allowHttpRedirectUrl: boolean;
  /** Our hosted checkout page for a payment (a signed, expiring link), for the create answer. */
  checkoutUrl?: (pspTransactionId: string) => Promise<string>;
}

type Action<T> = (
  merchant: Merchant,
  input: { id: string; body: T; key: string | undefined } & Omit<WebhookRouteInput<T>, 'id' | 'body'>,
  deps: MerchantApiDeps,
) => Promise<HttpResult>;

interface Route<T> {
  /** The body schema, or a choice of schema by the deployment's settings. */
  schema?: z.ZodMiniType<T> | ((deps: MerchantApiDeps) => z.ZodMiniType<T>);
  action: Action<T>;
}

const createSchemas = {
  local: createPaymentSchema({ allowHttpRedirectUrl: true }),
  deployed: createPaymentSchema({ allowHttpRedirectUrl: false }),
};

const route = <T>(r: Route<T>): Route<unknown> => r as Route<unknown>;

const ROUTES: Record<string, Route<unknown>> = {
  'POST /v1/payments': route({
    schema: (deps) => (deps.allowHttpRedirectUrl ? createSchemas.local : createSchemas.deployed),
    action: async (merchant, { body, key }, deps) => {
      const created = await createPayment(merchant, body, deps, key);
      const checkoutUrl = await deps.checkoutUrl?.(created.pspTransactionId);
      return json(
        201,
        { ...created, ...(checkoutUrl ? { checkoutUrl } : {}) },
        {
          Location: `/v1/payments/${created.pspTransactionId}`,
        },
      );
    },
  }),
  'GET /v1/payments/{pspTransactionId}': route({
    action: async (merchant, { id }, deps) =>
      json(200, paymentView(await loadOwnedPayment(deps.transactions, merchant, id))),
  }),
  'POST /v1/payments/{pspTransactionId}/capture': route({
    schema: amountSchema,
    action: async (merchant, { id, body, key }, deps) =>
      json(200, paymentView(await capturePayment(merchant, id, body.amount, key, deps))),
  }),
  'POST /v1/payments/{pspTransactionId}/refund': route({
    schema: amountSchema,
    action: async (merchant, { id, body, key }, deps) =>
      json(200, paymentView(await refundPayment(merchant, id, body.amount, key, deps))),
  }),
  'POST /v1/payments/{pspTransactionId}/cancel': route({
    schema: cancelSchema,
    action: async (merchant, { id, key }, deps) =>
      json(200, paymentView(await cancelPayment(merchant, id, key, deps))),
  }),
  ...(WEBHOOK_ROUTES as Record<string, Route<unknown>>),
};

export function createMerchantApiHandler(deps: MerchantApiDeps) {
  return async function merchantApi(event: HttpEvent, context: Context): Promise<HttpResult> {
    const merchant = merchantFromEvent(event);
    if (!merchant)
      return problem(
        401,
        'unauthorized',
        'Missing or invalid API key',
        'Send Authorization: Bearer <your API key>.',
      );
    const routeKey = `${event.httpMethod} ${event.resource}`;
    const handlerRoute = ROUTES[routeKey];
    if (!handlerRoute) return problem(404, 'route-not-found', 'No such route', routeKey);
    const id = event.pathParameters?.pspTransactionId ?? event.pathParameters?.id ?? '';
    const query = event.queryStringParameters ?? {};
    let secret: string | undefined;
    const showOnce = (shown: string) => {
      secret = shown;
    };

    // DELETE is idempotent by itself: no Idempotency-Key, like GET.
    if (event.httpMethod === 'GET' || event.httpMethod === 'DELETE') {
      const result = await run(
        () => handlerRoute.action(merchant, { id, body: undefined, key: undefined, query, showOnce }, deps),
        deps,
      );
      return event.queryStringParameters?.include === 'vipps' && result.statusCode === 200
        ? withVippsDetails(result, merchant, id, deps)
        : result;
    }

    const parsed = parseBody(event, handlerRoute, deps);
    if ('problem' in parsed) return parsed.problem;
    const key = header(event, 'Idempotency-Key');
    if (!key) {
      return problem(
        400,
        'idempotency-key-required',
        'Idempotency-Key header required',
        'Every POST needs an Idempotency-Key (1–64 characters) so a retry cannot act twice.',
      );
    }
    if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
      return problem(
        400,
        'idempotency-key-invalid',
        'Invalid Idempotency-Key',
        'Use 1–64 characters: letters, digits, _ . : -',
      );
    }
    const result = await deps.idempotency(
      { merchantId: merchant.merchantId, key, fingerprint: { route: routeKey, id, body: parsed.body } },
      context,
      () =>
        run(() => handlerRoute.action(merchant, { id, body: parsed.body, key, query, showOnce }, deps), deps),
    );
    return secret ? withSecret(result, secret) : result;
  };
}

function parseBody(
  event: HttpEvent,
  r: Route<unknown>,
  deps: MerchantApiDeps,
): { body: unknown } | { problem: HttpResult } {
  const maxBodyBytes = deps.maxBodyBytes;
  if (bodyBytes(event) > maxBodyBytes) {
    return {
      problem: problem(413, 'payload-too-large', 'Request body too large', `At most ${maxBodyBytes} bytes`),
    };
  }
  const text = bodyText(event);
  let value: unknown = {};
  if (text.trim() !== '') {
    if (!isJsonContentType(header(event, 'Content-Type'))) {
      return {
        problem: problem(415, 'unsupported-media-type', 'Send JSON', 'Content-Type must be application/json'),
      };
    }
    const result = parseJson(text);
    if (!result.ok)
      return { problem: problem(400, 'malformed-json', 'Body is not valid JSON', result.message) };
    value = result.value;
  }
  // Stryker disable next-line ConditionalExpression,ObjectLiteral: unreachable today, every POST route declares a schema (GET/DELETE never parse a body)
  if (!r.schema) return { body: value };
  const schema = typeof r.schema === 'function' ? r.schema(deps) : r.schema;
  const checked = schema.safeParse(value, { reportInput: true });
  if (!checked.success) {
    const errors = describeIssues(checked.error);
    return {
      problem: problem(
        400,
        'validation-error',
        'The request is not valid',
        errors.map((e) => `${e.field}: ${e.message}`).join('; '),
        {
          errors,
        },
      ),
    };
  }
  return { body: checked.data };
}

async function run(action: () => Promise<HttpResult>, deps: MerchantApiDeps): Promise<HttpResult> {
  try {
    return await action();
  } catch (error) {
    const mapped = problemFor(error);
    if (mapped) return mapped;
    deps.log.error('Merchant API request failed', { error: error as Error });
    return problem(
      500,
      'internal-error',
      'Internal error',
      'Something went wrong on our side; it is safe to retry with the same Idempotency-Key.',
    );
  }
}

async function withVippsDetails(
  result: HttpResult,
  merchant: Merchant,
  id: string,
  deps: MerchantApiDeps,
): Promise<HttpResult> {
  const view = JSON.parse(result.body) as { merchantSerialNumber: string; vippsApi: VippsApiName };
  try {
    // Each API's own view: PSP API v3 details, or the ePayment payment (state and aggregate).
    const vipps =
      view.vippsApi === 'epayment' && deps.ePaymentReader
        ? await deps.ePaymentReader.getPayment(view.merchantSerialNumber, id)
        : await deps.vipps.getDetails(view.merchantSerialNumber, id);
    return json(200, { ...view, vipps });
  } catch (error) {
    deps.log.warn('Vipps details unavailable', {
      pspTransactionId: id,
      merchantId: merchant.merchantId,
      error: String(error),
    });
    return json(200, { ...view, vipps: { error: 'Vipps details are unavailable right now' } });
  }
}
