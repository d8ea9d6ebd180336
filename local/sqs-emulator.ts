/**
 * A local SQS: the AWS JSON 1.0 protocol (`X-Amz-Target: AmazonSQS.<Operation>`) on node:http, so
 * the real @aws-sdk/client-sqs — and therefore the production adapters — run against it unchanged.
 * State is in memory. Queue URLs are `${endpoint}/000000000000/<name>`, ARNs
 * `arn:aws:sqs:<region>:000000000000:<name>`. Semantics are in ./sqs-emulator/queue.ts.
 */
import type { Clock } from '../lambdas/core/ports.js';
import { startAwsJsonServer } from './aws-json-server.js';
import { operations, createQueue as createQueueIn, type SqsState } from './sqs-emulator/operations.js';
import { ACCOUNT_ID } from './sqs-emulator/queue.js';
import { sqsError } from './sqs-emulator/errors.js';

export interface SqsEmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  region?: string;
  /** Drives visibility timeouts, delays, retention and the 5-minute deduplication window. */
  clock?: Clock;
}

export interface SqsEmulator {
  endpoint: string;
  region: string;
  accountId: string;
  /** Creates (or returns) a queue directly, with CreateQueue's rules and attribute names. */
  createQueue(name: string, attributes?: Record<string, string>): { queueUrl: string; queueArn: string };
  queueUrl(name: string): string;
  queueArn(name: string): string;
  close(): Promise<void>;
}

export async function startSqsEmulator(options: SqsEmulatorOptions = {}): Promise<SqsEmulator> {
  const clock = options.clock ?? { now: () => new Date() };
  const region = options.region ?? 'eu-north-1';
  const state: SqsState = {
    endpoint: '',
    region,
    nowMs: () => clock.now().getTime(),
    queues: new Map(),
    moveTasks: [],
  };

  const server = await startAwsJsonServer({
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    targetPrefix: 'AmazonSQS',
    jsonVersion: '1.0',
    namespace: 'com.amazonaws.sqs',
    // A batch of ten 1 MiB entries is refused by SQS itself; leave room for JSON overhead.
    maxBodyBytes: 4 * 1024 * 1024,
    handle: async (operation, input, signal) => {
      const op = operations[operation];
      if (!op)
        throw sqsError(
          'UnsupportedOperation',
          `Operation ${operation} is not supported by the local SQS emulator.`,
        );
      return op(state, input, signal);
    },
  });
  state.endpoint = server.endpoint;

  return {
    endpoint: server.endpoint,
    region,
    accountId: ACCOUNT_ID,
    createQueue(name, attributes = {}) {
      const queue = createQueueIn(state, name, attributes);
      return { queueUrl: queue.url, queueArn: queue.arn };
    },
    queueUrl: (name) => `${server.endpoint}/${ACCOUNT_ID}/${name}`,
    queueArn: (name) => `arn:aws:sqs:${region}:${ACCOUNT_ID}:${name}`,
    close: () => server.close(),
  };
}
