import type { Transaction } from '../../lambdas/core/transaction.js';

/** A fresh INITIATED payment for unit tests; override what the test is about. */
export function initiatedPayment(overrides: Partial<Transaction> = {}): Transaction {
  const at = '2026-11-24T10:00:00.000Z';
  return {
    pspTransactionId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
    merchantId: 'merchant-1',
    merchantName: 'Sokker AS',
    allowCreditCards: true,
    merchantSerialNumber: '123456',
    merchantOrderId: 'order-1',
    amount: 10_000,
    currency: 'NOK',
    paymentText: 'Socks',
    redirectUrl: 'https://shop.example/done',
    isApp: false,
    status: 'INITIATED',
    version: 1,
    createdAt: at,
    updatedAt: at,
    expiresAt: '2026-11-24T10:15:00.000Z',
    makePaymentTokenHash: '0'.repeat(64),
    reservedAmount: 0,
    capturedAmount: 0,
    refundedAmount: 0,
    history: [{ operation: 'INITIATE', amount: 10_000, at }],
    pendingOperations: [],
    statusSeq: 0,
    vippsSync: { acknowledgedSeq: 0 },
    ...overrides,
  };
}

/** Apply a transition's changes in memory (what the store does in one UpdateItem). */
export function applied(
  tx: Transaction,
  t: { changes: Partial<Transaction>; history: Transaction['history'] },
): Transaction {
  return { ...tx, ...t.changes, history: [...tx.history, ...t.history], version: tx.version + 1 };
}
