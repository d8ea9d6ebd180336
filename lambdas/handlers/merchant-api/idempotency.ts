/**
 * Idempotency-Key for mutating Merchant API calls, with Powertools Idempotency on its own
 * DynamoDB table: scoped per merchant, kept 24 h; the same key and body replay the first answer
 * (status code included); a different body → 422; a request still running → 409.
 * 5xx and 409 concurrent-update answers are not kept, so a retry after an outage or a lost
 * race runs again.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Context } from 'aws-lambda';
import type { HttpResult } from '../http/api-gateway.js';
import { problem } from '../http/api-gateway.js';
import { CONCURRENT_UPDATE } from './problems.js';

export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;
const KEEP_SECONDS = 24 * 60 * 60;

export interface IdempotentRequest {
  merchantId: string;
  key: string;
  /** Route + path id + body: what must be identical for a replay. */
  fingerprint: unknown;
}

export type IdempotencyRunner = (
  request: IdempotentRequest,
  context: Context,
  work: () => Promise<HttpResult>,
) => Promise<HttpResult>;

class NotKept extends Error {
  constructor(readonly result: HttpResult) {
    // Stryker disable next-line StringLiteral: always caught by the runner below; the message is never shown nor logged
    super('5xx and retryable answers are not kept for replay');
  }
}

/**
 * Whether an answer is the request's outcome, kept for replay. A 5xx is not, and neither is a
 * lost write race (409 concurrent-update): it says "send it again", and a replay of it would make
 * that retry useless.
 */
function isFinal(result: HttpResult): boolean {
  if (result.statusCode >= 500) return false;
  return !(result.statusCode === 409 && result.body.includes(`"/problems/${CONCURRENT_UPDATE}"`));
}

export function createIdempotencyRunner(options: {
  client: DynamoDBClient;
  tableName: string;
}): IdempotencyRunner {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: '[merchantId, key]',
    payloadValidationJmesPath: 'fingerprint',
    expiresAfterSeconds: KEEP_SECONDS,
    throwOnNoIdempotencyKey: true,
  });
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: options.tableName,
    awsSdkV3Client: options.client,
  });
  const once = makeIdempotent(
    async (_request: IdempotentRequest, work: () => Promise<HttpResult>): Promise<HttpResult> => {
      const result = await work();
      if (!isFinal(result)) throw new NotKept(result);
      return result;
    },
    { persistenceStore, config },
  );

  return async (request, context, work) => {
    config.registerLambdaContext(context);
    let ran = false;
    try {
      const result = await once(request, async () => {
        ran = true;
        return work();
      });
      return ran ? result : { ...result, headers: { ...result.headers, 'Idempotent-Replayed': 'true' } };
    } catch (error) {
      if (error instanceof NotKept) return error.result;
      if (error instanceof IdempotencyValidationError) {
        return problem(
          422,
          'idempotency-key-mismatch',
          'Idempotency-Key reused with a different request',
          'This Idempotency-Key was first used with a different request body or route; use a new key for a new request.',
        );
      }
      if (error instanceof IdempotencyAlreadyInProgressError) {
        return problem(
          409,
          'idempotency-key-in-use',
          'A request with this Idempotency-Key is still running',
          'Retry after the first request has finished.',
        );
      }
      throw error;
    }
  };
}
