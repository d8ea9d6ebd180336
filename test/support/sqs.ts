/**
 * Integration-test helper: our SQS emulator on an ephemeral port — or, under `npm run test:moto`,
 * moto's SQS (test-aws.ts) — with queues created through the real SDK's CreateQueue. Call close()
 * in afterAll.
 */
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startSqsEmulator } from '../../local/sqs-emulator.js';
import { testAws, uniqueResourcePrefix } from './test-aws.js';

export interface TestQueue {
  queueUrl: string;
  queueArn: string;
}

export interface TestSqs {
  endpoint: string;
  /** `name` is prefixed on a shared server (moto) so test files do not meet. */
  createQueue(name: string, attributes?: Record<string, string>): Promise<TestQueue>;
  close(): Promise<void>;
}

export async function startTestSqs(): Promise<TestSqs> {
  const elsewhere = testAws();
  const emulator = elsewhere?.sqs ? undefined : await startSqsEmulator();
  const endpoint = elsewhere?.sqs ?? emulator!.endpoint;
  const prefix = elsewhere?.sqs ? uniqueResourcePrefix() : '';
  const client = new SQSClient({
    endpoint,
    region: elsewhere?.region ?? 'eu-north-1',
    credentials: elsewhere?.credentials ?? { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  return {
    endpoint,
    createQueue: async (name, attributes = {}) => {
      const { QueueUrl } = await client.send(
        new CreateQueueCommand({ QueueName: `${prefix}${name}`, Attributes: attributes }),
      );
      const { Attributes } = await client.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
      );
      return { queueUrl: QueueUrl!, queueArn: Attributes!.QueueArn! };
    },
    close: async () => {
      client.destroy();
      await emulator?.close();
    },
  };
}
