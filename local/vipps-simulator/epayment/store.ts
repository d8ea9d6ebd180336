/**
 * The ePayment side of the simulator's memory: payments by (MSN, reference) as Vipps sees them,
 * their event log, idempotent answers, webhook registrations and every card-callback approval
 * and webhook delivery. Plain data, inspected by tests and the local stack.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../../lambdas/core/ports.js';
import type { CardApprovalReport } from './card-callback.js';

export type EPaymentSimState = 'CREATED' | 'AUTHORIZED' | 'ABORTED' | 'EXPIRED' | 'TERMINATED';

export interface SimAmount {
  currency: string;
  value: number;
}

export interface SimEvent {
  reference: string;
  pspReference: string;
  name: string;
  amount: SimAmount;
  timestamp: string;
  idempotencyKey?: string;
  success: boolean;
}

export interface EPaymentRecord {
  merchantSerialNumber: string;
  reference: string;
  pspReference: string;
  amount: SimAmount;
  state: EPaymentSimState;
  authorized: number;
  captured: number;
  refunded: number;
  cancelled: number;
  cardCallbackUrl: string;
  allowedCardTypes: string[];
  preferVisaPartOfVisaDankort: boolean;
  returnUrl?: string;
  paymentDescription?: string;
  redirectUrl: string;
  /** The `token` of redirectUrl: the force-approve body may carry it. */
  approveToken: string;
  createdAt: string;
  /** Rules Vipps' documentation leaves open that the simulator let pass; shown for review. */
  warnings: string[];
  events: SimEvent[];
  approvals: CardApprovalReport[];
  /** A card callback is in flight: modifications answer 423 / 6160 meanwhile. */
  busy: boolean;
}

export interface WebhookRegistrationRecord {
  id: string;
  url: string;
  events: string[];
  secret: string;
  /** Absent: every sales unit of the PSP (how a PSP registers). */
  merchantSerialNumber?: string;
}

export interface WebhookDelivery {
  registrationId: string;
  url: string;
  event: Record<string, unknown>;
  httpStatus: number | null;
  error?: string;
}

export class EPaymentStore {
  readonly payments = new Map<string, EPaymentRecord>();
  readonly idempotent = new Map<string, { bodyHash: string; status: number; json: unknown }>();
  readonly webhooks = new Map<string, WebhookRegistrationRecord>();
  readonly deliveries: WebhookDelivery[] = [];

  constructor(readonly clock: Clock) {}

  static key(merchantSerialNumber: string, reference: string): string {
    return `${merchantSerialNumber}/${reference}`;
  }

  get(merchantSerialNumber: string, reference: string): EPaymentRecord | undefined {
    return this.payments.get(EPaymentStore.key(merchantSerialNumber, reference));
  }

  /** Any MSN: the in-process approve knows only the reference. */
  findByReference(reference: string): EPaymentRecord | undefined {
    return [...this.payments.values()].find((p) => p.reference === reference);
  }

  now(): string {
    return this.clock.now().toISOString();
  }

  /** Append an event to the payment's log; returns it for webhook delivery. */
  addEvent(payment: EPaymentRecord, name: string, value: number, idempotencyKey?: string): SimEvent {
    const event: SimEvent = {
      reference: payment.reference,
      pspReference: randomUUID(),
      name,
      amount: { currency: payment.amount.currency, value },
      timestamp: this.now(),
      ...(idempotencyKey ? { idempotencyKey } : {}),
      success: true,
    };
    payment.events.push(event);
    return event;
  }
}

/** Vipps' view: GetPaymentResponse / ModificationResponse. */
export function viewOf(p: EPaymentRecord) {
  const amount = (value: number) => ({ currency: p.amount.currency, value });
  return {
    reference: p.reference,
    pspReference: p.pspReference,
    state: p.state,
    amount: amount(p.amount.value),
    aggregate: {
      authorizedAmount: amount(p.authorized),
      capturedAmount: amount(p.captured),
      refundedAmount: amount(p.refunded),
      cancelledAmount: amount(p.cancelled),
    },
    paymentMethod: { type: 'CARD_PASSTHROUGH' },
    redirectUrl: p.redirectUrl,
  };
}
