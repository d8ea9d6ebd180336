/**
 * What Vipps must learn (the status outbox's API-neutral StatusUpdate), told through the API the
 * payment was created under: PSP API v3 payments in one `updatestatus` call per MSN; ePayment
 * payments as one call per operation (capture, refund, cancel), in sequence order, each with a
 * deterministic Idempotency-Key of (reference, operation, seq) — so the outbox's retries, replays
 * and reconciler re-sends repeat the same call and Vipps applies it once. An ePayment RESERVED is
 * not sent: our RESERVE answer to the card callback is Vipps' record of it.
 *
 * Errors are the APIs' own: a 4xx (EPaymentRejectedError is a VippsRejectedError) is poison for the
 * outbox, which then isolates the payment and entry; busy/unavailable is retried later.
 */
import type { EPaymentApi, EPaymentCurrency } from '../../core/epayment-port.js';
import type { VippsApi } from '../../core/ports.js';
import type { StatusUpdate } from '../../core/transaction.js';
import { type EPaymentOperation, ePaymentIdempotencyKey } from './epayment/idempotency-key.js';

export interface StatusReporterOptions {
  pspV3: Pick<VippsApi, 'updateStatus'>;
  /** Built on first use, so a deployment without ePayment sales units never needs it. */
  ePayment: () => Pick<EPaymentApi, 'capture' | 'refund' | 'cancel'>;
}

const isEPayment = (u: StatusUpdate) => u.vippsApi === 'epayment';

export function createStatusReporter(options: StatusReporterOptions): Pick<VippsApi, 'updateStatus'> {
  return {
    async updateStatus(merchantSerialNumber, updates, idempotencyKey) {
      // ePayment first, one call each in the order given (the outbox sorts each payment's by seq).
      for (const update of updates.filter(isEPayment)) await reportToEPayment(options.ePayment(), update);
      const pspV3 = updates.filter((u) => !isEPayment(u));
      if (pspV3.length) await options.pspV3.updateStatus(merchantSerialNumber, pspV3, idempotencyKey);
    },
  };
}

async function reportToEPayment(
  api: Pick<EPaymentApi, 'capture' | 'refund' | 'cancel'>,
  update: StatusUpdate,
): Promise<void> {
  const { merchantSerialNumber: msn, pspTransactionId: reference, seq } = update;
  const key = (operation: EPaymentOperation) => ePaymentIdempotencyKey(reference, operation, seq);
  const amount = { currency: update.currency as EPaymentCurrency, value: update.amount };
  switch (update.status) {
    case 'RESERVED':
      return;
    case 'CAPTURED':
      await api.capture(msn, reference, amount, key('capture'));
      return;
    case 'REFUNDED':
      await api.refund(msn, reference, amount, key('refund'));
      return;
    case 'CANCELLED':
      // Before the callback this terminates the payment at Vipps; after a partial capture it releases the rest.
      await api.cancel(msn, reference, key('cancel'));
      return;
  }
}
