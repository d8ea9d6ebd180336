/**
 * Integration harness for merchant webhooks: the production DynamoDB stores on dynalite, the
 * delivery queue on the SQS emulator, the KMS envelope vault on the KMS emulator, the real HTTP
 * poster and signer, a clock the test moves, and a receiver on a local port that verifies every
 * request with `standardwebhooks` and answers what the test tells it to.
 */
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { Webhook } from 'standardwebhooks';
import { createKmsClient } from '../../lambdas/adapters/kms/kms-client.js';
import { KmsEnvelopeVault } from '../../lambdas/adapters/kms/kms-envelope-vault.js';
import { createSqsClient } from '../../lambdas/adapters/aws-clients.js';
import { DynamoTransactionStore } from '../../lambdas/adapters/dynamo/transaction-store.js';
import { DynamoWebhookStore } from '../../lambdas/adapters/dynamo/webhook-store.js';
import { SqsDeliveryQueue, deliveryTaskSchema } from '../../lambdas/adapters/sqs/sqs-delivery-queue.js';
import { HttpWebhookPoster } from '../../lambdas/adapters/webhooks/http-poster.js';
import { standardWebhooksSigner } from '../../lambdas/adapters/webhooks/standard-webhooks-signer.js';
import type { Clock } from '../../lambdas/core/ports.js';
import type { DeliverDeps } from '../../lambdas/core/webhooks/deliver.js';
import type { DispatchDeps } from '../../lambdas/core/webhooks/dispatch.js';
import type { DeliveryQueue, DeliveryTask } from '../../lambdas/core/webhooks/ports.js';
import { type KmsEmulator, startKmsEmulator } from '../../local/kms-emulator.js';
import { type TestDynamo, startTestDynamo } from './dynalite.js';
import { type TestSqs, startTestSqs } from './sqs.js';

export interface ReceivedWebhook {
  headers: Record<string, string>;
  body: string;
  /** What `standardwebhooks` made of it with the secret the test registered. */
  verified: unknown;
}

export interface SentTask {
  task: DeliveryTask;
  delaySeconds: number;
}

export type ReceiverAnswer = number | 'hang';

export interface WebhookHarness {
  dynamo: TestDynamo;
  transactions: DynamoTransactionStore;
  webhooks: DynamoWebhookStore;
  clock: Clock & { set(at: Date): void; advance(ms: number): void };
  receiverUrl: string;
  /** The secrets a received request must verify with (any one of them). */
  receiverSecrets: string[];
  received: ReceivedWebhook[];
  /** Answers for the next requests, in order; afterwards 204. */
  answers: ReceiverAnswer[];
  dispatchDeps: DispatchDeps;
  deliverDeps: DeliverDeps;
  /** Every task sent to the delivery queue, with its DelaySeconds, in order. */
  sent: SentTask[];
  /** Every task on the delivery queue now (received and deleted), with the delay it was sent with. */
  drainTasks(): Promise<DeliveryTask[]>;
  close(): Promise<void>;
}

export async function startWebhookHarness(): Promise<WebhookHarness> {
  const dynamo = await startTestDynamo();
  const sqs: TestSqs = await startTestSqs();
  const queue = await sqs.createQueue(`webhook-deliveries-${Date.now()}`);
  const sqsClient: SQSClient = createSqsClient({ endpoint: sqs.endpoint, counter: false });
  const kms: KmsEmulator = await startKmsEmulator({
    keys: [{ keySpec: 'SYMMETRIC_DEFAULT', aliases: ['alias/envelope'] }],
  });
  const kmsClient = createKmsClient({ endpoint: kms.endpoint, counter: false });
  const vault = new KmsEnvelopeVault({ client: kmsClient, keyId: 'alias/envelope' });
  const options = { client: dynamo.documentClient, tableName: dynamo.tables.payments };
  const webhooks = new DynamoWebhookStore(options);
  let now = new Date('2026-11-30T10:00:00.000Z');
  const clock = {
    now: () => new Date(now),
    set: (at: Date) => {
      now = at;
    },
    advance: (ms: number) => {
      now = new Date(now.getTime() + ms);
    },
  };
  const received: ReceivedWebhook[] = [];
  const answers: ReceiverAnswer[] = [];
  const receiverSecrets: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = req.headers as Record<string, string>;
      received.push({ headers, body, verified: verify(receiverSecrets, body, headers, clock.now()) });
      const answer = answers.shift() ?? 204;
      if (answer === 'hang') return;
      res.writeHead(answer, { 'content-type': 'text/plain' }).end(`answer ${answer}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const queued = new SqsDeliveryQueue({ client: sqsClient, queueUrl: queue.queueUrl });
  const sent: SentTask[] = [];
  const deliveries: DeliveryQueue = {
    send: async (task, delaySeconds) => {
      await queued.send(task, delaySeconds);
      sent.push({ task, delaySeconds });
    },
  };
  const log = { info: () => undefined, warn: () => undefined };
  return {
    dynamo,
    transactions: new DynamoTransactionStore(options),
    webhooks,
    clock,
    receiverUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    receiverSecrets,
    received,
    answers,
    sent,
    dispatchDeps: { webhooks, deliveries, outbox: webhooks, clock },
    deliverDeps: {
      webhooks,
      deliveries,
      poster: new HttpWebhookPoster({ allowPrivateNetwork: true }),
      signer: standardWebhooksSigner,
      vault,
      clock,
      log,
      timeoutMs: 300,
    },
    drainTasks: async () => {
      const tasks: DeliveryTask[] = [];
      for (;;) {
        const { Messages = [] } = await sqsClient.send(
          new ReceiveMessageCommand({
            QueueUrl: queue.queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 0,
          }),
        );
        if (Messages.length === 0) return tasks;
        for (const m of Messages) {
          tasks.push(deliveryTaskSchema.parse(JSON.parse(m.Body!)));
          await sqsClient.send(
            new DeleteMessageCommand({ QueueUrl: queue.queueUrl, ReceiptHandle: m.ReceiptHandle! }),
          );
        }
      }
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      sqsClient.destroy();
      kmsClient.destroy();
      await Promise.all([dynamo.close(), sqs.close(), kms.close()]);
    },
  };
}

function verify(secrets: string[], body: string, headers: Record<string, string>, at: Date): unknown {
  const realNow = Date.now;
  Date.now = () => at.getTime();
  try {
    for (const secret of secrets) {
      try {
        return new Webhook(secret).verify(body, headers);
      } catch {
        // try the next secret
      }
    }
    return undefined;
  } finally {
    Date.now = realNow;
  }
}
