/**
 * Merchant webhooks on the real protocols: the outbox written by the state change's own
 * UpdateItem (dynalite), hand-over to the delivery queue (SQS emulator), secrets sealed with the
 * KMS envelope vault, and delivery over HTTP to a receiver that verifies with `standardwebhooks`.
 * The clock is the test's: the retry schedule is checked without waiting hours.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConcurrentUpdateError } from '../../lambdas/core/errors.js';
import { type Transaction, capture, reserve } from '../../lambdas/core/transaction.js';
import { commit } from '../../lambdas/core/use-cases/commit.js';
import { reconcile } from '../../lambdas/core/use-cases/reconcile.js';
import { deliverEvent } from '../../lambdas/core/webhooks/deliver.js';
import { dispatchEvents } from '../../lambdas/core/webhooks/dispatch.js';
import { createEndpoint, rotateSecret } from '../../lambdas/core/webhooks/endpoints.js';
import { listDeliveries, listEvents, redeliver } from '../../lambdas/core/webhooks/event-log.js';
import type { DeliveryTask } from '../../lambdas/core/webhooks/ports.js';
import { initiatedPayment } from '../support/transactions.js';
import { type WebhookHarness, startWebhookHarness } from '../support/webhook-harness.js';

let h: WebhookHarness;
beforeAll(async () => {
  h = await startWebhookHarness();
});
afterAll(() => h?.close());
beforeEach(async () => {
  h.received.length = 0;
  h.answers.length = 0;
  h.sent.length = 0;
  h.receiverSecrets.length = 0;
  await h.drainTasks();
});

const merchant = () => `merchant-${randomUUID().slice(0, 8)}`;

async function storedPayment(merchantId: string): Promise<Transaction> {
  const tx = initiatedPayment({ pspTransactionId: randomUUID().replaceAll('-', ''), merchantId });
  await h.transactions.create(tx);
  return tx;
}

async function endpointFor(merchantId: string, url = h.receiverUrl) {
  const created = await createEndpoint(
    merchantId,
    { url },
    { ...h.dispatchDeps, vault: h.deliverDeps.vault },
  );
  h.receiverSecrets.push(created.secret);
  return created;
}

/** Reserve a payment, then hand its events over as the table stream's dispatcher does. */
async function reserved(merchantId: string): Promise<Transaction> {
  const tx = await storedPayment(merchantId);
  const at = h.clock.now().toISOString();
  const written = await commit(h.transactions, tx, reserve(tx, { at, acquirerReference: 'acq-1' }));
  return dispatchEvents(written, h.dispatchDeps);
}

async function deliverAll(): Promise<string[]> {
  const results: string[] = [];
  for (const task of await h.drainTasks()) results.push(await deliverEvent(task, h.deliverDeps));
  return results;
}

describe('the outbox', () => {
  it('a capture writes its payment.captured event, with the view and the new version, in the same UpdateItem', async () => {
    const tx = await storedPayment(merchant());
    const at = h.clock.now().toISOString();
    const afterReserve = await commit(h.transactions, tx, reserve(tx, { at, acquirerReference: 'a' }));
    const afterCapture = await commit(h.transactions, afterReserve, capture(afterReserve, 4_000, { at }));

    const { Item } = await h.dynamo.documentClient.send(
      new GetCommand({
        TableName: h.dynamo.tables.payments,
        Key: { pk: `TX#${tx.pspTransactionId}`, sk: 'TX' },
      }),
    );
    const events = Item!.events as Array<Record<string, unknown>>;
    expect(events.map((e) => [e.type, e.version])).toEqual([
      ['payment.reserved', afterReserve.version],
      ['payment.captured', afterCapture.version],
    ]);
    expect(events[1]).toMatchObject({
      pspTransactionId: tx.pspTransactionId,
      data: { status: 'PARTIALLY_CAPTURED', amounts: { captured: 4_000 } },
    });
    expect(Item!.version).toBe(afterCapture.version);
  });

  it('a write that loses its race leaves no event behind', async () => {
    const tx = await storedPayment(merchant());
    const at = h.clock.now().toISOString();
    await commit(h.transactions, tx, reserve(tx, { at, acquirerReference: 'first' }));
    await expect(
      commit(h.transactions, tx, reserve(tx, { at, acquirerReference: 'second' })),
    ).rejects.toThrow(ConcurrentUpdateError);
    const stored = await h.transactions.get(tx.pspTransactionId);
    expect(stored!.events).toHaveLength(1);
    expect(stored!.acquirerReference).toBe('first');
  });

  it('undispatched events make the payment due for the sweep; a dispatch marks them handed over', async () => {
    const merchantId = merchant();
    await endpointFor(merchantId);
    const tx = await storedPayment(merchantId);
    const written = await commit(
      h.transactions,
      tx,
      reserve(tx, { at: tx.updatedAt, acquirerReference: 'a' }),
    );
    // Due in a minute for the events, in two for the unacknowledged Vipps status update.
    expect(written.dueAt).toBe('2026-11-24T10:01:00.000Z');
    await dispatchEvents(written, h.dispatchDeps);
    const stored = (await h.transactions.get(tx.pspTransactionId))!;
    expect(stored.eventsDispatched).toBe(1);
    // Handed over: the payment is due only for what else it needs (the Vipps status update).
    expect(stored.dueAt).toBe('2026-11-24T10:02:00.000Z');
    expect(stored.version).toBe(written.version);
    expect(await h.drainTasks()).toHaveLength(1);
  });

  it('events a write could not hand over (the process died after it) are dispatched by the reconciler sweep', async () => {
    const merchantId = merchant();
    await endpointFor(merchantId);
    const tx = await storedPayment(merchantId);
    // The plain store: as if the process died right after the write, before the hand-over.
    const written = await commit(
      h.transactions,
      tx,
      reserve(tx, { at: tx.updatedAt, acquirerReference: 'a' }),
    );
    expect(await h.drainTasks()).toEqual([]);
    const result = await reconcile(
      {
        transactions: h.transactions,
        acquirer: {} as never,
        statusQueue: { enqueue: () => Promise.resolve() },
        log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
        acquirerBudgetMs: 10_000,
        events: h.dispatchDeps,
      },
      { now: new Date(written.dueAt!), limit: 1_000 },
    );
    expect(result.actions).toContainEqual(
      expect.objectContaining({ pspTransactionId: tx.pspTransactionId, action: 'eventsDispatched' }),
    );
    const [task] = await h.drainTasks();
    expect(task).toMatchObject({ merchantId, attempt: 1 });
    expect(await deliverEvent(task!, h.deliverDeps)).toBe('delivered');
  });
});

describe('delivery', () => {
  it('posts the event signed per Standard Webhooks; the receiver verifies it with standardwebhooks', async () => {
    const merchantId = merchant();
    await endpointFor(merchantId);
    const tx = await reserved(merchantId);

    expect(await deliverAll()).toEqual(['delivered']);
    const [got] = h.received;
    expect(got!.headers['webhook-id']).toMatch(/^evt_/);
    expect(got!.headers['webhook-timestamp']).toBe(String(Math.floor(h.clock.now().getTime() / 1000)));
    expect(got!.headers['webhook-signature']).toMatch(/^v1,/);
    expect(got!.verified).toMatchObject({
      type: 'payment.reserved',
      data: { pspTransactionId: tx.pspTransactionId, status: 'RESERVED', version: tx.version },
    });
    const events = await listEvents(merchantId, { paymentId: tx.pspTransactionId }, h.dispatchDeps);
    const { deliveries } = await listDeliveries(merchantId, events.events[0]!.id, h.dispatchDeps);
    expect(deliveries).toMatchObject([{ attempt: 1, outcome: 'delivered', status: 204 }]);
  });

  it('the endpoint secret is stored sealed, never in plain text', async () => {
    const merchantId = merchant();
    const { id, secret } = await endpointFor(merchantId);
    const { Item } = await h.dynamo.documentClient.send(
      new GetCommand({
        TableName: h.dynamo.tables.payments,
        Key: { pk: `MERCHANT#${merchantId}`, sk: `WEBHOOK#${id}` },
      }),
    );
    expect(JSON.stringify(Item)).not.toContain(secret.slice('whsec_'.length));
  });

  it.each([
    ['a 500', 500],
    ['no answer within the timeout', 'hang' as const],
  ])(
    'after %s the next attempt is queued per the schedule, and every attempt is recorded',
    async (_, answer) => {
      const merchantId = merchant();
      await endpointFor(merchantId);
      await reserved(merchantId);
      h.answers.push(answer);
      const [first] = await h.drainTasks();
      expect(await deliverEvent(first!, h.deliverDeps)).toBe('retry-scheduled');
      const retry = h.sent.at(-1)!;
      expect(retry.task.attempt).toBe(2);
      expect(Date.parse(retry.task.notBefore) - h.clock.now().getTime()).toBe(5_000);
      expect(retry.delaySeconds).toBe(5);
      const { deliveries } = await listDeliveries(merchantId, first!.eventId, h.dispatchDeps);
      expect(deliveries[0]).toMatchObject({
        attempt: 1,
        outcome: 'failed',
        nextAttemptAt: retry.task.notBefore,
      });
      if (answer === 500) expect(deliveries[0]).toMatchObject({ status: 500, responseStart: 'answer 500' });
      else expect(deliveries[0]!.error).toMatch(/no answer within/);
    },
  );

  it('a DNS failure is a failed attempt, retried like any other', async () => {
    const merchantId = merchant();
    await endpointFor(merchantId, 'http://no-such-host.invalid/hooks');
    await reserved(merchantId);
    const [first] = await h.drainTasks();
    expect(await deliverEvent(first!, h.deliverDeps)).toBe('retry-scheduled');
    const { deliveries } = await listDeliveries(merchantId, first!.eventId, h.dispatchDeps);
    expect(deliveries[0]!.error).toMatch(/ENOTFOUND|EAI_AGAIN/);
  });

  it('waits longer than SQS can delay in hops, and stops after the tenth attempt (about three days)', async () => {
    const merchantId = merchant();
    await endpointFor(merchantId);
    await reserved(merchantId);
    let [task] = await h.drainTasks();
    const gaps: number[] = [];
    let result = '';
    for (let n = 0; n < 20 && task; n++) {
      h.answers.push(503);
      const before = h.sent.length;
      result = await deliverEvent(task, h.deliverDeps);
      if (result !== 'retry-scheduled') break;
      const next: DeliveryTask = h.sent[before]!.task;
      gaps.push((Date.parse(next.notBefore) - h.clock.now().getTime()) / 1000);
      // An early arrival is sent back for the rest of the wait, at most 900 s at a time.
      h.clock.advance(900_000);
      if (Date.parse(next.notBefore) > h.clock.now().getTime()) {
        expect(await deliverEvent(next, h.deliverDeps)).toBe('not-yet');
        expect(h.sent.at(-1)!.delaySeconds).toBeLessThanOrEqual(900);
      }
      h.clock.set(new Date(next.notBefore));
      task = next;
    }
    expect(gaps).toEqual([5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400]);
    expect(result).toBe('gave-up');
    const { deliveries } = await listDeliveries(merchantId, task!.eventId, h.dispatchDeps);
    expect(deliveries.map((d) => d.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('a 410 disables the endpoint: nothing more is sent to it', async () => {
    const merchantId = merchant();
    const { id } = await endpointFor(merchantId);
    await reserved(merchantId);
    h.answers.push(410);
    const [task] = await h.drainTasks();
    expect(await deliverEvent(task!, h.deliverDeps)).toBe('endpoint-disabled');
    expect((await h.webhooks.getEndpoint(merchantId, id))!.disabledAt).toBeDefined();
    expect(await deliverEvent(task!, h.deliverDeps)).toBe('skipped');
    expect(h.received).toHaveLength(1);
  });

  it('after a rotation a delivery verifies with the old secret and with the new one', async () => {
    const merchantId = merchant();
    const { id, secret: oldSecret } = await endpointFor(merchantId);
    const { secret: newSecret } = await rotateSecret(merchantId, id, {
      ...h.dispatchDeps,
      vault: h.deliverDeps.vault,
    });
    await reserved(merchantId);
    await deliverAll();
    for (const only of [oldSecret, newSecret]) {
      h.receiverSecrets.splice(0, h.receiverSecrets.length, only);
      h.received.length = 0;
      const [event] = (await listEvents(merchantId, {}, h.dispatchDeps)).events;
      await redeliver(merchantId, event!.id, { ...h.dispatchDeps });
      await deliverAll();
      expect(h.received[0]!.verified).toMatchObject({ type: 'payment.reserved' });
    }
  });

  it('one merchant never sees another merchant’s events or their deliveries', async () => {
    const owner = merchant();
    await endpointFor(owner);
    await reserved(owner);
    const [event] = (await listEvents(owner, {}, h.dispatchDeps)).events;
    const stranger = merchant();
    expect((await listEvents(stranger, {}, h.dispatchDeps)).events).toEqual([]);
    await expect(listDeliveries(stranger, event!.id, h.dispatchDeps)).rejects.toThrow(/No event/);
    await expect(redeliver(stranger, event!.id, h.dispatchDeps)).rejects.toThrow(/No event/);
  });
});
