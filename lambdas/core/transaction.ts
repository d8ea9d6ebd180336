import type { VippsError } from './error-catalogue.js';
import { AmountExceedsRemainingError, InvalidAmountError, InvalidTransitionError } from './errors.js';
import { type Currency, type MinorUnits, isMinorUnits } from './money.js';
import type { VippsApiName } from './vipps-api.js';
import type { PaymentEvent } from './webhooks/payment-events.js';

/**
 * One payment and its state machine (DESIGN.md "State machine"):
 *   INITIATED → RESERVED | FAILED | CANCELLED | EXPIRED
 *   RESERVED → (PARTIALLY_)CAPTURED → (PARTIALLY_)REFUNDED;  RESERVED → CANCELLED (void)
 *   PARTIALLY_CAPTURED → CANCELLED (the uncaptured remainder is released; refunds stay possible)
 * The functions here are pure: they check the invariants and return a Transition that the store
 * applies as ONE conditional write on `version`, so two concurrent writers cannot both win.
 */
export type TransactionStatus =
  | 'INITIATED'
  | 'RESERVED'
  | 'PARTIALLY_CAPTURED'
  | 'CAPTURED'
  | 'PARTIALLY_REFUNDED'
  | 'REFUNDED'
  | 'CANCELLED'
  | 'FAILED'
  | 'EXPIRED';

/** The statuses Vipps learns through updatestatus. A failed reservation is never sent. */
export type VippsStatus = 'RESERVED' | 'CAPTURED' | 'REFUNDED' | 'CANCELLED';

export type Operation =
  'INITIATE' | 'RESERVE' | 'SOFT_DECLINE' | 'FAIL' | 'CAPTURE' | 'REFUND' | 'CANCEL' | 'EXPIRE' | 'REVERSE';

export interface HistoryEntry {
  operation: Operation;
  amount: MinorUnits;
  at: string;
  acquirerReference?: string;
  idempotencyKey?: string;
  /** The claimed operation this entry completed (capture / refund / void at the acquirer). */
  operationId?: string;
  /** The Vipps status update this entry produced, if any. */
  statusSeq?: number;
  errorId?: string;
  note?: string;
}

/** What we answered (or are answering) Vipps at makePaymentUrl. */
export interface MakePaymentAnswer {
  status: 'OK' | 'FAIL' | 'SOFT_DECLINE';
  error?: VippsError;
  url3dSecure?: string;
  /** On OK, when the acquirer gave one: the ePayment RESERVE answer carries it. */
  networkTransactionReference?: string;
}

/**
 * The claimed makePayment attempt: the conditional write that claims it makes a concurrent or
 * retried identical request wait for (or replay) the first answer instead of authorising twice.
 */
export interface MakePaymentAttempt {
  requestHash: string;
  phase: 'INITIAL' | 'AFTER_3DS';
  state: 'IN_PROGRESS' | 'ANSWERED';
  claimedAt: string;
  answer?: MakePaymentAnswer;
}

export type AuthorisationOutcome = 'APPROVED' | 'DECLINED' | 'UNKNOWN' | 'REVERSED';

export interface VippsSyncState {
  /** Highest status sequence Vipps acknowledged (2xx). A rejected update does not raise it. */
  acknowledgedSeq: number;
  lastSyncAt?: string;
  /** The status updates Vipps rejected (4xx), once per sequence, with the first reason: for ops. */
  rejected?: Array<{ seq: number; reason: string; at: string }>;
  /**
   * Highest sequence Vipps rejected. While it is above acknowledgedSeq that update is still owed
   * and the payment's later updates wait behind it (Vipps must never see CAPTURED before RESERVED).
   */
  rejectedSeq?: number;
  /**
   * The updatestatus call being made for this payment, stored before it is made and left in
   * place after a 5xx or timeout: a redelivery sends exactly this again (same entries, same
   * Idempotency-Key) before anything new. Removed when Vipps rejects it (Vipps applied nothing).
   */
  sending?: StatusBatch;
}

/** One updatestatus call: what was (or is about to be) sent, under which Idempotency-Key. */
export interface StatusBatch {
  batchKey: string;
  merchantSerialNumber: string;
  updates: StatusUpdate[];
  composedAt: string;
}

/**
 * A capture/refund/void we have claimed in the store but the acquirer has not confirmed yet.
 * Claiming first (one conditional write) is what makes two concurrent captures that together
 * exceed the reservation end with exactly one reaching the acquirer.
 */
export interface PendingOperation {
  operationId: string;
  operation: 'CAPTURE' | 'REFUND' | 'CANCEL';
  amount: MinorUnits;
  startedAt: string;
  idempotencyKey?: string;
}

export interface Transaction {
  pspTransactionId: string;
  merchantId: string;
  /** Snapshot of the merchant at creation: shown on the 3-D Secure page. */
  merchantName: string;
  /** Snapshot of the merchant's credit-card policy at creation (answer 88 when false). */
  allowCreditCards: boolean;
  merchantSerialNumber: string;
  merchantOrderId: string;
  /** The amount the user is asked to approve, in øre. */
  amount: MinorUnits;
  currency: Currency;
  paymentText: string;
  redirectUrl: string;
  customerMobileNumber?: string;
  isApp: boolean;
  /** The Vipps API the payment was created under (absent: PSP API v3, as before the choice existed). */
  vippsApi?: VippsApiName;
  status: TransactionStatus;
  version: number;
  createdAt: string;
  updatedAt: string;
  /** makePayment must arrive before this; after it the payment answers 85 and expires. */
  expiresAt: string;
  /** SHA-256 (hex) of the per-payment makePaymentToken; the token itself is never stored. */
  makePaymentTokenHash: string;
  vippsRedirectUrl?: string;
  reservedAmount: MinorUnits;
  capturedAmount: MinorUnits;
  refundedAmount: MinorUnits;
  /** What a cancel released at the acquirer (the whole reservation, or what a partial capture left). */
  releasedAmount?: MinorUnits;
  acquirerReference?: string;
  authorisationOutcome?: AuthorisationOutcome;
  makePayment?: MakePaymentAttempt;
  threeDsSessionId?: string;
  /** Why the payment failed (Vipps init error or our FAIL answer). */
  failure?: VippsError;
  history: HistoryEntry[];
  pendingOperations: PendingOperation[];
  /** Sequence of the last status update enqueued for Vipps (0 = none). */
  statusSeq: number;
  vippsSync: VippsSyncState;
  /**
   * When the reconciler last re-enqueued unacknowledged status updates (a top-level field, not in
   * vippsSync: the updater writes vippsSync without the version check).
   */
  statusResentAt?: string;
  /** When the reconciler must look at this payment again (sparse index); absent = nothing due. */
  dueAt?: string;
  /** The merchant webhook outbox: events written by the same write as their state change. */
  events?: PaymentEvent[];
  /** How many of `events` were handed to delivery (set without a version bump, only raised). */
  eventsDispatched?: number;
}

/** A status update for Vipps, as it travels on the FIFO queue. */
export interface StatusUpdate {
  pspTransactionId: string;
  merchantSerialNumber: string;
  seq: number;
  status: VippsStatus;
  amount: MinorUnits;
  currency: Currency;
  paymentText: string;
  operationStatus: 'SUCCESS' | 'FAILED';
  /** Which API reports it (absent: PSP API v3 updatestatus); ePayment sends one call per operation. */
  vippsApi?: 'epayment';
}

/** What a state change writes: fields to set, history to append, an update to enqueue. */
export interface Transition {
  changes: Partial<Omit<Transaction, 'history' | 'version' | 'pspTransactionId'>>;
  history: HistoryEntry[];
  statusUpdate?: StatusUpdate;
}

export const FINAL_STATUSES: ReadonlySet<TransactionStatus> = new Set(['CANCELLED', 'FAILED', 'EXPIRED']);
const LIVE_RESERVATION: ReadonlySet<TransactionStatus> = new Set([
  'RESERVED',
  'PARTIALLY_CAPTURED',
  'CAPTURED',
  'PARTIALLY_REFUNDED',
  'REFUNDED',
]);

function inFlight(tx: Transaction, operation: PendingOperation['operation']): MinorUnits {
  return tx.pendingOperations.filter((p) => p.operation === operation).reduce((sum, p) => sum + p.amount, 0);
}

function hasPending(tx: Transaction, operation: PendingOperation['operation']): boolean {
  return tx.pendingOperations.some((p) => p.operation === operation);
}

/**
 * What may still be captured: the reservation less what was captured, released by a cancel, or
 * is in flight (claimed captures, a claimed cancel), so the merchant sees what it can really ask for.
 */
export function remainingToCapture(tx: Transaction): MinorUnits {
  if (!LIVE_RESERVATION.has(tx.status)) return 0;
  const left = tx.reservedAmount - tx.capturedAmount - (tx.releasedAmount ?? 0);
  return Math.max(0, left - inFlight(tx, 'CAPTURE') - inFlight(tx, 'CANCEL'));
}

/** What may still be refunded: captured less refunded and refunds in flight. */
export function remainingToRefund(tx: Transaction): MinorUnits {
  return Math.max(0, tx.capturedAmount - tx.refundedAmount - inFlight(tx, 'REFUND'));
}

/** Status after a capture or refund (so something was captured) follows from the amounts. */
function statusFromAmounts(reserved: number, captured: number, refunded: number): TransactionStatus {
  if (refunded > 0) return refunded === captured ? 'REFUNDED' : 'PARTIALLY_REFUNDED';
  return captured === reserved ? 'CAPTURED' : 'PARTIALLY_CAPTURED';
}

function assertOperationAmount(operation: string, amount: unknown): asserts amount is MinorUnits {
  if (!isMinorUnits(amount) || amount <= 0) {
    throw new InvalidAmountError(
      `${operation} amount must be a positive whole number of øre, got ${String(amount)}`,
    );
  }
}

/** The one shape of a status update for Vipps (also rebuilt from history by status-sync.ts). */
export function statusUpdateMessage(
  tx: Transaction,
  seq: number,
  status: VippsStatus,
  amount: MinorUnits,
): StatusUpdate {
  return {
    pspTransactionId: tx.pspTransactionId,
    merchantSerialNumber: tx.merchantSerialNumber,
    seq,
    status,
    amount,
    currency: tx.currency,
    paymentText: tx.paymentText,
    operationStatus: 'SUCCESS',
    ...(tx.vippsApi === 'epayment' ? { vippsApi: 'epayment' as const } : {}),
  };
}

function statusUpdate(tx: Transaction, status: VippsStatus, amount: MinorUnits): StatusUpdate {
  return statusUpdateMessage(tx, tx.statusSeq + 1, status, amount);
}

interface OperationContext {
  at: string;
  acquirerReference?: string;
  idempotencyKey?: string;
  operationId?: string;
}

export function reserve(tx: Transaction, ctx: OperationContext & { acquirerReference: string }): Transition {
  if (tx.status !== 'INITIATED') throw new InvalidTransitionError('RESERVE', tx.status);
  const update = statusUpdate(tx, 'RESERVED', tx.amount);
  return {
    changes: {
      status: 'RESERVED',
      reservedAmount: tx.amount,
      acquirerReference: ctx.acquirerReference,
      authorisationOutcome: 'APPROVED',
      statusSeq: update.seq,
      updatedAt: ctx.at,
    },
    history: [
      {
        operation: 'RESERVE',
        amount: tx.amount,
        at: ctx.at,
        acquirerReference: ctx.acquirerReference,
        statusSeq: update.seq,
      },
    ],
    statusUpdate: update,
  };
}

export function capture(tx: Transaction, amount: MinorUnits, ctx: OperationContext): Transition {
  assertOperationAmount('Capture', amount);
  if ((tx.releasedAmount ?? 0) > 0) {
    throw new InvalidTransitionError(
      'CAPTURE',
      tx.status,
      'The uncaptured remainder was released by a cancel; nothing is left to capture',
    );
  }
  if (!LIVE_RESERVATION.has(tx.status)) throw new InvalidTransitionError('CAPTURE', tx.status);
  if (hasPending(tx, 'CANCEL'))
    throw new InvalidTransitionError('CAPTURE', tx.status, 'A cancellation is in progress');
  const remaining = remainingToCapture(tx);
  if (amount > remaining) throw new AmountExceedsRemainingError('CAPTURE', amount, remaining);
  const captured = tx.capturedAmount + amount;
  const update = statusUpdate(tx, 'CAPTURED', amount);
  return {
    changes: {
      status: statusFromAmounts(tx.reservedAmount, captured, tx.refundedAmount),
      capturedAmount: captured,
      statusSeq: update.seq,
      updatedAt: ctx.at,
    },
    history: [{ operation: 'CAPTURE', amount, ...ctx, statusSeq: update.seq }],
    statusUpdate: update,
  };
}

/** Captured money can be refunded, also after a cancel released the rest of the reservation. */
function mayRefund(tx: Transaction): boolean {
  return LIVE_RESERVATION.has(tx.status) || (tx.status === 'CANCELLED' && tx.capturedAmount > 0);
}

export function refund(tx: Transaction, amount: MinorUnits, ctx: OperationContext): Transition {
  assertOperationAmount('Refund', amount);
  if (!mayRefund(tx)) throw new InvalidTransitionError('REFUND', tx.status);
  if (tx.capturedAmount === 0)
    throw new InvalidTransitionError('REFUND', tx.status, 'Nothing has been captured to refund');
  const remaining = remainingToRefund(tx);
  if (amount > remaining) throw new AmountExceedsRemainingError('REFUND', amount, remaining);
  const refunded = tx.refundedAmount + amount;
  const update = statusUpdate(tx, 'REFUNDED', amount);
  return {
    changes: {
      status: statusFromAmounts(tx.reservedAmount, tx.capturedAmount, refunded),
      refundedAmount: refunded,
      statusSeq: update.seq,
      updatedAt: ctx.at,
    },
    history: [{ operation: 'REFUND', amount, ...ctx, statusSeq: update.seq }],
    statusUpdate: update,
  };
}

/**
 * Cancel: cancel a payment the user has not finished (a later makePayment then answers 85), void
 * a reservation, or — after a partial capture — release the uncaptured remainder. Allowed until
 * the reservation is fully captured. Vipps learns it as CANCELLED with the amount released.
 */
export function cancel(tx: Transaction, ctx: OperationContext): Transition {
  if (tx.status === 'INITIATED') {
    const update = statusUpdate(tx, 'CANCELLED', tx.amount);
    return {
      changes: { status: 'CANCELLED', statusSeq: update.seq, updatedAt: ctx.at },
      history: [{ operation: 'CANCEL', amount: tx.amount, ...ctx, statusSeq: update.seq }],
      statusUpdate: update,
    };
  }
  const released = releasableAmount(tx);
  const update = statusUpdate(tx, 'CANCELLED', released);
  return {
    changes: { status: 'CANCELLED', releasedAmount: released, statusSeq: update.seq, updatedAt: ctx.at },
    history: [{ operation: 'CANCEL', amount: released, ...ctx, statusSeq: update.seq }],
    statusUpdate: update,
  };
}

/** What a cancel of this live reservation releases at the acquirer; throws when it may not. */
function releasableAmount(tx: Transaction): MinorUnits {
  if (!LIVE_RESERVATION.has(tx.status) || (tx.releasedAmount ?? 0) > 0)
    throw new InvalidTransitionError('CANCEL', tx.status);
  if (hasPending(tx, 'CAPTURE'))
    throw new InvalidTransitionError('CANCEL', tx.status, 'Cannot cancel while a capture is in progress');
  if (hasPending(tx, 'CANCEL'))
    throw new InvalidTransitionError('CANCEL', tx.status, 'A cancellation is in progress');
  const remainder = tx.reservedAmount - tx.capturedAmount;
  if (remainder <= 0) {
    throw new InvalidTransitionError(
      'CANCEL',
      tx.status,
      'Cannot cancel a payment that has been fully captured; refund it',
    );
  }
  return remainder;
}

/** Our FAIL answer to makePayment (declines, 85, 9x): final, and not sent to Vipps. */
export function fail(
  tx: Transaction,
  error: VippsError,
  ctx: { at: string; outcome?: 'DECLINED' | 'UNKNOWN'; note?: string },
): Transition {
  if (tx.status !== 'INITIATED') throw new InvalidTransitionError('FAIL', tx.status);
  return {
    changes: {
      status: 'FAILED',
      failure: error,
      updatedAt: ctx.at,
      ...(ctx.outcome ? { authorisationOutcome: ctx.outcome } : {}),
    },
    history: [
      {
        operation: 'FAIL',
        amount: 0,
        at: ctx.at,
        errorId: error.errorId,
        ...(ctx.note ? { note: ctx.note } : {}),
      },
    ],
  };
}

/** The user cancelled in the app (→ CANCELLED) or Vipps timed the payment out (→ EXPIRED). */
export function endedByVipps(
  tx: Transaction,
  state: 'CANCEL' | 'TIMEOUT' | 'NO',
  error: VippsError,
  at: string,
): Transition {
  if (tx.status !== 'INITIATED') throw new InvalidTransitionError('FAIL', tx.status);
  const status: TransactionStatus = state === 'TIMEOUT' ? 'EXPIRED' : 'CANCELLED';
  return {
    changes: { status, failure: error, updatedAt: at },
    history: [
      {
        operation: status === 'EXPIRED' ? 'EXPIRE' : 'CANCEL',
        amount: 0,
        at,
        errorId: error.errorId,
        note: `Vipps: ${state}`,
      },
    ],
  };
}

/** Our own deadline passed with no makePayment: the reconciler expires the payment. */
export function expire(tx: Transaction, at: string): Transition {
  if (tx.status !== 'INITIATED') throw new InvalidTransitionError('EXPIRE', tx.status);
  return {
    changes: { status: 'EXPIRED', updatedAt: at },
    history: [{ operation: 'EXPIRE', amount: 0, at, note: 'No makePayment before the deadline' }],
  };
}

export function isPastDeadline(tx: Transaction, now: Date): boolean {
  return now.getTime() >= Date.parse(tx.expiresAt);
}

// ── Claimed operations (capture / refund / void) ────────────────────────────────────────────

/**
 * Claim an acquirer operation before calling the acquirer: checks the invariants counting the
 * operations already in flight, and records this one as pending. An Idempotency-Key already
 * used for an operation of this payment (in flight or done) is refused: the caller resumes or
 * replays that operation instead of running a second one.
 */
export function claimOperation(
  tx: Transaction,
  operation: PendingOperation['operation'],
  amount: MinorUnits,
  ctx: { at: string; operationId: string; idempotencyKey?: string },
): Transition {
  if (ctx.idempotencyKey && operationByKey(tx, ctx.idempotencyKey)) {
    throw new InvalidTransitionError(operation, tx.status, 'This Idempotency-Key was already used');
  }
  let claimed = amount;
  if (operation === 'CANCEL') {
    if (tx.status === 'INITIATED') {
      throw new InvalidTransitionError(
        'CANCEL',
        tx.status,
        'An unfinished payment is cancelled in the store',
      );
    }
    claimed = releasableAmount(tx);
  } else if (operation === 'CAPTURE') capture(tx, amount, ctx);
  else refund(tx, amount, ctx);
  const pending: PendingOperation = {
    operationId: ctx.operationId,
    operation,
    amount: claimed,
    startedAt: ctx.at,
    ...(ctx.idempotencyKey ? { idempotencyKey: ctx.idempotencyKey } : {}),
  };
  return {
    changes: { pendingOperations: [...tx.pendingOperations, pending], updatedAt: ctx.at },
    history: [],
  };
}

export function findPendingOperation(tx: Transaction, operationId: string): PendingOperation | undefined {
  return tx.pendingOperations.find((p) => p.operationId === operationId);
}

const KEYED_OPERATIONS: ReadonlySet<Operation> = new Set(['CAPTURE', 'REFUND', 'CANCEL']);

/**
 * The capture/refund/cancel an Idempotency-Key already started on this payment: still in flight,
 * or done (the completed operation remembers its key in the history).
 */
export function operationByKey(
  tx: Transaction,
  idempotencyKey: string,
): { pending: PendingOperation } | { completed: HistoryEntry } | undefined {
  const pending = tx.pendingOperations.find((p) => p.idempotencyKey === idempotencyKey);
  if (pending) return { pending };
  const completed = tx.history.find(
    (h) => h.idempotencyKey === idempotencyKey && KEYED_OPERATIONS.has(h.operation),
  );
  return completed ? { completed } : undefined;
}

/** The history entry that completed a claimed operation, once it is done. */
export function completedOperation(tx: Transaction, operationId: string): HistoryEntry | undefined {
  return tx.history.find((h) => h.operationId === operationId);
}

/** The acquirer confirmed a claimed operation: apply it and drop the claim. */
export function completeOperation(
  tx: Transaction,
  operationId: string,
  ctx: { at: string; acquirerReference: string },
): Transition {
  const pending = findPendingOperation(tx, operationId);
  if (!pending)
    throw new InvalidTransitionError('COMPLETE', tx.status, `No operation ${operationId} in progress`);
  const rest = {
    ...tx,
    pendingOperations: tx.pendingOperations.filter((p) => p.operationId !== operationId),
  };
  const opCtx = {
    at: ctx.at,
    acquirerReference: ctx.acquirerReference,
    ...(pending.idempotencyKey ? { idempotencyKey: pending.idempotencyKey } : {}),
    operationId,
  };
  const base =
    pending.operation === 'CAPTURE'
      ? capture(rest, pending.amount, opCtx)
      : pending.operation === 'REFUND'
        ? refund(rest, pending.amount, opCtx)
        : cancel(rest, opCtx);
  return { ...base, changes: { ...base.changes, pendingOperations: rest.pendingOperations } };
}

/** The acquirer refused a claimed operation: drop the claim, nothing else changes. */
export function releaseOperation(tx: Transaction, operationId: string, at: string): Transition {
  return {
    changes: {
      pendingOperations: tx.pendingOperations.filter((p) => p.operationId !== operationId),
      updatedAt: at,
    },
    history: [],
  };
}

// ── When the reconciler must look again ─────────────────────────────────────────────────────

/** Grace after which an unconfirmed operation or unacknowledged status update is chased. */
export const CHASE_AFTER_MS = 2 * 60_000;

/**
 * Between two re-sends of the same unacknowledged updates: SQS FIFO's deduplication window, so
 * each re-send really reaches the updater and a long Vipps outage does not pile repeats up.
 */
export const RESEND_EVERY_MS = 5 * 60_000;

/** The table stream hands events to delivery within moments; the sweep picks up what it missed. */
export const EVENT_SWEEP_AFTER_MS = 60_000;

/**
 * The one rule for `dueAt` (the reconciler's sparse index): the earliest moment something about
 * this payment needs attention, or undefined when nothing does.
 */
export function nextDueAt(tx: Transaction): string | undefined {
  const candidates: number[] = [];
  if (tx.status === 'INITIATED') {
    candidates.push(Date.parse(tx.expiresAt));
    if (tx.makePayment?.state === 'IN_PROGRESS')
      candidates.push(Date.parse(tx.makePayment.claimedAt) + CHASE_AFTER_MS);
  }
  if (tx.authorisationOutcome === 'UNKNOWN') candidates.push(Date.parse(tx.updatedAt));
  for (const p of tx.pendingOperations) candidates.push(Date.parse(p.startedAt) + CHASE_AFTER_MS);
  if (tx.statusSeq > tx.vippsSync.acknowledgedSeq) {
    const firstChase = Date.parse(tx.updatedAt) + CHASE_AFTER_MS;
    candidates.push(
      tx.statusResentAt ? Math.max(firstChase, Date.parse(tx.statusResentAt) + RESEND_EVERY_MS) : firstChase,
    );
  }
  if ((tx.events?.length ?? 0) > (tx.eventsDispatched ?? 0))
    candidates.push(Date.parse(tx.updatedAt) + EVENT_SWEEP_AFTER_MS);
  if (candidates.length === 0) return undefined;
  return new Date(Math.min(...candidates)).toISOString();
}
