/**
 * End-to-end helpers: boot the embedded local stack (one per test file: the handler modules
 * are process-wide) and talk to it over real HTTP, the way merchants and Vipps do. Tests run the
 * handlers in their own process unless they ask for `workers: true` (each function in its own
 * worker threads, as in Lambda): the race tests do, so that concurrent requests really race.
 */
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../local/stack.js';
import { testAws, uniqueResourcePrefix } from './test-aws.js';

export type { LocalStack };

/**
 * With the embedded Vipps simulator; on moto's DynamoDB and SQS under `npm run test:moto`.
 * LOCAL_STACK_WORKERS=true runs every e2e file on the worker stack (slower; a periodic check),
 * with two warm workers per HTTP function so a second request in flight does not wait for a
 * cold start.
 */
export async function bootLocalStack(
  options: LocalStackOptions & { external?: { vipps?: undefined } } = {},
): Promise<LocalStack> {
  const aws = testAws();
  const workers =
    process.env.LOCAL_STACK_WORKERS === 'true'
      ? { workers: true, warmWorkers: { merchantAuthorizer: 2, merchantApi: 2, makePayment: 2, threeDs: 2 } }
      : { workers: false };
  return startLocalStack({
    reconcilerEveryMs: 0,
    acquirer: 'sandbox',
    ...workers,
    ...options,
    ...(aws ? { external: { ...options.external, aws, resourcePrefix: uniqueResourcePrefix() } } : {}),
  });
}

export interface HttpAnswer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

async function answer<T>(response: Response): Promise<HttpAnswer<T>> {
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined; // not JSON (e.g. an HTML page): tests read `text`
  }
  return { status: response.status, headers: response.headers, body: body as T, text };
}

let orderCounter = 0;
export const newOrderId = (prefix = 'order') =>
  `${prefix}-${Date.now().toString(36)}-${(++orderCounter).toString(36)}`;

/** A merchant's back end calling our Merchant API. */
export function merchantClient(stack: LocalStack, apiKey = stack.merchantApiKey) {
  const headers = (key?: string) => ({
    Authorization: `Bearer ${apiKey}`,
    'Content-Type': 'application/json',
    ...(key ? { 'Idempotency-Key': key } : {}),
  });
  const post = async <T = Record<string, unknown>>(
    path: string,
    body: unknown,
    key: string | undefined = `k-${newOrderId()}`,
  ) =>
    answer<T>(
      await fetch(`${stack.baseUrl}${path}`, {
        method: 'POST',
        headers: headers(key),
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    );
  return {
    post,
    get: async <T = Record<string, unknown>>(path: string) =>
      answer<T>(await fetch(`${stack.baseUrl}${path}`, { headers: headers() })),
    createPayment: (overrides: Record<string, unknown> = {}, key?: string) =>
      post<{ pspTransactionId: string; vippsRedirectUrl: string; status: string }>(
        '/v1/payments',
        {
          merchantSerialNumber: stack.merchantSerialNumber,
          merchantOrderId: newOrderId(),
          amount: 10_000,
          currency: 'NOK',
          paymentText: 'One pair of socks',
          redirectUrl: 'https://shop.example/thanks',
          ...overrides,
        },
        key,
      ),
    payment: async (id: string) =>
      answer<Record<string, unknown> & { status: string }>(
        await fetch(`${stack.baseUrl}/v1/payments/${id}`, { headers: headers() }),
      ),
    capture: (id: string, amount: number, key?: string) =>
      post(`/v1/payments/${id}/capture`, { amount }, key),
    refund: (id: string, amount: number, key?: string) => post(`/v1/payments/${id}/refund`, { amount }, key),
    cancel: (id: string, key?: string) => post(`/v1/payments/${id}/cancel`, {}, key),
  };
}

/** Create a payment and let the simulator approve it (Vipps calls our makePaymentUrl). */
export async function reservedPayment(stack: LocalStack, amount = 10_000): Promise<string> {
  const created = await merchantClient(stack).createPayment({ amount });
  if (created.status !== 201) throw new Error(`create failed: ${created.text}`);
  const approval = await stack.vipps.approve(created.body.pspTransactionId);
  if (approval.outcome !== 'OK')
    throw new Error(`approve failed: ${JSON.stringify(approval.makePaymentExchanges.at(-1)?.response)}`);
  return created.body.pspTransactionId;
}

/**
 * Send `workers` Merchant API reads at once, twice, so that each warm worker has built its clients
 * and connections: a race test then races two ready environments, not a ready one and a first use.
 */
export async function everyWorkerUsed(stack: LocalStack, workers: number): Promise<void> {
  const merchant = merchantClient(stack);
  for (let round = 0; round < 2; round++)
    await Promise.all(
      Array.from({ length: workers }, () => merchant.payment('ffffffffffffffffffffffffffffffff')),
    );
}
