/**
 * The events a payment's changes produce (core/webhooks/payment-events.ts) and what a merchant
 * sees of a payment in them and through the API (core/use-cases/payment-view.ts).
 */
import { describe, expect, it } from 'vitest';
import type { Transaction } from '../../lambdas/core/transaction.js';
import { paymentView } from '../../lambdas/core/use-cases/payment-view.js';
import {
  paymentEventId,
  paymentEventsFor,
  undispatchedEvents,
} from '../../lambdas/core/webhooks/payment-events.js';
import { initiatedPayment } from '../support/transactions.js';

const ID = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const at = '2026-11-24T10:01:00.000Z';

describe('payment event ids', () => {
  it('are evt_ + the time in fixed-width base 36 + the payment + the version', () => {
    const ms = Date.parse(at);
    expect(paymentEventId(at, ID, 3)).toBe(`evt_${ms.toString(36).padStart(9, '0')}_${ID}_3`);
    expect(paymentEventId('1970-01-01T00:00:01.000Z', ID, 1)).toBe(`evt_0000000rs_${ID}_1`);
  });

  it('a second event of the same write gets a suffix; the first keeps the plain id', () => {
    expect(paymentEventId(at, ID, 3, 0)).toBe(paymentEventId(at, ID, 3));
    expect(paymentEventId(at, ID, 3, 1)).toBe(`${paymentEventId(at, ID, 3)}_1`);
  });

  it('sort by time, so the event log lists oldest first', () => {
    const earlier = paymentEventId('2026-11-24T09:59:59.999Z', 'ffff', 9);
    const later = paymentEventId('2026-11-24T10:00:00.000Z', '0000', 1);
    expect(earlier < later).toBe(true);
  });
});

describe('the events of a change', () => {
  const reserved = initiatedPayment({
    status: 'RESERVED',
    reservedAmount: 10_000,
    version: 2,
    merchantId: 'm-9',
  });

  it('one event per change a merchant hears about, each with the payment as it is after the write', () => {
    const events = paymentEventsFor(reserved, [
      { operation: 'SOFT_DECLINE', amount: 10_000, at },
      { operation: 'RESERVE', amount: 10_000, at },
    ]);
    expect(events).toEqual([
      {
        id: paymentEventId(at, ID, 2),
        type: 'payment.reserved',
        createdAt: at,
        merchantId: 'm-9',
        pspTransactionId: ID,
        version: 2,
        data: paymentView(reserved),
      },
    ]);
  });

  it.each([
    ['RESERVE', 'payment.reserved'],
    ['FAIL', 'payment.failed'],
    ['CAPTURE', 'payment.captured'],
    ['REFUND', 'payment.refunded'],
    ['CANCEL', 'payment.cancelled'],
    ['EXPIRE', 'payment.expired'],
  ] as const)('%s becomes %s', (operation, type) => {
    expect(paymentEventsFor(reserved, [{ operation, amount: 1, at }]).map((e) => e.type)).toEqual([type]);
  });

  it.each(['INITIATE', 'SOFT_DECLINE', 'REVERSE'] as const)('%s produces no event', (operation) => {
    expect(paymentEventsFor(reserved, [{ operation, amount: 1, at }])).toEqual([]);
  });

  it('two changes in one write get distinct ids', () => {
    const events = paymentEventsFor(reserved, [
      { operation: 'CAPTURE', amount: 1, at },
      { operation: 'CANCEL', amount: 1, at },
    ]);
    expect(events.map((e) => e.id)).toEqual([paymentEventId(at, ID, 2), paymentEventId(at, ID, 2, 1)]);
  });

  it('the events not yet handed to delivery are those after the dispatched count', () => {
    const events = paymentEventsFor(reserved, [
      { operation: 'CAPTURE', amount: 1, at },
      { operation: 'CANCEL', amount: 1, at },
    ]);
    expect(undispatchedEvents({ ...reserved, events })).toEqual(events);
    expect(undispatchedEvents({ ...reserved, events, eventsDispatched: 1 })).toEqual([events[1]]);
    expect(undispatchedEvents({ ...reserved, events, eventsDispatched: 2 })).toEqual([]);
    expect(undispatchedEvents(reserved)).toEqual([]);
  });
});

describe('what a merchant sees of a payment', () => {
  const captured: Transaction = initiatedPayment({
    status: 'PARTIALLY_CAPTURED',
    version: 5,
    reservedAmount: 10_000,
    capturedAmount: 6_000,
    refundedAmount: 1_000,
    vippsRedirectUrl: 'https://vipps.example/landing?token=t',
    statusSeq: 3,
    vippsSync: {
      acknowledgedSeq: 2,
      lastSyncAt: '2026-11-24T10:03:00.000Z',
      rejected: [{ seq: 3, reason: 'bad', at: '2026-11-24T10:04:00.000Z' }],
    },
    pendingOperations: [
      { operationId: 'op-1', operation: 'REFUND', amount: 500, startedAt: at, idempotencyKey: 'ref-2' },
    ],
    history: [
      { operation: 'INITIATE', amount: 10_000, at: '2026-11-24T10:00:00.000Z' },
      { operation: 'RESERVE', amount: 10_000, at, acquirerReference: 'acq-1', statusSeq: 1 },
      { operation: 'CAPTURE', amount: 6_000, at, idempotencyKey: 'cap-1', statusSeq: 2 },
      { operation: 'REFUND', amount: 1_000, at, idempotencyKey: 'ref-1', statusSeq: 3, operationId: 'op-0' },
      { operation: 'SOFT_DECLINE', amount: 10_000, at, errorId: '81', note: 'internal' },
    ],
  });

  it('shows amounts, what can still be asked for, history and Vipps sync — nothing internal', () => {
    const view = paymentView(captured);
    expect(view).toEqual({
      pspTransactionId: ID,
      merchantSerialNumber: '123456',
      vippsApi: 'psp-v3',
      merchantOrderId: 'order-1',
      status: 'PARTIALLY_CAPTURED',
      amount: 10_000,
      currency: 'NOK',
      paymentText: 'Socks',
      amounts: {
        reserved: 10_000,
        captured: 6_000,
        refunded: 1_000,
        released: 0,
        remainingToCapture: 4_000,
        remainingToRefund: 4_500,
      },
      vippsRedirectUrl: 'https://vipps.example/landing?token=t',
      operationsInProgress: [{ operation: 'REFUND', amount: 500, startedAt: at }],
      history: [
        { operation: 'INITIATE', amount: 10_000, at: '2026-11-24T10:00:00.000Z' },
        {
          operation: 'RESERVE',
          amount: 10_000,
          at,
          acquirerReference: 'acq-1',
          vippsStatusSeq: 1,
          acknowledgedByVipps: true,
        },
        {
          operation: 'CAPTURE',
          amount: 6_000,
          at,
          idempotencyKey: 'cap-1',
          vippsStatusSeq: 2,
          acknowledgedByVipps: true,
        },
        {
          operation: 'REFUND',
          amount: 1_000,
          at,
          idempotencyKey: 'ref-1',
          vippsStatusSeq: 3,
          acknowledgedByVipps: false,
        },
        { operation: 'SOFT_DECLINE', amount: 10_000, at, errorId: '81' },
      ],
      vippsSync: {
        statusUpdatesSent: 3,
        acknowledgedSeq: 2,
        inSync: false,
        lastSyncAt: '2026-11-24T10:03:00.000Z',
        rejected: [{ seq: 3, reason: 'bad', at: '2026-11-24T10:04:00.000Z' }],
      },
      createdAt: '2026-11-24T10:00:00.000Z',
      updatedAt: '2026-11-24T10:00:00.000Z',
      expiresAt: '2026-11-24T10:15:00.000Z',
    });
    expect(JSON.stringify(view)).not.toContain(captured.makePaymentTokenHash);
  });

  it('a payment Vipps has fully acknowledged is in sync, and shows its failure and released amount', () => {
    const view = paymentView(
      initiatedPayment({
        status: 'FAILED',
        vippsApi: 'epayment',
        releasedAmount: 300,
        failure: { errorId: '82', errorText: 'Refused by Issuer', at } as unknown as Transaction['failure'],
        statusSeq: 2,
        vippsSync: { acknowledgedSeq: 2, rejected: [] },
      }),
    );
    expect(view).toMatchObject({ vippsApi: 'epayment', amounts: { released: 300 } });
    expect(view.failure).toMatchObject({ errorId: '82' });
    expect(view.vippsSync).toEqual({ statusUpdatesSent: 2, acknowledgedSeq: 2, inSync: true });
    expect(view).not.toHaveProperty('vippsRedirectUrl');
  });

  it('an update Vipps acknowledged beyond what we count is still in sync', () => {
    const view = paymentView(initiatedPayment({ statusSeq: 1, vippsSync: { acknowledgedSeq: 2 } }));
    expect(view.vippsSync.inSync).toBe(true);
  });
});
