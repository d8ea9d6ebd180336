/**
 * The esbuild options the CDK stack bundles with, from lib/bundling.ts (a CDK-free module both
 * read), so the bench measures exactly what is deployed.
 */
import type { BuildOptions } from 'esbuild';
import { esbuildOptions } from '../../lib/bundling.js';

export function lambdaBundleOptions(entry: string, outfile: string): BuildOptions {
  return { ...esbuildOptions(entry, outfile), logLevel: 'silent' };
}

/**
 * The environment lib/constructs/functions.ts gives every function, with dummy values of the
 * right shape (no network is reached at init: clients and secrets are created lazily), plus what
 * the Lambda runtime itself sets.
 */
export function lambdaInitEnvironment(functionName: string, memoryMb: number): Record<string, string> {
  const account = '000000000000';
  const region = 'eu-north-1';
  return {
    STAGE: 'sandbox',
    TABLE_NAME: 'psp-payments',
    IDEMPOTENCY_TABLE_NAME: 'psp-idempotency',
    STATUS_QUEUE_URL: `https://sqs.${region}.amazonaws.com/${account}/vipps-status-updates.fifo`,
    STATUS_DLQ_URL: `https://sqs.${region}.amazonaws.com/${account}/vipps-status-updates-dlq.fifo`,
    CARD_DATA_KEY_ID: `arn:aws:kms:${region}:${account}:key/11111111-2222-3333-4444-555555555555`,
    CARD_DATA_OAEP_HASH: 'SHA_256',
    ENVELOPE_KEY_ID: `arn:aws:kms:${region}:${account}:key/66666666-7777-8888-9999-000000000000`,
    PUBLIC_BASE_URL: 'https://psp.example.com',
    VIPPS_BASE_URL: 'https://apitest.vipps.no',
    VIPPS_PSP_ID: 'bench-psp-id',
    VIPPS_CREDENTIALS_SECRET_ID: `arn:aws:secretsmanager:${region}:${account}:secret:vipps-credentials-AbCdEf`,
    ACQUIRER: 'sandbox',
    ACQUIRER_BUDGET_MS: '10000',
    POWERTOOLS_SERVICE_NAME: 'vipps-psp-gateway',
    POWERTOOLS_METRICS_NAMESPACE: 'VippsPsp',
    // Set by the Lambda runtime.
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    AWS_ACCESS_KEY_ID: 'ASIABENCHBENCHBENCH0',
    AWS_SECRET_ACCESS_KEY: 'bench-secret-access-key',
    AWS_SESSION_TOKEN: 'bench-session-token',
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
  };
}
