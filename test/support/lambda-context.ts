/**
 * The Lambda Context an entry is invoked with, as the Lambda runtime fills it in: for unit tests
 * that call a handler's entry (or its Idempotency-Key runner) directly.
 */
import type { Context } from 'aws-lambda';

export function lambdaContext(
  options: { functionName?: string; awsRequestId?: string; remainingMs?: number } = {},
): Context {
  const functionName = options.functionName ?? 'psp-test';
  return {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-north-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: options.awsRequestId ?? 'req-1',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'stream',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => options.remainingMs ?? 30_000,
  } as unknown as Context;
}
