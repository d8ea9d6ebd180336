/**
 * The hosted checkout page for one payment. Primary course: a valid link → the payment, still
 * waiting for the shopper → what the page shows and where the Vipps button goes. Reading only:
 * opening the page (or a tampered link) never changes a payment.
 */
import { type CheckoutTokenProblem, verifyCheckoutToken } from '../checkout-token.js';
import type { Currency, MinorUnits } from '../money.js';
import type { Clock, TransactionStore } from '../ports.js';
import { returnUrlWithPaymentId } from '../return-url.js';

export type CheckoutProblem =
  | CheckoutTokenProblem
  /** A well-signed link for a payment we do not have (deleted, or another deployment's key). */
  | 'UNKNOWN_PAYMENT'
  /** Failed, cancelled or expired: nothing left to pay. */
  | 'PAYMENT_CLOSED'
  /** Created, but Vipps has not given us its redirect URL yet (the merchant should retry create). */
  | 'NOT_READY';

export interface CheckoutView {
  merchantName: string;
  amount: MinorUnits;
  currency: Currency;
  paymentText: string;
  vippsRedirectUrl: string;
  /** The merchant's redirectUrl with our payment id: where "cancel and go back" leads. */
  returnUrl: string;
}

export type CheckoutOutcome =
  | { kind: 'SHOW'; view: CheckoutView }
  /** Already approved: back to the merchant, who reads the outcome from us. */
  | { kind: 'ALREADY_PAID'; merchantName: string; returnUrl: string }
  | { kind: 'PROBLEM'; problem: CheckoutProblem };

export interface ShowCheckoutDeps {
  transactions: Pick<TransactionStore, 'get'>;
  clock: Clock;
  /** The HMAC key the Merchant API signed the link with. */
  checkoutKey: () => Promise<Uint8Array>;
}

export async function showCheckout(token: string, deps: ShowCheckoutDeps): Promise<CheckoutOutcome> {
  const check = verifyCheckoutToken(await deps.checkoutKey(), token, deps.clock.now());
  if (!check.ok) return { kind: 'PROBLEM', problem: check.problem };
  const tx = await deps.transactions.get(check.pspTransactionId);
  if (!tx) return { kind: 'PROBLEM', problem: 'UNKNOWN_PAYMENT' };
  if (tx.status === 'INITIATED') {
    if (new Date(tx.expiresAt) <= deps.clock.now()) return { kind: 'PROBLEM', problem: 'PAYMENT_CLOSED' };
    if (!tx.vippsRedirectUrl) return { kind: 'PROBLEM', problem: 'NOT_READY' };
    const { merchantName, amount, currency, paymentText, vippsRedirectUrl } = tx;
    const returnUrl = returnUrlWithPaymentId(tx.redirectUrl, tx.pspTransactionId);
    return {
      kind: 'SHOW',
      view: { merchantName, amount, currency, paymentText, vippsRedirectUrl, returnUrl },
    };
  }
  if (tx.status === 'FAILED' || tx.status === 'CANCELLED' || tx.status === 'EXPIRED') {
    return { kind: 'PROBLEM', problem: 'PAYMENT_CLOSED' };
  }
  return {
    kind: 'ALREADY_PAID',
    merchantName: tx.merchantName,
    returnUrl: returnUrlWithPaymentId(tx.redirectUrl, tx.pspTransactionId),
  };
}
