import { type PaymentView, paymentView } from '../use-cases/payment-view.js';
import type { HistoryEntry, Operation, Transaction } from '../transaction.js';

/**
 * The state changes a merchant hears about (DESIGN.md "Merchant webhooks"). Each is written into
 * the payment item by the same conditional write as the change it describes (the outbox), so a
 * change never exists without its event nor an event without its change.
 */
export const PAYMENT_EVENT_TYPES = [
  'payment.reserved',
  'payment.failed',
  'payment.captured',
  'payment.refunded',
  'payment.cancelled',
  'payment.expired',
] as const;

export type PaymentEventType = (typeof PAYMENT_EVENT_TYPES)[number];

export interface PaymentEvent {
  /** Stable: derived from the payment and the version the change produced, so a retry repeats it. */
  id: string;
  type: PaymentEventType;
  createdAt: string;
  merchantId: string;
  pspTransactionId: string;
  /** The payment's version after the change: merchants order events by it, delivery does not. */
  version: number;
  data: PaymentView;
}

const EVENT_OF: Partial<Record<Operation, PaymentEventType>> = {
  RESERVE: 'payment.reserved',
  FAIL: 'payment.failed',
  CAPTURE: 'payment.captured',
  REFUND: 'payment.refunded',
  CANCEL: 'payment.cancelled',
  EXPIRE: 'payment.expired',
};

/**
 * Event ids sort by time (the merchant's event log is listed in id order, `?after=` is an id):
 * `evt_` + creation time in base-36 milliseconds (fixed width) + the payment + the version.
 */
export function paymentEventId(createdAt: string, pspTransactionId: string, version: number, n = 0): string {
  const time = Date.parse(createdAt).toString(36).padStart(9, '0');
  return `evt_${time}_${pspTransactionId}_${version}${n > 0 ? `_${n}` : ''}`;
}

/**
 * The events a transition produces: one per history entry a merchant cares about, each carrying
 * the payment as it is after the write (`after`, version already bumped).
 */
export function paymentEventsFor(after: Transaction, history: ReadonlyArray<HistoryEntry>): PaymentEvent[] {
  const types = history.flatMap((h) => {
    const type = EVENT_OF[h.operation];
    return type ? [{ type, at: h.at }] : [];
  });
  const data = types.length ? paymentView(after) : undefined;
  return types.map(({ type, at }, n) => ({
    id: paymentEventId(at, after.pspTransactionId, after.version, n),
    type,
    createdAt: at,
    merchantId: after.merchantId,
    pspTransactionId: after.pspTransactionId,
    version: after.version,
    data: data as PaymentView,
  }));
}

/** The events written to this payment that no dispatcher has handed to delivery yet. */
export function undispatchedEvents(tx: Transaction): PaymentEvent[] {
  return (tx.events ?? []).slice(tx.eventsDispatched ?? 0);
}
