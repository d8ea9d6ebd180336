import { describe, expect, it } from 'vitest';
import {
  AmountExceedsRemainingError,
  InvalidAmountError,
  InvalidTransitionError,
} from '../../lambdas/core/errors.js';
import { vippsErrors } from '../../lambdas/core/error-catalogue.js';
import { formatNok } from '../../lambdas/core/money.js';
import {
  cancel,
  capture,
  claimOperation,
  completeOperation,
  completedOperation,
  endedByVipps,
  expire,
  CHASE_AFTER_MS,
  EVENT_SWEEP_AFTER_MS,
  FINAL_STATUSES,
  fail,
  RESEND_EVERY_MS,
  isPastDeadline,
  nextDueAt,
  operationByKey,
  refund,
  releaseOperation,
  remainingToCapture,
  remainingToRefund,
  reserve,
  statusUpdateMessage,
  type Transaction,
} from '../../lambdas/core/transaction.js';
import type { PaymentEvent } from '../../lambdas/core/webhooks/payment-events.js';
import { applied, initiatedPayment } from '../support/transactions.js';

const at = '2026-11-24T10:01:00.000Z';
const reserved = () =>
  applied(initiatedPayment(), reserve(initiatedPayment(), { at, acquirerReference: 'ACQ-1' }));

describe('transaction state machine', () => {
  it('reserves the full amount and produces the first status update for Vipps', () => {
    const t = reserve(initiatedPayment(), { at, acquirerReference: 'ACQ-1' });
    expect(t.changes).toMatchObject({ status: 'RESERVED', reservedAmount: 10_000, statusSeq: 1 });
    expect(t.statusUpdate).toMatchObject({
      status: 'RESERVED',
      amount: 10_000,
      seq: 1,
      currency: 'NOK',
      operationStatus: 'SUCCESS',
    });
  });

  it('allows partial and repeated captures up to the reservation, then refuses more', () => {
    let tx = reserved();
    tx = applied(tx, capture(tx, 4_000, { at }));
    expect(tx.status).toBe('PARTIALLY_CAPTURED');
    tx = applied(tx, capture(tx, 6_000, { at }));
    expect(tx.status).toBe('CAPTURED');
    expect(() => capture(tx, 1, { at })).toThrow(AmountExceedsRemainingError);
    expect(tx.statusSeq).toBe(3);
  });

  it('refunds only what was captured', () => {
    let tx = reserved();
    expect(() => refund(tx, 100, { at })).toThrow(/Nothing has been captured/);
    tx = applied(tx, capture(tx, 5_000, { at }));
    expect(() => refund(tx, 5_001, { at })).toThrow(AmountExceedsRemainingError);
    tx = applied(tx, refund(tx, 2_000, { at }));
    expect(tx.status).toBe('PARTIALLY_REFUNDED');
    tx = applied(tx, refund(tx, 3_000, { at }));
    expect(tx.status).toBe('REFUNDED');
    expect(tx.refundedAmount).toBe(5_000);
  });

  it.each([0, -5, 1.5, Number.NaN, '100'])('rejects the amount %s', (amount) => {
    expect(() => capture(reserved(), amount as number, { at })).toThrow(InvalidAmountError);
  });

  it('cancels a reservation or an unfinished payment, never a fully captured one', () => {
    expect(cancel(reserved(), { at }).statusUpdate).toMatchObject({ status: 'CANCELLED', amount: 10_000 });
    expect(cancel(initiatedPayment(), { at }).changes.status).toBe('CANCELLED');
    const tx = applied(reserved(), capture(reserved(), 10_000, { at }));
    expect(() => cancel(tx, { at })).toThrow(/refund it/);
  });

  it('after a partial capture, cancel releases the remainder; refunds stay possible, captures do not', () => {
    const partly = applied(reserved(), capture(reserved(), 4_000, { at }));
    const t = cancel(partly, { at });
    expect(t.changes).toMatchObject({ status: 'CANCELLED', releasedAmount: 6_000 });
    expect(t.statusUpdate).toMatchObject({ status: 'CANCELLED', amount: 6_000, seq: 3 });
    const cancelled = applied(partly, t);
    expect(() => capture(cancelled, 1, { at })).toThrow(/released/);
    expect(() => cancel(cancelled, { at })).toThrow(InvalidTransitionError);
    expect(applied(cancelled, refund(cancelled, 4_000, { at })).refundedAmount).toBe(4_000);
  });

  it('maps the end states Vipps reports', () => {
    const error = { errorId: '93', errorText: 'Status from Vipps:TIMEOUT' };
    expect(endedByVipps(initiatedPayment(), 'TIMEOUT', error, at).changes.status).toBe('EXPIRED');
    expect(endedByVipps(initiatedPayment(), 'CANCEL', error, at).changes.status).toBe('CANCELLED');
    expect(() => expire(reserved(), at)).toThrow(InvalidTransitionError);
  });
});

describe('claimed operations', () => {
  it('counts captures in flight, so two that together exceed the reservation cannot both be claimed', () => {
    const tx = reserved();
    const first = applied(tx, claimOperation(tx, 'CAPTURE', 7_000, { at, operationId: 'op-1' }));
    expect(() => claimOperation(first, 'CAPTURE', 4_000, { at, operationId: 'op-2' })).toThrow(
      AmountExceedsRemainingError,
    );
    const done = applied(first, completeOperation(first, 'op-1', { at, acquirerReference: 'CAP-1' }));
    expect(done.capturedAmount).toBe(7_000);
    expect(done.pendingOperations).toEqual([]);
    expect(done.history.at(-1)).toMatchObject({
      operation: 'CAPTURE',
      amount: 7_000,
      acquirerReference: 'CAP-1',
    });
  });

  it('does not void while a capture is in flight, and a released claim frees the amount', () => {
    const tx = reserved();
    const claimed = applied(tx, claimOperation(tx, 'CAPTURE', 10_000, { at, operationId: 'op-1' }));
    expect(() => claimOperation(claimed, 'CANCEL', 0, { at, operationId: 'op-2' })).toThrow(
      /capture is in progress/,
    );
    const released = applied(claimed, releaseOperation(claimed, 'op-1', at));
    expect(released.capturedAmount).toBe(0);
    expect(() => claimOperation(released, 'CAPTURE', 10_000, { at, operationId: 'op-3' })).not.toThrow();
  });
});

describe('what each transition refuses, with the reason', () => {
  const withClaim = (operation: 'CAPTURE' | 'CANCEL') => {
    const tx = reserved();
    return applied(
      tx,
      claimOperation(tx, operation, 1_000, { at, operationId: 'op-1', idempotencyKey: 'k1' }),
    );
  };
  const failed = () => applied(initiatedPayment(), expire(initiatedPayment(), at));

  it.each([
    [
      'reserve twice',
      () => reserve(reserved(), { at, acquirerReference: 'ACQ-2' }),
      /reserve a payment that is RESERVED/,
    ],
    [
      'capture an unfinished payment',
      () => capture(initiatedPayment(), 100, { at }),
      /capture a payment that is INITIATED/,
    ],
    [
      'capture while a cancel is in flight',
      () => capture(withClaim('CANCEL'), 100, { at }),
      /cancellation is in progress/,
    ],
    [
      'cancel while a cancel is in flight',
      () => cancel(withClaim('CANCEL'), { at }),
      /cancellation is in progress/,
    ],
    ['refund an expired payment', () => refund(failed(), 100, { at }), /refund a payment that is EXPIRED/],
    ['expire a reserved payment', () => expire(reserved(), at), /that is RESERVED/],
    [
      'end by Vipps a reserved payment',
      () => endedByVipps(reserved(), 'CANCEL', vippsErrors.tooLate, at),
      /that is RESERVED/,
    ],
    ['fail a reserved payment', () => fail(reserved(), vippsErrors.tooLate, { at }), /that is RESERVED/],
    [
      'claim with a used Idempotency-Key',
      () =>
        claimOperation(withClaim('CAPTURE'), 'CAPTURE', 100, {
          at,
          operationId: 'op-2',
          idempotencyKey: 'k1',
        }),
      /Idempotency-Key was already used/,
    ],
    [
      'claim a void of an unfinished payment',
      () => claimOperation(initiatedPayment(), 'CANCEL', 0, { at, operationId: 'op-2' }),
      /cancelled in the store/,
    ],
    [
      'complete an operation not in flight',
      () => completeOperation(reserved(), 'op-x', { at, acquirerReference: 'r' }),
      /No operation op-x in progress/,
    ],
  ])('refuses to %s', (_name, transition, reason) => {
    expect(transition).toThrow(InvalidTransitionError);
    expect(transition).toThrow(reason);
  });

  it('a completed operation is found by its operationId, a pending one is not', () => {
    const tx = withClaim('CAPTURE');
    expect(completedOperation(tx, 'op-1')).toBeUndefined();
    const done = applied(tx, completeOperation(tx, 'op-1', { at, acquirerReference: 'r' }));
    expect(completedOperation(done, 'op-1')).toMatchObject({ operation: 'CAPTURE', amount: 1_000 });
  });
});

describe('nextDueAt', () => {
  it('is the deadline of an unfinished payment and absent once everything is settled and acknowledged', () => {
    expect(nextDueAt(initiatedPayment())).toBe('2026-11-24T10:15:00.000Z');
    const tx = reserved();
    expect(nextDueAt(tx)).toBeDefined(); // RESERVED not yet acknowledged by Vipps
    expect(nextDueAt({ ...tx, vippsSync: { acknowledgedSeq: 1 } })).toBeUndefined();
    expect(nextDueAt({ ...tx, vippsSync: { acknowledgedSeq: 1 }, authorisationOutcome: 'UNKNOWN' })).toBe(
      tx.updatedAt,
    );
  });

  it('waits RESEND_EVERY_MS after a re-send of unacknowledged updates before chasing them again', () => {
    const tx = reserved();
    const resentAt = '2026-11-24T11:00:00.000Z';
    expect(nextDueAt({ ...tx, statusResentAt: resentAt })).toBe(
      new Date(Date.parse(resentAt) + RESEND_EVERY_MS).toISOString(),
    );
  });
});

describe('what each transition writes', () => {
  it('reserve records the reservation, the acquirer reference and the approved outcome', () => {
    const t = reserve(initiatedPayment(), { at, acquirerReference: 'ACQ-1' });
    expect(t.changes).toEqual({
      status: 'RESERVED',
      reservedAmount: 10_000,
      acquirerReference: 'ACQ-1',
      authorisationOutcome: 'APPROVED',
      statusSeq: 1,
      updatedAt: at,
    });
    expect(t.history).toEqual([
      { operation: 'RESERVE', amount: 10_000, at, acquirerReference: 'ACQ-1', statusSeq: 1 },
    ]);
  });

  it('a capture records its amount, the caller’s references and the status update it produced', () => {
    const t = capture(reserved(), 2_500, {
      at,
      acquirerReference: 'CAP-1',
      idempotencyKey: 'k',
      operationId: 'op',
    });
    expect(t.changes).toEqual({
      status: 'PARTIALLY_CAPTURED',
      capturedAmount: 2_500,
      statusSeq: 2,
      updatedAt: at,
    });
    expect(t.history).toEqual([
      {
        operation: 'CAPTURE',
        amount: 2_500,
        at,
        acquirerReference: 'CAP-1',
        idempotencyKey: 'k',
        operationId: 'op',
        statusSeq: 2,
      },
    ]);
    expect(t.statusUpdate).toEqual(statusUpdateMessage(reserved(), 2, 'CAPTURED', 2_500));
  });

  it('a refund records its amount and the status update it produced', () => {
    const tx = applied(reserved(), capture(reserved(), 4_000, { at }));
    const t = refund(tx, 1_000, { at, acquirerReference: 'REF-1' });
    expect(t.changes).toEqual({
      status: 'PARTIALLY_REFUNDED',
      refundedAmount: 1_000,
      statusSeq: 3,
      updatedAt: at,
    });
    expect(t.history).toEqual([
      { operation: 'REFUND', amount: 1_000, at, acquirerReference: 'REF-1', statusSeq: 3 },
    ]);
    expect(t.statusUpdate).toMatchObject({ seq: 3, status: 'REFUNDED', amount: 1_000 });
  });

  it('cancelling an unfinished payment tells Vipps CANCELLED for the payment amount, releasing nothing', () => {
    const t = cancel(initiatedPayment(), { at, idempotencyKey: 'k' });
    expect(t.changes).toEqual({ status: 'CANCELLED', statusSeq: 1, updatedAt: at });
    expect(t.history).toEqual([
      { operation: 'CANCEL', amount: 10_000, at, idempotencyKey: 'k', statusSeq: 1 },
    ]);
    expect(t.statusUpdate).toMatchObject({ seq: 1, status: 'CANCELLED', amount: 10_000 });
  });

  it('voiding a reservation releases all of it', () => {
    const t = cancel(reserved(), { at });
    expect(t.changes).toEqual({ status: 'CANCELLED', releasedAmount: 10_000, statusSeq: 2, updatedAt: at });
    expect(t.history).toEqual([{ operation: 'CANCEL', amount: 10_000, at, statusSeq: 2 }]);
  });

  it('our FAIL answer is final, never sent to Vipps, and keeps the outcome and note only when given', () => {
    const plain = fail(initiatedPayment(), vippsErrors.tooLate, { at });
    expect(plain).toEqual({
      changes: { status: 'FAILED', failure: vippsErrors.tooLate, updatedAt: at },
      history: [{ operation: 'FAIL', amount: 0, at, errorId: '85' }],
    });
    const noted = fail(initiatedPayment(), vippsErrors.tooLate, {
      at,
      outcome: 'UNKNOWN',
      note: 'timed out',
    });
    expect(noted.changes.authorisationOutcome).toBe('UNKNOWN');
    expect(noted.history[0]?.note).toBe('timed out');
    expect(noted.statusUpdate).toBeUndefined();
  });

  it.each([
    ['TIMEOUT', 'EXPIRED', 'EXPIRE'],
    ['CANCEL', 'CANCELLED', 'CANCEL'],
    ['NO', 'CANCELLED', 'CANCEL'],
  ] as const)(
    'Vipps ending the payment with %s makes it %s, noted in the history',
    (state, status, operation) => {
      const error = { errorId: '93', errorText: `Status from Vipps:${state}` };
      const t = endedByVipps(initiatedPayment(), state, error, at);
      expect(t).toEqual({
        changes: { status, failure: error, updatedAt: at },
        history: [{ operation, amount: 0, at, errorId: '93', note: `Vipps: ${state}` }],
      });
    },
  );

  it('expiring at our own deadline says why in the history and tells Vipps nothing', () => {
    expect(expire(initiatedPayment(), at)).toEqual({
      changes: { status: 'EXPIRED', updatedAt: at },
      history: [{ operation: 'EXPIRE', amount: 0, at, note: 'No makePayment before the deadline' }],
    });
  });

  it('status updates of an ePayment payment say so; PSP API v3 ones carry no API field', () => {
    const ePayment = initiatedPayment({ vippsApi: 'epayment' });
    expect(reserve(ePayment, { at, acquirerReference: 'A' }).statusUpdate?.vippsApi).toBe('epayment');
    expect(reserve(initiatedPayment(), { at, acquirerReference: 'A' }).statusUpdate).not.toHaveProperty(
      'vippsApi',
    );
  });

  it('names the operation and the amount when the amount is not a positive whole number of øre', () => {
    expect(() => capture(reserved(), 0, { at })).toThrow(
      'Capture amount must be a positive whole number of øre, got 0',
    );
    const tx = applied(reserved(), capture(reserved(), 4_000, { at }));
    expect(() => refund(tx, -1, { at })).toThrow(
      'Refund amount must be a positive whole number of øre, got -1',
    );
  });
});

describe('amount boundaries', () => {
  it('captures exactly the remainder, and refuses one øre more naming what remains', () => {
    const partly = applied(reserved(), capture(reserved(), 4_000, { at }));
    expect(() => capture(partly, 6_001, { at })).toThrow('Cannot capture 6001 øre: only 6000 øre remain');
    expect(capture(partly, 6_000, { at }).changes.status).toBe('CAPTURED');
  });

  it('refunds exactly what was captured, and refuses one øre more naming what remains', () => {
    const partly = applied(reserved(), capture(reserved(), 4_000, { at }));
    expect(() => refund(partly, 4_001, { at })).toThrow('Cannot refund 4001 øre: only 4000 øre remain');
    expect(refund(partly, 4_000, { at }).changes.status).toBe('REFUNDED');
  });

  it('a capture after a partial refund leaves the payment partially refunded', () => {
    let tx = applied(reserved(), capture(reserved(), 4_000, { at }));
    tx = applied(tx, refund(tx, 1_000, { at }));
    expect(tx.status).toBe('PARTIALLY_REFUNDED');
    const t = capture(tx, 6_000, { at });
    expect(t.changes).toMatchObject({ status: 'PARTIALLY_REFUNDED', capturedAmount: 10_000 });
  });

  it('a fully refunded partial capture can still be captured further', () => {
    let tx = applied(reserved(), capture(reserved(), 4_000, { at }));
    tx = applied(tx, refund(tx, 4_000, { at }));
    expect(tx.status).toBe('REFUNDED');
    expect(remainingToCapture(tx)).toBe(6_000);
    expect(capture(tx, 6_000, { at }).changes).toMatchObject({ status: 'PARTIALLY_REFUNDED' });
  });

  it('a fully captured payment has nothing left to capture: the refusal is about the amount', () => {
    const tx = applied(reserved(), capture(reserved(), 10_000, { at }));
    expect(remainingToCapture(tx)).toBe(0);
    expect(() => capture(tx, 1, { at })).toThrow(AmountExceedsRemainingError);
  });

  it('what remains to capture counts captures, a cancel in flight and what a cancel released', () => {
    const tx = reserved();
    expect(remainingToCapture(tx)).toBe(10_000);
    expect(remainingToCapture(initiatedPayment())).toBe(0);
    const claimed = applied(tx, claimOperation(tx, 'CAPTURE', 3_000, { at, operationId: 'c1' }));
    expect(remainingToCapture(claimed)).toBe(7_000);
    const captured = applied(tx, capture(tx, 3_000, { at }));
    expect(remainingToCapture(captured)).toBe(7_000);
    const voiding = applied(captured, claimOperation(captured, 'CANCEL', 0, { at, operationId: 'v1' }));
    expect(remainingToCapture(voiding)).toBe(0);
    const released = applied(captured, cancel(captured, { at }));
    expect(remainingToCapture(released)).toBe(0);
    expect(remainingToCapture({ ...tx, status: 'CANCELLED' })).toBe(0);
  });

  it('what remains to refund counts refunds done and in flight', () => {
    let tx = applied(reserved(), capture(reserved(), 5_000, { at }));
    tx = applied(tx, refund(tx, 1_000, { at }));
    expect(remainingToRefund(tx)).toBe(4_000);
    const claimed = applied(tx, claimOperation(tx, 'REFUND', 1_500, { at, operationId: 'r1' }));
    expect(remainingToRefund(claimed)).toBe(2_500);
    expect(() => claimOperation(claimed, 'REFUND', 2_501, { at, operationId: 'r2' })).toThrow(
      'Cannot refund 2501 øre: only 2500 øre remain',
    );
  });

  it('a cancel after all but one øre was captured releases that one øre', () => {
    const tx = applied(reserved(), capture(reserved(), 9_999, { at }));
    expect(cancel(tx, { at }).changes.releasedAmount).toBe(1);
  });
});

describe('which statuses allow what', () => {
  const failedPayment = () =>
    applied(initiatedPayment(), fail(initiatedPayment(), vippsErrors.tooLate, { at }));
  const expiredPayment = () => applied(initiatedPayment(), expire(initiatedPayment(), at));
  const cancelledPayment = () => applied(initiatedPayment(), cancel(initiatedPayment(), { at }));

  it('only cancelled, failed and expired payments are final', () => {
    expect([...FINAL_STATUSES].sort()).toEqual(['CANCELLED', 'EXPIRED', 'FAILED']);
  });

  it.each([
    ['failed', failedPayment, 'FAILED'],
    ['expired', expiredPayment, 'EXPIRED'],
    ['cancelled', cancelledPayment, 'CANCELLED'],
  ])('a %s payment cannot be captured, refunded, cancelled or reserved', (_name, make, status) => {
    const tx = make();
    expect(() => capture(tx, 100, { at })).toThrow(`Cannot capture a payment that is ${status}`);
    expect(() => refund(tx, 100, { at })).toThrow(`Cannot refund a payment that is ${status}`);
    expect(() => cancel(tx, { at })).toThrow(`Cannot cancel a payment that is ${status}`);
    expect(() => reserve(tx, { at, acquirerReference: 'r' })).toThrow(
      `Cannot reserve a payment that is ${status}`,
    );
    expect(() => endedByVipps(tx, 'CANCEL', vippsErrors.tooLate, at)).toThrow(
      `Cannot fail a payment that is ${status}`,
    );
    expect(() => expire(tx, at)).toThrow(`Cannot expire a payment that is ${status}`);
    expect(() => fail(tx, vippsErrors.tooLate, { at })).toThrow(`Cannot fail a payment that is ${status}`);
  });

  it('a reservation nothing was captured from has nothing to refund', () => {
    expect(() => refund(reserved(), 1, { at })).toThrow('Nothing has been captured to refund');
  });

  it('a cancelled payment whose remainder was released keeps its captured money refundable', () => {
    const partly = applied(reserved(), capture(reserved(), 4_000, { at }));
    const cancelled = applied(partly, cancel(partly, { at }));
    expect(refund(cancelled, 4_000, { at }).changes.status).toBe('REFUNDED');
    expect(() => capture(cancelled, 1, { at })).toThrow(
      'The uncaptured remainder was released by a cancel; nothing is left to capture',
    );
  });

  it('refuses a cancel while another cancel or a capture is in flight, and of a fully captured payment', () => {
    const tx = reserved();
    const voiding = applied(tx, claimOperation(tx, 'CANCEL', 0, { at, operationId: 'v1' }));
    expect(() => claimOperation(voiding, 'CANCEL', 0, { at, operationId: 'v2' })).toThrow(
      'A cancellation is in progress',
    );
    expect(() => claimOperation(voiding, 'CAPTURE', 1, { at, operationId: 'c1' })).toThrow(
      'A cancellation is in progress',
    );
    const capturing = applied(tx, claimOperation(tx, 'CAPTURE', 1, { at, operationId: 'c1' }));
    expect(() => cancel(capturing, { at })).toThrow('Cannot cancel while a capture is in progress');
    const full = applied(tx, capture(tx, 10_000, { at }));
    expect(() => cancel(full, { at })).toThrow(
      'Cannot cancel a payment that has been fully captured; refund it',
    );
  });

  it('a refund in flight does not stop a cancel of the uncaptured remainder', () => {
    const partly = applied(reserved(), capture(reserved(), 4_000, { at }));
    const refunding = applied(partly, claimOperation(partly, 'REFUND', 1_000, { at, operationId: 'r1' }));
    expect(cancel(refunding, { at }).changes.releasedAmount).toBe(6_000);
  });

  it('the deadline is passed from its very millisecond on', () => {
    const tx = initiatedPayment();
    expect(isPastDeadline(tx, new Date(Date.parse(tx.expiresAt) - 1))).toBe(false);
    expect(isPastDeadline(tx, new Date(tx.expiresAt))).toBe(true);
  });

  it.each([
    [
      'capture after a cancel released the rest',
      () => {
        const partly = applied(reserved(), capture(reserved(), 4_000, { at }));
        return capture(applied(partly, cancel(partly, { at })), 1, { at });
      },
      'CAPTURE',
    ],
    [
      'capture while a cancel is in flight',
      () => {
        const tx = reserved();
        return capture(applied(tx, claimOperation(tx, 'CANCEL', 0, { at, operationId: 'v' })), 1, { at });
      },
      'CAPTURE',
    ],
    ['refund with nothing captured', () => refund(reserved(), 1, { at }), 'REFUND'],
    [
      'cancel while a capture is in flight',
      () => {
        const tx = reserved();
        return cancel(applied(tx, claimOperation(tx, 'CAPTURE', 1, { at, operationId: 'c' })), { at });
      },
      'CANCEL',
    ],
    [
      'cancel while a cancel is in flight',
      () => {
        const tx = reserved();
        return cancel(applied(tx, claimOperation(tx, 'CANCEL', 0, { at, operationId: 'v' })), { at });
      },
      'CANCEL',
    ],
    [
      'cancel a fully captured payment',
      () => cancel(applied(reserved(), capture(reserved(), 10_000, { at })), { at }),
      'CANCEL',
    ],
    [
      'claim a void of an unfinished payment',
      () => claimOperation(initiatedPayment(), 'CANCEL', 0, { at, operationId: 'v' }),
      'CANCEL',
    ],
    [
      'complete an operation not in flight',
      () => completeOperation(reserved(), 'x', { at, acquirerReference: 'r' }),
      'COMPLETE',
    ],
  ])('a refusal to %s names the operation refused and the status', (_name, transition, operation) => {
    expect(transition).toThrow(InvalidTransitionError);
    try {
      transition();
    } catch (error) {
      expect(error).toMatchObject({ operation, status: expect.any(String) as string });
    }
  });
});

describe('claimed operations: what a claim records and how it completes', () => {
  it('a claim records the operation in flight with its key, changing no amount', () => {
    const t = claimOperation(reserved(), 'CAPTURE', 3_000, { at, operationId: 'c1', idempotencyKey: 'k1' });
    expect(t).toEqual({
      changes: {
        pendingOperations: [
          { operationId: 'c1', operation: 'CAPTURE', amount: 3_000, startedAt: at, idempotencyKey: 'k1' },
        ],
        updatedAt: at,
      },
      history: [],
    });
    const unkeyed = claimOperation(reserved(), 'CAPTURE', 3_000, { at, operationId: 'c1' });
    expect(unkeyed.changes.pendingOperations?.[0]).not.toHaveProperty('idempotencyKey');
  });

  it('a claimed cancel claims what it will release, whatever amount was asked', () => {
    const partly = applied(reserved(), capture(reserved(), 4_000, { at }));
    const t = claimOperation(partly, 'CANCEL', 0, { at, operationId: 'v1' });
    expect(t.changes.pendingOperations).toEqual([
      { operationId: 'v1', operation: 'CANCEL', amount: 6_000, startedAt: at },
    ]);
  });

  it('a claimed refund is checked like a refund', () => {
    expect(() => claimOperation(reserved(), 'REFUND', 100, { at, operationId: 'r1' })).toThrow(
      'Nothing has been captured to refund',
    );
  });

  it('refuses a claim under the key of an operation already completed', () => {
    const tx = reserved();
    const claimed = applied(
      tx,
      claimOperation(tx, 'CAPTURE', 1_000, { at, operationId: 'c1', idempotencyKey: 'k1' }),
    );
    const done = applied(claimed, completeOperation(claimed, 'c1', { at, acquirerReference: 'CAP' }));
    expect(() =>
      claimOperation(done, 'CAPTURE', 1_000, { at, operationId: 'c2', idempotencyKey: 'k1' }),
    ).toThrow('This Idempotency-Key was already used');
    expect(
      claimOperation(done, 'CAPTURE', 1_000, { at, operationId: 'c2', idempotencyKey: 'k2' }),
    ).toBeDefined();
  });

  it('finds an operation by its key in flight or done, never a non-operation history entry', () => {
    const tx = reserved();
    const claimed = applied(
      tx,
      claimOperation(tx, 'CAPTURE', 1_000, { at, operationId: 'c1', idempotencyKey: 'k1' }),
    );
    expect(operationByKey(claimed, 'k1')).toEqual({ pending: claimed.pendingOperations[0] });
    const done = applied(claimed, completeOperation(claimed, 'c1', { at, acquirerReference: 'CAP' }));
    expect(operationByKey(done, 'k1')).toEqual({ completed: done.history.at(-1) });
    expect(operationByKey(done, 'k2')).toBeUndefined();
    const initiatedWithKey: Transaction = {
      ...done,
      history: [...done.history, { operation: 'INITIATE', amount: 1, at, idempotencyKey: 'k3' }],
    };
    expect(operationByKey(initiatedWithKey, 'k3')).toBeUndefined();
  });

  it('completing an operation keeps its key in the history and leaves the other claims in flight', () => {
    let tx = applied(reserved(), capture(reserved(), 4_000, { at }));
    tx = applied(tx, claimOperation(tx, 'REFUND', 1_000, { at, operationId: 'r1', idempotencyKey: 'k1' }));
    tx = applied(tx, claimOperation(tx, 'CAPTURE', 2_000, { at, operationId: 'c1' }));
    const t = completeOperation(tx, 'r1', { at, acquirerReference: 'REF' });
    expect(t.changes).toMatchObject({ status: 'PARTIALLY_REFUNDED', refundedAmount: 1_000 });
    expect(t.changes.pendingOperations?.map((p) => p.operationId)).toEqual(['c1']);
    expect(t.history).toEqual([
      {
        operation: 'REFUND',
        amount: 1_000,
        at,
        acquirerReference: 'REF',
        idempotencyKey: 'k1',
        operationId: 'r1',
        statusSeq: 3,
      },
    ]);
    const unkeyed = completeOperation(tx, 'c1', { at, acquirerReference: 'CAP' });
    expect(unkeyed.history[0]).not.toHaveProperty('idempotencyKey');
  });

  it('completing a claimed cancel releases the remainder', () => {
    const tx = reserved();
    const voiding = applied(tx, claimOperation(tx, 'CANCEL', 0, { at, operationId: 'v1' }));
    const t = completeOperation(voiding, 'v1', { at, acquirerReference: 'VOID' });
    expect(t.changes).toMatchObject({ status: 'CANCELLED', releasedAmount: 10_000, pendingOperations: [] });
    expect(t.statusUpdate).toMatchObject({ status: 'CANCELLED', amount: 10_000 });
  });

  it('releasing a claim drops only that claim', () => {
    let tx = applied(reserved(), capture(reserved(), 4_000, { at }));
    tx = applied(tx, claimOperation(tx, 'REFUND', 1_000, { at, operationId: 'r1' }));
    tx = applied(tx, claimOperation(tx, 'CAPTURE', 2_000, { at, operationId: 'c1' }));
    const later = '2026-11-24T10:09:00.000Z';
    expect(releaseOperation(tx, 'r1', later)).toEqual({
      changes: { pendingOperations: [tx.pendingOperations[1]], updatedAt: later },
      history: [],
    });
  });
});

describe('nextDueAt: every reason to look again', () => {
  const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();
  const settled = () => ({ ...reserved(), vippsSync: { acknowledgedSeq: 1 } });

  it('a makePayment attempt in progress is chased CHASE_AFTER_MS after its claim, if before the deadline', () => {
    const claimedAt = '2026-11-24T10:00:30.000Z';
    const attempt = { requestHash: 'h', phase: 'INITIAL' as const, claimedAt };
    const inProgress = initiatedPayment({ makePayment: { ...attempt, state: 'IN_PROGRESS' } });
    expect(nextDueAt(inProgress)).toBe(plus(claimedAt, CHASE_AFTER_MS));
    const answered = initiatedPayment({ makePayment: { ...attempt, state: 'ANSWERED' } });
    expect(nextDueAt(answered)).toBe(answered.expiresAt);
    const late = initiatedPayment({
      makePayment: { ...attempt, state: 'IN_PROGRESS', claimedAt: '2026-11-24T10:14:00.000Z' },
    });
    expect(nextDueAt(late)).toBe(late.expiresAt);
  });

  it('the deadline of a payment that is no longer INITIATED does not count', () => {
    expect(nextDueAt({ ...settled(), expiresAt: '2026-11-24T09:00:00.000Z' })).toBeUndefined();
  });

  it('a claimed operation is chased CHASE_AFTER_MS after it started; the earliest claim decides', () => {
    let tx = settled();
    tx = applied(
      tx,
      claimOperation(tx, 'CAPTURE', 1_000, { at: '2026-11-24T10:05:00.000Z', operationId: 'c1' }),
    );
    tx = applied(
      tx,
      claimOperation(tx, 'CAPTURE', 1_000, { at: '2026-11-24T10:03:00.000Z', operationId: 'c2' }),
    );
    expect(nextDueAt(tx)).toBe(plus('2026-11-24T10:03:00.000Z', CHASE_AFTER_MS));
  });

  it('an unacknowledged status update is chased CHASE_AFTER_MS after the change', () => {
    expect(nextDueAt(reserved())).toBe(plus(at, CHASE_AFTER_MS));
  });

  it('after a re-send the next chase waits RESEND_EVERY_MS, but never comes before the first chase', () => {
    const tx = reserved();
    const resentLongAgo = '2026-11-24T09:00:00.000Z';
    expect(nextDueAt({ ...tx, statusResentAt: resentLongAgo })).toBe(plus(at, CHASE_AFTER_MS));
  });

  it('merchant events not yet handed to delivery are swept EVENT_SWEEP_AFTER_MS after the write', () => {
    const event = { eventId: 'e1' } as unknown as PaymentEvent;
    expect(nextDueAt({ ...settled(), events: [event] })).toBe(plus(at, EVENT_SWEEP_AFTER_MS));
    expect(nextDueAt({ ...settled(), events: [event], eventsDispatched: 1 })).toBeUndefined();
    expect(nextDueAt({ ...settled(), events: [] })).toBeUndefined();
  });

  it('the earliest need wins: an unknown outcome is due at once, before any chase', () => {
    const tx = { ...reserved(), authorisationOutcome: 'UNKNOWN' as const };
    expect(nextDueAt(tx)).toBe(at);
  });
});

describe('money', () => {
  it('formats øre as Norwegian kroner without floats', () => {
    expect(formatNok(123_450)).toBe('1\u00a0234,50\u00a0kr');
    expect(formatNok(5)).toBe('0,05\u00a0kr');
  });
});
