/**
 * Status sync to Vipps, the pure part (DESIGN.md "Status sync to Vipps"). The item's own history
 * is the outbox: every entry that produced a Vipps status carries its `statusSeq`, and
 * `vippsSync.acknowledgedSeq` says how far Vipps has got. So what Vipps still has to learn is
 * always rebuilt from the item, never trusted to a queue message alone: a message that was lost,
 * dead-lettered after 5xx or never enqueued is filled in before a later one is sent, and Vipps
 * never sees CAPTURED before RESERVED.
 */
import { sha256Hex } from './secrets.js';
import {
  type HistoryEntry,
  type Operation,
  type StatusBatch,
  type StatusUpdate,
  type Transaction,
  type VippsStatus,
  statusUpdateMessage,
} from './transaction.js';

/** The history operations that Vipps learns, and the status each one becomes. */
const VIPPS_STATUS_OF: Partial<Record<Operation, VippsStatus>> = {
  RESERVE: 'RESERVED',
  CAPTURE: 'CAPTURED',
  REFUND: 'REFUNDED',
  CANCEL: 'CANCELLED',
};

/** The status update one history entry produced, or undefined if it produced none. */
export function statusUpdateOf(tx: Transaction, entry: HistoryEntry): StatusUpdate | undefined {
  const status = VIPPS_STATUS_OF[entry.operation];
  if (entry.statusSeq === undefined || !status) return undefined;
  return statusUpdateMessage(tx, entry.statusSeq, status, entry.amount);
}

/**
 * The status updates Vipps has not acknowledged, up to and including `upToSeq` (default: all of
 * them), in sequence order: `acknowledgedSeq < seq ≤ upToSeq`. Rebuilt from history, so an
 * earlier update whose message never arrived is sent before a later one.
 */
export function statusUpdatesToSend(tx: Transaction, upToSeq: number = tx.statusSeq): StatusUpdate[] {
  const acknowledged = tx.vippsSync.acknowledgedSeq;
  const bySeq = new Map<number, StatusUpdate>();
  for (const entry of tx.history) {
    const update = statusUpdateOf(tx, entry);
    if (!update || update.seq <= acknowledged || update.seq > upToSeq) continue;
    if (!bySeq.has(update.seq)) bySeq.set(update.seq, update);
  }
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/**
 * Sequences between the acknowledged one and `upToSeq` that no history entry carries. Never
 * expected (history is written in the same conditional write that raises statusSeq); the
 * updater and reconciler log it rather than stall on it.
 */
export function missingStatusSeqs(tx: Transaction, upToSeq: number = tx.statusSeq): number[] {
  const present = new Set(statusUpdatesToSend(tx, upToSeq).map((u) => u.seq));
  const missing: number[] = [];
  for (let seq = tx.vippsSync.acknowledgedSeq + 1; seq <= upToSeq; seq++) {
    if (!present.has(seq)) missing.push(seq);
  }
  return missing;
}

/** When the state change behind status update `seq` happened (for the lag metric). */
export function statusChangedAt(tx: Transaction, seq: number): string | undefined {
  return tx.history.find((entry) => entry.statusSeq === seq && VIPPS_STATUS_OF[entry.operation])?.at;
}

/** The oldest unacknowledged status change, if any: the reconciler chases it after a grace period. */
export function oldestUnacknowledgedAt(tx: Transaction): string | undefined {
  const [first] = statusUpdatesToSend(tx);
  return first ? statusChangedAt(tx, first.seq) : undefined;
}

/**
 * The sequence of the update Vipps rejected that this payment still owes, if any: its later
 * updates wait behind it until it is acknowledged (after a redrive or a reconciler re-send).
 */
export function blockingRejectedSeq(tx: Transaction): number | undefined {
  const { rejectedSeq, acknowledgedSeq } = tx.vippsSync;
  return rejectedSeq !== undefined && rejectedSeq > acknowledgedSeq ? rejectedSeq : undefined;
}

/**
 * The stored updatestatus call whose outcome for this payment is unknown (sent, or about to be,
 * and neither acknowledged nor rejected): a redelivery must repeat it exactly, whatever else
 * joined the queue meanwhile, so Vipps can recognise it by its Idempotency-Key.
 */
export function statusBatchInDoubt(tx: Transaction): StatusBatch | undefined {
  const batch = tx.vippsSync.sending;
  const owed = batch?.updates.some(
    (u) => u.pspTransactionId === tx.pspTransactionId && u.seq > tx.vippsSync.acknowledgedSeq,
  );
  return owed ? batch : undefined;
}

/**
 * The Idempotency-Key of one updatestatus call: the entries plus when they were composed. A
 * redelivery repeats the stored call with its stored key; a new composition (even of the same
 * entries, after Vipps rejected them and the cause was fixed) gets a new key, so Vipps cannot
 * answer it with the stored rejection.
 */
export function statusBatchKey(
  updates: ReadonlyArray<Pick<StatusUpdate, 'pspTransactionId' | 'seq'>>,
  composedAt = '',
): string {
  const entries = updates.map((u) => `${u.pspTransactionId}:${u.seq}`).sort();
  return sha256Hex(`${entries.join(',')}@${composedAt}`).slice(0, 32);
}
