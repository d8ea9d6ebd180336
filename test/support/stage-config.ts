/**
 * A sandbox stage's complete configuration as its Lambda environment carries it (the input of
 * loadConfig in lambdas/config.ts), for tests that change only the settings they are about.
 */
export const sandboxConfig = {
  STAGE: 'sandbox',
  TABLE_NAME: 'payments',
  IDEMPOTENCY_TABLE_NAME: 'idempotency',
  STATUS_QUEUE_URL: 'https://sqs.eu-north-1.amazonaws.com/123456789012/status.fifo',
  STATUS_DLQ_URL: 'https://sqs.eu-north-1.amazonaws.com/123456789012/status-dlq.fifo',
  CARD_DATA_KEY_ID: 'alias/card-data',
  ENVELOPE_KEY_ID: 'alias/envelope',
  PUBLIC_BASE_URL: 'https://psp.example.com/',
  VIPPS_BASE_URL: 'https://apitest.vipps.no',
  VIPPS_PSP_ID: 'C948DFD1546347568874C4DDC93A2E3C',
  VIPPS_CREDENTIALS_SECRET_ID: 'arn:aws:secretsmanager:eu-north-1:123456789012:secret:vipps',
};

/** The same, with the region and (dummy) credentials the AWS SDK clients are built with. */
export const sandboxLambdaEnvironment = {
  ...sandboxConfig,
  AWS_REGION: 'eu-north-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
};

/**
 * A local stage's Lambda environment whose AWS services and Vipps are unreachable (port 9, the
 * discard port): for tests of what an entry decides before it calls anything.
 */
export const unreachableLocalEnvironment = {
  STAGE: 'local',
  TABLE_NAME: 'payments',
  IDEMPOTENCY_TABLE_NAME: 'idempotency',
  STATUS_QUEUE_URL: 'http://127.0.0.1:9/000000000000/status.fifo',
  STATUS_DLQ_URL: 'http://127.0.0.1:9/000000000000/status-dlq.fifo',
  CARD_DATA_KEY_ID: 'alias/card-data',
  ENVELOPE_KEY_ID: 'alias/envelope',
  PUBLIC_BASE_URL: 'http://127.0.0.1:3000',
  VIPPS_BASE_URL: 'http://127.0.0.1:9',
  VIPPS_PSP_ID: 'psp',
  AWS_REGION: 'eu-north-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
};
