/**
 * The status-sync use cases on in-memory ports, so every branch runs fast and on demand: the
 * updater's split on 4xx, rejected-but-owed updates and the later ones waiting behind them,
 * stored calls repeated exactly after a 5xx or a lost acknowledgement, failed writes; and the
 * reconciler's re-send. The real protocols (dynalite, SQS, the simulator) are covered in
 * test/integration/status-updater.test.ts and reconciler.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  ConcurrentUpdateError,
  PaymentNotFoundError,
  VippsRejectedError,
  VippsUnavailableError,
} from '../../lambdas/core/errors.js';
import type { Log, TransactionStore } from '../../lambdas/core/ports.js';
import { statusBatchInDoubt, statusUpdatesToSend } from '../../lambdas/core/status-sync.js';
import {
  CHASE_AFTER_MS,
  RESEND_EVERY_MS,
  type StatusBatch,
  type StatusUpdate,
  type Transaction,
  capture,
  reserve,
} from '../../lambdas/core/transaction.js';
import { reconcile } from '../../lambdas/core/use-cases/reconcile.js';
import {
  type StatusMessage,
  type SyncStatusDeps,
  syncStatus,
} from '../../lambdas/core/use-cases/sync-status.js';
import { applied, initiatedPayment } from '../support/transactions.js';
import { inMemoryEventDispatch } from '../support/webhook-events.js';
import { RecordingLog } from '../support/three-ds-harness.js';

const NOW = new Date('2026-11-24T12:00:00.000Z');
const silent: Log = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** What the DynamoDB store does, in memory: conditional on version for apply, none for vippsSync. */
class MemoryTransactions implements TransactionStore {
  readonly items = new Map<string, Transaction>();
  failNext: Partial<
    Record<'recordVippsAck' | 'recordVippsSending' | 'recordVippsRejection' | 'apply', Error>
  > = {};

  private take(method: keyof MemoryTransactions['failNext']) {
    const error = this.failNext[method];
    delete this.failNext[method];
    if (error) throw error;
  }

  private must(id: string): Transaction {
    const tx = this.items.get(id);
    if (!tx) throw new PaymentNotFoundError(id);
    return tx;
  }

  create(tx: Transaction) {
    this.items.set(tx.pspTransactionId, structuredClone(tx));
    return Promise.resolve();
  }
  get(id: string) {
    const tx = this.items.get(id);
    return Promise.resolve(tx && structuredClone(tx));
  }
  findByMerchantOrder(): Promise<Transaction | undefined> {
    throw new Error('not used');
  }
  claimMerchantOrder(): Promise<never> {
    throw new Error('not used');
  }
  apply(
    current: Transaction,
    t: Pick<Parameters<TransactionStore['apply']>[1], 'changes' | 'history'>,
    remove: ReadonlyArray<keyof Transaction> = [],
  ) {
    this.take('apply');
    const stored = this.must(current.pspTransactionId);
    if (stored.version !== current.version) throw new ConcurrentUpdateError(current.pspTransactionId);
    const next = {
      ...stored,
      ...t.changes,
      history: [...stored.history, ...t.history],
      version: stored.version + 1,
    } as Transaction;
    for (const name of remove) delete next[name];
    this.items.set(next.pspTransactionId, next);
    return Promise.resolve(structuredClone(next));
  }
  listDue(now: Date, limit: number) {
    const due = [...this.items.values()].filter((tx) => tx.dueAt && tx.dueAt <= now.toISOString());
    return Promise.resolve(due.slice(0, limit).map((tx) => structuredClone(tx)));
  }
  recordVippsAck(id: string, seq: number, at: string) {
    this.take('recordVippsAck');
    const sync = this.items.get(id)?.vippsSync;
    if (!sync || sync.acknowledgedSeq >= seq) return Promise.resolve(false);
    Object.assign(sync, { acknowledgedSeq: seq, lastSyncAt: at });
    return Promise.resolve(true);
  }
  recordVippsSending(id: string, batch: StatusBatch) {
    this.take('recordVippsSending');
    this.must(id).vippsSync.sending = structuredClone(batch);
    return Promise.resolve();
  }
  recordVippsRejection(id: string, seq: number, reason: string, at: string) {
    this.take('recordVippsRejection');
    const sync = this.must(id).vippsSync;
    if (sync.rejectedSeq === undefined || sync.rejectedSeq < seq) {
      sync.rejected = [...(sync.rejected ?? []), { seq, reason, at }];
      sync.rejectedSeq = seq;
    }
    delete sync.sending;
    return Promise.resolve();
  }
}

type Answer = 'ok' | 'reject' | 'unavailable';

/** Vipps as the updater sees it: answers per call (default ok), and what it applied. */
function fakeVipps(store: MemoryTransactions, answers: Answer[] = []) {
  const calls: Array<{ msn: string; key: string; entries: string[]; storedBefore: boolean }> = [];
  const applied: string[] = [];
  const answeredKeys = new Set<string>();
  return {
    calls,
    applied,
    answers,
    vipps: {
      updateStatus(msn: string, updates: ReadonlyArray<StatusUpdate>, key: string) {
        const entries = updates.map((u) => `${u.pspTransactionId.slice(0, 2)}:${u.seq}:${u.status}`);
        const storedBefore = updates.every(
          (u) => store.items.get(u.pspTransactionId)?.vippsSync.sending?.batchKey === key,
        );
        calls.push({ msn, key, entries, storedBefore });
        const answer = answers.shift() ?? 'ok';
        if (answer === 'reject')
          return Promise.reject(
            new VippsRejectedError(400, [{ errorCode: '21', errorMessage: 'Not active' }]),
          );
        if (answer === 'unavailable') return Promise.reject(new VippsUnavailableError('HTTP 503'));
        // Like Vipps where it honours Idempotency-Key: the same call again is not applied twice.
        if (!answeredKeys.has(key)) applied.push(...entries);
        answeredKeys.add(key);
        return Promise.resolve();
      },
    },
  };
}

function fakeDlq(failing = false) {
  const sent: Array<{ seq: number; reason: string }> = [];
  return {
    sent,
    queue: {
      send(body: string, reason: string) {
        if (failing) return Promise.reject(new Error('SQS unavailable'));
        sent.push({ seq: (JSON.parse(body) as StatusUpdate).seq, reason });
        return Promise.resolve();
      },
    },
  };
}

/** A reserved payment (seq 1) with `captures` captures after it (seq 2, 3, …). */
function payment(id: string, captures: number[] = [], overrides: Partial<Transaction> = {}): Transaction {
  let tx = initiatedPayment({ pspTransactionId: id, ...overrides });
  tx = applied(tx, reserve(tx, { at: '2026-11-24T11:00:00.000Z', acquirerReference: 'ref' }));
  for (const [i, amount] of captures.entries()) {
    tx = applied(tx, capture(tx, amount, { at: `2026-11-24T11:0${i + 1}:00.000Z` }));
  }
  return tx;
}

let messageCounter = 0;
function messagesOf(tx: Transaction, from = 1, to = tx.statusSeq): StatusMessage[] {
  return statusUpdatesToSend({ ...tx, vippsSync: { acknowledgedSeq: 0 } }, to)
    .filter((u) => u.seq >= from)
    .map((update) => ({ messageId: `m${++messageCounter}`, body: JSON.stringify(update), update }));
}

async function world(txs: Transaction[], answers: Answer[] = [], options: { dlqFails?: boolean } = {}) {
  const store = new MemoryTransactions();
  for (const tx of txs) await store.create(tx);
  const vipps = fakeVipps(store, answers);
  const dlq = fakeDlq(options.dlqFails);
  const deps: SyncStatusDeps = {
    transactions: store,
    vipps: vipps.vipps,
    deadLetterQueue: dlq.queue,
    clock: { now: () => NOW },
    log: silent,
  };
  const sync = (messages: StatusMessage[]) => syncStatus(messages, deps);
  const ofPayment = (id: string) => store.items.get(id)!.vippsSync;
  return { store, vipps, dlq, sync, ofPayment, deps };
}

const A = 'aa'.padEnd(32, '0');
const B = 'bb'.padEnd(32, '0');

describe('syncStatus', () => {
  it('sends a batch in one call, stored on every payment before it is made, and acknowledges it', async () => {
    const a = payment(A, [2_000]);
    const b = payment(B);
    const w = await world([a, b]);
    const result = await w.sync([...messagesOf(a), ...messagesOf(b)]);
    expect(w.vipps.calls).toEqual([
      {
        msn: '123456',
        key: expect.any(String),
        entries: ['aa:1:RESERVED', 'aa:2:CAPTURED', 'bb:1:RESERVED'],
        storedBefore: true,
      },
    ]);
    expect(result).toMatchObject({ failedMessageIds: [], vippsCalls: 1 });
    expect(result.acknowledged.map((e) => e.seq)).toEqual([1, 2, 1]);
    expect(w.ofPayment(A).acknowledgedSeq).toBe(2);
    expect(w.ofPayment(B).acknowledgedSeq).toBe(1);
  });

  it('on a rejected batch finds the poison payment; its update is dead-lettered and still owed', async () => {
    const a = payment(A);
    const b = payment(B);
    const w = await world([a, b], ['reject', 'ok', 'reject']);
    const result = await w.sync([...messagesOf(a), ...messagesOf(b)]);
    expect(w.vipps.calls.map((c) => c.entries)).toEqual([
      ['aa:1:RESERVED', 'bb:1:RESERVED'],
      ['aa:1:RESERVED'],
      ['bb:1:RESERVED'],
    ]);
    expect(w.vipps.calls.every((c) => c.storedBefore)).toBe(true);
    expect(result.failedMessageIds).toEqual([]);
    expect(result.rejected).toEqual([{ pspTransactionId: B, seq: 1, reason: expect.stringContaining('21') }]);
    expect(w.dlq.sent).toEqual([{ seq: 1, reason: expect.stringContaining('HTTP 400') }]);
    expect(w.ofPayment(A).acknowledgedSeq).toBe(1);
    expect(w.ofPayment(B)).toMatchObject({ acknowledgedSeq: 0, rejectedSeq: 1, rejected: [{ seq: 1 }] });
    expect(w.ofPayment(B)).not.toHaveProperty('sending');
  });

  it('splits a rejected payment entry by entry: acknowledged before, rejected, the rest wait behind it', async () => {
    const a = payment(A, [1_000, 2_000]);
    const w = await world([a], ['reject', 'ok', 'reject']);
    const result = await w.sync(messagesOf(a));
    expect(w.vipps.calls.map((c) => c.entries)).toEqual([
      ['aa:1:RESERVED', 'aa:2:CAPTURED', 'aa:3:CAPTURED'],
      ['aa:1:RESERVED'],
      ['aa:2:CAPTURED'],
    ]);
    expect(w.vipps.applied).toEqual(['aa:1:RESERVED']);
    expect(result.rejected.map((r) => r.seq)).toEqual([2]);
    expect(result.waiting).toHaveLength(1);
    expect(w.dlq.sent).toEqual([
      { seq: 2, reason: expect.stringContaining('HTTP 400') },
      { seq: 3, reason: expect.stringContaining('Waits behind status update 2') },
    ]);
    expect(w.ofPayment(A)).toMatchObject({ acknowledgedSeq: 1, rejectedSeq: 2 });
  });

  it('while an update is rejected, a later one waits (no call); the rejected one redriven delivers both in order', async () => {
    let a = payment(A);
    const w = await world([a], ['reject']);
    const [reserved] = messagesOf(a);
    await w.sync([reserved!]);
    const rejectedKey = w.vipps.calls[0]!.key;

    a = applied(w.store.items.get(A)!, capture(w.store.items.get(A)!, 3_000, { at: NOW.toISOString() }));
    w.store.items.set(A, a);
    const captured = messagesOf(a, 2);
    const waiting = await w.sync(captured);
    expect(waiting).toMatchObject({ vippsCalls: 0, failedMessageIds: [], waiting: [captured[0]!.messageId] });

    // The cause is fixed; the redrive brings RESERVED (then CAPTURED) back.
    const redriven = await w.sync([reserved!, ...captured]);
    expect(w.vipps.calls.at(-1)!.entries).toEqual(['aa:1:RESERVED', 'aa:2:CAPTURED']);
    expect(w.vipps.calls.at(-1)!.key).not.toBe(rejectedKey);
    expect(redriven.acknowledged.map((e) => e.seq)).toEqual([1, 2]);
    expect(w.vipps.applied).toEqual(['aa:1:RESERVED', 'aa:2:CAPTURED']);
    expect(w.ofPayment(A).acknowledgedSeq).toBe(2);
  });

  it('rejected again on redrive: back to the DLQ, listed once on the item', async () => {
    const a = payment(A);
    const w = await world([a], ['reject', 'reject']);
    const messages = messagesOf(a);
    await w.sync(messages);
    const again = await w.sync(messages);
    expect(again.rejected).toHaveLength(1);
    expect(w.dlq.sent).toHaveLength(2);
    expect(w.ofPayment(A).rejected).toHaveLength(1);
    expect(w.ofPayment(A).acknowledgedSeq).toBe(0);
  });

  it('after a 5xx the redelivery repeats the stored call exactly, then sends what joined meanwhile', async () => {
    let a = payment(A);
    const b = payment(B);
    const w = await world([a, b], ['unavailable']);
    const first = [...messagesOf(a), ...messagesOf(b)];
    const failed = await w.sync(first);
    expect(failed.failedMessageIds).toEqual(first.map((m) => m.messageId));

    a = applied(w.store.items.get(A)!, capture(w.store.items.get(A)!, 3_000, { at: NOW.toISOString() }));
    w.store.items.set(A, a);
    // Redelivered: A's messages come back with the new capture, B's are in another batch.
    await w.sync([first[0]!, ...messagesOf(a, 2)]);
    const [original, repeat, fresh] = w.vipps.calls;
    expect(repeat).toEqual({ ...original, storedBefore: true });
    expect(fresh!.entries).toEqual(['aa:2:CAPTURED']);
    // The repeat acknowledged B too: its own redelivery finds nothing to send.
    expect(w.ofPayment(B).acknowledgedSeq).toBe(1);
    const late = await w.sync([first[1]!]);
    expect(late).toMatchObject({ vippsCalls: 0, alreadyAcknowledged: [first[1]!.messageId] });
    expect(w.vipps.applied).toEqual(['aa:1:RESERVED', 'bb:1:RESERVED', 'aa:2:CAPTURED']);
  });

  it('an acknowledgement that cannot be written fails the messages; the redelivery repeats the call, not its entries', async () => {
    const a = payment(A, [1_000]);
    const w = await world([a]);
    w.store.failNext.recordVippsAck = new Error('DynamoDB throttled');
    const messages = messagesOf(a);
    expect((await w.sync(messages)).failedMessageIds).toEqual(messages.map((m) => m.messageId));
    await w.sync(messages);
    expect(w.vipps.calls[1]!.key).toBe(w.vipps.calls[0]!.key);
    expect(w.vipps.applied).toEqual(['aa:1:RESERVED', 'aa:2:CAPTURED']);
    expect(w.ofPayment(A).acknowledgedSeq).toBe(2);
  });

  it('a call that cannot be stored first is not made', async () => {
    const a = payment(A);
    const w = await world([a]);
    w.store.failNext.recordVippsSending = new Error('DynamoDB unavailable');
    const messages = messagesOf(a);
    expect(await w.sync(messages)).toMatchObject({
      vippsCalls: 0,
      failedMessageIds: [messages[0]!.messageId],
    });
  });

  it('a call stored on only some of its payments is withdrawn: never repeated as if it had been sent', async () => {
    const a = payment(A);
    const b = payment(B);
    const w = await world([a, b]);
    const real = w.store.recordVippsSending.bind(w.store);
    let calls = 0;
    w.store.recordVippsSending = (id, batch) =>
      ++calls === 2 ? Promise.reject(new Error('DynamoDB throttled')) : real(id, batch);
    const messages = [...messagesOf(a), ...messagesOf(b)];
    expect(await w.sync(messages)).toMatchObject({ vippsCalls: 0 });
    // The next attempt composes afresh instead of "repeating" a call Vipps never got, which would
    // carry B's entry while B's own messages compose another call.
    expect(statusBatchInDoubt(w.store.items.get(A)!)).toBeUndefined();
    expect(statusBatchInDoubt(w.store.items.get(B)!)).toBeUndefined();
  });

  it('a rejection that cannot be dead-lettered or recorded is retried, not lost', async () => {
    const a = payment(A);
    const noDlq = await world([a], ['reject'], { dlqFails: true });
    const messages = messagesOf(a);
    expect((await noDlq.sync(messages)).failedMessageIds).toEqual([messages[0]!.messageId]);
    expect(noDlq.ofPayment(A)).not.toHaveProperty('rejectedSeq');

    const noRecord = await world([a], ['reject']);
    noRecord.store.failNext.recordVippsRejection = new Error('DynamoDB unavailable');
    expect((await noRecord.sync(messages)).failedMessageIds).toEqual([messages[0]!.messageId]);
  });

  it('dead-letters messages of an unknown payment and retries when the payment cannot be read', async () => {
    const a = payment(A);
    const w = await world([]);
    const messages = messagesOf(a);
    expect(await w.sync(messages)).toMatchObject({ vippsCalls: 0, failedMessageIds: [] });
    expect(w.dlq.sent).toEqual([{ seq: 1, reason: expect.stringContaining('Unknown payment') }]);

    const failing = await world([a]);
    failing.store.get = () => Promise.reject(new Error('DynamoDB unavailable'));
    expect((await failing.sync(messages)).failedMessageIds).toEqual([messages[0]!.messageId]);
  });
});

describe('syncStatus: the rarer paths', () => {
  /** A and B were in one call that got a 5xx: the call is stored on both, in doubt. */
  async function afterUnavailable(answers: Answer[]) {
    const w = await world([payment(A), payment(B)], ['unavailable', ...answers]);
    const first = [...messagesOf(w.store.items.get(A)!), ...messagesOf(w.store.items.get(B)!)];
    await w.sync(first);
    return { ...w, first };
  }

  it('a stored call Vipps rejects when repeated: each payment is then sent on its own', async () => {
    const w = await afterUnavailable(['reject', 'ok', 'ok']);
    const result = await w.sync(w.first);
    const [original, repeat, ...own] = w.vipps.calls;
    expect(repeat!.key).toBe(original!.key);
    expect(own.map((c) => c.entries)).toEqual([['aa:1:RESERVED'], ['bb:1:RESERVED']]);
    expect(result).toMatchObject({ failedMessageIds: [], vippsCalls: 3 });
    expect([w.ofPayment(A).acknowledgedSeq, w.ofPayment(B).acknowledgedSeq]).toEqual([1, 1]);
  });

  it('a stored call that finds Vipps unavailable again fails every message; nothing new is composed', async () => {
    const w = await afterUnavailable(['unavailable']);
    const result = await w.sync(w.first);
    expect(w.vipps.calls.map((c) => c.key)).toEqual([w.vipps.calls[0]!.key, w.vipps.calls[0]!.key]);
    expect(result.failedMessageIds).toEqual(w.first.map((m) => m.messageId));
  });

  it('a payment’s own call that finds Vipps unavailable fails only that payment’s messages', async () => {
    const w = await world([payment(A), payment(B)], ['reject', 'unavailable', 'ok']);
    const messages = [...messagesOf(w.store.items.get(A)!), ...messagesOf(w.store.items.get(B)!)];
    const result = await w.sync(messages);
    expect(result.failedMessageIds).toEqual([messages[0]!.messageId]);
    expect(result.rejected).toEqual([]);
    expect([w.ofPayment(A).acknowledgedSeq, w.ofPayment(B).acknowledgedSeq]).toEqual([0, 1]);
  });

  it('a repeated call whose acknowledgement cannot be written sends nothing new; the messages come back', async () => {
    let a = payment(A);
    const w = await world([a], ['unavailable']);
    const first = messagesOf(a);
    await w.sync(first);
    a = applied(w.store.items.get(A)!, capture(w.store.items.get(A)!, 3_000, { at: NOW.toISOString() }));
    w.store.items.set(A, a);
    w.store.failNext.recordVippsAck = new Error('DynamoDB throttled');
    const result = await w.sync([...first, ...messagesOf(a, 2)]);
    expect(w.vipps.calls).toHaveLength(2); // the repeat only: the capture waits for the next try
    expect(result.failedMessageIds).toHaveLength(2);
    expect(w.ofPayment(A).acknowledgedSeq).toBe(0);
  });

  it('a repeated call does not acknowledge twice what one of its payments already had; that payment’s new update goes fresh', async () => {
    const w = await afterUnavailable([]);
    // B's part of the call was acknowledged (its own redelivery), A's was not; then B captured.
    const b = w.store.items.get(B)!;
    const captured = applied(b, capture(b, 1_000, { at: NOW.toISOString() }));
    w.store.items.set(B, { ...captured, vippsSync: { ...b.vippsSync, acknowledgedSeq: 1 } });
    const result = await w.sync([w.first[0]!, ...messagesOf(captured, 2)]);
    expect(w.vipps.calls.slice(1).map((c) => c.entries)).toEqual([
      ['aa:1:RESERVED', 'bb:1:RESERVED'],
      ['bb:2:CAPTURED'],
    ]);
    expect(result.acknowledged.map((e) => `${e.pspTransactionId.slice(0, 2)}:${e.seq}`)).toEqual([
      'aa:1',
      'bb:2',
    ]);
  });

  it('a repeated call covering a payment outside this batch whose acknowledgement fails leaves it to that payment’s redelivery', async () => {
    const w = await afterUnavailable([]);
    const real = w.store.recordVippsAck.bind(w.store);
    w.store.recordVippsAck = (id, seq, at) =>
      id === B ? Promise.reject(new Error('DynamoDB throttled')) : real(id, seq, at);
    const result = await w.sync([w.first[0]!]);
    expect(result).toMatchObject({ failedMessageIds: [], acknowledged: [{ pspTransactionId: A, seq: 1 }] });
    expect(w.ofPayment(B).acknowledgedSeq).toBe(0);
    w.store.recordVippsAck = real;
    await w.sync([w.first[1]!]);
    expect(w.vipps.calls.at(-1)!.key).toBe(w.vipps.calls[0]!.key);
    expect(w.vipps.applied).toEqual(['aa:1:RESERVED', 'bb:1:RESERVED']);
  });

  it('split entry by entry: Vipps unavailable for one entry fails its message and the later ones, not the earlier', async () => {
    const a = payment(A, [1_000, 2_000]);
    const w = await world([a], ['reject', 'ok', 'unavailable']);
    const messages = messagesOf(a);
    const result = await w.sync(messages);
    expect(result.failedMessageIds).toEqual(messages.slice(1).map((m) => m.messageId));
    expect(result.rejected).toEqual([]);
    expect(w.ofPayment(A).acknowledgedSeq).toBe(1);
  });

  it('a message without a history entry is sent as it is (after the gap is logged), with no lag measured', async () => {
    const a = payment(A);
    const w = await world([a]);
    const stray: StatusUpdate = { ...messagesOf(a)[0]!.update, seq: 3, status: 'CAPTURED', amount: 500 };
    const result = await w.sync([{ messageId: 'stray', body: JSON.stringify(stray), update: stray }]);
    expect(w.vipps.calls[0]!.entries).toEqual(['aa:1:RESERVED', 'aa:3:CAPTURED']);
    expect(result.acknowledged).toEqual([
      { pspTransactionId: A, seq: 1, lagSeconds: expect.any(Number) },
      { pspTransactionId: A, seq: 3 },
    ]);
  });

  it('an update rebuilt from history that Vipps rejects goes to the DLQ as a redrivable queue message', async () => {
    const a = payment(A, [1_000]);
    const w = await world([a], ['reject', 'reject']);
    const bodies: string[] = [];
    w.deps.formatMessage = (u) => `formatted ${u.pspTransactionId}:${u.seq}`;
    w.deps.deadLetterQueue = { send: (body) => Promise.resolve(void bodies.push(body)) };
    await w.sync(messagesOf(a, 2)); // only CAPTURED's message; RESERVED is filled in and rejected
    expect(bodies[0]).toBe(`formatted ${A}:1`);
    expect(JSON.parse(bodies[1]!)).toMatchObject({ seq: 2, status: 'CAPTURED' });
  });

  it('a message that cannot wait in the DLQ behind a rejected update is retried, not lost', async () => {
    const a = payment(A, [1_000]);
    const w = await world([a], ['reject', 'reject']);
    let sends = 0;
    w.deps.deadLetterQueue = {
      send: () => (++sends === 1 ? Promise.resolve() : Promise.reject(new Error('SQS unavailable'))),
    };
    const messages = messagesOf(a);
    const result = await w.sync(messages);
    expect(result.rejected.map((r) => r.seq)).toEqual([1]);
    expect(result).toMatchObject({ waiting: [], failedMessageIds: [messages[1]!.messageId] });
  });
});

describe('reconcile: re-sending what Vipps has not acknowledged', () => {
  const owedSince = new Date(NOW.getTime() - CHASE_AFTER_MS).toISOString();

  async function reconciler(txs: Transaction[]) {
    const store = new MemoryTransactions();
    for (const tx of txs) await store.create({ ...tx, updatedAt: owedSince, dueAt: owedSince });
    const enqueued: StatusUpdate[] = [];
    const deps = {
      transactions: store,
      acquirer: {} as never,
      statusQueue: { enqueue: (u: StatusUpdate) => Promise.resolve(void enqueued.push(u)) },
      vipps: { getDetails: () => Promise.reject(new Error('Vipps unavailable')) },
      log: silent,
      acquirerBudgetMs: 10_000,
      events: inMemoryEventDispatch({
        read: (id) => store.items.get(id),
        write: (stored) => store.items.set(stored.pspTransactionId, stored),
      }),
    };
    const sweep = (now = NOW) => reconcile(deps, { now, limit: 10 });
    return { store, enqueued, sweep };
  }

  it('re-sends every owed update after the grace period, then waits the re-send interval', async () => {
    const r = await reconciler([payment(A, [1_000])]);
    // Due early, but the oldest owed update (RESERVED at 11:00) is not yet past the grace period.
    r.store.items.get(A)!.dueAt = '2026-11-24T11:00:00.000Z';
    const early = await r.sweep(new Date('2026-11-24T11:01:00.000Z'));
    expect(early).toMatchObject({ examined: 1, failures: [] });
    expect(early.counts.resent).toBeUndefined();
    expect(r.enqueued).toEqual([]);
    const first = await r.sweep();
    expect(first.counts).toEqual({ resent: 1 });
    expect(r.enqueued.map((u) => u.seq)).toEqual([1, 2]);
    expect((await r.sweep(new Date(NOW.getTime() + RESEND_EVERY_MS - 1))).examined).toBe(0);
    await r.sweep(new Date(NOW.getTime() + RESEND_EVERY_MS));
    expect(r.enqueued.map((u) => u.seq)).toEqual([1, 2, 1, 2]);
  });

  it('for a payment blocked by a rejected update, re-sends only that one: the updater sends the rest behind it', async () => {
    const tx = payment(A, [1_000]);
    const r = await reconciler([
      {
        ...tx,
        vippsSync: {
          acknowledgedSeq: 0,
          rejectedSeq: 1,
          rejected: [{ seq: 1, reason: 'HTTP 400', at: owedSince }],
        },
      },
    ]);
    const result = await r.sweep();
    expect(result.actions).toEqual([
      expect.objectContaining({
        action: 'resent',
        detail: expect.objectContaining({ seqs: [1], rejectedSeq: 1 }),
      }),
    ]);
    expect(r.enqueued.map((u) => [u.seq, u.status])).toEqual([[1, 'RESERVED']]);
  });

  it('a merchant write racing the re-send: reads again and records the re-send once', async () => {
    const r = await reconciler([payment(A)]);
    r.store.failNext.apply = new ConcurrentUpdateError(A);
    const result = await r.sweep();
    expect(result.failures).toEqual([]);
    expect(r.store.items.get(A)!.statusResentAt).toBe(NOW.toISOString());
  });
});

describe('syncStatus: what ops see', () => {
  async function logged(txs: Transaction[], answers: Answer[] = []) {
    const w = await world(txs, answers);
    const log = new RecordingLog();
    w.deps.log = log;
    const entry = (message: string) => log.entries.find((e) => e.message === message);
    return { ...w, log, entry };
  }

  it('each call is logged with its sales unit, entries and key; acknowledgements carry their lag', async () => {
    const a = payment(A, [1_000]);
    const w = await logged([a]);
    const result = await w.sync(messagesOf(a));
    const key = w.vipps.calls[0]!.key;
    expect(w.entry('Vipps acknowledged status updates')).toEqual({
      level: 'info',
      message: 'Vipps acknowledged status updates',
      extra: [{ merchantSerialNumber: '123456', entries: 2, batchKey: key }],
    });
    // RESERVED at 11:00, CAPTURED at 11:01, acknowledged at 12:00.
    expect(result.acknowledged).toEqual([
      { pspTransactionId: A, seq: 1, lagSeconds: 3_600 },
      { pspTransactionId: A, seq: 2, lagSeconds: 3_540 },
    ]);
    expect(w.ofPayment(A)).toMatchObject({ acknowledgedSeq: 2, lastSyncAt: NOW.toISOString() });
    expect(w.ofPayment(A).sending).toEqual({
      batchKey: key,
      merchantSerialNumber: '123456',
      updates: statusUpdatesToSend(a),
      composedAt: NOW.toISOString(),
    });
  });

  it('a state change stamped after the clock (clock skew) has a lag of zero, never negative', async () => {
    let a = initiatedPayment({ pspTransactionId: A });
    a = applied(a, reserve(a, { at: '2026-11-24T12:00:05.000Z', acquirerReference: 'ref' }));
    const w = await world([a]);
    expect((await w.sync(messagesOf(a))).acknowledged).toEqual([
      { pspTransactionId: A, seq: 1, lagSeconds: 0 },
    ]);
  });

  it('a rejection is logged with the payment, sequence, status and Vipps’ reason; the later update waits, logged', async () => {
    const a = payment(A, [1_000]);
    const w = await logged([a], ['reject', 'reject']);
    const messages = messagesOf(a);
    const result = await w.sync(messages);
    const reason = 'Vipps rejected the request (HTTP 400): 21 Not active';
    expect(w.entry('Vipps rejected status updates')?.extra[0]).toMatchObject({ entries: 2, reason });
    expect(
      w.entry('Status update rejected by Vipps; moved to the dead-letter queue, still owed')?.extra,
    ).toEqual([{ pspTransactionId: A, seq: 1, status: 'RESERVED', reason }]);
    expect(
      w.entry('Status update waits behind a rejected one; moved to the dead-letter queue')?.extra,
    ).toEqual([{ pspTransactionId: A, seq: 2, blockedBy: 1 }]);
    expect(result.rejected).toEqual([{ pspTransactionId: A, seq: 1, reason }]);
    expect(result.waiting).toEqual([messages[1]!.messageId]);
    expect(w.dlq.sent).toEqual([
      { seq: 1, reason },
      { seq: 2, reason: 'Waits behind status update 1, which Vipps rejected; redrive them together' },
    ]);
    expect(w.ofPayment(A).rejected).toEqual([{ seq: 1, reason, at: NOW.toISOString() }]);
  });

  it('a rejected batch of several payments is logged before they are sent one by one', async () => {
    const w = await logged([payment(A), payment(B)], ['reject']);
    await w.sync([...messagesOf(payment(A)), ...messagesOf(payment(B))]);
    expect(
      w.entry('Vipps rejected a batch; sending each payment on its own to find the poison')?.extra,
    ).toEqual([
      {
        merchantSerialNumber: '123456',
        payments: 2,
        reason: 'Vipps rejected the request (HTTP 400): 21 Not active',
      },
    ]);
  });

  it('Vipps unavailable is logged with the error; the messages are retried', async () => {
    const a = payment(A);
    const w = await logged([a], ['unavailable']);
    const result = await w.sync(messagesOf(a));
    expect(w.entry('Vipps unavailable for status updates; messages will be retried')?.extra[0]).toMatchObject(
      {
        merchantSerialNumber: '123456',
        entries: 1,
        error: 'VippsUnavailableError: HTTP 503',
      },
    );
    expect(result.failedMessageIds).toHaveLength(1);
  });

  it('a redelivered message Vipps already has is logged and not sent; an earlier owed one is filled in, logged', async () => {
    const a = { ...payment(A, [1_000, 2_000]), vippsSync: { acknowledgedSeq: 1 } };
    const w = await logged([a]);
    const [first, , third] = messagesOf(a);
    const result = await w.sync([first!, third!]);
    expect(result.alreadyAcknowledged).toEqual([first!.messageId]);
    expect(w.entry('Status update already acknowledged by Vipps; not sent again')?.extra).toEqual([
      { pspTransactionId: A, seq: 1, acknowledgedSeq: 1 },
    ]);
    expect(w.entry('Filling in unacknowledged earlier status updates from history')?.extra).toEqual([
      { pspTransactionId: A, filled: [2] },
    ]);
    expect(w.vipps.calls.map((c) => c.entries)).toEqual([['aa:2:CAPTURED', 'aa:3:CAPTURED']]);
  });

  it('a message beyond the item’s history is logged as such, with the gap it leaves', async () => {
    const a = payment(A);
    const w = await logged([a]);
    const stray: StatusUpdate = {
      ...messagesOf(a)[0]!.update,
      seq: 3,
      status: 'CAPTURED',
      merchantSerialNumber: 'old',
    };
    await w.sync([{ messageId: 'stray', body: '', update: stray }]);
    expect(w.entry('Status message has no history entry; sending the message as it is')?.extra).toEqual([
      { pspTransactionId: A, seq: 3 },
    ]);
    expect(w.entry('Status sequences missing from history')?.extra).toEqual([
      { pspTransactionId: A, missing: [2] },
    ]);
    expect(w.vipps.calls[0]!.msn).toBe('123456');
    expect(w.store.items.get(A)!.vippsSync.sending?.updates.at(-1)?.merchantSerialNumber).toBe('123456');
  });

  it('a payment that cannot be read is logged with the error; an unknown one is dead-lettered with the reason', async () => {
    const w = await logged([]);
    const messages = messagesOf(payment(A));
    await w.sync(messages);
    expect(w.dlq.sent).toEqual([{ seq: 1, reason: 'Unknown payment: no such pspTransactionId' }]);
    w.store.get = () => Promise.reject(new Error('DynamoDB unavailable'));
    await w.sync(messages);
    expect(w.entry('Could not read the payment; its status messages will be retried')?.extra).toEqual([
      { pspTransactionId: A, error: 'Error: DynamoDB unavailable' },
    ]);
  });

  it('writes that fail are logged with what they were about', async () => {
    const a = payment(A);
    const w = await logged([a], ['ok', 'reject']);
    w.store.failNext.recordVippsSending = new Error('throttled');
    await w.sync(messagesOf(a));
    expect(w.entry('Could not store a status call before making it; will retry')?.extra[0]).toMatchObject({
      merchantSerialNumber: '123456',
      error: 'Error: throttled',
    });
    w.store.failNext.recordVippsAck = new Error('throttled');
    await w.sync(messagesOf(a));
    expect(
      w.entry('Vipps acknowledged but the acknowledgement was not recorded; will repeat the call')?.extra,
    ).toEqual([{ pspTransactionId: A, seq: 1, error: 'Error: throttled' }]);
  });

  it('a repeated call is logged as such, with its key', async () => {
    const a = payment(A);
    const w = await logged([a], ['unavailable']);
    const messages = messagesOf(a);
    await w.sync(messages);
    await w.sync(messages);
    expect(w.entry('Repeating a status call whose outcome is unknown')?.extra).toEqual([
      { merchantSerialNumber: '123456', batchKey: w.vipps.calls[0]!.key, entries: 1 },
    ]);
  });

  it('a withdrawn call is stored empty under a key of its own, so nothing can repeat it', async () => {
    const w = await world([payment(A), payment(B)]);
    const real = w.store.recordVippsSending.bind(w.store);
    let calls = 0;
    w.store.recordVippsSending = (id, batch) =>
      ++calls === 2 ? Promise.reject(new Error('DynamoDB throttled')) : real(id, batch);
    await w.sync([...messagesOf(payment(A)), ...messagesOf(payment(B))]);
    const withdrawn = w.ofPayment(A).sending!;
    expect(withdrawn.updates).toEqual([]);
    expect(withdrawn.batchKey).toMatch(/^[0-9a-f]{32}-withdrawn$/);
  });
});

describe('syncStatus: outcomes recorded for other payments and the DLQ', () => {
  it('a repeated call acknowledges a payment whose messages are elsewhere, reported without a lag', async () => {
    const w = await world([payment(A), payment(B)], ['unavailable']);
    const first = [...messagesOf(payment(A)), ...messagesOf(payment(B))];
    await w.sync(first);
    const result = await w.sync([first[0]!]);
    expect(result.acknowledged).toEqual([
      { pspTransactionId: A, seq: 1, lagSeconds: 3_600 },
      { pspTransactionId: B, seq: 1 },
    ]);
    expect(w.ofPayment(B)).toMatchObject({ acknowledgedSeq: 1, lastSyncAt: NOW.toISOString() });
  });

  it('a payment elsewhere that Vipps had already acknowledged is not reported again', async () => {
    const w = await world([payment(A), payment(B)], ['unavailable']);
    const first = [...messagesOf(payment(A)), ...messagesOf(payment(B))];
    await w.sync(first);
    // B's own redelivery already went through with another call.
    w.store.items.get(B)!.vippsSync.acknowledgedSeq = 1;
    w.store.items.get(B)!.vippsSync.sending = w.store.items.get(A)!.vippsSync.sending;
    const result = await w.sync([first[0]!]);
    expect(result.acknowledged.map((a) => a.pspTransactionId)).toEqual([A]);
  });

  it('an acknowledgement elsewhere that cannot be written is logged for that payment', async () => {
    const w = await world([payment(A), payment(B)], ['unavailable']);
    const first = [...messagesOf(payment(A)), ...messagesOf(payment(B))];
    await w.sync(first);
    const log = new RecordingLog();
    w.deps.log = log;
    const real = w.store.recordVippsAck.bind(w.store);
    w.store.recordVippsAck = (id, seq, at) =>
      id === B ? Promise.reject(new Error('throttled')) : real(id, seq, at);
    await w.sync([first[0]!]);
    expect(log.entries).toContainEqual({
      level: 'warn',
      message: 'Acknowledgement for a payment outside this batch not recorded',
      extra: [{ pspTransactionId: B, seq: 1, error: 'Error: throttled' }],
    });
  });

  it('dead-letters under the payment’s group, naming the message it replaces', async () => {
    const a = payment(A, [1_000]);
    const w = await world([a], ['reject', 'reject']);
    const sent: Array<{ groupId: string; sourceMessageId?: string }> = [];
    w.deps.deadLetterQueue = {
      send: (_body, _reason, groupId, sourceMessageId) =>
        Promise.resolve(void sent.push({ groupId, ...(sourceMessageId ? { sourceMessageId } : {}) })),
    };
    const messages = messagesOf(a);
    await w.sync(messages);
    expect(sent).toEqual([
      { groupId: A, sourceMessageId: messages[0]!.messageId },
      { groupId: A, sourceMessageId: messages[1]!.messageId },
    ]);
  });

  it('a rejection that cannot be dead-lettered or recorded is logged, and only it and later messages are retried', async () => {
    const a = { ...payment(A, [1_000, 2_000]) };
    const w = await world([a], ['reject', 'ok', 'reject']);
    const log = new RecordingLog();
    w.deps.log = log;
    w.deps.deadLetterQueue = { send: () => Promise.reject(new Error('SQS unavailable')) };
    const messages = messagesOf(a);
    const result = await w.sync(messages);
    expect(result.failedMessageIds).toEqual([messages[1]!.messageId, messages[2]!.messageId]);
    expect(log.entries).toContainEqual({
      level: 'error',
      message: 'Could not move a status message to the dead-letter queue; will retry',
      extra: [
        {
          pspTransactionId: A,
          reason: 'Vipps rejected the request (HTTP 400): 21 Not active',
          error: 'Error: SQS unavailable',
        },
      ],
    });

    const again = await world([a], ['reject', 'reject']);
    again.deps.log = log;
    again.store.failNext.recordVippsRejection = new Error('throttled');
    await again.sync(messagesOf(a, 1, 1));
    expect(log.entries).toContainEqual({
      level: 'error',
      message: 'Rejection not recorded on the payment; will retry',
      extra: [{ pspTransactionId: A, seq: 1, error: 'Error: throttled' }],
    });
  });
});

describe('syncStatus: a clean batch raises no alarms', () => {
  it('logs no gap, no fill-in and no stray message when every message has its history entry', async () => {
    const a = payment(A, [1_000]);
    const w = await world([a]);
    const log = new RecordingLog();
    w.deps.log = log;
    await w.sync(messagesOf(a));
    expect(log.entries.map((e) => e.message)).toEqual(['Vipps acknowledged status updates']);
  });

  it('a stray message filling a gap in the history is sent in sequence order', async () => {
    const a = payment(A, [1_000, 2_000]);
    const gap = { ...a, history: a.history.filter((h) => h.statusSeq !== 2) };
    const w = await world([gap]);
    const [, second] = messagesOf(a);
    await w.sync([second!]);
    expect(w.vipps.calls[0]!.entries).toEqual(['aa:1:RESERVED', 'aa:2:CAPTURED', 'aa:3:CAPTURED']);
  });
});

describe('syncStatus: holding order when a rejection cannot be recorded', () => {
  it('the rejected update and the later ones are retried together; none waits in the DLQ ahead of it', async () => {
    const a = payment(A, [1_000]);
    const w = await world([a], ['reject', 'reject']);
    w.store.failNext.recordVippsRejection = new Error('throttled');
    const messages = messagesOf(a);
    const result = await w.sync(messages);
    expect(result.failedMessageIds).toEqual(messages.map((m) => m.messageId));
    expect(result).toMatchObject({ waiting: [], rejected: [] });
  });

  it('a repeated call acknowledges every update it carried for a payment outside the batch', async () => {
    const w = await world([payment(A), payment(B, [1_000])], ['unavailable']);
    const first = [...messagesOf(payment(A)), ...messagesOf(payment(B, [1_000]))];
    await w.sync(first);
    await w.sync([first[0]!]);
    expect(w.ofPayment(B).acknowledgedSeq).toBe(2);
  });
});
