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
  fail,
  RESEND_EVERY_MS,
  nextDueAt,
  refund,
  releaseOperation,
  reserve,
} from '../../lambdas/core/transaction.js';
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

describe('money', () => {
  it('formats øre as Norwegian kroner without floats', () => {
    expect(formatNok(123_450)).toBe('1\u00a0234,50\u00a0kr');
    expect(formatNok(5)).toBe('0,05\u00a0kr');
  });
});
