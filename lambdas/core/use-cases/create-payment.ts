import { type VippsError } from '../error-catalogue.js';
import { ConcurrentUpdateError, DomainError, VippsRejectedError, VippsUnavailableError } from '../errors.js';
import type { Clock, Log, Merchant, TransactionStore, VippsApi } from '../ports.js';
import { newPspTransactionId, randomToken, sha256Hex } from '../secrets.js';
import { type Transaction, fail, nextDueAt } from '../transaction.js';
import { commit } from './commit.js';

/** What a merchant asks for: the payment's own fields, as the Merchant API validated them. */
export type CreatePaymentRequest = Pick<
  Transaction,
  'merchantSerialNumber' | 'merchantOrderId' | 'amount' | 'currency' | 'paymentText' | 'redirectUrl'
> & { customerMobileNumber?: string; isApp?: boolean };

export interface CreatePaymentResult {
  pspTransactionId: string;
  vippsRedirectUrl: string;
  status: Transaction['status'];
}

export interface CreatePaymentDeps {
  transactions: TransactionStore;
  vipps: VippsApi;
  clock: Clock;
  log: Log;
  /** PUBLIC_BASE_URL + the make-payment path. */
  makePaymentUrl: string;
  paymentTtlSeconds: number;
}

export class MsnNotAllowedError extends DomainError {
  constructor(readonly merchantSerialNumber: string) {
    super(`Sales unit ${merchantSerialNumber} does not belong to this merchant`);
  }
}

export class DuplicateMerchantOrderError extends DomainError {
  constructor(
    readonly merchantSerialNumber: string,
    readonly merchantOrderId: string,
    readonly pspTransactionId: string,
  ) {
    super(`merchantOrderId ${merchantOrderId} is already used for MSN ${merchantSerialNumber}`);
  }
}

/** Vipps refused or could not take the init; the payment is stored FAILED, never half-made. */
export class VippsInitFailedError extends DomainError {
  constructor(
    readonly pspTransactionId: string,
    readonly vippsError: VippsRejectedError | VippsUnavailableError,
  ) {
    super(vippsError.message, { cause: vippsError });
  }
}

/**
 * Create a Vipps payment. Primary course: check the MSN belongs to the merchant and the order id
 * is new → store the payment INITIATED with only the SHA-256 of a fresh makePaymentToken → call
 * Vipps init with our makePaymentUrl → record the redirect URL. A Vipps error leaves it FAILED.
 */
export async function createPayment(
  merchant: Merchant,
  request: CreatePaymentRequest,
  deps: CreatePaymentDeps,
): Promise<CreatePaymentResult> {
  if (!merchant.merchantSerialNumbers.includes(request.merchantSerialNumber)) {
    throw new MsnNotAllowedError(request.merchantSerialNumber);
  }
  const existing = await deps.transactions.findByMerchantOrder(
    request.merchantSerialNumber,
    request.merchantOrderId,
  );
  if (existing) {
    throw new DuplicateMerchantOrderError(
      request.merchantSerialNumber,
      request.merchantOrderId,
      existing.pspTransactionId,
    );
  }

  const now = deps.clock.now();
  const at = now.toISOString();
  const makePaymentToken = randomToken();
  const tx: Transaction = {
    pspTransactionId: newPspTransactionId(),
    merchantId: merchant.merchantId,
    merchantName: merchant.name,
    allowCreditCards: merchant.allowCreditCards,
    merchantSerialNumber: request.merchantSerialNumber,
    merchantOrderId: request.merchantOrderId,
    amount: request.amount,
    currency: request.currency,
    paymentText: request.paymentText,
    redirectUrl: request.redirectUrl,
    ...(request.customerMobileNumber ? { customerMobileNumber: request.customerMobileNumber } : {}),
    isApp: request.isApp ?? false,
    status: 'INITIATED',
    version: 1,
    createdAt: at,
    updatedAt: at,
    expiresAt: new Date(now.getTime() + deps.paymentTtlSeconds * 1000).toISOString(),
    makePaymentTokenHash: sha256Hex(makePaymentToken),
    reservedAmount: 0,
    capturedAmount: 0,
    refundedAmount: 0,
    history: [{ operation: 'INITIATE', amount: request.amount, at }],
    pendingOperations: [],
    statusSeq: 0,
    vippsSync: { acknowledgedSeq: 0 },
  };
  const dueAt = nextDueAt(tx);
  if (dueAt) tx.dueAt = dueAt;
  await deps.transactions.create(tx);

  let vippsRedirectUrl: string;
  try {
    ({ vippsRedirectUrl } = await deps.vipps.initiatePayment(
      {
        pspTransactionId: tx.pspTransactionId,
        merchantSerialNumber: tx.merchantSerialNumber,
        merchantOrderId: tx.merchantOrderId,
        amount: tx.amount,
        currency: tx.currency,
        paymentText: tx.paymentText,
        pspRedirectUrl: tx.redirectUrl,
        makePaymentUrl: deps.makePaymentUrl,
        makePaymentToken,
        ...(tx.customerMobileNumber ? { customerMobileNumber: tx.customerMobileNumber } : {}),
        isApp: tx.isApp,
      },
      tx.pspTransactionId,
    ));
  } catch (error) {
    if (!(error instanceof VippsRejectedError || error instanceof VippsUnavailableError)) throw error;
    const failure: VippsError =
      error instanceof VippsRejectedError
        ? { errorId: `vipps-${error.firstCode ?? error.httpStatus}`, errorText: error.message }
        : { errorId: 'vipps-unavailable', errorText: error.message };
    await commit(
      deps.transactions,
      tx,
      fail(tx, failure, { at: deps.clock.now().toISOString(), note: 'Vipps init failed' }),
    );
    deps.log.warn('Vipps init failed', { pspTransactionId: tx.pspTransactionId, reason: failure.errorId });
    throw new VippsInitFailedError(tx.pspTransactionId, error);
  }

  try {
    await deps.transactions.apply(tx, { changes: { vippsRedirectUrl }, history: [] });
  } catch (error) {
    // Vipps may already be calling makePaymentUrl; the redirect URL is returned either way.
    if (!(error instanceof ConcurrentUpdateError)) throw error;
  }
  deps.log.info('Payment initiated', { pspTransactionId: tx.pspTransactionId, amount: tx.amount });
  return { pspTransactionId: tx.pspTransactionId, vippsRedirectUrl, status: 'INITIATED' };
}
