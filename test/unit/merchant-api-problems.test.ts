/**
 * What a merchant reads when an operation cannot be done: every domain error becomes one
 * documented problem+json answer (status, type, the detail the merchant acts on), and an error
 * the API does not know is not dressed up as one of them.
 */
import { describe, expect, it } from 'vitest';
import * as domain from '../../lambdas/core/errors.js';
import {
  DuplicateMerchantOrderError,
  MsnNotAllowedError,
  VippsInitFailedError,
} from '../../lambdas/core/use-cases/create-payment.js';
import { problemFor } from '../../lambdas/handlers/merchant-api/problems.js';

const ID = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const rejected = new domain.VippsRejectedError(400, [{ errorCode: '21', errorMessage: 'Not active' }]);

function answerTo(error: unknown) {
  const result = problemFor(error);
  if (!result) return undefined;
  return {
    status: result.statusCode,
    contentType: result.headers?.['Content-Type'],
    retryAfter: result.headers?.['Retry-After'],
    body: JSON.parse(result.body) as Record<string, unknown>,
  };
}

describe('domain errors as problem+json', () => {
  it.each([
    [
      new domain.PaymentNotFoundError(ID),
      404,
      'payment-not-found',
      { title: 'No such payment', detail: `No payment ${ID} for this merchant` },
    ],
    [
      new MsnNotAllowedError('654321'),
      403,
      'msn-not-allowed',
      { title: 'Sales unit not allowed', merchantSerialNumber: '654321' },
    ],
    [
      new DuplicateMerchantOrderError('123456', 'order-1', ID),
      409,
      'duplicate-merchant-order-id',
      {
        title: 'merchantOrderId already used',
        pspTransactionId: ID,
        detail: 'merchantOrderId order-1 is already used for MSN 123456',
      },
    ],
    [
      new domain.AmountExceedsRemainingError('CAPTURE', 5_000, 3_000),
      422,
      'amount-exceeds-remaining',
      { title: 'Amount too large', requested: 5_000, remaining: 3_000 },
    ],
    [
      new domain.InvalidAmountError('Capture amount must be positive'),
      400,
      'validation-error',
      { title: 'Invalid amount' },
    ],
    [
      new domain.InvalidTransitionError('CAPTURE', 'FAILED'),
      409,
      'invalid-payment-state',
      { title: 'Not possible in the payment’s current state', paymentStatus: 'FAILED' },
    ],
    [
      new domain.OperationKeyReusedError('CAPTURE', 1_000),
      422,
      'idempotency-key-mismatch',
      {
        title: 'Idempotency-Key reused with a different request',
        detail: 'This Idempotency-Key was already used for capture of 1000 øre',
      },
    ],
    [
      new VippsInitFailedError(ID, rejected),
      422,
      'vipps-rejected',
      {
        title: 'Vipps refused the payment',
        pspTransactionId: ID,
        vippsErrors: [{ errorCode: '21', errorMessage: 'Not active' }],
      },
    ],
    [
      new VippsInitFailedError(ID, new domain.VippsUnavailableError('HTTP 503')),
      502,
      'vipps-unavailable',
      { title: 'Vipps could not be reached', pspTransactionId: ID, detail: 'HTTP 503' },
    ],
    [
      new domain.VippsUnavailableError('HTTP 504'),
      502,
      'vipps-unavailable',
      { title: 'Vipps could not be reached', detail: 'HTTP 504' },
    ],
    [
      new domain.AcquirerRefusedError('05 Do not honour'),
      422,
      'acquirer-refused',
      { title: 'The acquirer refused the operation', detail: '05 Do not honour' },
    ],
    [
      new domain.AcquirerUnavailableError('timeout'),
      502,
      'acquirer-unavailable',
      {
        title: 'The acquirer did not confirm the operation',
        detail: 'timeout. Retry with the same Idempotency-Key.',
      },
    ],
  ])('%s → %i %s', (error, status, slug, body) => {
    expect(answerTo(error)).toMatchObject({
      status,
      contentType: 'application/problem+json',
      body: { ...body, status, type: `/problems/${slug}` },
    });
  });

  it('a lost write race is a retryable 409 with Retry-After, never a fault', () => {
    expect(answerTo(new domain.ConcurrentUpdateError(ID))).toMatchObject({
      status: 409,
      retryAfter: '1',
      body: {
        type: '/problems/concurrent-update',
        title: 'The payment is being changed by other requests',
        detail: expect.stringContaining(
          'This is retryable: send the same request again with the same Idempotency-Key',
        ) as string,
        retryable: true,
      },
    });
  });

  it('an error the API does not know gets no domain answer (the handler answers 500)', () => {
    expect(problemFor(new Error('boom'))).toBeUndefined();
    expect(problemFor('not even an error')).toBeUndefined();
  });
});
