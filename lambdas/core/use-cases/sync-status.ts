import { VippsRejectedError } from '../errors.js';
import {
  blockingRejectedSeq,
  missingStatusSeqs,
  statusBatchInDoubt,
  statusBatchKey,
  statusUpdatesToSend,
} from '../status-sync.js';
import type { StatusBatch, StatusUpdate, Transaction } from '../transaction.js';
import {
  type PaymentPlan,
  type StatusMessage,
  SyncOutcomes,
  type SyncStatusDeps,
  type SyncStatusResult,
} from './sync-status-outcomes.js';

export type { StatusMessage, SyncStatusDeps, SyncStatusResult } from './sync-status-outcomes.js';

type CallOutcome = { kind: 'ok' } | { kind: 'rejected'; reason: string } | { kind: 'unavailable' };

/**
 * The status updater's use case: the messages of one SQS batch → one updatestatus call per
 * Merchant-Serial-Number (Vipps takes one MSN header per call; normally a batch has one).
 *
 * Per payment the item is the truth: updates Vipps already acknowledged are dropped (a redelivered
 * message is not sent twice) and earlier unacknowledged ones are filled in from history (order
 * per payment is sacred). Every call is stored on the items of its payments BEFORE it is made
 * (vippsSync.sending), and acknowledgements are recorded before the handler returns. So a crash
 * between Vipps' 200 and the acknowledgement, or a 5xx/timeout, leaves the call in doubt, and the
 * redelivery repeats it byte for byte (same entries, same Idempotency-Key) before composing
 * anything new: Vipps can recognise it, and no entry reaches it in a second, different call.
 *
 * Outcomes: 2xx → acknowledged; 4xx → the batch is split (per payment, then per entry) to find
 * the rejected entry, which goes to the DLQ with its reason and is recorded on the item as still
 * owed: the payment's later updates wait behind it (to the DLQ after it, in order) until a DLQ
 * redrive or the reconciler's re-send gets it through; 5xx/timeout (after the client's own
 * retries) → those messages fail and are redelivered, and the queue's maxReceiveCount
 * dead-letters them.
 */
export async function syncStatus(
  messages: ReadonlyArray<StatusMessage>,
  deps: SyncStatusDeps,
): Promise<SyncStatusResult> {
  const run = new SyncRun(deps);
  const plans = await run.plan(messages);
  const byMsn = new Map<string, PaymentPlan[]>();
  for (const plan of plans) {
    const msn = plan.tx.merchantSerialNumber;
    byMsn.set(msn, [...(byMsn.get(msn) ?? []), plan]);
  }
  for (const [msn, group] of byMsn) await run.sendMsn(msn, group);
  return run.result(messages);
}

class SyncRun {
  private readonly outcomes: SyncOutcomes;

  constructor(private readonly deps: SyncStatusDeps) {
    this.outcomes = new SyncOutcomes(deps);
  }

  result(messages: ReadonlyArray<StatusMessage>): SyncStatusResult {
    return this.outcomes.result(messages);
  }

  // ── planning ───────────────────────────────────────────────────────────────────────────────

  /** Read each payment once and work out what Vipps still has to learn. */
  async plan(messages: ReadonlyArray<StatusMessage>): Promise<PaymentPlan[]> {
    const byPayment = new Map<string, StatusMessage[]>();
    for (const message of messages) {
      const id = message.update.pspTransactionId;
      byPayment.set(id, [...(byPayment.get(id) ?? []), message]);
    }
    const plans = await Promise.all([...byPayment].map(([id, group]) => this.planPayment(id, group)));
    return plans.filter((plan): plan is PaymentPlan => plan !== undefined);
  }

  private async planPayment(id: string, messages: StatusMessage[]): Promise<PaymentPlan | undefined> {
    const tx = await this.read(id, messages);
    if (!tx) return undefined;
    const owed = this.dropAcknowledged(tx, messages);
    const blockedBy = blockingRejectedSeq(tx);
    // Only the rejected update itself (redriven, or re-sent by the reconciler) may try again.
    if (blockedBy !== undefined && !owed.some((m) => m.update.seq <= blockedBy)) {
      await this.outcomes.waitBehind(tx, owed, blockedBy);
      return undefined;
    }
    const updates = this.owedUpdates(tx, owed);
    const inDoubt = statusBatchInDoubt(tx);
    return updates.length ? { tx, messages: owed, updates, ...(inDoubt ? { inDoubt } : {}) } : undefined;
  }

  /** The payment, or undefined when its messages were failed (read error) or dead-lettered (unknown). */
  private async read(id: string, messages: StatusMessage[]): Promise<Transaction | undefined> {
    let tx: Transaction | undefined;
    try {
      tx = await this.deps.transactions.get(id);
    } catch (error) {
      this.deps.log.error('Could not read the payment; its status messages will be retried', {
        pspTransactionId: id,
        error: String(error),
      });
      this.outcomes.fail(messages);
      return undefined;
    }
    if (!tx) {
      // Nothing will ever make this message sendable: dead-letter it now rather than retry it.
      for (const message of messages) {
        await this.outcomes.deadLetter(message.body, 'Unknown payment: no such pspTransactionId', id, [
          message,
        ]);
      }
    }
    return tx;
  }

  /** The messages Vipps has not acknowledged yet; the others are redeliveries, not sent again. */
  private dropAcknowledged(tx: Transaction, messages: StatusMessage[]): StatusMessage[] {
    const { acknowledgedSeq } = tx.vippsSync;
    const owed: StatusMessage[] = [];
    for (const message of messages) {
      if (message.update.seq > acknowledgedSeq) {
        owed.push(message);
        continue;
      }
      this.outcomes.alreadyAcknowledged.push(message.messageId);
      this.deps.log.info('Status update already acknowledged by Vipps; not sent again', {
        pspTransactionId: tx.pspTransactionId,
        seq: message.update.seq,
        acknowledgedSeq,
      });
    }
    return owed;
  }

  /**
   * Everything the payment has committed and Vipps has not acknowledged, not just up to this
   * batch's messages: a later update already on the item rides along in this call, and its own
   * message then finds it acknowledged (no call). Fewer, fuller calls, and order is kept.
   */
  private owedUpdates(tx: Transaction, messages: StatusMessage[]): StatusUpdate[] {
    const { log } = this.deps;
    const id = tx.pspTransactionId;
    const upToSeq = Math.max(tx.statusSeq, ...messages.map((m) => m.update.seq));
    const bySeq = new Map(statusUpdatesToSend(tx, upToSeq).map((u) => [u.seq, u]));
    for (const { update } of messages) {
      if (bySeq.has(update.seq)) continue;
      // Never expected: the history entry is written before the message is enqueued.
      log.warn('Status message has no history entry; sending the message as it is', {
        pspTransactionId: id,
        seq: update.seq,
      });
      bySeq.set(update.seq, { ...update, merchantSerialNumber: tx.merchantSerialNumber });
    }
    const missing = missingStatusSeqs(tx, upToSeq).filter((seq) => !bySeq.has(seq));
    if (missing.length) log.error('Status sequences missing from history', { pspTransactionId: id, missing });

    const updates = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
    const fromMessages = new Set(messages.map((m) => m.update.seq));
    const filled = updates.filter((u) => !fromMessages.has(u.seq)).map((u) => u.seq);
    if (filled.length) {
      log.info('Filling in unacknowledged earlier status updates from history', {
        pspTransactionId: id,
        filled,
      });
    }
    return updates;
  }

  // ── sending ────────────────────────────────────────────────────────────────────────────────

  /** Calls in doubt first (exactly as stored), then one new call for what is left of this MSN. */
  async sendMsn(msn: string, plans: PaymentPlan[]): Promise<void> {
    const fresh: PaymentPlan[] = [];
    const isolate: PaymentPlan[] = [];
    const replayed = new Map<string, CallOutcome>();
    for (const plan of plans) {
      const batch = plan.inDoubt;
      if (!batch) {
        fresh.push(plan);
        continue;
      }
      let outcome = replayed.get(batch.batchKey);
      if (!outcome) {
        outcome = await this.replay(batch, plans);
        replayed.set(batch.batchKey, outcome);
      }
      if (outcome.kind === 'unavailable') this.outcomes.fail(plan.messages);
      else if (outcome.kind === 'rejected') isolate.push(plan);
      else if (plan.updates.length) fresh.push(plan);
    }
    for (const plan of isolate) await this.sendPayment(msn, plan);
    if (fresh.length) await this.sendFresh(msn, fresh);
  }

  /**
   * Repeat a stored call byte for byte. On 2xx every payment in it is acknowledged (also those
   * whose messages are elsewhere: their own redelivery then finds nothing to send).
   */
  private async replay(batch: StatusBatch, plans: PaymentPlan[]): Promise<CallOutcome> {
    this.deps.log.info('Repeating a status call whose outcome is unknown', {
      merchantSerialNumber: batch.merchantSerialNumber,
      batchKey: batch.batchKey,
      entries: batch.updates.length,
    });
    const outcome = await this.call(batch);
    if (outcome.kind !== 'ok') return outcome;
    const byPayment = new Map<string, StatusUpdate[]>();
    for (const u of batch.updates)
      byPayment.set(u.pspTransactionId, [...(byPayment.get(u.pspTransactionId) ?? []), u]);
    for (const [id, all] of byPayment) {
      const plan = plans.find((p) => p.tx.pspTransactionId === id);
      const updates = plan ? all.filter((u) => u.seq > plan.tx.vippsSync.acknowledgedSeq) : all;
      if (!updates.length) continue;
      if (!plan) {
        await this.outcomes.acknowledgeElsewhere(id, updates);
      } else if (await this.outcomes.acknowledge(plan, updates)) {
        const done = Math.max(...updates.map((u) => u.seq));
        plan.updates = plan.updates.filter((u) => u.seq > done);
      } else {
        plan.updates = [];
      }
    }
    return outcome;
  }

  /** One new call for every payment of this MSN; on a 4xx look for the poison payment. */
  private async sendFresh(msn: string, plans: PaymentPlan[]): Promise<void> {
    const outcome = await this.composeAndCall(
      msn,
      plans,
      plans.flatMap((p) => p.updates),
    );
    if (outcome.kind === 'ok') {
      for (const plan of plans) await this.outcomes.acknowledge(plan, plan.updates);
    } else if (outcome.kind === 'unavailable') {
      for (const plan of plans) this.outcomes.fail(plan.messages);
    } else if (plans.length === 1) {
      await this.onPaymentRejected(msn, plans[0]!, outcome.reason);
    } else {
      this.deps.log.warn('Vipps rejected a batch; sending each payment on its own to find the poison', {
        merchantSerialNumber: msn,
        payments: plans.length,
        reason: outcome.reason,
      });
      for (const plan of plans) await this.sendPayment(msn, plan);
    }
  }

  private async sendPayment(msn: string, plan: PaymentPlan): Promise<void> {
    const outcome = await this.composeAndCall(msn, [plan], plan.updates);
    if (outcome.kind === 'ok') await this.outcomes.acknowledge(plan, plan.updates);
    else if (outcome.kind === 'unavailable') this.outcomes.fail(plan.messages);
    else await this.onPaymentRejected(msn, plan, outcome.reason);
  }

  /** A payment's own call was rejected: if it carried one entry, that is the poison; else split. */
  private async onPaymentRejected(msn: string, plan: PaymentPlan, reason: string): Promise<void> {
    const [only] = plan.updates;
    if (plan.updates.length === 1 && only) {
      await this.outcomes.rejectAndHoldBack(plan, only, reason);
      return;
    }
    // Entry by entry, in order; stop at the first one Vipps cannot take now, to keep order.
    for (const update of plan.updates) {
      const outcome = await this.composeAndCall(msn, [plan], [update]);
      if (outcome.kind === 'rejected') {
        await this.outcomes.rejectAndHoldBack(plan, update, outcome.reason);
        return;
      }
      if (outcome.kind === 'unavailable' || !(await this.outcomes.acknowledge(plan, [update]))) {
        this.outcomes.fail(plan.messages, update.seq);
        return;
      }
    }
  }

  /**
   * Store the call on every payment in it, then make it. A call that cannot be stored is not
   * made (its messages are retried): an unstored call could not be repeated exactly.
   */
  private async composeAndCall(
    msn: string,
    plans: PaymentPlan[],
    updates: StatusUpdate[],
  ): Promise<CallOutcome> {
    const composedAt = this.deps.clock.now().toISOString();
    const batch: StatusBatch = {
      batchKey: statusBatchKey(updates, composedAt),
      merchantSerialNumber: msn,
      updates,
      composedAt,
    };
    const ids = plans
      .map((p) => p.tx.pspTransactionId)
      .filter((id) => updates.some((u) => u.pspTransactionId === id));
    const stored = await Promise.allSettled(
      ids.map(async (id) => this.deps.transactions.recordVippsSending(id, batch)),
    );
    const failure = stored.find((r) => r.status === 'rejected');
    if (!failure) return this.call(batch);
    this.deps.log.error('Could not store a status call before making it; will retry', {
      merchantSerialNumber: msn,
      batchKey: batch.batchKey,
      error: String(failure.reason),
    });
    await this.withdraw(batch, ids);
    return { kind: 'unavailable' };
  }

  /**
   * A call stored on only some of its payments is never made: replace it with an empty one, so a
   * redelivery does not "repeat" it (carrying entries of payments that do not know it) but
   * composes afresh. If this write fails too, the redelivery sends it as a first attempt.
   */
  private async withdraw(batch: StatusBatch, ids: string[]): Promise<void> {
    const none: StatusBatch = { ...batch, batchKey: `${batch.batchKey}-withdrawn`, updates: [] };
    await Promise.allSettled(ids.map(async (id) => this.deps.transactions.recordVippsSending(id, none)));
  }

  private async call(batch: StatusBatch): Promise<CallOutcome> {
    const { merchantSerialNumber, updates, batchKey } = batch;
    const context = { merchantSerialNumber, entries: updates.length, batchKey };
    this.outcomes.vippsCalls++;
    try {
      await this.deps.vipps.updateStatus(merchantSerialNumber, updates, batchKey);
      this.deps.log.info('Vipps acknowledged status updates', context);
      return { kind: 'ok' };
    } catch (error) {
      if (error instanceof VippsRejectedError) {
        this.deps.log.warn('Vipps rejected status updates', { ...context, reason: error.message });
        return { kind: 'rejected', reason: error.message };
      }
      this.deps.log.warn('Vipps unavailable for status updates; messages will be retried', {
        ...context,
        error: String(error),
      });
      return { kind: 'unavailable' };
    }
  }
}
