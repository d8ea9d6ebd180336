/**
 * Domain errors. Handlers map them to HTTP once (see handlers/merchant-api/problems.ts); nothing else
 * needs to know their names.
 */
export class DomainError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class PaymentNotFoundError extends DomainError {
  constructor(readonly pspTransactionId: string) {
    super(`No payment ${pspTransactionId}`);
  }
}

export class InvalidTransitionError extends DomainError {
  constructor(
    readonly operation: string,
    readonly status: string,
    detail?: string,
  ) {
    super(detail ?? `Cannot ${operation.toLowerCase()} a payment that is ${status}`);
  }
}

export class AmountExceedsRemainingError extends DomainError {
  constructor(
    readonly operation: string,
    readonly requested: number,
    readonly remaining: number,
  ) {
    super(`Cannot ${operation.toLowerCase()} ${requested} øre: only ${remaining} øre remain`);
  }
}

export class InvalidAmountError extends DomainError {}

/** Another writer changed the item since we read it (the conditional write lost). */
export class ConcurrentUpdateError extends DomainError {
  constructor(readonly key: string) {
    super(`Concurrent update of ${key}`);
  }
}

/** Vipps answered a request of ours with a business error (4xx with Vipps' error array). */
export class VippsRejectedError extends DomainError {
  constructor(
    readonly httpStatus: number,
    readonly errors: ReadonlyArray<{ errorCode?: string; errorMessage?: string }>,
  ) {
    super(
      `Vipps rejected the request (HTTP ${httpStatus}): ${errors
        .map((e) => `${e.errorCode ?? '?'} ${e.errorMessage ?? ''}`.trim())
        .join('; ')}`,
    );
  }
  get firstCode(): string | undefined {
    return this.errors[0]?.errorCode;
  }
}

/** Vipps could not be reached, timed out or answered 5xx after our retries. */
export class VippsUnavailableError extends DomainError {}

/** The acquirer could not be reached or answered with an error for a capture/refund/void. */
export class AcquirerUnavailableError extends DomainError {}

/** The acquirer refused an operation (capture/refund/void) outright. */
export class AcquirerRefusedError extends DomainError {}

/**
 * An Idempotency-Key this payment already used for another operation or amount. The Merchant
 * API's idempotency records catch this first; this is the store's own check, which outlives them.
 */
export class OperationKeyReusedError extends DomainError {
  constructor(
    readonly operation: string,
    readonly amount: number,
  ) {
    super(`This Idempotency-Key was already used for ${operation.toLowerCase()} of ${amount} øre`);
  }
}

/**
 * The acquirer cannot find an authorisation by our reference (Clearhaus has no such lookup): a
 * person must resolve it with the reference in the message. The reconciler alarms on it.
 */
export class AcquirerCannotReverseError extends AcquirerUnavailableError {}
