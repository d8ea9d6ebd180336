import { type VippsError } from '../error-catalogue.js';
import { ConcurrentUpdateError, DomainError, VippsRejectedError, VippsUnavailableError } from '../errors.js';
import type { Clock, Log, Merchant, TransactionStore } from '../ports.js';
import { newPspTransactionId, randomToken, sha256Hex } from '../secrets.js';
import { type Transaction, fail, nextDueAt } from '../transaction.js';
import { vippsApiForMsn } from '../vipps-api.js';
import { commit } from './commit.js';
import { type StartAtVippsDeps, startAtVipps } from './start-at-vipps.js';

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

export interface CreatePaymentDeps extends StartAtVippsDeps {
  transactions: TransactionStore;
  clock: Clock;
  log: Log;
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

/** Vipps refused the init (the payment is stored FAILED) or could not take it (it stays INITIATED). */
export class VippsInitFailedError extends DomainError {
  constructor(
    readonly pspTransactionId: string,
    readonly vippsError: VippsRejectedError | VippsUnavailableError,
  ) {
    super(vippsError.message, { cause: vippsError });
  }
}

/**
 * Create a Vipps payment. Primary course: check the MSN belongs to the merchant → claim the order
 * id (one conditional put: the first create wins, atomically) → store the payment INITIATED with
 * only the SHA-256 of a fresh makePaymentToken → call Vipps init with our makePaymentUrl → record
 * the redirect URL. Vipps refusing leaves it FAILED; Vipps unreachable leaves it INITIATED, so the
 * same request again (same Idempotency-Key, same body) resumes it under the same pspTransactionId
 * — one payment at Vipps — and a payment nobody resumes expires like any unanswered one.
 */
export async function createPayment(
  merchant: Merchant,
  request: CreatePaymentRequest,
  deps: CreatePaymentDeps,
  idempotencyKey?: string,
): Promise<CreatePaymentResult> {
  if (!merchant.merchantSerialNumbers.includes(request.merchantSerialNumber)) {
    throw new MsnNotAllowedError(request.merchantSerialNumber);
  }
  const requestHash = createRequestHash(merchant, request, idempotencyKey);
  const proposedId = newPspTransactionId();
  const claim = await deps.transactions.claimMerchantOrder({
    merchantSerialNumber: request.merchantSerialNumber,
    merchantOrderId: request.merchantOrderId,
    pspTransactionId: proposedId,
    requestHash,
    claimedAt: deps.clock.now().toISOString(),
  });
  if (claim.requestHash !== requestHash) {
    throw new DuplicateMerchantOrderError(
      request.merchantSerialNumber,
      request.merchantOrderId,
      claim.pspTransactionId,
    );
  }

  const makePaymentToken = randomToken();
  const ready =
    claim.pspTransactionId === proposedId
      ? await storeNewPayment(proposedId, merchant, request, makePaymentToken, deps)
      : await resumeClaimedPayment(claim.pspTransactionId, merchant, request, makePaymentToken, deps);
  // A result instead of a payment: the first attempt got all the way; answer as it did.
  if (!('makePaymentTokenHash' in ready)) return ready;
  return initiateAtVipps(ready, makePaymentToken, deps);
}

/**
 * Who may resume an order claim: the same merchant with the same Idempotency-Key and the same
 * request. Without a key nothing can resume it (a random hash matches no later request).
 */
function createRequestHash(
  merchant: Merchant,
  r: CreatePaymentRequest,
  idempotencyKey: string | undefined,
): string {
  return sha256Hex(
    JSON.stringify([
      merchant.merchantId,
      idempotencyKey ?? randomToken(),
      r.merchantSerialNumber,
      r.merchantOrderId,
      r.amount,
      r.currency,
      r.paymentText,
      r.redirectUrl,
      r.customerMobileNumber ?? null,
      r.isApp ?? false,
    ]),
  );
}

async function storeNewPayment(
  pspTransactionId: string,
  merchant: Merchant,
  request: CreatePaymentRequest,
  makePaymentToken: string,
  deps: CreatePaymentDeps,
): Promise<Transaction> {
  const now = deps.clock.now();
  const at = now.toISOString();
  const tx: Transaction = {
    pspTransactionId,
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
    // Fixed at creation: moving the MSN to another Vipps API later affects only new payments.
    vippsApi: vippsApiForMsn(merchant, request.merchantSerialNumber),
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
  return tx;
}

/**
 * The same request came back for a claimed order: finish what the first attempt left. No payment
 * yet (it stopped between the two puts) → store it now; Vipps never answered the init → a fresh
 * token and deadline, then init again; already initiated → the same answer; ended → duplicate.
 */
async function resumeClaimedPayment(
  pspTransactionId: string,
  merchant: Merchant,
  request: CreatePaymentRequest,
  makePaymentToken: string,
  deps: CreatePaymentDeps,
): Promise<Transaction | CreatePaymentResult> {
  const existing = await deps.transactions.get(pspTransactionId);
  if (!existing) return storeNewPayment(pspTransactionId, merchant, request, makePaymentToken, deps);
  if (existing.status === 'INITIATED' && existing.vippsRedirectUrl) {
    return { pspTransactionId, vippsRedirectUrl: existing.vippsRedirectUrl, status: 'INITIATED' };
  }
  if (existing.status !== 'INITIATED') {
    throw new DuplicateMerchantOrderError(
      existing.merchantSerialNumber,
      existing.merchantOrderId,
      pspTransactionId,
    );
  }
  const now = deps.clock.now();
  const at = now.toISOString();
  return commit(deps.transactions, existing, {
    changes: {
      makePaymentTokenHash: sha256Hex(makePaymentToken),
      expiresAt: new Date(now.getTime() + deps.paymentTtlSeconds * 1000).toISOString(),
      updatedAt: at,
    },
    history: [{ operation: 'INITIATE', amount: existing.amount, at, note: 'Vipps init retried' }],
  });
}

async function initiateAtVipps(
  tx: Transaction,
  makePaymentToken: string,
  deps: CreatePaymentDeps,
): Promise<CreatePaymentResult> {
  let vippsRedirectUrl: string;
  try {
    vippsRedirectUrl = await startAtVipps(tx, makePaymentToken, deps);
  } catch (error) {
    if (error instanceof VippsUnavailableError) {
      // Vipps may come back: the payment stays INITIATED for the merchant's retry (or expires).
      deps.log.warn('Vipps init unavailable; the payment waits for a retry', {
        pspTransactionId: tx.pspTransactionId,
      });
      throw new VippsInitFailedError(tx.pspTransactionId, error);
    }
    if (!(error instanceof VippsRejectedError)) throw error;
    const failure: VippsError = {
      errorId: `vipps-${error.firstCode ?? error.httpStatus}`,
      errorText: error.message,
    };
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
