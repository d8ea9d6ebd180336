/** Domain errors → application/problem+json, in one place. Unknown errors → a generic 500. */
import {
  AcquirerRefusedError,
  AcquirerUnavailableError,
  AmountExceedsRemainingError,
  ConcurrentUpdateError,
  InvalidAmountError,
  InvalidTransitionError,
  OperationKeyReusedError,
  PaymentNotFoundError,
  VippsRejectedError,
  VippsUnavailableError,
} from '../../core/errors.js';
import {
  DuplicateMerchantOrderError,
  MsnNotAllowedError,
  VippsInitFailedError,
} from '../../core/use-cases/create-payment.js';
import { WebhookEndpointNotFoundError } from '../../core/webhooks/endpoints.js';
import { EventNotFoundError } from '../../core/webhooks/event-log.js';
import type { HttpResult } from '../http/api-gateway.js';
import { problem } from '../http/api-gateway.js';

/** The problem type of lost write races: retryable, so never stored as an idempotent answer. */
export const CONCURRENT_UPDATE = 'concurrent-update';

export function problemFor(error: unknown): HttpResult | undefined {
  if (error instanceof WebhookEndpointNotFoundError)
    return problem(404, 'webhook-endpoint-not-found', 'No such webhook endpoint', error.message);
  if (error instanceof EventNotFoundError)
    return problem(404, 'event-not-found', 'No such event', error.message);
  if (error instanceof PaymentNotFoundError) {
    return problem(
      404,
      'payment-not-found',
      'No such payment',
      `No payment ${error.pspTransactionId} for this merchant`,
    );
  }
  if (error instanceof MsnNotAllowedError) {
    return problem(403, 'msn-not-allowed', 'Sales unit not allowed', error.message, {
      merchantSerialNumber: error.merchantSerialNumber,
    });
  }
  if (error instanceof DuplicateMerchantOrderError) {
    return problem(409, 'duplicate-merchant-order-id', 'merchantOrderId already used', error.message, {
      pspTransactionId: error.pspTransactionId,
    });
  }
  if (error instanceof AmountExceedsRemainingError) {
    return problem(422, 'amount-exceeds-remaining', 'Amount too large', error.message, {
      requested: error.requested,
      remaining: error.remaining,
    });
  }
  if (error instanceof InvalidAmountError)
    return problem(400, 'validation-error', 'Invalid amount', error.message);
  if (error instanceof InvalidTransitionError) {
    return problem(
      409,
      'invalid-payment-state',
      'Not possible in the payment’s current state',
      error.message,
      { paymentStatus: error.status },
    );
  }
  if (error instanceof ConcurrentUpdateError) {
    // Contention, not a fault: the write-conflict policy ran out of attempts. Never kept as the
    // Idempotency-Key's answer (see idempotency.ts), so the same request can simply be sent again.
    const result = problem(
      409,
      CONCURRENT_UPDATE,
      'The payment is being changed by other requests',
      'Other operations on this payment won the race for now; nothing was lost. This is retryable: send the same request again with the same Idempotency-Key, after a short pause.',
      { retryable: true },
    );
    return { ...result, headers: { ...result.headers, 'Retry-After': '1' } };
  }
  if (error instanceof OperationKeyReusedError) {
    return problem(
      422,
      'idempotency-key-mismatch',
      'Idempotency-Key reused with a different request',
      error.message,
    );
  }
  if (error instanceof VippsInitFailedError) {
    const cause = error.vippsError;
    if (cause instanceof VippsRejectedError) {
      return problem(422, 'vipps-rejected', 'Vipps refused the payment', cause.message, {
        pspTransactionId: error.pspTransactionId,
        vippsErrors: cause.errors,
      });
    }
    return problem(502, 'vipps-unavailable', 'Vipps could not be reached', cause.message, {
      pspTransactionId: error.pspTransactionId,
    });
  }
  if (error instanceof VippsUnavailableError)
    return problem(502, 'vipps-unavailable', 'Vipps could not be reached', error.message);
  if (error instanceof AcquirerRefusedError)
    return problem(422, 'acquirer-refused', 'The acquirer refused the operation', error.message);
  if (error instanceof AcquirerUnavailableError) {
    return problem(
      502,
      'acquirer-unavailable',
      'The acquirer did not confirm the operation',
      `${error.message}. Retry with the same Idempotency-Key.`,
    );
  }
  return undefined;
}
