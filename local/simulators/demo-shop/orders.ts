/**
 * The shop's orders, in memory, and what its webhooks do to them. An order's status comes only
 * from verified webhooks (never from the shopper's return): Vipps' guide warns the shopper may
 * never come back. Delivery is at least once and unordered, so an event id is applied once and an
 * older payment version never overwrites a newer one.
 */
export type OrderStatus = 'waiting' | 'paid' | 'captured' | 'refunded' | 'failed' | 'cancelled' | 'expired';

export const STATUS_BY_EVENT: Record<string, OrderStatus> = {
  'payment.reserved': 'paid',
  'payment.captured': 'captured',
  'payment.refunded': 'refunded',
  'payment.failed': 'failed',
  'payment.cancelled': 'cancelled',
  'payment.expired': 'expired',
};

export interface ReceivedEvent {
  id: string;
  type: string;
  at: string;
  verified: true;
}

export interface Order {
  orderId: string;
  lines: Array<{ name: string; quantity: number; price: number }>;
  total: number;
  pspTransactionId?: string;
  status: OrderStatus;
  version: number;
  events: ReceivedEvent[];
  message?: string;
}

export class Orders {
  private readonly byId = new Map<string, Order>();

  add(order: Order): void {
    this.byId.set(order.orderId, order);
  }

  get(orderId: string): Order | undefined {
    return this.byId.get(orderId);
  }

  byPayment(pspTransactionId: string): Order | undefined {
    return [...this.byId.values()].find((o) => o.pspTransactionId === pspTransactionId);
  }

  list(): Order[] {
    return [...this.byId.values()];
  }

  /** A verified event: recorded once; the status follows the newest payment version seen. */
  apply(
    webhookId: string,
    event: { type: string; data?: { pspTransactionId?: string; version?: number } },
  ): Order | undefined {
    const order = event.data?.pspTransactionId ? this.byPayment(event.data.pspTransactionId) : undefined;
    if (!order || order.events.some((e) => e.id === webhookId)) return order;
    order.events.push({ id: webhookId, type: event.type, at: new Date().toISOString(), verified: true });
    const status = STATUS_BY_EVENT[event.type];
    const version = event.data?.version ?? 0;
    if (status && version >= order.version) {
      order.status = status;
      order.version = version;
      delete order.message; // what the shop asked for has now happened (or the payment moved on)
    }
    return order;
  }
}
