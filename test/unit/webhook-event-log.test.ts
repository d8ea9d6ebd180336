/**
 * The merchant's event log (core/webhooks/event-log.ts) on in-memory ports: paging with `after`
 * in pages of 50, filtering by payment, delivery attempts, and redelivery by hand.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Transaction } from '../../lambdas/core/transaction.js';
import { createEndpoint } from '../../lambdas/core/webhooks/endpoints.js';
import {
  EVENT_PAGE_SIZE,
  EventNotFoundError,
  listDeliveries,
  listEvents,
  redeliver,
} from '../../lambdas/core/webhooks/event-log.js';
import { type PaymentEvent, paymentEventsFor } from '../../lambdas/core/webhooks/payment-events.js';
import {
  InMemoryWebhookStore,
  RecordingDeliveryQueue,
  movableClock,
} from '../support/in-memory-webhook-store.js';
import { contextBoundVault } from '../support/context-bound-vault.js';
import { initiatedPayment } from '../support/transactions.js';

const MERCHANT = 'merchant-1';
const t0 = new Date('2026-11-30T10:00:00.000Z');

function eventOf(tx: Transaction, operation: 'RESERVE' | 'CAPTURE', secondsAfter: number): PaymentEvent {
  const at = new Date(t0.getTime() + secondsAfter * 1000).toISOString();
  return paymentEventsFor(tx, [{ operation, amount: tx.amount, at }])[0]!;
}

describe('the merchant’s event log', () => {
  let webhooks: InMemoryWebhookStore;
  let deliveries: RecordingDeliveryQueue;
  const clock = movableClock(t0);
  const deps = () => ({ webhooks, deliveries, clock });
  const paymentA = initiatedPayment({
    pspTransactionId: 'aaaa',
    merchantId: MERCHANT,
    status: 'RESERVED',
    version: 2,
  });
  const paymentB = initiatedPayment({
    pspTransactionId: 'bbbb',
    merchantId: MERCHANT,
    status: 'CAPTURED',
    version: 3,
  });

  beforeEach(() => {
    webhooks = new InMemoryWebhookStore();
    deliveries = new RecordingDeliveryQueue();
  });

  it('lists events oldest first in pages of 50; `next` continues where the page ended', async () => {
    const events = Array.from({ length: EVENT_PAGE_SIZE + 3 }, (_, i) => eventOf(paymentA, 'RESERVE', i));
    for (const e of [...events].reverse()) await webhooks.putEvent(e);

    const first = await listEvents(MERCHANT, {}, deps());
    expect(EVENT_PAGE_SIZE).toBe(50);
    expect(first.events.map((e) => e.id)).toEqual(events.slice(0, 50).map((e) => e.id));
    expect(first.next).toBe(events[49]!.id);

    const second = await listEvents(MERCHANT, { after: first.next }, deps());
    expect(second.events.map((e) => e.id)).toEqual(events.slice(50).map((e) => e.id));
    expect(second).not.toHaveProperty('next');
  });

  it('shows each event with its payment, version and data, and no routing fields', async () => {
    const event = eventOf(paymentA, 'RESERVE', 0);
    await webhooks.putEvent(event);
    expect(await listEvents(MERCHANT, {}, deps())).toEqual({
      events: [
        {
          id: event.id,
          type: 'payment.reserved',
          createdAt: t0.toISOString(),
          pspTransactionId: 'aaaa',
          version: 2,
          data: event.data,
        },
      ],
    });
  });

  it('lists one payment’s events when asked by payment, and no other merchant’s', async () => {
    const a = eventOf(paymentA, 'RESERVE', 0);
    const b = eventOf(paymentB, 'CAPTURE', 1);
    const foreign = { ...eventOf(paymentB, 'CAPTURE', 2), merchantId: 'merchant-2' };
    for (const e of [a, b, foreign]) await webhooks.putEvent(e);

    expect((await listEvents(MERCHANT, { paymentId: 'bbbb' }, deps())).events.map((e) => e.id)).toEqual([
      b.id,
    ]);
    expect((await listEvents(MERCHANT, {}, deps())).events.map((e) => e.id)).toEqual([a.id, b.id]);
    expect((await listEvents(MERCHANT, { after: a.id }, deps())).events.map((e) => e.id)).toEqual([b.id]);
  });

  it('an empty `after` or payment filter lists from the start', async () => {
    const a = eventOf(paymentA, 'RESERVE', 0);
    await webhooks.putEvent(a);
    expect((await listEvents(MERCHANT, { after: '', paymentId: '' }, deps())).events).toHaveLength(1);
  });

  it('asks the store for a page of 50, with `after` and the payment only when given', async () => {
    const queries: unknown[] = [];
    const listed = webhooks.listEvents.bind(webhooks);
    webhooks.listEvents = (merchantId, query) => {
      queries.push(query);
      return listed(merchantId, query);
    };
    await listEvents(MERCHANT, {}, deps());
    await listEvents(MERCHANT, { after: 'evt_1', paymentId: 'aaaa' }, deps());
    expect(queries[0]).toStrictEqual({ limit: 50 });
    expect(queries[1]).toStrictEqual({ limit: 50, after: 'evt_1', pspTransactionId: 'aaaa' });
  });

  it('lists the delivery attempts of an event; an unknown or foreign event is not found', async () => {
    const event = eventOf(paymentA, 'RESERVE', 0);
    await webhooks.putEvent(event);
    const attempt = {
      eventId: event.id,
      endpointId: 'we_1',
      attempt: 1,
      at: t0.toISOString(),
      outcome: 'failed' as const,
      status: 500,
      latencyMs: 12,
    };
    await webhooks.recordAttempt(attempt);

    expect(await listDeliveries(MERCHANT, event.id, deps())).toEqual({ deliveries: [attempt] });
    const foreign = listDeliveries('merchant-2', event.id, deps());
    await expect(foreign).rejects.toBeInstanceOf(EventNotFoundError);
    await expect(foreign).rejects.toThrow(`No event ${event.id} for this merchant`);
  });

  it('redelivers by hand: a fresh first attempt to each enabled endpoint that takes the event type', async () => {
    const event = eventOf(paymentA, 'RESERVE', 0);
    await webhooks.putEvent(event);
    const endpointDeps = { webhooks, vault: contextBoundVault(), clock };
    const all = await createEndpoint(MERCHANT, { url: 'https://shop.example/all' }, endpointDeps);
    await createEndpoint(
      MERCHANT,
      { url: 'https://shop.example/captures', events: ['payment.captured'] },
      endpointDeps,
    );
    const gone = await createEndpoint(MERCHANT, { url: 'https://shop.example/gone' }, endpointDeps);
    const stored = (await webhooks.getEndpoint(MERCHANT, gone.id))!;
    await webhooks.putEndpoint({ ...stored, disabledAt: t0.toISOString() });

    expect(await redeliver(MERCHANT, event.id, deps())).toEqual({ eventId: event.id, endpoints: [all.id] });
    expect(deliveries.sent).toEqual([
      {
        task: {
          merchantId: MERCHANT,
          eventId: event.id,
          endpointId: all.id,
          attempt: 1,
          notBefore: t0.toISOString(),
        },
        delaySeconds: 0,
      },
    ]);
  });

  it('refuses to redeliver another merchant’s event, and queues nothing', async () => {
    const event = eventOf(paymentA, 'RESERVE', 0);
    await webhooks.putEvent(event);
    await expect(redeliver('merchant-2', event.id, deps())).rejects.toBeInstanceOf(EventNotFoundError);
    expect(deliveries.sent).toEqual([]);
  });
});
