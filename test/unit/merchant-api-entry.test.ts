/**
 * The Merchant API's Lambda entry with its real wiring: the body limit is the largest any
 * Merchant API route declares, and only the local stage takes an http redirectUrl. Both are
 * decided before any AWS service is called, so no table or queue is needed here.
 */
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpEvent, HttpResult } from '../../lambdas/handlers/http/api-gateway.js';
import { resetDependencies } from '../../lambdas/wiring/context.js';
import { answer, apiEvent } from '../support/merchant-api-harness.js';
import { sandboxLambdaEnvironment } from '../support/stage-config.js';
import { lambdaContext } from '../support/lambda-context.js';

const env = sandboxLambdaEnvironment;
const saved = { ...process.env };
let handler: (event: HttpEvent, context: Context) => Promise<HttpResult>;

function onStage(STAGE: string) {
  Object.assign(process.env, env, { STAGE });
  resetDependencies();
}

beforeAll(async () => {
  onStage('sandbox');
  ({ handler } = await import('../../lambdas/handlers/merchant-api.js'));
});
afterAll(() => {
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
  resetDependencies();
});

const context = lambdaContext({ functionName: 'merchant-api' });
const call = async (event: HttpEvent) => answer(await handler(event, context));

const order = {
  merchantSerialNumber: '123456',
  merchantOrderId: 'order-1',
  amount: 1_000,
  currency: 'NOK',
  paymentText: 'Socks',
  redirectUrl: 'http://localhost:3000/done',
};
/** A create body (no Idempotency-Key) padded by JSON whitespace to exactly `bytes`. */
const createOf = (bytes: number) => {
  const text = JSON.stringify(order);
  return apiEvent('POST', '/v1/payments', { rawBody: text + ' '.repeat(bytes - text.length) });
};

describe('Merchant API entry', () => {
  it('reads a body of 16 KiB, the largest a Merchant API route allows, and refuses one byte more', async () => {
    onStage('local');
    expect((await call(createOf(16 * 1024))).body.type).toBe('/problems/idempotency-key-required');
    expect(await call(createOf(16 * 1024 + 1))).toMatchObject({
      status: 413,
      body: { type: '/problems/payload-too-large', detail: 'At most 16384 bytes' },
    });
  });

  it('takes an http redirectUrl on the local stage only', async () => {
    onStage('local');
    expect((await call(createOf(500))).body.type).toBe('/problems/idempotency-key-required');
    onStage('sandbox');
    expect(await call(createOf(500))).toMatchObject({
      status: 400,
      body: { type: '/problems/validation-error', errors: [{ field: 'redirectUrl' }] },
    });
  });
});
