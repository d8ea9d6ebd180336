/**
 * Vipps' ePayment webhook events as the core sees them, and where they are kept. Vipps delivers
 * at least once (and retries for days), so each event is stored under a key of its own content:
 * the same event again is recognised and changes nothing.
 */
export interface VippsPaymentEvent {
  merchantSerialNumber: string;
  reference: string;
  /** CREATED, AUTHORIZED, CAPTURED, REFUNDED, CANCELLED, ABORTED, EXPIRED, TERMINATED, … */
  name: string;
  amount: { currency: string; value: number };
  timestamp: string;
  /** Vipps' id of the event (its `pspReference`), when sent. */
  eventId?: string;
  idempotencyKey?: string;
  success: boolean;
}

export interface StoredVippsEvent extends VippsPaymentEvent {
  /** SHA-256 of the event's identifying fields: the de-duplication key. */
  eventKey: string;
  receivedAt: string;
}

export interface VippsEventStore {
  /** Store the event once; false when an event with the same key was already stored. */
  record(event: StoredVippsEvent): Promise<boolean>;
}
