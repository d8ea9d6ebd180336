/**
 * The outbox's relay: the payments table stream's event dispatcher (handlers/event-dispatcher.ts)
 * and the one definition of a hand-over it shares with the sweep (core/webhooks/dispatch.ts),
 * against in-memory fakes that record every call the real adapters would make.
 */
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { toTransactionItem, transactionKey } from '../../lambdas/adapters/dynamo/item-mapping.js';
import { fromStreamImage } from '../../lambdas/adapters/dynamo/stream-image.js';
import { type Transaction, capture, reserve } from '../../lambdas/core/transaction.js';
import {
  type StreamDispatchDeps,
  dispatchChanges,
  dispatchEvents,
  isActiveFor,
} from '../../lambdas/core/webhooks/dispatch.js';
import { paymentEventsFor } from '../../lambdas/core/webhooks/payment-events.js';
import type { DeliveryTask, WebhookEndpoint } from '../../lambdas/core/webhooks/ports.js';
import { functions } from '../../lambdas/routes.js';
import { createEventDispatcherHandler } from '../../lambdas/handlers/event-dispatcher.js';
import { applied, initiatedPayment } from '../support/transactions.js';

const AT = '2026-11-24T10:00:05.000Z';

/** A reserved payment whose payment.reserved event is still in its outbox. */
function reserved(id = 'a1b2c3d4e5f60718293a4b5c6d7e8f90'): Transaction {
  const base = initiatedPayment({ pspTransactionId: id });
  const t = reserve(base, { at: AT, acquirerReference: 'acq-1' });
  const after = applied(base, t);
  return { ...after, events: paymentEventsFor(after, t.history), eventsDispatched: 0 };
}

function captured(tx: Transaction, amount: number): Transaction {
  const t = capture(tx, amount, { at: AT });
  const after = applied(tx, t);
  return { ...after, events: [...(tx.events ?? []), ...paymentEventsFor(after, t.history)] };
}

function endpoint(overrides: Partial<WebhookEndpoint> = {}): WebhookEndpoint {
  return {
    endpointId: 'we_1',
    merchantId: 'merchant-1',
    url: 'https://shop.example/hooks',
    events: ['payment.reserved', 'payment.captured'],
    secrets: [],
    createdAt: AT,
    ...overrides,
  };
}

/** The calls the real adapters would make, and the outbox count they would leave in the table. */
function fakes(options: { endpoints?: WebhookEndpoint[]; failSendsFor?: string } = {}) {
  const calls: string[] = [];
  const tasks: DeliveryTask[] = [];
  const marks: Array<{ id: string; count: number; dueAt?: string }> = [];
  const stored = new Map<string, number>();
  const deps: StreamDispatchDeps = {
    webhooks: {
      listEndpoints: () => {
        calls.push('Query');
        return Promise.resolve(options.endpoints ?? [endpoint()]);
      },
      putEvent: () => {
        calls.push('PutItem');
        return Promise.resolve();
      },
    } as unknown as StreamDispatchDeps['webhooks'],
    deliveries: {
      send: (task) => {
        calls.push('SendMessage');
        if (options.failSendsFor && task.eventId.includes(options.failSendsFor))
          return Promise.reject(new Error('queue unreachable'));
        tasks.push(task);
        return Promise.resolve();
      },
    },
    outbox: {
      markDispatched: (tx, count, dueAt) => {
        calls.push('UpdateItem');
        marks.push({ id: tx.pspTransactionId, count, ...(dueAt ? { dueAt } : {}) });
        stored.set(tx.pspTransactionId, Math.max(stored.get(tx.pspTransactionId) ?? 0, count));
        return Promise.resolve();
      },
    },
    transactions: {
      get: (id) => {
        calls.push('GetItem');
        const count = stored.get(id);
        return Promise.resolve(
          count === undefined ? undefined : ({ eventsDispatched: count } as Transaction),
        );
      },
    },
    clock: { now: () => new Date(AT) },
  };
  return { deps, calls, tasks, marks, stored };
}

/** AttributeValue JSON, as a stream record carries an image. */
function image(value: unknown): unknown {
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') return { N: String(value) };
  if (typeof value === 'boolean') return { BOOL: value };
  if (value === null) return { NULL: true };
  if (Array.isArray(value)) return { L: value.map(image) };
  return {
    M: Object.fromEntries(
      Object.entries(value as object)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, image(v)]),
    ),
  };
}

let sequence = 100;
function record(
  item: Record<string, unknown>,
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE' = 'MODIFY',
): DynamoDBRecord {
  const { M } = image(item) as { M: Record<string, never> };
  return {
    eventName,
    eventSource: 'aws:dynamodb',
    dynamodb: {
      Keys: { pk: M.pk, sk: M.sk } as never,
      ...(eventName === 'REMOVE' ? {} : { NewImage: M }),
      SequenceNumber: String(++sequence),
      StreamViewType: 'NEW_IMAGE',
    },
  };
}
const txRecord = (tx: Transaction, eventName?: 'INSERT' | 'MODIFY') =>
  record(toTransactionItem(tx), eventName);
const event = (...records: DynamoDBRecord[]): DynamoDBStreamEvent => ({ Records: records });

function handlerWith(f: ReturnType<typeof fakes>) {
  const logged: string[] = [];
  const log = {
    warn: (m: string) => void logged.push(m),
    error: (m: string) => void logged.push(m),
  };
  return { handle: createEventDispatcherHandler({ ...f.deps, log }), logged };
}

describe('the event dispatcher (payments table stream)', () => {
  it('hands a new payment.reserved over: event log, one delivery per subscribed endpoint, outbox marked', async () => {
    const f = fakes({
      endpoints: [
        endpoint(),
        endpoint({ endpointId: 'we_2' }),
        endpoint({ endpointId: 'we_off', disabledAt: AT }),
        endpoint({ endpointId: 'we_captures', events: ['payment.captured'] }),
      ],
    });
    const tx = reserved();
    const answer = await handlerWith(f).handle(event(txRecord(tx)));
    expect(answer).toEqual({ batchItemFailures: [] });
    expect(f.calls).toEqual(['GetItem', 'Query', 'PutItem', 'SendMessage', 'SendMessage', 'UpdateItem']);
    expect(f.tasks.map((t) => t.endpointId)).toEqual(['we_1', 'we_2']);
    expect(f.tasks[0]).toMatchObject({ eventId: tx.events![0]!.id, attempt: 1, notBefore: AT });
    expect(f.marks).toEqual([{ id: tx.pspTransactionId, count: 1, dueAt: expect.any(String) }]);
  });

  it('skips, without a single call, what has nothing to hand over', async () => {
    const f = fakes();
    const tx = reserved();
    const { handle } = handlerWith(f);
    const answer = await handle(
      event(
        txRecord({ ...tx, eventsDispatched: 1 }),
        txRecord({ ...tx, events: undefined, eventsDispatched: undefined }),
        record({ pk: 'MERCHANT#merchant-1', sk: 'EVENT#evt_1', type: 'payment.reserved' }, 'INSERT'),
        record(toTransactionItem(tx), 'REMOVE'),
      ),
    );
    expect(answer).toEqual({ batchItemFailures: [] });
    expect(f.calls).toEqual([]);
  });

  it('an unreadable record is logged and skipped: it would never become readable', async () => {
    const f = fakes();
    const h = handlerWith(f);
    const broken = { eventName: 'MODIFY', dynamodb: { Keys: {} } } as DynamoDBRecord;
    const binary = record({ pk: 'TX#x', sk: 'TX' });
    (binary.dynamodb!.NewImage as Record<string, unknown>).blob = { B: 'AAEC' };
    expect(await h.handle(event(broken, binary, txRecord(reserved())))).toEqual({ batchItemFailures: [] });
    expect(h.logged).toEqual(['Unreadable stream record skipped', 'Unreadable stream record skipped']);
    expect(f.tasks).toHaveLength(1);
  });

  it('a failed hand-over reports the earliest failing SequenceNumber; that payment’s later changes wait, other payments go on', async () => {
    const failing = reserved('22222222222222222222222222222222');
    const f = fakes({ failSendsFor: failing.pspTransactionId });
    const first = reserved('11111111111111111111111111111111');
    const third = reserved('33333333333333333333333333333333');
    const records = [
      txRecord(first),
      txRecord(failing),
      txRecord(third),
      txRecord(captured({ ...failing, status: 'RESERVED' }, 1_000)),
    ];
    const h = handlerWith(f);
    const answer = await h.handle(event(...records));
    expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: records[1]!.dynamodb!.SequenceNumber }] });
    expect(f.marks.map((m) => m.id).sort()).toEqual([first.pspTransactionId, third.pspTransactionId]);
    expect(f.tasks.map((t) => t.eventId).sort()).toEqual([first.events![0]!.id, third.events![0]!.id].sort());
    expect(h.logged).toEqual(['Webhook hand-over failed; the stream retries from this record']);
  });

  it('of two failing payments, the one earlier in the batch is reported', async () => {
    const a = reserved('44444444444444444444444444444444');
    const b = reserved('55555555555555555555555555555555');
    const f = fakes();
    f.deps.transactions.get = (id) =>
      id === a.pspTransactionId
        ? new Promise((_, reject) => setTimeout(() => reject(new Error('late')), 5))
        : Promise.reject(new Error('early'));
    const records = [txRecord(a), txRecord(b)];
    expect(await handlerWith(f).handle(event(...records))).toEqual({
      batchItemFailures: [{ itemIdentifier: records[0]!.dynamodb!.SequenceNumber }],
    });
  });

  it('a stale image (written before the mark) is not handed over twice, in the same batch or a later one', async () => {
    const f = fakes();
    const tx = reserved();
    const h = handlerWith(f);
    // The write's image, then a Vipps ack's image written before the dispatcher marked the outbox.
    await h.handle(event(txRecord(tx), txRecord(tx)));
    await h.handle(event(txRecord(tx)));
    expect(f.tasks).toHaveLength(1);
    // The capture's image carries the reserved event too: only payment.captured goes out.
    const after = captured({ ...tx, status: 'RESERVED' }, 4_000);
    await h.handle(event(txRecord(after)));
    expect(f.tasks.map((t) => t.eventId)).toEqual([tx.events![0]!.id, after.events![1]!.id]);
    expect(f.marks.map((m) => m.count)).toEqual([1, 2]);
  });

  it('a failing read of the outbox count fails the record (retried), it does not hand over blind', async () => {
    const f = fakes();
    f.deps.transactions.get = () => Promise.reject(new Error('throttled'));
    const r = txRecord(reserved());
    expect(await handlerWith(f).handle(event(r))).toEqual({
      batchItemFailures: [{ itemIdentifier: r.dynamodb!.SequenceNumber }],
    });
    expect(f.tasks).toEqual([]);
  });

  it('refuses an event that is not a stream batch', async () => {
    await expect(handlerWith(fakes()).handle({} as DynamoDBStreamEvent)).rejects.toThrow();
  });

  it('listens for the sort key of payment items (the CDK filter and the local stream use it)', () => {
    const trigger = functions.eventDispatcher.trigger;
    expect(trigger).toMatchObject({ kind: 'paymentsStream', itemSortKey: transactionKey('x').sk });
  });
});

describe('dispatchEvents (shared by the dispatcher and the sweep)', () => {
  it('nothing pending: no call, the payment as it was', async () => {
    const f = fakes();
    const tx = { ...reserved(), eventsDispatched: 1 };
    expect(await dispatchEvents(tx, f.deps)).toBe(tx);
    expect(f.calls).toEqual([]);
  });

  it('an event log entry for every pending event even with no endpoint; dueAt recomputed without the events', async () => {
    const f = fakes({ endpoints: [] });
    const tx = captured({ ...reserved(), status: 'RESERVED', dueAt: '2026-11-24T10:01:05.000Z' }, 1_000);
    const after = await dispatchEvents(tx, f.deps);
    expect(f.calls).toEqual(['Query', 'PutItem', 'PutItem', 'UpdateItem']);
    expect(after.eventsDispatched).toBe(2);
    // Still due for the unacknowledged Vipps status update only (2 min), not the events (1 min).
    expect(f.marks[0]!.dueAt).toBe(after.dueAt);
  });

  it('drops a stale dueAt when nothing else is due', async () => {
    const f = fakes({ endpoints: [] });
    const tx = {
      ...reserved(),
      dueAt: '2026-11-24T10:01:05.000Z',
      statusSeq: 0,
      vippsSync: { acknowledgedSeq: 0 },
      status: 'RESERVED' as const,
    };
    const after = await dispatchEvents(tx, f.deps);
    expect(after.dueAt).toBeUndefined();
    expect(f.marks[0]).toEqual({ id: tx.pspTransactionId, count: 1 });
  });

  it('isActiveFor: subscribed and not disabled', () => {
    expect(isActiveFor(endpoint(), { type: 'payment.reserved' })).toBe(true);
    expect(isActiveFor(endpoint(), { type: 'payment.refunded' })).toBe(false);
    expect(isActiveFor(endpoint({ disabledAt: AT }), { type: 'payment.reserved' })).toBe(false);
  });

  it('dispatchChanges with no change does nothing', async () => {
    const f = fakes();
    expect(await dispatchChanges([], f.deps)).toEqual({});
    expect(f.calls).toEqual([]);
  });
});

describe('stream images', () => {
  it('read back as the item that was written (strings, numbers, booleans, nulls, maps, lists)', () => {
    const item = { pk: 'TX#1', n: 12_345, ok: true, none: null, m: { l: ['a', 2, { b: false }] } };
    const { M } = image(item) as { M: Record<string, unknown> };
    expect(fromStreamImage(M)).toEqual(item);
  });

  it('refuses a set or binary value rather than guessing', () => {
    expect(() => fromStreamImage({ s: { SS: ['a'] } })).toThrow(/Unsupported attribute value/);
    expect(() => fromStreamImage({ e: {} })).toThrow(/empty/);
  });
});
