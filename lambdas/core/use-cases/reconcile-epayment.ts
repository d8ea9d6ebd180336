/**
 * The reconciler's look at Vipps for an ePayment payment still waiting for its card at its
 * deadline (webhooks and polling, as Vipps asks): GET /epayment/v1/payments/{reference}. When
 * Vipps ended it (ABORTED, EXPIRED, TERMINATED) the payment records Vipps' ending (93) — the same
 * as its webhook would have — instead of our own expiry; otherwise our expiry stands.
 */
import { type VippsEndState, statusFromVipps } from '../error-catalogue.js';
import type { EPaymentApi } from '../epayment-port.js';
import type { Log } from '../ports.js';
import { type Transaction, type Transition, endedByVipps } from '../transaction.js';
import { vippsApiOf } from '../vipps-api.js';

const ENDINGS: Readonly<Record<string, VippsEndState>> = {
  ABORTED: 'CANCEL',
  EXPIRED: 'TIMEOUT',
  TERMINATED: 'CANCEL',
};

/** Vipps' ending for a waiting ePayment payment, or undefined (not ePayment, still open, or Vipps unreachable). */
export async function endingAtVipps(
  tx: Transaction,
  at: string,
  deps: { ePayment?: Pick<EPaymentApi, 'getPayment'>; log: Log },
): Promise<Transition | undefined> {
  if (!deps.ePayment || vippsApiOf(tx) !== 'epayment') return undefined;
  try {
    const view = await deps.ePayment.getPayment(tx.merchantSerialNumber, tx.pspTransactionId);
    deps.log.info('Vipps’ view of a waiting ePayment payment', {
      pspTransactionId: tx.pspTransactionId,
      state: view.state,
    });
    const ending = ENDINGS[view.state];
    return ending ? endedByVipps(tx, ending, statusFromVipps(ending), at) : undefined;
  } catch (error) {
    deps.log.warn('Could not read the ePayment payment; expiring it on our deadline', {
      pspTransactionId: tx.pspTransactionId,
      error: String(error),
    });
    return undefined;
  }
}

/**
 * Before re-sending unacknowledged updates: Vipps' aggregate beside ours, logged for ops only
 * (our store is the source of truth; the re-sent calls carry the same Idempotency-Keys).
 */
export async function compareWithEPayment(
  tx: Transaction,
  deps: { ePayment?: Pick<EPaymentApi, 'getPayment'>; log: Log },
): Promise<void> {
  if (!deps.ePayment) return;
  try {
    const { aggregate } = await deps.ePayment.getPayment(tx.merchantSerialNumber, tx.pspTransactionId);
    const vipps = { captured: aggregate.capturedAmount.value, refunded: aggregate.refundedAmount.value };
    deps.log.info('Vipps’ ePayment view before re-sending status updates', {
      pspTransactionId: tx.pspTransactionId,
      matches: vipps.captured === tx.capturedAmount && vipps.refunded === tx.refundedAmount,
      ours: { status: tx.status, captured: tx.capturedAmount, refunded: tx.refundedAmount },
      vipps,
    });
  } catch (error) {
    deps.log.warn('Could not read the ePayment payment; re-sending anyway', {
      pspTransactionId: tx.pspTransactionId,
      error: String(error),
    });
  }
}
