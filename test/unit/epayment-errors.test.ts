/**
 * Vipps' ePayment refusals as the core's errors (lambdas/core/epayment-port.ts): what an outbox
 * does with them (a rejection is poison, "retry later" is retried with the same key) and the
 * message ops read in the logs and the dead-letter queue — Vipps' own text plus what its
 * ErrorCode means.
 */
import { describe, expect, it } from 'vitest';
import {
  EPaymentRejectedError,
  EPaymentRetryLaterError,
  ePaymentRetryLaterCodes,
} from '../../lambdas/core/epayment-port.js';
import { VippsRejectedError, VippsUnavailableError } from '../../lambdas/core/errors.js';

describe('EPaymentRejectedError: Vipps refused for good', () => {
  it('is a VippsRejectedError carrying Vipps’ code and detail with what the code means', () => {
    const problem = { httpStatus: 400, errorCode: '6090', title: 'Bad Request', detail: 'Too much' };
    const error = new EPaymentRejectedError(problem);
    expect(error).toBeInstanceOf(VippsRejectedError);
    expect(error.httpStatus).toBe(400);
    expect(error.errorCode).toBe('6090');
    expect(error.firstCode).toBe('6090');
    expect(error.problem).toBe(problem);
    expect(error.message).toBe(
      'Vipps rejected the request (HTTP 400): 6090 Too much — the capture amount is higher than what remains authorized',
    );
  });

  it('without a detail the title is shown; an unknown code adds no meaning', () => {
    const error = new EPaymentRejectedError({ httpStatus: 409, errorCode: '9999', title: 'Conflict' });
    expect(error.message).toBe('Vipps rejected the request (HTTP 409): 9999 Conflict');
  });

  it('a known code alone is explained; with no text at all the HTTP status stands in, as the code too', () => {
    expect(new EPaymentRejectedError({ httpStatus: 400, errorCode: '4150' }).message).toBe(
      'Vipps rejected the request (HTTP 400): 4150 the reference already exists (or a refund conflicts)',
    );
    const bare = new EPaymentRejectedError({ httpStatus: 404 });
    expect(bare.message).toBe('Vipps rejected the request (HTTP 404): 404 HTTP 404');
    expect(bare.errorCode).toBeUndefined();
    expect(bare.firstCode).toBe('404');
  });
});

describe('EPaymentRetryLaterError: try again later with the same key', () => {
  it('is a VippsUnavailableError with its message and, when Vipps answered, the problem', () => {
    const problem = { httpStatus: 409, errorCode: '6160' };
    const error = new EPaymentRetryLaterError('Vipps capture: locked; try again later', problem);
    expect(error).toBeInstanceOf(VippsUnavailableError);
    expect(error.message).toBe('Vipps capture: locked; try again later');
    expect(error.problem).toBe(problem);
    expect(new EPaymentRetryLaterError('unreachable').problem).toBeUndefined();
  });

  it('Vipps’ “locked” (6160) and “retry later” (6280) are the codes that mean not now', () => {
    expect([...ePaymentRetryLaterCodes].sort()).toEqual(['6160', '6280']);
  });
});
