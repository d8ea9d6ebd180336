import { VippsRejectedError } from '../errors.js';
import type { Clock, DeadLetterQueue, Log, TransactionStore, VippsApi } from '../ports.js';
import { missingStatusSeqs, statusBatchKey, statusChangedAt, statusUpdatesToSend } from '../status-sync.js';
import type { StatusUpdate, Transaction } from '../transaction.js';

/** One message of the status queue, parsed. `body` is kept verbatim for the dead-letter queue. */
export interface StatusMessage {
  messageId: string;
  body: string;
  update: StatusUpdate;
}

export interface SyncStatusDeps {
  transactions: TransactionStore;
  vipps: Pick<VippsApi, 'updateStatus'>;
  deadLetterQueue: DeadLetterQueue;
  clock: Clock;
  log: Log;
  /**
   * How a status update is written as a queue message: used for an update rebuilt from history
   * (no message of its own in this batch) that Vipps rejects, so the DLQ holds a redrivable body.
   */
  formatMessage?: (update: StatusUpdate) => string;
}

export interface SyncStatusResult {
  /** Messages to report as batch item failures: redelivered after the visibility timeout. */
  failedMessageIds: string[];
  /** Entries Vipps acknowledged in this run; `lagSeconds` from the state change to now. */
  acknowledged: Array<{ pspTransactionId: string; seq: number; lagSeconds?: number }>;
  /** Entries Vipps rejected (4xx): each went to the DLQ and is recorded on the item. */
  rejected: Array<{ pspTransactionId: string; seq: number; reason: string }>;
  /** Messages whose update Vipps had already acknowledged (a redelivery): not sent again. */
  alreadyAcknowledged: string[];
  /** updatestatus calls made (one per MSN unless a 4xx made us look for the poison entry). */
  vippsCalls: number;
}

/** What one payment contributes to the batch. */
interface PaymentPlan {
  tx: Transaction;
  messages: StatusMessage[];
  /** Unacknowledged updates up to the highest sequence in the batch, in sequence order. */
  updates: StatusUpdate[];
}

type CallOutcome = { kind: 'ok' } | { kind: 'rejected'; reason: string } | { kind: 'unavailable' };

/**
 * The status updater's use case: the messages of one SQS batch → one updatestatus call per
 * Merchant-Serial-Number (Vipps takes one MSN header per call; normally a batch has one).
 *
 * Per payment the item is the truth: updates Vipps already acknowledged are dropped (a redelivered
 * message is not sent twice) and earlier unacknowledged ones are filled in from history (order
 * per payment is sacred). Acknowledgements are recorded on the item BEFORE the handler returns,
 * i.e. before the messages are deleted. The one duplicate window is a crash between Vipps' 200
 * and that write: the redelivery sends those entries again. Each call carries a deterministic
 * Idempotency-Key (statusBatchKey), so an identical redelivered batch is a replay where Vipps
 * honours the key (the simulator does; Vipps documents none for updatestatus); a batch composed
 * differently reaches Vipps again — at most once more per failed acknowledgement.
 *
 * Outcomes: 2xx → acknowledged; 4xx → poison: the batch is split (per payment, then per entry)
 * to find the rejected entry, which goes to the DLQ with its reason and is recorded on the item,
 * so later updates of that payment go through; 5xx/timeout (after the client's own retries) →
 * those messages fail and are redelivered, and the queue's maxReceiveCount dead-letters them.
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
  private readonly failed = new Set<string>();
  private readonly acknowledged: SyncStatusResult['acknowledged'] = [];
  private readonly rejected: SyncStatusResult['rejected'] = [];
  private readonly alreadyAcknowledged: string[] = [];
  private vippsCalls = 0;

  constructor(private readonly deps: SyncStatusDeps) {}

  result(messages: ReadonlyArray<StatusMessage>): SyncStatusResult {
    return {
      failedMessageIds: messages.filter((m) => this.failed.has(m.messageId)).map((m) => m.messageId),
      acknowledged: this.acknowledged,
      rejected: this.rejected,
      alreadyAcknowledged: this.alreadyAcknowledged,
      vippsCalls: this.vippsCalls,
    };
  }

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
    const { log } = this.deps;
    let tx: Transaction | undefined;
    try {
      tx = await this.deps.transactions.get(id);
    } catch (error) {
      log.error('Could not read the payment; its status messages will be retried', {
        pspTransactionId: id,
        error: String(error),
      });
      this.fail(messages);
      return undefined;
    }
    if (!tx) {
      // Nothing will ever make this message sendable: dead-letter it now rather than retry it.
      for (const message of messages) {
        await this.deadLetter(message.body, 'Unknown payment: no such pspTransactionId', id, [message]);
      }
      return undefined;
    }

    const acknowledgedSeq = tx.vippsSync.acknowledgedSeq;
    // Send everything the payment has committed, not just up to this batch's messages: a later
    // update already on the item rides along in this call, and its own message then finds it
    // acknowledged (no call). Fewer, fuller updatestatus calls, and order is kept.
    const upToSeq = Math.max(tx.statusSeq, ...messages.map((m) => m.update.seq));
    const bySeq = new Map(statusUpdatesToSend(tx, upToSeq).map((u) => [u.seq, u]));
    for (const message of messages) {
      const { seq } = message.update;
      if (seq <= acknowledgedSeq) {
        this.alreadyAcknowledged.push(message.messageId);
        log.info('Status update already acknowledged by Vipps; not sent again', {
          pspTransactionId: id,
          seq,
          acknowledgedSeq,
        });
      } else if (!bySeq.has(seq)) {
        // Never expected: the history entry is written before the message is enqueued.
        log.warn('Status message has no history entry; sending the message as it is', {
          pspTransactionId: id,
          seq,
        });
        bySeq.set(seq, { ...message.update, merchantSerialNumber: tx.merchantSerialNumber });
      }
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
    return updates.length ? { tx, messages, updates } : undefined;
  }

  /** One call for every payment of this MSN; on a 4xx look for the poison payment. */
  async sendMsn(msn: string, plans: PaymentPlan[]): Promise<void> {
    const outcome = await this.call(
      msn,
      plans.flatMap((p) => p.updates),
    );
    if (outcome.kind === 'ok') {
      for (const plan of plans) await this.acknowledge(plan, plan.updates);
    } else if (outcome.kind === 'unavailable') {
      for (const plan of plans) this.fail(plan.messages);
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
    const outcome = await this.call(msn, plan.updates);
    if (outcome.kind === 'ok') await this.acknowledge(plan, plan.updates);
    else if (outcome.kind === 'unavailable') this.fail(plan.messages);
    else await this.onPaymentRejected(msn, plan, outcome.reason);
  }

  /** A payment's own call was rejected: if it carried one entry, that is the poison; else split. */
  private async onPaymentRejected(msn: string, plan: PaymentPlan, reason: string): Promise<void> {
    const [only] = plan.updates;
    if (plan.updates.length === 1 && only) {
      if (!(await this.reject(plan, only, reason))) this.fail(plan.messages, only.seq);
      return;
    }
    // Entry by entry, in order; stop at the first one Vipps cannot take now (5xx) to keep order.
    for (const update of plan.updates) {
      const outcome = await this.call(msn, [update]);
      const settled =
        outcome.kind === 'ok'
          ? await this.acknowledge(plan, [update])
          : outcome.kind === 'rejected'
            ? await this.reject(plan, update, outcome.reason)
            : false;
      if (!settled) {
        this.fail(plan.messages, update.seq);
        return;
      }
    }
  }

  private async call(msn: string, updates: StatusUpdate[]): Promise<CallOutcome> {
    const key = statusBatchKey(updates);
    this.vippsCalls++;
    try {
      await this.deps.vipps.updateStatus(msn, updates, key);
      this.deps.log.info('Vipps acknowledged status updates', {
        merchantSerialNumber: msn,
        entries: updates.length,
        batchKey: key,
      });
      return { kind: 'ok' };
    } catch (error) {
      if (error instanceof VippsRejectedError) {
        this.deps.log.warn('Vipps rejected status updates', {
          merchantSerialNumber: msn,
          entries: updates.length,
          batchKey: key,
          reason: error.message,
        });
        return { kind: 'rejected', reason: error.message };
      }
      this.deps.log.warn('Vipps unavailable for status updates; messages will be retried', {
        merchantSerialNumber: msn,
        entries: updates.length,
        batchKey: key,
        error: String(error),
      });
      return { kind: 'unavailable' };
    }
  }

  /** Record what Vipps took; if the write fails the messages are redelivered (and re-sent once). */
  private async acknowledge(plan: PaymentPlan, updates: StatusUpdate[]): Promise<boolean> {
    const { tx } = plan;
    const at = this.deps.clock.now();
    const seq = Math.max(...updates.map((u) => u.seq));
    try {
      await this.deps.transactions.recordVippsAck(tx.pspTransactionId, seq, at.toISOString());
    } catch (error) {
      this.deps.log.error('Vipps acknowledged but the acknowledgement was not recorded; will re-send', {
        pspTransactionId: tx.pspTransactionId,
        seq,
        error: String(error),
      });
      this.fail(plan.messages, Math.min(...updates.map((u) => u.seq)));
      return false;
    }
    for (const update of updates) {
      const changedAt = statusChangedAt(tx, update.seq);
      this.acknowledged.push({
        pspTransactionId: tx.pspTransactionId,
        seq: update.seq,
        ...(changedAt ? { lagSeconds: Math.max(0, (at.getTime() - Date.parse(changedAt)) / 1000) } : {}),
      });
    }
    return true;
  }

  /** A rejected entry: to the DLQ with the reason, then on the item (which lets later ones pass). */
  private async reject(plan: PaymentPlan, update: StatusUpdate, reason: string): Promise<boolean> {
    const id = update.pspTransactionId;
    const own = plan.messages.filter((m) => m.update.seq === update.seq);
    const body = own[0]?.body ?? (this.deps.formatMessage ?? JSON.stringify)(update);
    if (!(await this.deadLetter(body, reason, id, own))) return false;
    try {
      await this.deps.transactions.recordVippsRejection(
        id,
        update.seq,
        reason,
        this.deps.clock.now().toISOString(),
      );
    } catch (error) {
      // Redelivery sends it again; Vipps rejects it again and it is recorded then.
      this.deps.log.error('Rejection not recorded on the payment; will retry', {
        pspTransactionId: id,
        seq: update.seq,
        error: String(error),
      });
      this.fail(own);
      return false;
    }
    this.rejected.push({ pspTransactionId: id, seq: update.seq, reason });
    this.deps.log.error('Status update rejected by Vipps; moved to the dead-letter queue', {
      pspTransactionId: id,
      seq: update.seq,
      status: update.status,
      reason,
    });
    return true;
  }

  private async deadLetter(
    body: string,
    reason: string,
    groupId: string,
    own: StatusMessage[],
  ): Promise<boolean> {
    try {
      await this.deps.deadLetterQueue.send(body, reason, groupId);
      return true;
    } catch (error) {
      this.deps.log.error('Could not move a status message to the dead-letter queue; will retry', {
        pspTransactionId: groupId,
        reason,
        error: String(error),
      });
      this.fail(own);
      return false;
    }
  }

  /** Fail these messages (those from `fromSeq` on, when given). */
  private fail(messages: ReadonlyArray<StatusMessage>, fromSeq = -Infinity): void {
    for (const message of messages) if (message.update.seq >= fromSeq) this.failed.add(message.messageId);
  }
}
