import type { EPaymentApi } from '../epayment-port.js';
import { AcquirerCannotReverseError, AcquirerRefusedError } from '../errors.js';
import type { Acquirer, Log, StatusQueue, TransactionStore, VippsApi } from '../ports.js';
import { blockingRejectedSeq, oldestUnacknowledgedAt, statusUpdatesToSend } from '../status-sync.js';
import {
  CHASE_AFTER_MS,
  EVENT_SWEEP_AFTER_MS,
  RESEND_EVERY_MS,
  FINAL_STATUSES,
  type PendingOperation,
  type Transaction,
  type Transition,
  completeOperation,
  expire,
  isPastDeadline,
  nextDueAt,
  releaseOperation,
} from '../transaction.js';
import { type DispatchDeps, dispatchEvents } from '../webhooks/dispatch.js';
import { undispatchedEvents } from '../webhooks/payment-events.js';
import { vippsApiOf } from '../vipps-api.js';
import { retryOnWriteConflict } from '../write-conflict-retry.js';
import { commit } from './commit.js';
import { compareWithEPayment, endingAtVipps } from './reconcile-epayment.js';
import { isAbandoned, takeOverAbandoned } from './make-payment/takeover.js';
import { callAcquirer, enqueueStatusUpdate, operationAmount } from './payment-operations.js';

export interface ReconcileDeps {
  transactions: TransactionStore;
  acquirer: Acquirer;
  statusQueue: StatusQueue;
  /** Optional: Vipps' view is read (and a difference logged) before unacknowledged updates are re-sent. */
  vipps?: Pick<VippsApi, 'getDetails'>;
  /** Optional: an ePayment payment at its deadline is looked up at Vipps (did Vipps end it?). */
  ePayment?: Pick<EPaymentApi, 'getPayment'>;
  log: Log;
  /** makePayment's acquirer budget: a claim older than this plus a grace was abandoned. */
  acquirerBudgetMs: number;
  /** Merchant webhooks: events their write could not hand over are dispatched by the sweep. */
  events: DispatchDeps;
}

/** An operation the acquirer has not settled after this long is overdue (alarm). */
export const OVERDUE_AFTER_MS = 60 * 60_000;

export type ReconcilerActionKind =
  /** INITIATED past its deadline → EXPIRED. */
  | 'expired'
  /** A makePayment attempt whose Lambda died mid-authorisation → FAILED 85, outcome unknown. */
  | 'abandoned'
  /** An authorisation whose outcome was unknown → reversed at the acquirer. */
  | 'reversed'
  /** A capture/refund/void the acquirer never confirmed → confirmed with the same operationId. */
  | 'operationCompleted'
  /** … or refused by the acquirer → the claim is released. */
  | 'operationReleased'
  /** Status updates Vipps never acknowledged → enqueued again. */
  | 'resent'
  /** A capture/refund/void still waiting for the acquirer (webhook) after an hour: ops are alarmed. */
  | 'operationOverdue'
  /** An unknown authorisation the acquirer cannot find by our reference (Clearhaus): ops are alarmed. */
  | 'reversalImpossible'
  /** Merchant webhook events left in the payment's outbox → handed to delivery. */
  | 'eventsDispatched'
  /** Nothing left to do → the payment leaves the due index. */
  | 'cleared';

export interface ReconcilerAction {
  pspTransactionId: string;
  action: ReconcilerActionKind;
  detail?: Record<string, unknown>;
}

export interface ReconcileResult {
  examined: number;
  actions: ReconcilerAction[];
  counts: Partial<Record<ReconcilerActionKind, number>>;
  /** Payments left due because a step failed (acquirer down, …); the next sweep tries again. */
  failures: Array<{ pspTransactionId: string; error: string }>;
}

/**
 * The reconciler's sweep: every payment whose `dueAt` has passed gets exactly what its state
 * needs, each action idempotent (re-reading the item before deciding, the acquirer keyed on the
 * same operationId / payment, SQS FIFO deduplicating re-sends by `${id}-${seq}`), and then leaves
 * `dueAt` true via commit(), so a second sweep finds nothing to do.
 */
export async function reconcile(
  deps: ReconcileDeps,
  options: { now: Date; limit: number },
): Promise<ReconcileResult> {
  const due = await deps.transactions.listDue(options.now, options.limit);
  const result: ReconcileResult = { examined: due.length, actions: [], counts: {}, failures: [] };
  for (const { pspTransactionId } of due) {
    const sweep: Sweep = {
      record(action, detail) {
        result.actions.push({ pspTransactionId, action, ...(detail ? { detail } : {}) });
        result.counts[action] = (result.counts[action] ?? 0) + 1;
        deps.log.info('Reconciler action', { pspTransactionId, action, ...detail });
      },
      defer(what, error) {
        result.failures.push({ pspTransactionId, error: `${what}: ${String(error)}` });
        deps.log.warn('Reconciler step failed; the payment stays due for the next sweep', {
          pspTransactionId,
          step: what,
          error: String(error),
        });
      },
    };
    try {
      await reconcilePayment(pspTransactionId, options.now, deps, sweep);
    } catch (error) {
      result.failures.push({ pspTransactionId, error: String(error) });
      deps.log.error('Reconciler could not settle a payment; it stays due', {
        pspTransactionId,
        error: String(error),
      });
    }
  }
  return result;
}

async function reconcilePayment(id: string, now: Date, deps: ReconcileDeps, sweep: Sweep): Promise<void> {
  // The due index is eventually consistent: decide from a consistent read of the item. Each
  // step decides from the latest item; a lost race means "read again and look again", under the
  // one write-conflict policy.
  await retryOnWriteConflict(async () => {
    let tx = await deps.transactions.get(id);
    if (!tx) throw new Error(`Payment ${id} disappeared`);
    tx = await settleInitiated(tx, now, deps, sweep);
    tx = await reverseUnknown(tx, now, deps, sweep);
    tx = await chasePendingOperations(tx, now, deps, sweep);
    tx = await resendUnacknowledged(tx, now, deps, sweep);
    tx = await handOverEvents(tx, now, deps, sweep);
    await refreshDueAt(tx, deps, sweep);
  });
}

/** What a step reports: an action it took, or a need it could not meet this time (stays due). */
interface Sweep {
  record(action: ReconcilerActionKind, detail?: Record<string, unknown>): void;
  defer(what: string, error: unknown): void;
}

/** INITIATED: take over an abandoned makePayment attempt, or expire a payment past its deadline. */
async function settleInitiated(
  tx: Transaction,
  now: Date,
  deps: ReconcileDeps,
  sweep: Sweep,
): Promise<Transaction> {
  if (tx.status !== 'INITIATED') return tx;
  const at = now.toISOString();
  const attempt = tx.makePayment;
  if (attempt?.state === 'IN_PROGRESS') {
    // Still authorising: leave it to makePayment. Else the same takeover a waiting duplicate does.
    if (!isAbandoned(tx, now, deps.acquirerBudgetMs)) return tx;
    const next = await commit(deps.transactions, tx, takeOverAbandoned(tx, at));
    sweep.record('abandoned', { claimedAt: attempt.claimedAt });
    return next;
  }
  if (!isPastDeadline(tx, now)) return tx;
  const ended = await endingAtVipps(tx, at, deps);
  const next = await commit(deps.transactions, tx, ended ?? expire(tx, at));
  sweep.record('expired', { expiresAt: tx.expiresAt, ...(ended ? { endedAtVipps: next.status } : {}) });
  return next;
}

/**
 * An authorisation whose outcome is unknown (the 85 timeout, an abandoned attempt, a void that
 * failed): reverse whatever the acquirer holds for this payment, so the customer is never charged
 * for a payment Vipps shows as failed. Only on a payment that has no live reservation of ours.
 */
async function reverseUnknown(
  tx: Transaction,
  now: Date,
  deps: ReconcileDeps,
  sweep: Sweep,
): Promise<Transaction> {
  if (tx.authorisationOutcome !== 'UNKNOWN') return tx;
  if (!FINAL_STATUSES.has(tx.status)) {
    // A reversal would also release a reservation the merchant may capture: a person decides.
    deps.log.error('Unknown authorisation outcome on a payment that is not final; not reversed', {
      pspTransactionId: tx.pspTransactionId,
      status: tx.status,
    });
    sweep.defer('reverse', `payment is ${tx.status}, a person must decide`);
    return tx;
  }
  let reversed: boolean;
  try {
    ({ reversed } = await deps.acquirer.reverse({
      pspTransactionId: tx.pspTransactionId,
      amount: tx.amount,
      currency: tx.currency,
    }));
  } catch (error) {
    if (error instanceof AcquirerCannotReverseError)
      sweep.record('reversalImpossible', { amount: tx.amount, reason: error.message });
    // Stays due (dueAt is unchanged): the next sweep tries again.
    sweep.defer('reverse', error);
    return tx;
  }
  const at = now.toISOString();
  const transition: Pick<Transition, 'changes' | 'history'> = {
    changes: { authorisationOutcome: 'REVERSED', updatedAt: at },
    history: [
      {
        operation: 'REVERSE',
        amount: tx.amount,
        at,
        note: reversed ? 'Unknown authorisation reversed' : 'Nothing to reverse at the acquirer',
      },
    ],
  };
  const next = await commit(deps.transactions, tx, transition);
  sweep.record('reversed', { amount: tx.amount, acquirerHadAuthorisation: reversed });
  return next;
}

/**
 * A capture/refund/void claimed but never confirmed (the merchant call died or the acquirer did
 * not answer): ask the acquirer again with the SAME operationId, which it applies at most once.
 */
async function chasePendingOperations(
  initial: Transaction,
  now: Date,
  deps: ReconcileDeps,
  sweep: Sweep,
): Promise<Transaction> {
  let tx = initial;
  const stale = tx.pendingOperations.filter((p) => Date.parse(p.startedAt) + CHASE_AFTER_MS <= now.getTime());
  for (const pending of stale) tx = await chaseOperation(tx, pending, now, deps, sweep);
  return tx;
}

/**
 * One write per claim, decided from this sweep's read: if the merchant's retry settles the claim
 * meanwhile, the write loses and reconcilePayment's policy starts again from a fresh read, where
 * the claim is gone and is left alone.
 */
async function chaseOperation(
  tx: Transaction,
  pending: PendingOperation,
  now: Date,
  deps: ReconcileDeps,
  sweep: Sweep,
): Promise<Transaction> {
  const at = now.toISOString();
  const detail = {
    operation: pending.operation,
    operationId: pending.operationId,
    amount: operationAmount(tx, pending),
  };
  if (deps.acquirer.repeatsSafely === false) {
    // It may have been applied already, and a repeat would apply it twice: a person checks.
    if (now.getTime() - Date.parse(pending.startedAt) > OVERDUE_AFTER_MS)
      sweep.record('operationOverdue', detail);
    sweep.defer(
      `${pending.operation.toLowerCase()} ${pending.operationId}`,
      'outcome unknown at an acquirer without idempotency; not sent again, check it at the acquirer',
    );
    return tx;
  }
  let acquirerReference: string;
  try {
    const result = await callAcquirer(deps.acquirer, tx, pending);
    if (result.pending) {
      // Asked again (same Idempotency-Key); still waiting for the acquirer's webhook.
      if (now.getTime() - Date.parse(pending.startedAt) > OVERDUE_AFTER_MS)
        sweep.record('operationOverdue', detail);
      sweep.defer(
        `${pending.operation.toLowerCase()} ${pending.operationId}`,
        'awaiting the acquirer webhook',
      );
      return tx;
    }
    ({ acquirerReference } = result);
  } catch (error) {
    if (!(error instanceof AcquirerRefusedError)) {
      sweep.defer(`${pending.operation.toLowerCase()} ${pending.operationId}`, error);
      return tx;
    }
    const released = await commit(deps.transactions, tx, releaseOperation(tx, pending.operationId, at));
    sweep.record('operationReleased', { ...detail, reason: error.message });
    return released;
  }
  const transition = completeOperation(tx, pending.operationId, { at, acquirerReference });
  const done = await commit(deps.transactions, tx, transition);
  sweep.record('operationCompleted', detail);
  await enqueueStatusUpdate(deps, transition.statusUpdate);
  return done;
}

/**
 * Status updates Vipps has not acknowledged after the grace period: enqueue them again. The
 * updater skips what Vipps acknowledged meanwhile, and FIFO deduplication (`${id}-${seq}`, 5 min)
 * drops a re-send of a message still in the queue, so this is harmless to repeat. A payment
 * blocked by an update Vipps rejected gets only that one again: the updater then sends the rest
 * from history behind it once Vipps takes it, and while the cause lasts each re-send adds one
 * message to the DLQ instead of one per waiting update.
 */
async function resendUnacknowledged(
  tx: Transaction,
  now: Date,
  deps: ReconcileDeps,
  sweep: Sweep,
): Promise<Transaction> {
  const oldest = oldestUnacknowledgedAt(tx);
  if (!oldest || Date.parse(oldest) + CHASE_AFTER_MS > now.getTime()) return tx;
  if (tx.statusResentAt && Date.parse(tx.statusResentAt) + RESEND_EVERY_MS > now.getTime()) return tx;
  const rejectedSeq = blockingRejectedSeq(tx);
  const owed = statusUpdatesToSend(tx);
  const updates = rejectedSeq === undefined ? owed : owed.filter((u) => u.seq === rejectedSeq);
  await compareWithVipps(tx, deps);
  for (const update of updates) await deps.statusQueue.enqueue(update);
  sweep.record('resent', {
    seqs: updates.map((u) => u.seq),
    acknowledgedSeq: tx.vippsSync.acknowledgedSeq,
    ...(rejectedSeq !== undefined ? { rejectedSeq } : {}),
  });
  // Remember the re-send, so the next one waits RESEND_EVERY_MS (and dueAt moves with it).
  return commit(deps.transactions, tx, { changes: { statusResentAt: now.toISOString() }, history: [] });
}

/**
 * One honest look at Vipps' side, only for payments we are about to re-send (cheap: those are
 * few). Vipps applies updates in a nightly batch (and not at all in its test environment), so a
 * difference is logged for ops, never acted on: our store is the source of truth.
 */
async function compareWithVipps(tx: Transaction, deps: ReconcileDeps): Promise<void> {
  // An ePayment payment has no PSP API v3 details: its view is compared by reconcile-epayment.ts.
  if (vippsApiOf(tx) === 'epayment') return compareWithEPayment(tx, deps);
  if (!deps.vipps) return;
  try {
    const details = await deps.vipps.getDetails(tx.merchantSerialNumber, tx.pspTransactionId);
    const summary = details.transactionSummary ?? {};
    const vippsCaptured = summary.capturedAmount ?? 0;
    const vippsRefunded = summary.refundedAmount ?? 0;
    const matches = vippsCaptured === tx.capturedAmount && vippsRefunded === tx.refundedAmount;
    deps.log.info('Vipps details before re-sending status updates', {
      pspTransactionId: tx.pspTransactionId,
      matches,
      ours: { status: tx.status, captured: tx.capturedAmount, refunded: tx.refundedAmount },
      vipps: {
        captured: vippsCaptured,
        refunded: vippsRefunded,
        logEntries: details.transactionLogHistory?.length ?? 0,
      },
    });
  } catch (error) {
    deps.log.warn('Could not read Vipps details; re-sending anyway', {
      pspTransactionId: tx.pspTransactionId,
      error: String(error),
    });
  }
}

/** Keep `dueAt` true to the state: removed when nothing is left, moved when the next need moved. */
/**
 * The outbox's safety net: events the table stream's dispatcher has not handed over a minute
 * after their write. Fresher ones (this sweep's own writes among them) are the stream's: handing
 * them over here too would only race it into duplicate deliveries.
 */
async function handOverEvents(
  tx: Transaction,
  now: Date,
  deps: ReconcileDeps,
  sweep: Sweep,
): Promise<Transaction> {
  const pending = undispatchedEvents(tx).length;
  if (pending === 0 || Date.parse(tx.updatedAt) + EVENT_SWEEP_AFTER_MS > now.getTime()) return tx;
  let handedOver: Transaction;
  try {
    handedOver = await dispatchEvents(tx, deps.events);
  } catch (error) {
    sweep.defer('dispatch events', error);
    return tx;
  }
  sweep.record('eventsDispatched', { events: pending });
  return handedOver;
}

async function refreshDueAt(tx: Transaction, deps: ReconcileDeps, sweep: Sweep): Promise<void> {
  const due = nextDueAt(tx);
  if (due === tx.dueAt) return;
  await commit(deps.transactions, tx, { changes: {}, history: [] });
  if (!due) sweep.record('cleared');
}
