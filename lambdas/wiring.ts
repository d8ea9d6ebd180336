/**
 * Builds the production adapters from the validated configuration, once per container and
 * lazily: each dependency (and its SDK client) is created on first use, so a function pays at
 * cold start only for what it touches. The local stack uses this same wiring, pointed at its
 * emulators through AWS_ENDPOINT_URL_* variables.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { HttpAcquirer } from './adapters/acquirer/http-acquirer.js';
import { SandboxAcquirer } from './adapters/acquirer/sandbox-acquirer.js';
import {
  createDynamoDbClient,
  createDynamoDbDocumentClient,
  createKmsClient,
  createSecretsManagerClient,
  createSqsClient,
} from './adapters/aws-clients.js';
import { sandboxCardFundingLookup } from './adapters/card-funding/sandbox-card-funding.js';
import { DynamoMerchantStore } from './adapters/dynamo/merchant-store.js';
import { DynamoThreeDsSessionStore } from './adapters/dynamo/three-ds-session-store.js';
import { DynamoTransactionStore } from './adapters/dynamo/transaction-store.js';
import { KmsCardDataDecryptor } from './adapters/kms/kms-card-data-decryptor.js';
import { KmsEnvelopeVault } from './adapters/kms/kms-envelope-vault.js';
import { createLogger } from './adapters/observability/logger.js';
import { createMetrics } from './adapters/observability/metrics.js';
import { SqsDeadLetterQueue } from './adapters/sqs/sqs-dead-letter-queue.js';
import { SqsStatusQueue } from './adapters/sqs/sqs-status-queue.js';
import { SandboxThreeDsServer } from './adapters/three-ds/sandbox-three-ds-server.js';
import { createVippsClient } from './adapters/vipps/vipps-client.js';
import { secretsManagerCredentials, staticCredentials } from './adapters/vipps-credentials/credentials.js';
import { type Config, loadConfig } from './config.js';
import type {
  Acquirer,
  CardDataDecryptor,
  CardFundingLookup,
  Clock,
  MerchantStore,
  SecretVault,
  StatusQueue,
  TransactionStore,
  VippsApi,
} from './core/ports.js';
import { systemClock } from './core/ports.js';
import type { ThreeDsSessionStore } from './core/three-ds-session.js';
import { createIdempotencyRunner, type IdempotencyRunner } from './handlers/merchant-api/idempotency.js';
import { MAKE_PAYMENT_PATH, threeDsPath } from './routes.js';

export interface AppDependencies {
  config: Config;
  log: Logger;
  metrics: Metrics;
  clock: Clock;
  transactions: TransactionStore;
  merchants: MerchantStore;
  threeDsSessions: ThreeDsSessionStore;
  statusQueue: StatusQueue;
  deadLetterQueue: SqsDeadLetterQueue;
  vipps: VippsApi;
  acquirer: Acquirer;
  cardFunding: CardFundingLookup;
  cardData: CardDataDecryptor;
  vault: SecretVault;
  threeDsServer: SandboxThreeDsServer;
  idempotency: IdempotencyRunner;
  makePaymentUrl: string;
  threeDsUrl: (sessionId: string) => string;
}

/** A property computed on first read and then kept. */
function lazy<T extends object>(target: T, name: string, make: () => unknown): void {
  Object.defineProperty(target, name, {
    configurable: true,
    enumerable: true,
    get() {
      const value = make();
      Object.defineProperty(target, name, { value, enumerable: true });
      return value;
    },
  });
}

/** Memoise a factory: the client is made on first call, then reused. */
function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

export function buildDependencies(
  config: Config,
  log: Logger = createLogger(),
  metrics: Metrics = createMetrics(),
): AppDependencies {
  const deps = {
    config,
    log,
    metrics,
    clock: systemClock,
    makePaymentUrl: `${config.PUBLIC_BASE_URL}${MAKE_PAYMENT_PATH}`,
    threeDsUrl: (sessionId: string) => `${config.PUBLIC_BASE_URL}${threeDsPath(sessionId)}`,
  } as AppDependencies;
  const dynamo = once(() => createDynamoDbClient());
  const documents = once(() => createDynamoDbDocumentClient(dynamo()));
  const sqs = once(() => createSqsClient());
  const kms = once(() => createKmsClient());

  lazy(
    deps,
    'transactions',
    () => new DynamoTransactionStore({ client: documents(), tableName: config.TABLE_NAME }),
  );
  lazy(
    deps,
    'merchants',
    () => new DynamoMerchantStore({ client: documents(), tableName: config.TABLE_NAME }),
  );
  lazy(
    deps,
    'threeDsSessions',
    () =>
      new DynamoThreeDsSessionStore({ client: documents(), tableName: config.TABLE_NAME, vault: deps.vault }),
  );
  lazy(deps, 'statusQueue', () => new SqsStatusQueue({ client: sqs(), queueUrl: config.STATUS_QUEUE_URL }));
  lazy(
    deps,
    'deadLetterQueue',
    () => new SqsDeadLetterQueue({ client: sqs(), queueUrl: config.STATUS_DLQ_URL }),
  );
  lazy(
    deps,
    'cardData',
    () =>
      new KmsCardDataDecryptor({
        client: kms(),
        keyId: config.CARD_DATA_KEY_ID,
        oaepHash: config.CARD_DATA_OAEP_HASH,
      }),
  );
  lazy(deps, 'vault', () => new KmsEnvelopeVault({ client: kms(), keyId: config.ENVELOPE_KEY_ID }));
  lazy(deps, 'threeDsServer', () => new SandboxThreeDsServer());
  lazy(deps, 'cardFunding', () => sandboxCardFundingLookup);
  lazy(deps, 'idempotency', () =>
    createIdempotencyRunner({ client: dynamo(), tableName: config.IDEMPOTENCY_TABLE_NAME }),
  );
  lazy(deps, 'acquirer', () =>
    config.ACQUIRER === 'http'
      ? new HttpAcquirer({
          baseUrl: config.ACQUIRER_BASE_URL!,
          timeoutMs: config.ACQUIRER_BUDGET_MS,
          ...(config.ACQUIRER_MERCHANT_ID ? { merchantId: config.ACQUIRER_MERCHANT_ID } : {}),
        })
      : new SandboxAcquirer(),
  );
  lazy(deps, 'vipps', () =>
    createVippsClient({
      baseUrl: config.VIPPS_BASE_URL,
      pspId: config.VIPPS_PSP_ID,
      systemName: config.VIPPS_SYSTEM_NAME,
      systemVersion: config.VIPPS_SYSTEM_VERSION,
      timeoutMs: config.VIPPS_TIMEOUT_MS,
      credentials: config.VIPPS_CREDENTIALS_SECRET_ID
        ? secretsManagerCredentials(createSecretsManagerClient(), config.VIPPS_CREDENTIALS_SECRET_ID)
        : staticCredentials({
            clientId: config.VIPPS_CLIENT_ID!,
            clientSecret: config.VIPPS_CLIENT_SECRET!,
            subscriptionKey: config.VIPPS_SUBSCRIPTION_KEY!,
          }),
    }),
  );
  return deps;
}

let shared: AppDependencies | undefined;

/** The container's dependencies, from process.env on first use (fails fast on bad config). */
export function getDependencies(): AppDependencies {
  shared ??= buildDependencies(loadConfig(process.env));
  return shared;
}

/** For the local stack and tests that change the environment between boots. */
export function resetDependencies(): void {
  shared = undefined;
}
