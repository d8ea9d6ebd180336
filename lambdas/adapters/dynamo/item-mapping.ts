/**
 * Transaction ⇄ DynamoDB item. The item is the Transaction's own fields plus the keys the table
 * design needs (pk, sk, gsi1pk, and duePk while the payment is due). Only fields listed in
 * TRANSACTION_FIELDS are written or read, so nothing outside the Transaction type is persisted;
 * the `satisfies` below stops compiling when Transaction gains a field this list lacks.
 */
import type { Transaction } from '../../core/transaction.js';
import { paymentsTable } from './table-design.js';

export const PK = paymentsTable.partitionKey;
export const SK = paymentsTable.sortKey;
export const GSI1PK = paymentsTable.indexes.byMerchantOrder.partitionKey;
export const DUE_PK = paymentsTable.indexes.byDue.partitionKey;
/** The byDue sort key is the Transaction's own dueAt field (the annotation checks it is one). */
export const DUE_AT: keyof Transaction = paymentsTable.indexes.byDue.sortKey;

const fieldSet = {
  pspTransactionId: true,
  merchantId: true,
  merchantName: true,
  allowCreditCards: true,
  merchantSerialNumber: true,
  merchantOrderId: true,
  amount: true,
  currency: true,
  paymentText: true,
  redirectUrl: true,
  customerMobileNumber: true,
  isApp: true,
  vippsApi: true,
  status: true,
  version: true,
  createdAt: true,
  updatedAt: true,
  expiresAt: true,
  makePaymentTokenHash: true,
  vippsRedirectUrl: true,
  reservedAmount: true,
  capturedAmount: true,
  refundedAmount: true,
  releasedAmount: true,
  acquirerReference: true,
  authorisationOutcome: true,
  makePayment: true,
  threeDsSessionId: true,
  failure: true,
  history: true,
  pendingOperations: true,
  statusSeq: true,
  vippsSync: true,
  statusResentAt: true,
  dueAt: true,
  events: true,
  eventsDispatched: true,
} satisfies Record<keyof Transaction, true>;

export const TRANSACTION_FIELDS = Object.keys(fieldSet) as ReadonlyArray<keyof Transaction>;

export function isTransactionField(name: string): name is keyof Transaction {
  return Object.hasOwn(fieldSet, name);
}

/** The partition value of the sparse byDue index: every due payment shares it. */
export const DUE_PARTITION = 'DUE';

export const transactionKey = (pspTransactionId: string) => ({
  [PK]: `TX#${pspTransactionId}`,
  [SK]: 'TX',
});

export const merchantOrderKey = (merchantSerialNumber: string, merchantOrderId: string) =>
  `${merchantSerialNumber}#${merchantOrderId}`;

export function toTransactionItem(tx: Transaction): Record<string, unknown> {
  const fields = Object.fromEntries(
    TRANSACTION_FIELDS.filter((name) => tx[name] !== undefined).map((name) => [
      name,
      withoutUndefined(tx[name]),
    ]),
  );
  return {
    ...fields,
    ...transactionKey(tx.pspTransactionId),
    [GSI1PK]: merchantOrderKey(tx.merchantSerialNumber, tx.merchantOrderId),
    ...(tx.dueAt !== undefined ? { [DUE_PK]: DUE_PARTITION } : {}),
  };
}

export function fromTransactionItem(item: Record<string, unknown>): Transaction {
  return Object.fromEntries(
    TRANSACTION_FIELDS.filter((name) => item[name] !== undefined).map((name) => [name, item[name]]),
  ) as unknown as Transaction;
}

/**
 * Drop undefined members at any depth: the marshaller rejects them (unless every caller configures
 * removeUndefinedValues), and an optional field left undefined simply means "absent".
 */
export function withoutUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutUndefined) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, withoutUndefined(v)]),
    ) as T;
  }
  return value;
}
