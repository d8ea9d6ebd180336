/**
 * What one status-updater run decided about each message and entry, and the writes that record
 * it: acknowledgements, rejections (DLQ + item), updates waiting behind a rejected one, and the
 * messages to fail back to SQS. The sending logic (sync-status.ts) decides; this records.
 */
import type { Clock, DeadLetterQueue, Log, TransactionStore, VippsApi } from '../ports.js';
import { statusChangedAt } from '../status-sync.js';
import type { StatusBatch, StatusUpdate, Transaction } from '../transaction.js';

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
  /** Entries Vipps rejected (4xx): each went to the DLQ and is recorded on the item, still owed. */
  rejected: Array<{ pspTransactionId: string; seq: number; reason: string }>;
  /** Messages whose update Vipps had already acknowledged (a redelivery): not sent again. */
  alreadyAcknowledged: string[];
  /** Messages moved to the DLQ behind their payment's rejected update (not sent to Vipps). */
  waiting: string[];
  /** updatestatus calls made (one per MSN, plus replays of stored calls and 4xx splits). */
  vippsCalls: number;
}

/** What one payment contributes to the batch. */
export interface PaymentPlan {
  tx: Transaction;
  messages: StatusMessage[];
  /** Unacknowledged updates up to the highest sequence in the batch, in sequence order. */
  updates: StatusUpdate[];
  /** A stored call whose outcome is unknown: repeated exactly before anything new. */
  inDoubt?: StatusBatch;
}

export class SyncOutcomes {
  private readonly failed = new Set<string>();
  private readonly acknowledged: SyncStatusResult['acknowledged'] = [];
  private readonly rejected: SyncStatusResult['rejected'] = [];
  readonly alreadyAcknowledged: string[] = [];
  private readonly waiting: string[] = [];
  vippsCalls = 0;

  constructor(private readonly deps: SyncStatusDeps) {}

  result(messages: ReadonlyArray<StatusMessage>): SyncStatusResult {
    return {
      failedMessageIds: messages.filter((m) => this.failed.has(m.messageId)).map((m) => m.messageId),
      acknowledged: this.acknowledged,
      rejected: this.rejected,
      alreadyAcknowledged: this.alreadyAcknowledged,
      waiting: this.waiting,
      vippsCalls: this.vippsCalls,
    };
  }

  /** Record what Vipps took; if the write fails the messages are redelivered and the call repeated. */
  async acknowledge(plan: PaymentPlan, updates: StatusUpdate[]): Promise<boolean> {
    const { tx } = plan;
    const at = this.deps.clock.now();
    const seq = Math.max(...updates.map((u) => u.seq));
    try {
      await this.deps.transactions.recordVippsAck(tx.pspTransactionId, seq, at.toISOString());
    } catch (error) {
      this.deps.log.error(
        'Vipps acknowledged but the acknowledgement was not recorded; will repeat the call',
        {
          pspTransactionId: tx.pspTransactionId,
          seq,
          error: String(error),
        },
      );
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

  /** A repeated call also covered a payment whose messages are not in this batch. */
  async acknowledgeElsewhere(id: string, updates: StatusUpdate[]): Promise<void> {
    const seq = Math.max(...updates.map((u) => u.seq));
    try {
      if (await this.deps.transactions.recordVippsAck(id, seq, this.deps.clock.now().toISOString())) {
        for (const update of updates) this.acknowledged.push({ pspTransactionId: id, seq: update.seq });
      }
    } catch (error) {
      // Its own redelivery repeats the same call and records it then.
      this.deps.log.warn('Acknowledgement for a payment outside this batch not recorded', {
        pspTransactionId: id,
        seq,
        error: String(error),
      });
    }
  }

  /**
   * A rejected entry: to the DLQ with the reason and on the item, still owed. The payment's later
   * messages of this batch go to the DLQ behind it, so one redrive delivers them in order.
   */
  async rejectAndHoldBack(plan: PaymentPlan, update: StatusUpdate, reason: string): Promise<void> {
    if (!(await this.reject(plan, update, reason))) {
      this.fail(plan.messages, update.seq);
      return;
    }
    const later = plan.messages.filter((m) => m.update.seq > update.seq);
    await this.waitBehind(plan.tx, later, update.seq);
  }

  async reject(plan: PaymentPlan, update: StatusUpdate, reason: string): Promise<boolean> {
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
    this.deps.log.error('Status update rejected by Vipps; moved to the dead-letter queue, still owed', {
      pspTransactionId: id,
      seq: update.seq,
      status: update.status,
      reason,
    });
    return true;
  }

  /** Later updates of a payment whose update `blockedBy` Vipps rejected: to the DLQ behind it. */
  async waitBehind(tx: Transaction, messages: StatusMessage[], blockedBy: number): Promise<void> {
    const reason = `Waits behind status update ${blockedBy}, which Vipps rejected; redrive them together`;
    for (const message of messages) {
      if (!(await this.deadLetter(message.body, reason, tx.pspTransactionId, [message]))) continue;
      this.waiting.push(message.messageId);
      this.deps.log.warn('Status update waits behind a rejected one; moved to the dead-letter queue', {
        pspTransactionId: tx.pspTransactionId,
        seq: message.update.seq,
        blockedBy,
      });
    }
  }

  async deadLetter(body: string, reason: string, groupId: string, own: StatusMessage[]): Promise<boolean> {
    try {
      await this.deps.deadLetterQueue.send(body, reason, groupId, own[0]?.messageId);
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
  fail(messages: ReadonlyArray<StatusMessage>, fromSeq = -Infinity): void {
    for (const message of messages) if (message.update.seq >= fromSeq) this.failed.add(message.messageId);
  }
}
