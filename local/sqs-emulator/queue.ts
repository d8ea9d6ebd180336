/**
 * One in-memory queue with the SQS semantics our code depends on: visibility timeouts and
 * redelivery, receive counts and redrive to a dead-letter queue, FIFO deduplication (5 minutes)
 * and FIFO group ordering (while a message of a group is in flight, no later message of that
 * group is delivered). Time comes from an injected clock (milliseconds), so tests can move it.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { QueueSettings } from './attributes.js';
import { invalidParameter, sqsError } from './errors.js';
import { type MessageAttributeValue, md5Hex, md5OfMessageAttributes } from './md5.js';

export const DEDUPLICATION_WINDOW_MS = 5 * 60 * 1000;
export const ACCOUNT_ID = '000000000000';

export interface StoredMessage {
  messageId: string;
  body: string;
  md5OfBody: string;
  messageAttributes: Record<string, MessageAttributeValue>;
  md5OfMessageAttributes?: string;
  awsTraceHeader?: string;
  sentAt: number;
  /** Retention counts from here (FIFO resets it when a message moves to a DLQ). */
  enqueuedAt: number;
  firstReceivedAt?: number;
  receiveCount: number;
  /** Not deliverable before this (DelaySeconds, or the visibility timeout while in flight). */
  visibleAt: number;
  /** The handle of the latest receive; only it may delete the message or change its visibility. */
  receiptHandle?: string;
  groupId?: string;
  deduplicationId?: string;
  sequenceNumber?: string;
  deadLetterQueueSourceArn?: string;
}

export interface SendInput {
  body: string;
  messageAttributes: Record<string, MessageAttributeValue>;
  delaySeconds?: number;
  groupId?: string;
  deduplicationId?: string;
  awsTraceHeader?: string;
}

export interface SendResult {
  messageId: string;
  md5OfBody: string;
  md5OfMessageAttributes?: string;
  sequenceNumber?: string;
}

export class SqsQueue {
  readonly url: string;
  readonly arn: string;
  readonly createdAt: number;
  lastModifiedAt: number;
  private readonly messages = new Map<string, StoredMessage>();
  private readonly deduplication = new Map<string, { result: SendResult; expiresAt: number }>();
  private readonly waiters = new Set<() => void>();
  private sequence = 10_000_000_000_000_000_000n;

  constructor(
    readonly name: string,
    public settings: QueueSettings,
    endpoint: string,
    region: string,
    now: number,
  ) {
    this.url = `${endpoint}/${ACCOUNT_ID}/${name}`;
    this.arn = `arn:aws:sqs:${region}:${ACCOUNT_ID}:${name}`;
    this.createdAt = now;
    this.lastModifiedAt = now;
  }

  // ── sending ──────────────────────────────────────────────────────────────────────────────

  send(input: SendInput, now: number): SendResult {
    this.expire(now);
    const { fifo } = this.settings;
    if (fifo) {
      if (!input.groupId)
        throw sqsError('MissingParameter', 'The request must contain the parameter MessageGroupId.');
      if (input.delaySeconds !== undefined && input.delaySeconds !== 0) {
        throw invalidParameter(
          'Value for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.',
        );
      }
    } else if (input.deduplicationId !== undefined) {
      throw invalidParameter(
        'Value for parameter MessageDeduplicationId is invalid. Reason: The request includes a parameter that is not valid for this queue type.',
      );
    }

    let dedupKey: string | undefined;
    let deduplicationId = input.deduplicationId;
    if (fifo) {
      if (!deduplicationId) {
        if (!this.settings.contentBasedDeduplication) {
          throw invalidParameter(
            'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
          );
        }
        // Content-based deduplication hashes the body only (not the attributes), with SHA-256.
        deduplicationId = createHash('sha256').update(input.body, 'utf8').digest('hex');
      }
      dedupKey =
        this.settings.deduplicationScope === 'messageGroup'
          ? `${input.groupId}\u0000${deduplicationId}`
          : deduplicationId;
      const seen = this.deduplication.get(dedupKey);
      // A duplicate is accepted (the first MessageId back) but not enqueued again, even if the
      // first copy was already received and deleted. The MD5s describe what this request sent:
      // the SDK checks them against its own body.
      if (seen && seen.expiresAt > now) {
        const md5OfAttributes = md5OfMessageAttributes(input.messageAttributes);
        return {
          ...seen.result,
          md5OfBody: md5Hex(input.body),
          ...(md5OfAttributes ? { md5OfMessageAttributes: md5OfAttributes } : {}),
        };
      }
    }

    const message: StoredMessage = {
      messageId: randomUUID(),
      body: input.body,
      md5OfBody: md5Hex(input.body),
      messageAttributes: input.messageAttributes,
      md5OfMessageAttributes: md5OfMessageAttributes(input.messageAttributes),
      sentAt: now,
      enqueuedAt: now,
      receiveCount: 0,
      visibleAt: now + (input.delaySeconds ?? this.settings.delaySeconds) * 1000,
      ...(input.awsTraceHeader ? { awsTraceHeader: input.awsTraceHeader } : {}),
      ...(fifo ? { groupId: input.groupId, deduplicationId, sequenceNumber: this.nextSequence() } : {}),
      ...(!fifo && input.groupId ? { groupId: input.groupId } : {}),
    };
    this.messages.set(message.messageId, message);
    const result: SendResult = {
      messageId: message.messageId,
      md5OfBody: message.md5OfBody,
      ...(message.md5OfMessageAttributes ? { md5OfMessageAttributes: message.md5OfMessageAttributes } : {}),
      ...(message.sequenceNumber ? { sequenceNumber: message.sequenceNumber } : {}),
    };
    if (dedupKey) this.deduplication.set(dedupKey, { result, expiresAt: now + DEDUPLICATION_WINDOW_MS });
    this.notify();
    return result;
  }

  /** A message moved here by redrive: same id, body and attributes; a fresh delivery state. */
  acceptDeadLetter(message: StoredMessage, sourceArn: string, now: number): void {
    this.expire(now);
    const moved: StoredMessage = {
      ...message,
      // Standard queues keep the original enqueue time for retention; FIFO resets it.
      enqueuedAt: this.settings.fifo ? now : message.enqueuedAt,
      visibleAt: now,
      deadLetterQueueSourceArn: sourceArn,
    };
    delete moved.receiptHandle;
    if (this.settings.fifo) moved.sequenceNumber = this.nextSequence();
    this.messages.set(moved.messageId, moved);
    this.notify();
  }

  /**
   * A message moved here by a message move task (DLQ redrive): a new message with the same body,
   * attributes and group; the destination's deduplication does not apply to it.
   */
  acceptMoved(message: StoredMessage, now: number): void {
    this.expire(now);
    const moved: StoredMessage = {
      messageId: randomUUID(),
      body: message.body,
      md5OfBody: message.md5OfBody,
      messageAttributes: message.messageAttributes,
      ...(message.md5OfMessageAttributes ? { md5OfMessageAttributes: message.md5OfMessageAttributes } : {}),
      ...(message.awsTraceHeader ? { awsTraceHeader: message.awsTraceHeader } : {}),
      sentAt: now,
      enqueuedAt: now,
      receiveCount: 0,
      visibleAt: now,
      ...(message.groupId !== undefined ? { groupId: message.groupId } : {}),
      ...(this.settings.fifo
        ? {
            deduplicationId: message.deduplicationId ?? message.messageId,
            sequenceNumber: this.nextSequence(),
          }
        : {}),
    };
    this.messages.set(moved.messageId, moved);
    this.notify();
  }

  /** The messages not in flight or delayed, oldest first (what a move task takes). */
  visibleMessages(now: number): StoredMessage[] {
    this.expire(now);
    return [...this.messages.values()].filter((m) => m.visibleAt <= now);
  }

  remove(messageId: string): void {
    this.messages.delete(messageId);
  }

  // ── receiving ────────────────────────────────────────────────────────────────────────────

  /**
   * Takes up to `max` deliverable messages and puts them in flight. `deadLetter` receives the
   * messages whose receive count has reached the redrive policy's maxReceiveCount: they move
   * instead of being delivered again.
   */
  receive(
    max: number,
    visibilityTimeoutSeconds: number,
    now: number,
    deadLetter: (message: StoredMessage) => boolean,
  ): StoredMessage[] {
    this.expire(now);
    const candidates = this.settings.fifo ? this.fifoCandidates(now) : this.standardCandidates(now);
    const delivered: StoredMessage[] = [];
    const maxReceiveCount = this.settings.redrivePolicy?.maxReceiveCount;
    for (const message of candidates) {
      if (delivered.length >= max) break;
      if (maxReceiveCount !== undefined && message.receiveCount >= maxReceiveCount && deadLetter(message)) {
        this.messages.delete(message.messageId);
        continue;
      }
      message.receiveCount += 1;
      message.firstReceivedAt ??= now;
      message.visibleAt = now + visibilityTimeoutSeconds * 1000;
      message.receiptHandle = this.newReceiptHandle(message.messageId);
      delivered.push(message);
    }
    return delivered;
  }

  private standardCandidates(now: number): StoredMessage[] {
    return [...this.messages.values()].filter((m) => m.visibleAt <= now);
  }

  /**
   * FIFO: per group, the deliverable messages are those before the first one that is in flight
   * or not yet visible. Like SQS, fill the batch from one group first (oldest group first).
   */
  private fifoCandidates(now: number): StoredMessage[] {
    const blocked = new Set<string>();
    const byGroup = new Map<string, StoredMessage[]>();
    for (const message of this.messages.values()) {
      const group = message.groupId ?? '';
      if (blocked.has(group)) continue;
      if (message.visibleAt > now) {
        blocked.add(group);
        continue;
      }
      const list = byGroup.get(group);
      if (list) list.push(message);
      else byGroup.set(group, [message]);
    }
    return [...byGroup.values()].flat();
  }

  // ── acknowledging ────────────────────────────────────────────────────────────────────────

  /** Returns silently for a handle of an already-deleted message, as SQS does. */
  delete(receiptHandle: string): void {
    const message = this.byHandle(receiptHandle);
    // A stale handle (the message was received again since) does not delete it.
    if (message && message.receiptHandle === receiptHandle) {
      this.messages.delete(message.messageId);
      // Deleting a FIFO head unblocks its group.
      this.notify();
    }
  }

  changeVisibility(receiptHandle: string, timeoutSeconds: number, now: number): void {
    const message = this.byHandle(receiptHandle);
    if (!message || message.receiptHandle !== receiptHandle || message.visibleAt <= now) {
      throw sqsError(
        'MessageNotInflight',
        `Value ${receiptHandle} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.`,
      );
    }
    message.visibleAt = now + timeoutSeconds * 1000;
    if (timeoutSeconds === 0) this.notify();
  }

  purge(): void {
    this.messages.clear();
  }

  counts(now: number): { visible: number; inFlight: number; delayed: number } {
    this.expire(now);
    let visible = 0;
    let inFlight = 0;
    let delayed = 0;
    for (const m of this.messages.values()) {
      if (m.visibleAt <= now) visible += 1;
      else if (m.receiptHandle) inFlight += 1;
      else delayed += 1;
    }
    return { visible, inFlight, delayed };
  }

  // ── long polling ─────────────────────────────────────────────────────────────────────────

  /** Resolves when something may have become deliverable, after `ms`, or on abort. */
  waitForChange(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  notify(): void {
    for (const wake of [...this.waiters]) wake();
  }

  // ── internals ────────────────────────────────────────────────────────────────────────────

  private expire(now: number): void {
    const retentionMs = this.settings.messageRetentionPeriod * 1000;
    for (const [id, m] of this.messages) {
      if (m.enqueuedAt + retentionMs <= now) this.messages.delete(id);
    }
    for (const [key, entry] of this.deduplication) {
      if (entry.expiresAt <= now) this.deduplication.delete(key);
    }
  }

  private nextSequence(): string {
    this.sequence += 1n;
    return this.sequence.toString();
  }

  /** Opaque to clients; carries the queue and message so a handle from another queue is refused. */
  private newReceiptHandle(messageId: string): string {
    return Buffer.from(`${this.name} ${messageId} ${randomBytes(12).toString('hex')}`, 'utf8').toString(
      'base64url',
    );
  }

  private byHandle(receiptHandle: string): StoredMessage | undefined {
    const parts = Buffer.from(receiptHandle, 'base64url').toString('utf8').split(' ');
    if (parts.length !== 3 || parts[0] !== this.name || !parts[1]) {
      throw sqsError(
        'ReceiptHandleIsInvalid',
        `The input receipt handle "${receiptHandle}" is not a valid receipt handle.`,
      );
    }
    return this.messages.get(parts[1]);
  }
}
