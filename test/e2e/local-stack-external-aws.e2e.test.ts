/**
 * Issue 10 item 3b: AWS_ENDPOINT_URL_DYNAMODB / _SQS / _KMS (here as the stack's `external.aws`,
 * which bin/local.ts builds from them) make the stack use that DynamoDB, SQS and KMS — here a
 * separately started dynalite and SQS/KMS emulators standing in for a real account — creating the
 * tables, queues and keys there when missing, and reusing them on the next start.
 */
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListAliasesCommand } from '@aws-sdk/client-kms';
import { ListQueuesCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoDbClient, createSqsClient } from '../../lambdas/adapters/aws-clients.js';
import { createKmsClient } from '../../lambdas/adapters/kms/kms-client.js';
import { type RunningDynalite, startDynalite } from '../../local/dynalite.js';
import type { ExternalAws } from '../../local/external-services.js';
import { type KmsEmulator, startKmsEmulator } from '../../local/kms-emulator.js';
import { type SqsEmulator, startSqsEmulator } from '../../local/sqs-emulator.js';
import { startLocalStack } from '../../local/stack.js';
import { merchantClient, reservedPayment } from '../support/local-stack.js';

let dynamo: RunningDynalite;
let sqs: SqsEmulator;
let kms: KmsEmulator;
let aws: ExternalAws;
const credentials = { accessKeyId: 'elsewhere', secretAccessKey: 'elsewhere' };

beforeAll(async () => {
  [dynamo, sqs, kms] = await Promise.all([
    startDynalite(),
    startSqsEmulator({ region: 'eu-west-1' }),
    startKmsEmulator({ region: 'eu-west-1' }),
  ]);
  aws = { dynamodb: dynamo.endpoint, sqs: sqs.endpoint, kms: kms.endpoint, region: 'eu-west-1', credentials };
});

afterAll(async () => {
  await Promise.all([dynamo?.close(), sqs?.close(), kms?.close()]);
});

const options = { region: 'eu-west-1', credentials, counter: false as const };
const tablesThere = async () =>
  (await createDynamoDbClient({ ...options, endpoint: dynamo.endpoint }).send(new ListTablesCommand({})))
    .TableNames;
const queuesThere = async () =>
  (await createSqsClient({ ...options, endpoint: sqs.endpoint }).send(new ListQueuesCommand({}))).QueueUrls;
const aliasesThere = async () =>
  (
    await createKmsClient({ ...options, endpoint: kms.endpoint }).send(new ListAliasesCommand({}))
  ).Aliases?.map((a) => a.AliasName);

describe('the local stack on external DynamoDB, SQS and KMS', () => {
  it('creates its tables, queues and keys there, runs a payment on them, and says so', async () => {
    const stack = await startLocalStack({ reconcilerEveryMs: 0, external: { aws, resourcePrefix: 'dev-' } });
    try {
      expect((await tablesThere())?.sort()).toEqual(['dev-idempotency', 'dev-payments']);
      expect(await queuesThere()).toEqual(
        expect.arrayContaining([
          `${sqs.endpoint}/000000000000/dev-vipps-status-updates.fifo`,
          `${sqs.endpoint}/000000000000/dev-vipps-status-updates-dlq.fifo`,
        ]),
      );
      expect(await aliasesThere()).toEqual(
        expect.arrayContaining(['alias/vipps-card-data', 'alias/envelope']),
      );
      // The functions reach that DynamoDB through the local payments-stream tap (plain http).
      expect(stack.endpoints.dynamodb).toBe(dynamo.endpoint);
      expect(stack.environment.AWS_ENDPOINT_URL_DYNAMODB).not.toBe(dynamo.endpoint);
      expect(stack.environment).toMatchObject({
        AWS_ENDPOINT_URL_SQS: sqs.endpoint,
        AWS_ENDPOINT_URL_KMS: kms.endpoint,
        AWS_REGION: 'eu-west-1',
        TABLE_NAME: 'dev-payments',
        STATUS_QUEUE_URL: `${sqs.endpoint}/000000000000/dev-vipps-status-updates.fifo`,
      });
      const banner = stack.describe().join('\n');
      expect(banner).toContain(`DynamoDB          EXTERNAL ${dynamo.endpoint}`);
      expect(banner).toContain(`SQS               EXTERNAL ${sqs.endpoint}`);
      expect(banner).toContain(`KMS               EXTERNAL ${kms.endpoint}`);
      expect(banner).toContain(
        `DynamoDB Stream   stand-in tap ${stack.environment.AWS_ENDPOINT_URL_DYNAMODB}`,
      );

      const id = await reservedPayment(stack);
      await stack.statusQueueIdle();
      expect(stack.vipps.payments.get(id)?.reportedStatus).toBe('RESERVED');
    } finally {
      await stack.stop();
    }
  });

  // Two stacks start one after the other, each warming a worker per function: slow on a busy box.
  it('reuses what is already there on the next start (data included)', async () => {
    const first = await startLocalStack({
      reconcilerEveryMs: 0,
      external: { aws, resourcePrefix: 'again-' },
    });
    const created = await merchantClient(first).createPayment();
    await first.stop();
    const aliasesBefore = await aliasesThere();

    const second = await startLocalStack({
      reconcilerEveryMs: 0,
      merchantApiKey: first.merchantApiKey,
      external: { aws, resourcePrefix: 'again-' },
    });
    try {
      expect(await aliasesThere()).toEqual(aliasesBefore);
      const read = await merchantClient(second).payment(created.body.pspTransactionId);
      expect(read.status).toBe(200);
      expect(read.body.status).toBe('INITIATED');
    } finally {
      await second.stop();
    }
  }, 90_000);
});
