/**
 * The Lambda entries of the ePayment card callback and the Vipps webhooks, loaded with a local
 * stage's configuration: they verify with the configured secrets and URLs, refuse bodies over
 * the route's limit, emit the metric and the request id ops rely on, and take the card
 * callback's settings from the configuration. Nothing here reaches a store: every request is
 * answered before one is read.
 */
import type { Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { HttpEvent, HttpResult } from '../../lambdas/handlers/http/api-gateway.js';
import { resetDependencies } from '../../lambdas/wiring.js';
import { signedEvent } from '../support/epayment-fakes.js';
import { unreachableLocalEnvironment } from '../support/stage-config.js';
import { lambdaContext } from '../support/lambda-context.js';

const PUBLIC_BASE_URL = 'https://psp.example';
const CLIENT_SECRET = 'local-client-secret';
const WEBHOOK_SECRET = 'local-webhook-secret';
const LIMIT = 16 * 1024; // the routes' limit for Vipps' bodies

const environment: Record<string, string> = {
  ...unreachableLocalEnvironment,
  PUBLIC_BASE_URL,
  VIPPS_CLIENT_ID: 'client',
  VIPPS_CLIENT_SECRET: CLIENT_SECRET,
  VIPPS_SUBSCRIPTION_KEY: 'subscription',
  VIPPS_WEBHOOK_SECRET: WEBHOOK_SECRET,
  ACQUIRER_BUDGET_MS: '4321',
  THREE_DS_SESSION_TTL_SECONDS: '600',
  CARD_CALLBACK_FAIL_CODES: '{"82":{"errorCode":5,"errorMessage":"Declined"}}',
  POWERTOOLS_SERVICE_NAME: 'vipps-psp',
};

const saved = { ...process.env };
function useEnvironment(env: Record<string, string>) {
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved, env);
  resetDependencies();
}

let cardCallback: typeof import('../../lambdas/handlers/card-callback.js');
let webhooks: typeof import('../../lambdas/handlers/vipps-webhooks.js');
const written: string[] = [];

beforeAll(async () => {
  useEnvironment(environment);
  cardCallback = await import('../../lambdas/handlers/card-callback.js');
  webhooks = await import('../../lambdas/handlers/vipps-webhooks.js');
});
afterEach(() => {
  vi.restoreAllMocks();
  written.length = 0;
  useEnvironment(environment);
});
afterAll(() => useEnvironment({}));

const context = lambdaContext({
  functionName: 'card-callback',
  awsRequestId: 'lambda-request-1',
  remainingMs: 15_000,
});

/** Invoke an entry with API Gateway's request id, keeping what it writes (logs, EMF). */
async function invoke(
  handler: (event: HttpEvent, context: Context) => Promise<HttpResult>,
  event: HttpEvent,
): Promise<HttpResult> {
  // Powertools writes JSON lines: EMF and info to stdout, warnings and errors to stderr.
  for (const stream of [process.stdout, process.stderr])
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
  const withId = { ...event, requestContext: { ...event.requestContext, requestId: 'apigw-request-7' } };
  return handler(withId as unknown as HttpEvent, context);
}

const now = () => new Date();

describe('card callback entry', () => {
  const url = `${PUBLIC_BASE_URL}/vipps/card-callback`;

  it('verifies with the Vipps client secret and our PUBLIC_BASE_URL: a signed non-JSON body is read (400)', async () => {
    const ok = await invoke(cardCallback.handler, signedEvent(url, 'not json', CLIENT_SECRET, now()));
    expect({ status: ok.statusCode, body: JSON.parse(ok.body) as unknown }).toEqual({
      status: 400,
      body: { message: 'Body is not JSON' },
    });
    const wrong = await invoke(cardCallback.handler, signedEvent(url, 'not json', 'another-secret', now()));
    expect(wrong.statusCode).toBe(401);
  });

  it('refuses a body over the route’s limit before anything else', async () => {
    const tooLarge = 'x'.repeat(LIMIT + 1);
    const refused = await invoke(cardCallback.handler, signedEvent(url, tooLarge, CLIENT_SECRET, now()));
    expect(JSON.parse(refused.body)).toEqual({ message: 'Body too large' });
    const atLimit = await invoke(
      cardCallback.handler,
      signedEvent(url, 'x'.repeat(LIMIT), CLIENT_SECRET, now()),
    );
    expect(JSON.parse(atLimit.body)).toEqual({ message: 'Body is not JSON' });
  });

  it('emits the CardCallbackAnswer metric and logs with API Gateway’s request id', async () => {
    await invoke(cardCallback.handler, signedEvent(url, '{}', 'another-secret', now()));
    const lines = written.join('').split('\n').filter(Boolean);
    const emf = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => '_aws' in l);
    expect(emf).toMatchObject({ CardCallbackAnswer: 1, result: '401' });
    const refusal = lines.find((l) => l.includes('Card callback signature refused'));
    expect(JSON.parse(refusal!)).toMatchObject({ correlation_id: 'apigw-request-7' });
  });

  it('takes its authorisation settings from the configuration', () => {
    const f = cardCallback.cardCallbackFactories;
    expect(f.acquirerBudgetMs()).toBe(4321);
    expect(f.threeDsSessionTtlSeconds()).toBe(600);
    expect(f.failCodes()).toEqual({ '82': { errorCode: 5, errorMessage: 'Declined' } });
    expect(f.maxBodyBytes()).toBe(LIMIT);
  });

  it('accepts plain-http operation URLs on loopback on the local stage only', () => {
    expect(cardCallback.cardCallbackFactories.allowHttpOnLoopback()).toBe(true);
    useEnvironment({ ...environment, STAGE: 'sandbox' });
    expect(cardCallback.cardCallbackFactories.allowHttpOnLoopback()).toBe(false);
  });
});

describe('Vipps webhooks entry', () => {
  const url = `${PUBLIC_BASE_URL}/vipps/webhooks`;

  it('verifies with VIPPS_WEBHOOK_SECRET and our PUBLIC_BASE_URL', async () => {
    const ok = await invoke(webhooks.handler, signedEvent(url, 'not json', WEBHOOK_SECRET, now()));
    expect(JSON.parse(ok.body)).toEqual({ message: 'Body is not JSON' });
    const wrong = await invoke(webhooks.handler, signedEvent(url, 'not json', CLIENT_SECRET, now()));
    expect(wrong.statusCode).toBe(401);
  });

  it('refuses a body over the route’s limit; exactly the limit is read', async () => {
    const refused = await invoke(
      webhooks.handler,
      signedEvent(url, 'x'.repeat(LIMIT + 1), WEBHOOK_SECRET, now()),
    );
    expect(JSON.parse(refused.body)).toEqual({ message: 'Body too large' });
    const atLimit = await invoke(
      webhooks.handler,
      signedEvent(url, 'x'.repeat(LIMIT), WEBHOOK_SECRET, now()),
    );
    expect(JSON.parse(atLimit.body)).toEqual({ message: 'Body is not JSON' });
  });

  it('emits the VippsWebhook metric by HTTP status and logs with API Gateway’s request id', async () => {
    await invoke(webhooks.handler, signedEvent(url, '{}', 'wrong', now()));
    const lines = written.join('').split('\n').filter(Boolean);
    const emf = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => '_aws' in l);
    expect(emf).toMatchObject({ VippsWebhook: 1, result: '401' });
    const refusal = lines.find((l) => l.includes('Vipps webhook signature refused'));
    expect(JSON.parse(refusal!)).toMatchObject({ correlation_id: 'apigw-request-7' });
  });
});
