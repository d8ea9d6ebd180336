import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/**
 * A Lambda Context for a local invocation, with the function's real timeout. A worker passes the
 * deadline and request id its host fixed, so the handler sees the same clock the host enforces.
 */
export function lambdaContext(
  functionName: string,
  timeoutSeconds: number,
  memoryMb = 512,
  invocation: { deadline?: number; awsRequestId?: string } = {},
): Context {
  const deadline = invocation.deadline ?? Date.now() + timeoutSeconds * 1000;
  const awsRequestId = invocation.awsRequestId ?? randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-north-1:000000000000:function:${functionName}`,
    memoryLimitInMB: String(memoryMb),
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/${awsRequestId}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
