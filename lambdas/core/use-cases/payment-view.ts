import type { Transaction } from '../transaction.js';
import { remainingToCapture, remainingToRefund } from '../transaction.js';
import { vippsApiOf } from '../vipps-api.js';

/** What a merchant sees of a payment: never the token hash or makePayment internals. */
export function paymentView(tx: Transaction) {
  return {
    pspTransactionId: tx.pspTransactionId,
    merchantSerialNumber: tx.merchantSerialNumber,
    /** The Vipps API the payment was created under: psp-v3 or epayment. */
    vippsApi: vippsApiOf(tx),
    merchantOrderId: tx.merchantOrderId,
    status: tx.status,
    amount: tx.amount,
    currency: tx.currency,
    paymentText: tx.paymentText,
    amounts: {
      reserved: tx.reservedAmount,
      captured: tx.capturedAmount,
      refunded: tx.refundedAmount,
      released: tx.releasedAmount ?? 0,
      /** Both count operations in flight: what the merchant can still ask for. */
      remainingToCapture: remainingToCapture(tx),
      remainingToRefund: remainingToRefund(tx),
    },
    ...(tx.vippsRedirectUrl ? { vippsRedirectUrl: tx.vippsRedirectUrl } : {}),
    ...(tx.failure ? { failure: tx.failure } : {}),
    operationsInProgress: tx.pendingOperations.map((p) => ({
      operation: p.operation,
      amount: p.amount,
      startedAt: p.startedAt,
    })),
    history: tx.history.map((h) => ({
      operation: h.operation,
      amount: h.amount,
      at: h.at,
      ...(h.acquirerReference ? { acquirerReference: h.acquirerReference } : {}),
      ...(h.idempotencyKey ? { idempotencyKey: h.idempotencyKey } : {}),
      ...(h.errorId ? { errorId: h.errorId } : {}),
      ...(h.statusSeq
        ? { vippsStatusSeq: h.statusSeq, acknowledgedByVipps: h.statusSeq <= tx.vippsSync.acknowledgedSeq }
        : {}),
    })),
    vippsSync: {
      statusUpdatesSent: tx.statusSeq,
      acknowledgedSeq: tx.vippsSync.acknowledgedSeq,
      inSync: tx.vippsSync.acknowledgedSeq >= tx.statusSeq,
      ...(tx.vippsSync.lastSyncAt ? { lastSyncAt: tx.vippsSync.lastSyncAt } : {}),
      ...(tx.vippsSync.rejected?.length ? { rejected: tx.vippsSync.rejected } : {}),
    },
    createdAt: tx.createdAt,
    updatedAt: tx.updatedAt,
    expiresAt: tx.expiresAt,
  };
}

export type PaymentView = ReturnType<typeof paymentView>;
