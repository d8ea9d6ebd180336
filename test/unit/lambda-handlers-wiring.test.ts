/**
 * The Lambda entry points of the checkout page, the Adyen webhook and webhook delivery, built from
 * the real wiring with a local-stage configuration: they read their settings (the button script,
 * the Adyen HMAC key) from the environment and answer requests that need no table or queue.
 */
import AdyenHmacValidator from '@adyen/api-library/lib/src/utils/hmacValidator.js';
import type { NotificationRequestItem } from '@adyen/api-library/lib/src/typings/notification/notificationRequestItem.js';
import type { APIGatewayProxyEvent, Context, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cjsDefault } from '../../lambdas/adapters/acquirer/adyen/cjs-default.js';
// Imported up front, as Lambda does: importing an entry reads no configuration.
import { handler as adyenWebhook } from '../../lambdas/handlers/adyen-webhook.js';
import { handler as checkout } from '../../lambdas/handlers/checkout.js';
import { handler as webhookDelivery } from '../../lambdas/handlers/webhook-delivery.js';
import { resetDependencies } from '../../lambdas/wiring/context.js';
import { unreachableLocalEnvironment } from '../support/stage-config.js';

const HMAC_KEY = '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056';
const BUTTON_SCRIPT = 'https://button.vipps.example/v1/button.js';

const env = {
  ...unreachableLocalEnvironment,
  PUBLIC_BASE_URL: 'http://127.0.0.1:3000',
  VIPPS_CLIENT_ID: 'client',
  VIPPS_CLIENT_SECRET: 'secret',
  VIPPS_SUBSCRIPTION_KEY: 'sub',
  ACQUIRER: 'adyen',
  ADYEN_API_KEY: 'api-key',
  ADYEN_HMAC_KEY: HMAC_KEY,
  ADYEN_MERCHANT_ACCOUNT: 'PspNorway',
  CHECKOUT_BUTTON_SCRIPT_URL: BUTTON_SCRIPT,
  // What ops see: info lines, and the cold start as Lambda reports it.
  POWERTOOLS_LOG_LEVEL: 'INFO',
  AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
};

/** The JSON lines the functions wrote (logs and EMF to stdout, warnings to stderr). */
const written: Array<Record<string, unknown>> = [];
const capture = (chunk: string | Uint8Array) => {
  for (const line of String(chunk).split('\n').filter(Boolean)) {
    try {
      written.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // not a JSON line of ours
    }
  }
  return true;
};
const lineWith = (message: string) => written.find((l) => l.message === message);

const context = { awsRequestId: 'lambda-1', functionName: 'psp-test' } as unknown as Context;

describe('Lambda entry points built from the wiring', () => {
  beforeAll(() => {
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
    resetDependencies();
    vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  });
  afterAll(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    resetDependencies();
  });

  it('the checkout page refuses a tampered link, allowing the configured button script', async () => {
    const event = {
      httpMethod: 'GET',
      headers: {},
      pathParameters: { token: 'not-a-link' },
      requestContext: { requestId: 'r-1' },
    } as unknown as APIGatewayProxyEvent;
    for (const _twice of [1, 2]) {
      const result = await checkout(event, context);
      expect(result.statusCode).toBe(400);
      expect(result.headers?.['Content-Security-Policy']).toContain('https://button.vipps.example');
    }
    expect(lineWith('Checkout link refused')).toMatchObject({
      problem: 'TAMPERED_LINK',
      correlation_id: 'r-1',
    });
  });

  it('the Adyen webhook verifies with the configured HMAC key', async () => {
    const validator = new (cjsDefault(AdyenHmacValidator))();
    const item = {
      amount: { currency: 'NOK', value: 100 },
      eventCode: 'REPORT_AVAILABLE',
      merchantAccountCode: 'PspNorway',
      merchantReference: 'report-1',
      pspReference: 'PSP-1',
      success: 'true',
    };
    const signedWith = (key: string) =>
      ({
        httpMethod: 'POST',
        headers: {},
        requestContext: { requestId: 'adyen-r-1' },
        body: JSON.stringify({
          live: 'false',
          notificationItems: [
            {
              NotificationRequestItem: {
                ...item,
                additionalData: {
                  hmacSignature: validator.calculateHmac(item as unknown as NotificationRequestItem, key),
                },
              },
            },
          ],
        }),
      }) as unknown as APIGatewayProxyEvent;

    expect(await adyenWebhook(signedWith(HMAC_KEY), context)).toMatchObject({
      statusCode: 200,
      body: '[accepted]',
    });
    expect(await adyenWebhook(signedWith('BB'.repeat(32)), context)).toMatchObject({ statusCode: 401 });
    // One function instance: only its first invocation is a cold start.
    expect(lineWith('Adyen webhook accepted')).toMatchObject({ cold_start: true });
    expect(lineWith('Adyen webhook refused')).toMatchObject({
      problem: 'signature',
      correlation_id: 'adyen-r-1',
      cold_start: false,
    });
  });

  it('webhook delivery drops an unreadable task without failing the message, and emits metrics', async () => {
    const event = { Records: [{ messageId: 'm-1', body: 'not a task' }] } as unknown as SQSEvent;
    expect(await webhookDelivery(event, context)).toEqual({ batchItemFailures: [] });
    expect(await webhookDelivery(event, context)).toEqual({ batchItemFailures: [] });
    expect(lineWith('Unreadable webhook delivery task dropped')).toMatchObject({ messageId: 'm-1' });
    expect(written.filter((l) => 'ColdStart' in l)).toHaveLength(1);
  });
});
