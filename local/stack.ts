/**
 * The embedded local stack: dynalite, the SQS and KMS emulators, the Vipps simulator, the
 * sandbox acquirer and an API Gateway stand-in serving the real Lambda handler modules, plus an
 * SQS poller (the status updater's event-source mapping) and a scheduler (the reconciler's
 * EventBridge rule). Each function runs in its own worker threads, like Lambda (or, with
 * `workers: false`, in this process). Everything listens on 127.0.0.1; one stack per process.
 */
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ScheduledEvent } from 'aws-lambda';
import { sandboxLedger } from '../lambdas/adapters/acquirer/sandbox-acquirer.js';
import { createDynamoDbDocumentClient, createSqsClient } from '../lambdas/adapters/aws-clients.js';
import { DynamoMerchantStore } from '../lambdas/adapters/dynamo/merchant-store.js';
import { sha256Hex } from '../lambdas/core/secrets.js';
import { type FunctionName, functions } from '../lambdas/routes.js';
import { resetDependencies } from '../lambdas/wiring.js';
import { type AcquirerCall, acquirerCallsOf } from './acquirer-calls.js';
import { startApiHost } from './api-host.js';
import { createTables, localDynamoDbClient, startDynalite } from './dynalite.js';
import { startKmsEmulator } from './kms-emulator.js';
import type { FunctionStats } from './lambda-workers/function-workers.js';
import { startFunctions } from './lambda-workers/functions.js';
import { valueOf } from './lambda-workers/invoker.js';
import { startScheduler } from './scheduler.js';
import { startSqsEmulator } from './sqs-emulator.js';
import { startSqsPoller } from './sqs-poller.js';
import { startVippsSimulator, type VippsSimulator } from './vipps-simulator/index.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const DEMO_MERCHANT = {
  merchantId: 'demo-merchant',
  name: 'Demo Sokker AS',
  merchantSerialNumbers: ['123456'],
  allowCreditCards: false,
};

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
  /**
   * true (default): every function in its own worker threads, like Lambda (local/lambda-workers).
   * false: the handlers run in this process — for tests that reach into handler state.
   */
  workers?: boolean;
  /** Workers per function without reserved concurrency (default 20). */
  maxConcurrency?: number;
  /** Function timeouts in seconds, overriding lambdas/routes.ts (tests of the timeout itself). */
  timeoutSeconds?: Partial<Record<FunctionName, number>>;
  /** Workers to start before the stack answers (default one per function). */
  warmWorkers?: Partial<Record<FunctionName, number>>;
  /** Workers only: each acquirer call takes this long, like a real acquirer (default 0). */
  acquirerLatencyMs?: number;
}

export interface LocalStack {
  baseUrl: string;
  merchantApiKey: string;
  merchantSerialNumber: string;
  vipps: VippsSimulator;
  statusQueueUrl: string;
  statusDlqUrl: string;
  endpoints: { dynamodb: string; sqs: string; kms: string; vipps: string };
  environment: Record<string, string>;
  ledger: typeof sandboxLedger;
  /** Every call that reached the sandbox acquirer for a payment, refused ones included. */
  acquirerCalls(pspTransactionId: string): AcquirerCall[];
  /** Per function: invocations, cold starts, timeouts and CPU ms per invocation (workers only). */
  functionStats(): Partial<Record<FunctionName, FunctionStats>>;
  resetFunctionStats(): void;
  /** Workers only: V8 CPU profiles of one function's workers, from now until stop(). */
  profileFunction(name: FunctionName): Promise<{ stop(): Promise<unknown[]> }>;
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

    const running = await startFunctions({ ...options, repoRoot, environment });
    closers.push(() => running.stop());
    const { invoke, workerHost } = running;
    host.setInvoker(invoke);

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
      handler: async (event) => valueOf(await invoke('statusUpdater', event)) as never,
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
      valueOf(await invoke('reconciler', event));
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
      vipps,
      statusQueueUrl: queue.queueUrl,
      statusDlqUrl: dlq.queueUrl,
      endpoints: { dynamodb: dynamo.endpoint, sqs: sqs.endpoint, kms: kms.endpoint, vipps: vipps.baseUrl },
      environment,
      ledger: sandboxLedger,
      acquirerCalls: acquirerCallsOf,
      functionStats: () => workerHost?.stats() ?? {},
      resetFunctionStats: () => workerHost?.resetStats(),
      profileFunction: (name) =>
        workerHost ? workerHost.profile(name) : Promise.reject(new Error('profiling needs workers: true')),
      statusQueueIdle: () => poller.idle(),
      runReconciler,
      describe: () => [
        `Merchant API      ${host.baseUrl}/v1/payments   (Authorization: Bearer ${merchantApiKey})`,
        `makePaymentUrl    ${host.baseUrl}/vipps/make-payment`,
        `3-D Secure pages  ${host.baseUrl}/3ds/{sessionId}`,
        `Vipps simulator   ${vipps.baseUrl}   (approve: POST /psp/v3/integration-test/psppayments/{id}/approve)`,
        `DynamoDB (dynalite) ${dynamo.endpoint}${options.dataDir ? `  data: ${options.dataDir}` : '  (in memory)'}`,
        `SQS emulator      ${sqs.endpoint}   status queue ${queue.queueUrl}`,
        `KMS emulator      ${kms.endpoint}`,
        workerHost
          ? `Lambda functions  each in its own worker threads (one invocation per worker, up to ${options.maxConcurrency ?? 20} per function or its reserved concurrency)`
          : 'Lambda functions  in this process (workers: false)',
        `Demo merchant     ${DEMO_MERCHANT.name}, MSN ${DEMO_MERCHANT.merchantSerialNumbers[0]}`,
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
