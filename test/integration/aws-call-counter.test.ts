/**
 * The SDK client factories and the call counter the benchmark reads: every command sent through a
 * factory-made client counts once per service (SDK retries do not count again), document-client
 * commands count as DynamoDB, and a client made with `counter: false` is not counted.
 */
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { GetQueueUrlCommand, ListQueuesCommand } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AwsCallCounter,
  awsCallCounter,
  createDynamoDbClient,
  createDynamoDbDocumentClient,
  createSecretsManagerClient,
  createSqsClient,
} from '../../lambdas/adapters/aws-clients.js';
import { createKmsClient } from '../../lambdas/adapters/kms/kms-client.js';
import { type KmsEmulator, startKmsEmulator } from '../../local/kms-emulator.js';
import { type SqsEmulator, startSqsEmulator } from '../../local/sqs-emulator.js';

let sqsEmulator: SqsEmulator;
let kmsEmulator: KmsEmulator;
let failing: Server;
let failingEndpoint: string;
let failingHits = 0;

beforeAll(async () => {
  sqsEmulator = await startSqsEmulator();
  kmsEmulator = await startKmsEmulator({ keys: [{ keySpec: 'SYMMETRIC_DEFAULT', aliases: ['alias/k'] }] });
  // Answers every request with a retryable 500, so the SDK retries.
  failing = createServer((req, res) => {
    failingHits += 1;
    req.resume();
    res.writeHead(500, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify({ __type: 'InternalFailure', message: 'boom' }));
  });
  await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
  failingEndpoint = `http://127.0.0.1:${(failing.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await sqsEmulator.close();
  await kmsEmulator.close();
  failing.closeAllConnections();
  await new Promise((resolve) => failing.close(resolve));
});

describe('awsCallCounter', () => {
  it('counts commands per service through factory-made clients, including failed ones', async () => {
    const counter = new AwsCallCounter();
    const sqs = createSqsClient({ endpoint: sqsEmulator.endpoint, counter });
    const kms = createKmsClient({ endpoint: kmsEmulator.endpoint, counter });
    await sqs.send(new ListQueuesCommand({}));
    await expect(sqs.send(new GetQueueUrlCommand({ QueueName: 'missing' }))).rejects.toMatchObject({
      name: 'QueueDoesNotExist',
    });
    await kms.send(new DescribeKeyCommand({ KeyId: 'alias/k' }));
    expect(counter.snapshot()).toEqual({ dynamodb: 0, sqs: 2, kms: 1, secretsManager: 0 });
    expect(counter.byCommand()).toEqual({
      'kms:DescribeKeyCommand': 1,
      'sqs:GetQueueUrlCommand': 1,
      'sqs:ListQueuesCommand': 1,
    });
    counter.reset();
    expect(counter.snapshot()).toEqual({ dynamodb: 0, sqs: 0, kms: 0, secretsManager: 0 });
    sqs.destroy();
    kms.destroy();
  });

  it('counts a retried command once', async () => {
    const counter = new AwsCallCounter();
    const kms = createKmsClient({ endpoint: failingEndpoint, counter, maxAttempts: 3 });
    failingHits = 0;
    await expect(kms.send(new DescribeKeyCommand({ KeyId: 'alias/k' }))).rejects.toThrow();
    expect(failingHits).toBe(3);
    expect(counter.snapshot().kms).toBe(1);
    kms.destroy();
  });

  it('counts document-client commands as DynamoDB, once each', async () => {
    const counter = new AwsCallCounter();
    const dynamo = createDynamoDbClient({ endpoint: failingEndpoint, counter, maxAttempts: 1 });
    const documents = createDynamoDbDocumentClient(dynamo);
    await expect(documents.send(new GetCommand({ TableName: 't', Key: { pk: 'a' } }))).rejects.toThrow();
    await expect(dynamo.send(new ListTablesCommand({}))).rejects.toThrow();
    expect(counter.snapshot().dynamodb).toBe(2);
    expect(counter.byCommand()).toEqual({ 'dynamodb:GetItemCommand': 1, 'dynamodb:ListTablesCommand': 1 });
    dynamo.destroy();
  });

  it('counts Secrets Manager, uses the shared counter by default, and skips counter: false clients', async () => {
    const before = awsCallCounter.snapshot();
    const secrets = createSecretsManagerClient({ endpoint: failingEndpoint, maxAttempts: 1 });
    await expect(secrets.send(new GetSecretValueCommand({ SecretId: 's' }))).rejects.toThrow();
    const uncounted = createSqsClient({ endpoint: sqsEmulator.endpoint, counter: false });
    await uncounted.send(new ListQueuesCommand({}));
    const after = awsCallCounter.snapshot();
    expect(after.secretsManager - before.secretsManager).toBe(1);
    expect(after.sqs - before.sqs).toBe(0);
    secrets.destroy();
    uncounted.destroy();
  });
});

describe('client factories', () => {
  it('give loopback endpoints dummy credentials and a default region (no metadata-service lookup)', async () => {
    const env = { AWS_ENDPOINT_URL_SQS: sqsEmulator.endpoint };
    const sqs = createSqsClient({ env, counter: false });
    expect(await sqs.config.region()).toBe('eu-north-1');
    const credentials = await sqs.config.credentials();
    expect(credentials.accessKeyId).toBe('local');
    sqs.destroy();

    const explicit = createSqsClient({ endpoint: sqsEmulator.endpoint, region: 'eu-west-1', counter: false });
    expect(await explicit.config.region()).toBe('eu-west-1');
    explicit.destroy();
  });
});
