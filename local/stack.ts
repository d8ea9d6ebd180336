/**
 * The embedded local stack: dynalite, the SQS and KMS emulators, the Vipps simulator, the
 * sandbox acquirer and an API Gateway stand-in serving the real Lambda handler modules, plus an
 * SQS poller (the status updater's event-source mapping) and a scheduler (the reconciler's
 * EventBridge rule). Everything listens on 127.0.0.1; one stack per process.
 */
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ScheduledEvent } from 'aws-lambda';
import { sandboxLedger } from '../lambdas/adapters/acquirer/sandbox-acquirer.js';
import { createDynamoDbDocumentClient, createSqsClient } from '../lambdas/adapters/aws-clients.js';
import { DynamoMerchantStore } from '../lambdas/adapters/dynamo/merchant-store.js';
import { sha256Hex } from '../lambdas/core/secrets.js';
import { type FunctionName, functions } from '../lambdas/routes.js';
import { resetDependencies } from '../lambdas/wiring.js';
import { type AnyHandler, type HandlerTable, startApiHost } from './api-host.js';
import { createTables, localDynamoDbClient, startDynalite } from './dynalite.js';
import { startKmsEmulator } from './kms-emulator.js';
import { lambdaContext } from './lambda-context.js';
import { startScheduler } from './scheduler.js';
import { startSqsEmulator } from './sqs-emulator.js';
import { startSqsPoller } from './sqs-poller.js';
import { startVippsSimulator, type VippsSimulator } from './vipps-simulator/index.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const DEMO_MERCHANT = {
  merchantId: 'demo-merchant',
  name: 'Demo Sokker AS',
  // 123456 uses the PSP API v3, 234567 the ePayment API (CARD_PASSTHROUGH); one API key for both.
  merchantSerialNumbers: ['123456', '234567'],
  allowCreditCards: false,
  vippsApis: { '234567': 'epayment' as const },
};
export const DEMO_EPAYMENT_MSN = '234567';

const VIPPS_CREDENTIALS = {
  clientId: 'local-client-id',
  clientSecret: 'local-client-secret',
  subscriptionKey: 'local-subscription-key',
};
const STATUS_QUEUE = 'vipps-status-updates.fifo';
const STATUS_DLQ = 'vipps-status-updates-dlq.fifo';

export interface LocalStackOptions {
  /** API port; 0 picks a free one. */
  port?: number;
  /** dynalite data directory; in memory when absent. */
  dataDir?: string;
  merchantApiKey?: string;
  /** How often the reconciler runs (ms); 0 = only on demand (runReconciler()). */
  reconcilerEveryMs?: number;
  /** Status queue visibility timeout; AWS requires ≥ 6× the updater timeout. */
  statusQueueVisibilitySeconds?: number;
  maxReceiveCount?: number;
  /** Extra environment for the handlers (e.g. ACQUIRER_BUDGET_MS, PAYMENT_TTL_SECONDS). */
  env?: Record<string, string>;
}

export interface LocalStack {
  baseUrl: string;
  merchantApiKey: string;
  merchantSerialNumber: string;
  /** The demo merchant's sales unit on the ePayment API. */
  ePaymentSerialNumber: string;
  vipps: VippsSimulator;
  statusQueueUrl: string;
  statusDlqUrl: string;
  endpoints: { dynamodb: string; sqs: string; kms: string; vipps: string };
  environment: Record<string, string>;
  ledger: typeof sandboxLedger;
  /** Resolves when every status update has been delivered (or dead-lettered) and nothing runs. */
  statusQueueIdle(): Promise<void>;
  runReconciler(): Promise<void>;
  describe(): string[];
  stop(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const closers: Array<() => Promise<void>> = [];
  try {
    const dynamo = await startDynalite(options.dataDir ? { path: options.dataDir } : {});
    closers.push(() => dynamo.close());
    const tables = { payments: 'payments', idempotency: 'idempotency' };
    await createTables(localDynamoDbClient(dynamo.endpoint), tables);

    const sqs = await startSqsEmulator();
    closers.push(() => sqs.close());
    const dlq = sqs.createQueue(STATUS_DLQ, { FifoQueue: 'true' });
    const updaterTimeout = functions.statusUpdater.timeoutSeconds;
    const queue = sqs.createQueue(STATUS_QUEUE, {
      FifoQueue: 'true',
      VisibilityTimeout: String(options.statusQueueVisibilitySeconds ?? 6 * updaterTimeout),
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: dlq.queueArn,
        maxReceiveCount: options.maxReceiveCount ?? 5,
      }),
    });

    const kms = await startKmsEmulator({
      // With a data directory the keys survive restarts too: stored 3DS secrets stay readable.
      ...(options.dataDir ? { dataFile: join(options.dataDir, 'kms-keys.json') } : {}),
      keys: [
        { keySpec: 'RSA_2048', aliases: ['alias/vipps-card-data'], description: 'ENCRYPTEDCARD' },
        {
          keySpec: 'SYMMETRIC_DEFAULT',
          aliases: ['alias/envelope'],
          description: '3-D Secure session secrets',
        },
      ],
    });
    closers.push(() => kms.close());

    const host = await startApiHost({ port: options.port ?? 0 });
    closers.push(() => host.close());

    const vipps = await startVippsSimulator({
      merchants: DEMO_MERCHANT.merchantSerialNumbers,
      credentials: VIPPS_CREDENTIALS,
      cardDataPublicKeyPem: async () =>
        (await import('./public-key.js')).publicKeyPem(kms.endpoint, 'alias/vipps-card-data'),
    });
    closers.push(() => vipps.close());

    const environment: Record<string, string> = {
      STAGE: 'local',
      AWS_REGION: 'eu-north-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_SQS: sqs.endpoint,
      AWS_ENDPOINT_URL_KMS: kms.endpoint,
      TABLE_NAME: tables.payments,
      IDEMPOTENCY_TABLE_NAME: tables.idempotency,
      STATUS_QUEUE_URL: queue.queueUrl,
      STATUS_DLQ_URL: dlq.queueUrl,
      CARD_DATA_KEY_ID: 'alias/vipps-card-data',
      // On locally so the checklist can run Vipps' legacy ENCRYPTEDCARD scenarios; off by default.
      ENCRYPTED_CARD_ENABLED: 'true',
      ENVELOPE_KEY_ID: 'alias/envelope',
      PUBLIC_BASE_URL: host.baseUrl,
      VIPPS_BASE_URL: vipps.baseUrl,
      VIPPS_PSP_ID: 'local-psp-id',
      VIPPS_CLIENT_ID: VIPPS_CREDENTIALS.clientId,
      VIPPS_CLIENT_SECRET: VIPPS_CREDENTIALS.clientSecret,
      VIPPS_SUBSCRIPTION_KEY: VIPPS_CREDENTIALS.subscriptionKey,
      ACQUIRER: 'sandbox',
      POWERTOOLS_METRICS_DISABLED: 'true',
      ...options.env,
    };
    Object.assign(process.env, environment);
    resetDependencies();

    const handlers: HandlerTable = {};
    for (const [name, def] of Object.entries(functions) as Array<
      [FunctionName, (typeof functions)[FunctionName]]
    >) {
      const module = (await import(pathToFileURL(resolve(repoRoot, def.entry)).href)) as {
        handler: AnyHandler;
      };
      handlers[name] = module.handler;
    }
    host.setHandlers(handlers);

    const merchantApiKey = options.merchantApiKey ?? `demo_${randomBytes(24).toString('base64url')}`;
    const merchants = new DynamoMerchantStore({
      client: createDynamoDbDocumentClient({ endpoint: dynamo.endpoint, counter: false }),
      tableName: tables.payments,
    });
    await merchants.put(DEMO_MERCHANT, sha256Hex(merchantApiKey));

    const poller = startSqsPoller({
      sqs: createSqsClient({ endpoint: sqs.endpoint, counter: false }),
      queueUrl: queue.queueUrl,
      queueArn: queue.queueArn,
      batchSize:
        functions.statusUpdater.trigger?.kind === 'statusQueue'
          ? functions.statusUpdater.trigger.batchSize
          : 10,
      waitTimeSeconds: 1,
      handler: (event, context) =>
        (handlers.statusUpdater as (e: unknown, c: unknown) => Promise<never>)(event, context),
    });
    closers.push(() => poller.stop());

    const runReconciler = async () => {
      const event: ScheduledEvent = {
        version: '0',
        id: randomBytes(8).toString('hex'),
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        account: '000000000000',
        time: new Date().toISOString(),
        region: 'eu-north-1',
        resources: ['arn:aws:events:eu-north-1:000000000000:rule/reconciler'],
        detail: {},
      };
      await (handlers.reconciler as (e: unknown, c: unknown) => Promise<unknown>)(
        event,
        lambdaContext('reconciler', functions.reconciler.timeoutSeconds),
      );
    };
    const everyMs = options.reconcilerEveryMs ?? 60_000;
    if (everyMs > 0) {
      const scheduler = startScheduler({
        everyMs,
        run: runReconciler,
        onError: (e) => console.error('reconciler failed', e),
      });
      closers.push(() => scheduler.stop());
    }

    const stack: LocalStack = {
      baseUrl: host.baseUrl,
      merchantApiKey,
      merchantSerialNumber: DEMO_MERCHANT.merchantSerialNumbers[0]!,
      ePaymentSerialNumber: DEMO_EPAYMENT_MSN,
      vipps,
      statusQueueUrl: queue.queueUrl,
      statusDlqUrl: dlq.queueUrl,
      endpoints: { dynamodb: dynamo.endpoint, sqs: sqs.endpoint, kms: kms.endpoint, vipps: vipps.baseUrl },
      environment,
      ledger: sandboxLedger,
      statusQueueIdle: () => poller.idle(),
      runReconciler,
      describe: () => [
        `Merchant API      ${host.baseUrl}/v1/payments   (Authorization: Bearer ${merchantApiKey})`,
        `makePaymentUrl    ${host.baseUrl}/vipps/make-payment`,
        `3-D Secure pages  ${host.baseUrl}/3ds/{sessionId}`,
        `Vipps simulator   ${vipps.baseUrl}   (approve: POST /psp/v3/integration-test/psppayments/{id}/approve)`,
        `DynamoDB (dynalite) ${dynamo.endpoint}${options.dataDir ? `  data: ${options.dataDir}` : '  (in memory)'}`,
        `SQS emulator      ${sqs.endpoint}   status queue ${queue.queueUrl}`,
        // What the runbook's redrive needs: aws --endpoint-url <SQS emulator> sqs start-message-move-task …
        `  DLQ redrive       --source-arn ${dlq.queueArn} --destination-arn ${queue.queueArn}`,
        `KMS emulator      ${kms.endpoint}`,
        `Demo merchant     ${DEMO_MERCHANT.name}, MSN ${DEMO_MERCHANT.merchantSerialNumbers[0]} (PSP API v3), MSN ${DEMO_EPAYMENT_MSN} (ePayment)`,
        `Card callback     ${host.baseUrl}/vipps/card-callback   (ePayment approve: POST /epayment/v1/test/payments/{reference}/approve)`,
      ],
      stop: async () => {
        for (const close of closers.reverse()) await close().catch(() => undefined);
      },
    };
    return stack;
  } catch (error) {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    throw error;
  }
}
