/**
 * The embedded local stack: dynalite, the SQS and KMS emulators, the Vipps simulator, the
 * sandbox acquirer and an API Gateway stand-in serving the real Lambda handler modules, plus an
 * SQS poller (the status updater's event-source mapping) and a scheduler (the reconciler's
 * EventBridge rule). Each function runs in its own worker threads, like Lambda (or, with
 * `workers: false`, in this process). Everything listens on 127.0.0.1; one stack per process.
 * `external` swaps the simulator for another Vipps and any of DynamoDB/SQS/KMS for another
 * endpoint (./external-services.ts); tables, queues and keys are created there when missing.
 */
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ScheduledEvent } from 'aws-lambda';
import {
  type AwsClientOptions,
  createDynamoDbClient,
  createDynamoDbDocumentClient,
  createSqsClient,
} from '../lambdas/adapters/aws-clients.js';
import { createKmsClient } from '../lambdas/adapters/kms/kms-client.js';
import { DynamoMerchantStore } from '../lambdas/adapters/dynamo/merchant-store.js';
import { sha256Hex } from '../lambdas/core/secrets.js';
import { type FunctionName, functions } from '../lambdas/routes.js';
import { resetDependencies } from '../lambdas/wiring.js';
import { type AcquirerCall, acquirerCallsOf } from './acquirer-calls.js';
import { startApiHost } from './api-host.js';
import { ensureKeys, ensureStatusQueues, ensureWebhookQueues } from './aws-resources.js';
import { createTables, startDynalite } from './dynalite.js';
import type { AwsCredentials, ExternalServices } from './external-services.js';
import { type AcquirerLedger, type LocalAcquirer, startLocalAcquirer } from './acquirer-simulators.js';
import { startKmsEmulator } from './kms-emulator.js';
import type { FunctionStats } from './lambda-workers/function-workers.js';
import { startFunctions } from './lambda-workers/functions.js';
import { valueOf } from './lambda-workers/invoker.js';
import { startScheduler } from './scheduler.js';
import { startSqsEmulator } from './sqs-emulator.js';
import { type DemoShop, startDemoShop } from './simulators/demo-shop/index.js';
import { startButtonStandIn } from './simulators/vipps-button/stand-in.js';
import { startSqsPoller } from './sqs-poller.js';
import { type PaymentsStream, startPaymentsStream } from './dynamodb-streams/payments-stream.js';
import { startVippsSimulator, type VippsSimulator } from './vipps-simulator/index.js';
import { type ThreeDsSimulator, startThreeDsSimulator } from './simulators/three-ds/index.js';

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
const WEBHOOK_QUEUE = 'merchant-webhook-deliveries';
const WEBHOOK_DLQ = 'merchant-webhook-deliveries-dlq';
const STATUS_DLQ = 'vipps-status-updates-dlq.fifo';
const KEYS = [
  { keySpec: 'RSA_2048', alias: 'alias/vipps-card-data', description: 'ENCRYPTEDCARD' },
  { keySpec: 'SYMMETRIC_DEFAULT', alias: 'alias/envelope', description: '3-D Secure session secrets' },
] as const;
const EMBEDDED_REGION = 'eu-north-1';
const EMBEDDED_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

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
  /** Another Vipps, public base URL or AWS endpoints instead of the embedded parts. */
  external?: ExternalServices;
  /** The demo merchant's MSN instead of 123456 (a sales unit Vipps' test environment knows). */
  merchantSerialNumber?: string;
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
  /** Also serve the demo shop (npm start): it registers a webhook endpoint with the demo merchant. */
  demoShop?: boolean;
  /** sandbox (default), clearhaus or adyen (their simulators); else ACQUIRER from the environment. */
  acquirer?: string;
}

/** `vipps` is the embedded simulator, absent when an external Vipps is in use. */
export interface LocalStack<Simulator extends VippsSimulator | undefined = VippsSimulator> {
  baseUrl: string;
  merchantApiKey: string;
  merchantSerialNumber: string;
  /** The demo merchant's sales unit on the ePayment API. */
  ePaymentSerialNumber: string;
  vipps: Simulator;
  /** The simulated 3DS server (3dsecure.io's API) and ACS; the production adapter talks to it. */
  threeDs: ThreeDsSimulator;
  statusQueueUrl: string;
  statusDlqUrl: string;
  endpoints: { dynamodb: string; sqs: string; kms: string; vipps: string };
  /** The demo shop, when started (options.demoShop). */
  demoShop?: DemoShop;
  environment: Record<string, string>;
  /** Every call that reached the sandbox acquirer for a payment, refused ones included. */
  acquirerCalls(pspTransactionId: string): AcquirerCall[];
  /** Per function: invocations, cold starts, timeouts and CPU ms per invocation (workers only). */
  functionStats(): Partial<Record<FunctionName, FunctionStats>>;
  resetFunctionStats(): void;
  /** Workers only: V8 CPU profiles of one function's workers, from now until stop(). */
  profileFunction(name: FunctionName): Promise<{ stop(): Promise<unknown[]> }>;
  /** The acquirer's money book (sandbox ledger or the simulator's), by pspTransactionId. */
  ledger: AcquirerLedger;
  acquirer: LocalAcquirer;
  /** Resolves when every status update has been delivered (or dead-lettered) and nothing runs. */
  statusQueueIdle(): Promise<void>;
  /**
   * Resolves when every write so far has its payments-stream record and the event dispatcher has
   * handled them (at once when there is no stream: an https DynamoDB, where the sweep does it).
   */
  streamIdle(): Promise<void>;
  /** The merchant-webhook delivery queue (standard SQS). */
  webhookQueueUrl: string;
  runReconciler(): Promise<void>;
  describe(): string[];
  stop(): Promise<void>;
}

export function startLocalStack(
  options: LocalStackOptions & { external: { vipps: object } },
): Promise<LocalStack<undefined>>;
export function startLocalStack(
  options?: LocalStackOptions & { external?: { vipps?: undefined } },
): Promise<LocalStack>;
export function startLocalStack(options: LocalStackOptions): Promise<LocalStack<VippsSimulator | undefined>>;
export async function startLocalStack(
  options: LocalStackOptions = {},
): Promise<LocalStack<VippsSimulator | undefined>> {
  const closers: Array<() => Promise<void>> = [];
  const external = options.external ?? {};
  const aws = external.aws;
  // The stack's own clients: the external region/credentials when any AWS service is external
  // (our emulators check neither), dummy ones for a wholly embedded stack.
  const credentials = aws ? aws.credentials : EMBEDDED_CREDENTIALS;
  const awsClient = (endpoint: string): AwsClientOptions => ({
    endpoint,
    counter: false,
    region: aws?.region ?? EMBEDDED_REGION,
    ...(credentials ? { credentials } : {}),
  });
  const prefix = external.resourcePrefix ?? '';
  const demoMerchant = options.merchantSerialNumber
    ? // The ePayment sales unit stays: only the PSP API v3 one is swapped.
      { ...DEMO_MERCHANT, merchantSerialNumbers: [options.merchantSerialNumber, DEMO_EPAYMENT_MSN] }
    : DEMO_MERCHANT;
  try {
    const dynamo = aws?.dynamodb
      ? { endpoint: aws.dynamodb }
      : await startDynalite(options.dataDir ? { path: options.dataDir } : {});
    if ('close' in dynamo) closers.push(() => dynamo.close());
    const tables = { payments: `${prefix}payments`, idempotency: `${prefix}idempotency` };
    const tableClient = createDynamoDbClient(awsClient(dynamo.endpoint));
    await createTables(tableClient, tables).finally(() => tableClient.destroy());
    // The payments table's stream (→ eventDispatcher): a tap in front of an http DynamoDB.
    const stream: PaymentsStream | undefined = dynamo.endpoint.startsWith('http:')
      ? await startPaymentsStream({
          target: dynamo.endpoint,
          tableName: tables.payments,
          region: aws?.region ?? EMBEDDED_REGION,
          client: awsClient(dynamo.endpoint),
        })
      : undefined;
    if (stream) closers.push(() => stream.close());
    const functionsDynamoDb = stream?.endpoint ?? dynamo.endpoint;

    const sqs = aws?.sqs
      ? { endpoint: aws.sqs }
      : await startSqsEmulator({ region: aws?.region ?? EMBEDDED_REGION });
    if ('close' in sqs) closers.push(() => sqs.close());
    const queueClient = createSqsClient(awsClient(sqs.endpoint));
    const { queue, dlq } = await ensureStatusQueues(queueClient, {
      queueName: `${prefix}${STATUS_QUEUE}`,
      dlqName: `${prefix}${STATUS_DLQ}`,
      visibilityTimeoutSeconds:
        options.statusQueueVisibilitySeconds ?? 6 * functions.statusUpdater.timeoutSeconds,
      maxReceiveCount: options.maxReceiveCount ?? 5,
    });
    const webhookQueues = await ensureWebhookQueues(queueClient, {
      queueName: `${prefix}${WEBHOOK_QUEUE}`,
      dlqName: `${prefix}${WEBHOOK_DLQ}`,
      visibilityTimeoutSeconds: 6 * functions.webhookDelivery.timeoutSeconds,
    }).finally(() => queueClient.destroy());

    const kms = aws?.kms
      ? { endpoint: aws.kms }
      : await startKmsEmulator({
          region: aws?.region ?? EMBEDDED_REGION,
          // With a data directory the keys survive restarts too: stored 3DS secrets stay readable.
          ...(options.dataDir ? { dataFile: join(options.dataDir, 'kms-keys.json') } : {}),
        });
    if ('close' in kms) closers.push(() => kms.close());
    const keyClient = createKmsClient(awsClient(kms.endpoint));
    await ensureKeys(keyClient, [...KEYS]).finally(() => keyClient.destroy());

    const host = await startApiHost({ port: options.port ?? 0 });
    closers.push(() => host.close());
    // The checkout page loads this instead of Vipps' own button script (never Vipps' artwork here).
    const buttonStandIn = await startButtonStandIn();
    closers.push(() => buttonStandIn.close());

    const vipps = external.vipps
      ? undefined
      : await startVippsSimulator({
          merchants: demoMerchant.merchantSerialNumbers,
          credentials: VIPPS_CREDENTIALS,
          cardDataPublicKeyPem: async () =>
            (await import('./public-key.js')).publicKeyPem(kms.endpoint, 'alias/vipps-card-data'),
        });
    if (vipps) closers.push(() => vipps.close());
    const vippsSettings = external.vipps ?? {
      baseUrl: vipps!.baseUrl,
      pspId: 'local-psp-id',
      ...VIPPS_CREDENTIALS,
    };

    const threeDs = await startThreeDsSimulator();
    closers.push(() => threeDs.close());

    const acquirer = await startLocalAcquirer(
      options.acquirer ?? options.env?.ACQUIRER ?? process.env.ACQUIRER ?? 'sandbox',
    );
    closers.push(() => acquirer.close());

    const environment: Record<string, string> = {
      STAGE: 'local',
      AWS_REGION: aws?.region ?? EMBEDDED_REGION,
      ...awsCredentialVariables(credentials),
      AWS_ENDPOINT_URL_DYNAMODB: functionsDynamoDb,
      AWS_ENDPOINT_URL_SQS: sqs.endpoint,
      AWS_ENDPOINT_URL_KMS: kms.endpoint,
      TABLE_NAME: tables.payments,
      IDEMPOTENCY_TABLE_NAME: tables.idempotency,
      STATUS_QUEUE_URL: queue.queueUrl,
      STATUS_DLQ_URL: dlq.queueUrl,
      WEBHOOK_QUEUE_URL: webhookQueues.queue.queueUrl,
      CARD_DATA_KEY_ID: 'alias/vipps-card-data',
      // On locally so the checklist can run Vipps' legacy ENCRYPTEDCARD scenarios; off by default.
      ENCRYPTED_CARD_ENABLED: 'true',
      ENVELOPE_KEY_ID: 'alias/envelope',
      PUBLIC_BASE_URL: external.publicBaseUrl ?? host.baseUrl,
      VIPPS_BASE_URL: vippsSettings.baseUrl,
      VIPPS_PSP_ID: vippsSettings.pspId,
      VIPPS_CLIENT_ID: vippsSettings.clientId,
      VIPPS_CLIENT_SECRET: vippsSettings.clientSecret,
      VIPPS_SUBSCRIPTION_KEY: vippsSettings.subscriptionKey,
      ...acquirer.env,
      THREE_DS_BASE_URL: threeDs.serverUrl,
      THREE_DS_API_KEY: threeDs.apiKey,
      POWERTOOLS_METRICS_DISABLED: 'true',
      CHECKOUT_BUTTON_SCRIPT_URL: buttonStandIn.scriptUrl,
      ...options.env,
    };
    Object.assign(process.env, environment);
    resetDependencies();
    acquirer.connect(host.baseUrl);

    const running = await startFunctions({ ...options, repoRoot, environment });
    closers.push(() => running.stop());
    const { invoke, workerHost } = running;
    host.setInvoker(invoke);
    stream?.connect(async (event) => valueOf(await invoke('eventDispatcher', event)));
    // Stop delivering before the functions and services stop (closers run in reverse).
    if (stream) closers.push(() => stream.close());

    const merchantApiKey = options.merchantApiKey ?? `demo_${randomBytes(24).toString('base64url')}`;
    const merchants = new DynamoMerchantStore({
      client: createDynamoDbDocumentClient(awsClient(dynamo.endpoint)),
      tableName: tables.payments,
    });
    await merchants.put(demoMerchant, sha256Hex(merchantApiKey));

    const demoShop = options.demoShop
      ? await startDemoShop({
          apiBaseUrl: host.baseUrl,
          apiKey: merchantApiKey,
          merchantSerialNumber: demoMerchant.merchantSerialNumbers[0]!,
        })
      : undefined;
    if (demoShop) closers.push(() => demoShop.close());

    const poller = startSqsPoller({
      sqs: createSqsClient(awsClient(sqs.endpoint)),
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

    const webhookPoller = startSqsPoller({
      sqs: createSqsClient(awsClient(sqs.endpoint)),
      queueUrl: webhookQueues.queue.queueUrl,
      queueArn: webhookQueues.queue.queueArn,
      batchSize:
        functions.webhookDelivery.trigger?.kind === 'webhookQueue'
          ? functions.webhookDelivery.trigger.batchSize
          : 10,
      waitTimeSeconds: 1,
      functionName: 'webhookDelivery',
      timeoutSeconds: functions.webhookDelivery.timeoutSeconds,
      concurrency: 2,
      // The same invoke as the status poller: the delivery function runs in its own workers.
      handler: async (event) => valueOf(await invoke('webhookDelivery', event)) as never,
    });
    closers.push(() => webhookPoller.stop());

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

    const stack: LocalStack<VippsSimulator | undefined> = {
      baseUrl: host.baseUrl,
      merchantApiKey,
      merchantSerialNumber: demoMerchant.merchantSerialNumbers[0]!,
      ePaymentSerialNumber: DEMO_EPAYMENT_MSN,
      vipps,
      threeDs,
      statusQueueUrl: queue.queueUrl,
      statusDlqUrl: dlq.queueUrl,
      endpoints: {
        dynamodb: dynamo.endpoint,
        sqs: sqs.endpoint,
        kms: kms.endpoint,
        vipps: vippsSettings.baseUrl,
      },
      environment,
      ...(demoShop ? { demoShop } : {}),
      ledger: acquirer.ledger,
      acquirer,
      acquirerCalls: acquirerCallsOf,
      functionStats: () => workerHost?.stats() ?? {},
      resetFunctionStats: () => workerHost?.resetStats(),
      profileFunction: (name) =>
        workerHost ? workerHost.profile(name) : Promise.reject(new Error('profiling needs workers: true')),
      statusQueueIdle: () => poller.idle(),
      streamIdle: () => stream?.idle() ?? Promise.resolve(),
      webhookQueueUrl: webhookQueues.queue.queueUrl,
      runReconciler,
      describe: () => {
        const publicBase = environment.PUBLIC_BASE_URL!;
        return [
          ...(demoShop
            ? [
                `Demo shop         ${demoShop.baseUrl}   (socks → our checkout → Vipps → back; ${demoShop.webhookProblem ? `webhooks NOT registered: ${demoShop.webhookProblem}` : 'its webhook endpoint is registered'})`,
              ]
            : []),
          `Merchant API      ${host.baseUrl}/v1/payments   (Authorization: Bearer ${merchantApiKey})`,
          `makePaymentUrl    ${publicBase}/vipps/make-payment${publicBase === host.baseUrl ? '' : `   (PUBLIC_BASE_URL → ${host.baseUrl})`}`,
          `3-D Secure pages  ${publicBase}/3ds/{sessionId}`,
          `Hosted checkout   ${publicBase}/checkout/{token}   (checkoutUrl in the create answer; button script ${environment.CHECKOUT_BUTTON_SCRIPT_URL})`,
          vipps
            ? `Vipps             the embedded simulator ${vipps.baseUrl}   (approve: POST /psp/v3/integration-test/psppayments/{id}/approve)`
            : `Vipps             EXTERNAL ${vippsSettings.baseUrl}   (VIPPS_BASE_URL; PSP id ${vippsSettings.pspId}; the simulator is not running)`,
          `3DS server        simulator ${threeDs.serverUrl}   ACS ${threeDs.acsUrl}   (code 1234)`,
          'close' in dynamo
            ? `DynamoDB          dynalite ${dynamo.endpoint}${options.dataDir ? `  data: ${options.dataDir}` : '  (in memory)'}`
            : `DynamoDB          EXTERNAL ${dynamo.endpoint}   (AWS_ENDPOINT_URL_DYNAMODB; tables ${tables.payments}, ${tables.idempotency})`,
          stream
            ? `DynamoDB Stream   stand-in tap ${stream.endpoint} → eventDispatcher   (merchant webhooks off the answer path)`
            : `DynamoDB Stream   NONE: a tap cannot sit in front of ${dynamo.endpoint} (SigV4 names the host); merchant webhook events wait for the reconciler's sweep (about a minute)`,
          'close' in sqs
            ? `SQS               emulator ${sqs.endpoint}   status queue ${queue.queueUrl}`
            : `SQS               EXTERNAL ${sqs.endpoint}   (AWS_ENDPOINT_URL_SQS; status queue ${queue.queueUrl})`,
          // What the runbook's redrive needs: aws --endpoint-url <SQS> sqs start-message-move-task …
          `  DLQ redrive       --source-arn ${dlq.queueArn} --destination-arn ${queue.queueArn}`,
          'close' in kms
            ? `KMS               emulator ${kms.endpoint}`
            : `KMS               EXTERNAL ${kms.endpoint}   (AWS_ENDPOINT_URL_KMS; ${KEYS.map((k) => k.alias).join(', ')})`,
          workerHost
            ? `Lambda functions  each in its own worker threads (one invocation per worker, up to ${options.maxConcurrency ?? 20} per function or its reserved concurrency)`
            : 'Lambda functions  in this process (workers: false)',
          `Demo merchant     ${demoMerchant.name}, MSN ${demoMerchant.merchantSerialNumbers[0]} (PSP API v3), MSN ${DEMO_EPAYMENT_MSN} (ePayment)`,
          `Card callback     ${publicBase}/vipps/card-callback   (ePayment approve: POST /epayment/v1/test/payments/{reference}/approve)`,
          ...acquirer.describe,
        ];
      },
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

/** Absent credentials: set none, so the SDK's default chain (profile, SSO) finds them. */
function awsCredentialVariables(credentials: AwsCredentials | undefined): Record<string, string> {
  if (!credentials) return {};
  return {
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    ...(credentials.sessionToken ? { AWS_SESSION_TOKEN: credentials.sessionToken } : {}),
  };
}
