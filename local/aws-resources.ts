/**
 * The queues and keys the local stack needs, created through the AWS SDK on whichever endpoint is
 * in use — our emulators, moto, or a real account — and left as they are when they already exist
 * (a second `npm start` against the same account reuses them). Tables: createTables in dynalite.ts.
 */
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  type KMSClient,
} from '@aws-sdk/client-kms';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

export interface CreatedQueue {
  queueUrl: string;
  queueArn: string;
}

export interface StatusQueueSettings {
  queueName: string;
  dlqName: string;
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number;
}

/** The FIFO status queue and its dead-letter queue (redrive after maxReceiveCount receives). */
export async function ensureStatusQueues(
  sqs: SQSClient,
  settings: StatusQueueSettings,
): Promise<{ queue: CreatedQueue; dlq: CreatedQueue }> {
  const dlq = await ensureQueue(sqs, settings.dlqName, { FifoQueue: 'true' });
  const queue = await ensureQueue(sqs, settings.queueName, {
    FifoQueue: 'true',
    VisibilityTimeout: String(settings.visibilityTimeoutSeconds),
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: dlq.queueArn,
      maxReceiveCount: settings.maxReceiveCount,
    }),
  });
  return { queue, dlq };
}

/**
 * The standard merchant-webhook delivery queue and its DLQ (a message lands there only when the
 * delivery function itself keeps failing; a receiver's failures are retried by new messages).
 */
export async function ensureWebhookQueues(
  sqs: SQSClient,
  settings: { queueName: string; dlqName: string; visibilityTimeoutSeconds: number },
): Promise<{ queue: CreatedQueue; dlq: CreatedQueue }> {
  const dlq = await ensureQueue(sqs, settings.dlqName, {});
  const queue = await ensureQueue(sqs, settings.queueName, {
    VisibilityTimeout: String(settings.visibilityTimeoutSeconds),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.queueArn, maxReceiveCount: 5 }),
  });
  return { queue, dlq };
}

async function ensureQueue(
  sqs: SQSClient,
  name: string,
  attributes: Record<string, string>,
): Promise<CreatedQueue> {
  const queueUrl = (await existingQueueUrl(sqs, name)) ?? (await createQueue(sqs, name, attributes));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  if (!Attributes?.QueueArn) throw new Error(`SQS returned no QueueArn for ${queueUrl}`);
  return { queueUrl, queueArn: Attributes.QueueArn };
}

async function existingQueueUrl(sqs: SQSClient, name: string): Promise<string | undefined> {
  try {
    return (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
  } catch (error) {
    // The JSON protocol names it QueueDoesNotExist; older query-protocol servers the long form.
    if (/QueueDoesNotExist|NonExistentQueue/.test((error as Error).name)) return undefined;
    throw error;
  }
}

async function createQueue(
  sqs: SQSClient,
  name: string,
  attributes: Record<string, string>,
): Promise<string> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  if (!QueueUrl) throw new Error(`SQS returned no QueueUrl for ${name}`);
  return QueueUrl;
}

export interface KeyToEnsure {
  alias: string;
  keySpec: 'RSA_2048' | 'SYMMETRIC_DEFAULT';
  description: string;
}

/** A key behind each alias: the existing one, or a new key given that alias. */
export async function ensureKeys(kms: KMSClient, keys: KeyToEnsure[]): Promise<void> {
  for (const key of keys) {
    if (await aliasExists(kms, key.alias)) continue;
    const { KeyMetadata } = await kms.send(
      new CreateKeyCommand({
        KeySpec: key.keySpec,
        KeyUsage: 'ENCRYPT_DECRYPT',
        Description: key.description,
      }),
    );
    await kms.send(new CreateAliasCommand({ AliasName: key.alias, TargetKeyId: KeyMetadata!.KeyId! }));
  }
}

async function aliasExists(kms: KMSClient, alias: string): Promise<boolean> {
  try {
    await kms.send(new DescribeKeyCommand({ KeyId: alias }));
    return true;
  } catch (error) {
    if ((error as Error).name === 'NotFoundException') return false;
    throw error;
  }
}
