/**
 * One place that builds AWS SDK v3 clients, so every client gets the same region/endpoint rules
 * and the call counter the benchmark reads ("DynamoDB/SQS/KMS calls per request").
 *
 * Counting rule: one count per command sent (`client.send`), at the `initialize` step — before
 * the retry middleware — so an SDK retry of the same command is NOT counted again. A
 * DynamoDBDocumentClient shares its DynamoDBClient's middleware stack, so each document command
 * counts once, as `dynamodb`.
 *
 * Local stack: pass `endpoint`, or set the SDK's AWS_ENDPOINT_URL_<SERVICE> variables (the SDK
 * reads those itself). For a loopback endpoint without credentials (option or AWS_ACCESS_KEY_ID)
 * the clients use static dummy credentials, so the default credential chain never reaches for
 * the instance-metadata service; the region then defaults to eu-north-1 if AWS_REGION is unset.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export type AwsService = 'dynamodb' | 'sqs' | 'kms' | 'secretsManager';
export type AwsCallCounts = Record<AwsService, number>;

export class AwsCallCounter {
  private totals: AwsCallCounts = zero();
  private perCommand = new Map<string, number>();

  record(service: AwsService, commandName: string): void {
    this.totals[service] += 1;
    const key = `${service}:${commandName}`;
    this.perCommand.set(key, (this.perCommand.get(key) ?? 0) + 1);
  }

  /** Commands sent per service since the last reset. */
  snapshot(): AwsCallCounts {
    return { ...this.totals };
  }

  /**
   * Per wire command, e.g. `{ 'dynamodb:UpdateItemCommand': 2, 'sqs:SendMessageCommand': 1 }`
   * (a document-client GetCommand shows as GetItemCommand).
   */
  byCommand(): Record<string, number> {
    return Object.fromEntries([...this.perCommand].sort(([a], [b]) => a.localeCompare(b)));
  }

  reset(): void {
    this.totals = zero();
    this.perCommand.clear();
  }
}

function zero(): AwsCallCounts {
  return { dynamodb: 0, sqs: 0, kms: 0, secretsManager: 0 };
}

/** The process-wide counter the factories attach by default. */
export const awsCallCounter = new AwsCallCounter();

type CountableClient = DynamoDBClient | SQSClient | KMSClient | SecretsManagerClient;

/** Counts every command sent through `client` (once per command, retries excluded). */
export function attachCallCounter(
  client: CountableClient,
  service: AwsService,
  counter: AwsCallCounter,
): void {
  // The stacks differ only in their input/output type parameters; the middleware uses neither.
  const stack = client.middlewareStack as unknown as DynamoDBClient['middlewareStack'];
  stack.add(
    (next, context) => async (args) => {
      counter.record(service, context.commandName ?? 'unknown');
      return next(args);
    },
    { step: 'initialize', name: 'awsCallCounter', override: true },
  );
}

export interface AwsClientOptions {
  /** Defaults to AWS_REGION; with an endpoint and no AWS_REGION, to eu-north-1. */
  region?: string;
  /** Override for local emulators, dynalite or a VPC endpoint. */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** The counter to attach; `false` for clients whose calls must not be counted (e.g. the local SQS poller). */
  counter?: AwsCallCounter | false;
  /** SDK attempts per command (default 3). */
  maxAttempts?: number;
  /** Socket timeouts; unset means the SDK defaults (no request timeout). */
  requestTimeoutMs?: number;
  connectionTimeoutMs?: number;
  /** Where AWS_REGION / AWS_ENDPOINT_URL_* / AWS_ACCESS_KEY_ID are read; process.env by default. */
  env?: Record<string, string | undefined>;
}

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

function isLoopback(endpoint: string): boolean {
  try {
    const host = new URL(endpoint).hostname;
    return host === 'localhost' || host === '[::1]' || host.startsWith('127.');
  } catch {
    return false;
  }
}

/** The SDK's own service-specific endpoint variables (serviceId upper-cased, spaces → `_`). */
const ENDPOINT_VARIABLES: Record<AwsService, string> = {
  dynamodb: 'AWS_ENDPOINT_URL_DYNAMODB',
  sqs: 'AWS_ENDPOINT_URL_SQS',
  kms: 'AWS_ENDPOINT_URL_KMS',
  secretsManager: 'AWS_ENDPOINT_URL_SECRETS_MANAGER',
};

export function baseConfig(service: AwsService, options: AwsClientOptions) {
  const env = options.env ?? process.env;
  // The SDK itself honours AWS_ENDPOINT_URL(_<SERVICE>); we only look at them to decide on
  // local credentials and a default region.
  const endpoint = options.endpoint ?? env[ENDPOINT_VARIABLES[service]] ?? env.AWS_ENDPOINT_URL;
  const region = options.region ?? env.AWS_REGION ?? (endpoint ? 'eu-north-1' : undefined);
  const credentials =
    options.credentials ??
    (endpoint && isLoopback(endpoint) && !env.AWS_ACCESS_KEY_ID ? LOCAL_CREDENTIALS : undefined);
  const requestHandler =
    options.requestTimeoutMs !== undefined || options.connectionTimeoutMs !== undefined
      ? {
          ...(options.requestTimeoutMs !== undefined ? { requestTimeout: options.requestTimeoutMs } : {}),
          ...(options.connectionTimeoutMs !== undefined
            ? { connectionTimeout: options.connectionTimeoutMs }
            : {}),
        }
      : undefined;
  return {
    ...(region ? { region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(credentials ? { credentials } : {}),
    ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
    ...(requestHandler ? { requestHandler } : {}),
  };
}

export function counted<T extends CountableClient>(
  client: T,
  service: AwsService,
  options: AwsClientOptions,
): T {
  if (options.counter !== false) attachCallCounter(client, service, options.counter ?? awsCallCounter);
  return client;
}

export function createDynamoDbClient(options: AwsClientOptions = {}): DynamoDBClient {
  return counted(new DynamoDBClient(baseConfig('dynamodb', options)), 'dynamodb', options);
}

/**
 * A document client over a (new or given) DynamoDBClient. `removeUndefinedValues` so optional
 * fields that are undefined are simply left out of the item instead of failing the marshaller.
 */
export function createDynamoDbDocumentClient(
  clientOrOptions: DynamoDBClient | AwsClientOptions = {},
): DynamoDBDocumentClient {
  const client =
    clientOrOptions instanceof DynamoDBClient ? clientOrOptions : createDynamoDbClient(clientOrOptions);
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
    unmarshallOptions: { wrapNumbers: false },
  });
}

export function createSqsClient(options: AwsClientOptions = {}): SQSClient {
  return counted(new SQSClient(baseConfig('sqs', options)), 'sqs', options);
}

export function createSecretsManagerClient(options: AwsClientOptions = {}): SecretsManagerClient {
  return counted(new SecretsManagerClient(baseConfig('secretsManager', options)), 'secretsManager', options);
}
