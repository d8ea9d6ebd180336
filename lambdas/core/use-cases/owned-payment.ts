import { PaymentNotFoundError } from '../errors.js';
import type { Merchant, TransactionStore } from '../ports.js';
import type { Transaction } from '../transaction.js';

/**
 * A merchant reaches only its own payments. Someone else's id answers exactly like an unknown
 * one (404), so ids cannot be probed.
 */
export async function loadOwnedPayment(
  transactions: TransactionStore,
  merchant: Merchant,
  pspTransactionId: string,
): Promise<Transaction> {
  const tx = await transactions.get(pspTransactionId);
  if (
    !tx ||
    tx.merchantId !== merchant.merchantId ||
    !merchant.merchantSerialNumbers.includes(tx.merchantSerialNumber)
  ) {
    throw new PaymentNotFoundError(pspTransactionId);
  }
  return tx;
}
