/**
 * One delivery attempt of a merchant webhook (core/webhooks/deliver.ts) against in-memory ports:
 * what the receiver gets (Standard Webhooks headers, a signature `standardwebhooks` verifies),
 * what is recorded, and when the next attempt is queued (DESIGN.md "Merchant webhooks").
 */
import { Webhook } from 'standardwebhooks';
import type { Log } from '../../lambdas/core/ports.js';
import { type Mock, beforeEach, describe, expect, it, vi } from 'vitest';
import { HttpWebhookPoster } from '../../lambdas/adapters/webhooks/http-poster.js';
import { standardWebhooksSigner } from '../../lambdas/adapters/webhooks/standard-webhooks-signer.js';
import { type DeliverDeps, deliverEvent, eventPayload } from '../../lambdas/core/webhooks/deliver.js';
import { createEndpoint, rotateSecret } from '../../lambdas/core/webhooks/endpoints.js';
import { type PaymentEvent, paymentEventsFor } from '../../lambdas/core/webhooks/payment-events.js';
import type { DeliveryTask, PostResult, WebhookPoster } from '../../lambdas/core/webhooks/ports.js';
import {
  InMemoryWebhookStore,
  RecordingDeliveryQueue,
  movableClock,
} from '../support/in-memory-webhook-store.js';
import { contextBoundVault } from '../support/context-bound-vault.js';
import { initiatedPayment } from '../support/transactions.js';

const MERCHANT = 'merchant-1';
const t0 = new Date('2026-11-30T10:00:00.000Z');
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

type Posted = Parameters<WebhookPoster['post']>[0];

/** A receiver that answers from a script (then 204) and remembers every request. */
function scriptedPoster(...answers: Array<number | 'timeout'>) {
  const requests: Posted[] = [];
  const poster: WebhookPoster = {
    post(request) {
      requests.push(request);
      const answer = answers.shift() ?? 204;
      const result: PostResult =
        answer === 'timeout'
          ? { kind: 'failed', error: 'No answer within 15000 ms', latencyMs: 15_000 }
          : { kind: 'answered', status: answer, latencyMs: 42, bodyStart: `answer ${answer}` };
      return Promise.resolve(result);
    },
  };
  return { poster, requests };
}

function reservedEvent(): PaymentEvent {
  const tx = initiatedPayment({
    merchantId: MERCHANT,
    status: 'RESERVED',
    reservedAmount: 10_000,
    version: 2,
  });
  const [event] = paymentEventsFor(tx, [
    { operation: 'RESERVE', amount: 10_000, at: '2026-11-30T09:59:59.000Z' },
  ]);
  return event!;
}

/** Whether `standardwebhooks` accepts the request with this secret, judged at the signing time. */
function verifies(secret: string, request: Posted): boolean {
  const realNow = Date.now;
  Date.now = () => Number(request.headers['webhook-timestamp']) * 1000;
  try {
    new Webhook(secret).verify(request.body, request.headers);
    return true;
  } catch {
    return false;
  } finally {
    Date.now = realNow;
  }
}

describe('delivering a merchant webhook', () => {
  let webhooks: InMemoryWebhookStore;
  let deliveries: RecordingDeliveryQueue;
  let clock: ReturnType<typeof movableClock>;
  let log: { info: Mock<Log['info']>; warn: Mock<Log['warn']> };
  let event: PaymentEvent;
  let endpointId: string;
  let secret: string;

  beforeEach(async () => {
    webhooks = new InMemoryWebhookStore();
    deliveries = new RecordingDeliveryQueue();
    clock = movableClock(t0);
    log = { info: vi.fn<Log['info']>(), warn: vi.fn<Log['warn']>() };
    event = reservedEvent();
    await webhooks.putEvent(event);
    const created = await createEndpoint(
      MERCHANT,
      { url: 'https://shop.example/hooks' },
      { webhooks, vault: contextBoundVault(), clock },
    );
    endpointId = created.id;
    secret = created.secret;
  });

  const deps = (poster: WebhookPoster, extra: Partial<DeliverDeps> = {}): DeliverDeps => ({
    webhooks,
    deliveries,
    poster,
    signer: standardWebhooksSigner,
    vault: contextBoundVault(),
    clock,
    log,
    ...extra,
  });
  const task = (overrides: Partial<DeliveryTask> = {}): DeliveryTask => ({
    merchantId: MERCHANT,
    eventId: event.id,
    endpointId,
    attempt: 1,
    notBefore: t0.toISOString(),
    ...overrides,
  });

  it('posts the event to the endpoint, signed per Standard Webhooks, and records it delivered', async () => {
    const { poster, requests } = scriptedPoster(200);

    expect(await deliverEvent(task(), deps(poster))).toBe('delivered');

    expect(requests).toHaveLength(1);
    const [request] = requests as [Posted];
    expect(request.url).toBe('https://shop.example/hooks');
    expect(request.timeoutMs).toBe(15_000);
    expect(request.headers).toMatchObject({
      'content-type': 'application/json',
      'webhook-id': event.id,
      'webhook-timestamp': String(t0.getTime() / 1000),
    });
    expect(verifies(secret, request)).toBe(true);
    expect(JSON.parse(request.body)).toEqual({
      id: event.id,
      type: 'payment.reserved',
      timestamp: '2026-11-30T09:59:59.000Z',
      data: { ...event.data, version: 2 },
    });
    expect(webhooks.attempts).toEqual([
      {
        eventId: event.id,
        endpointId,
        attempt: 1,
        at: t0.toISOString(),
        outcome: 'delivered',
        status: 200,
        latencyMs: 42,
        responseStart: 'answer 200',
      },
    ]);
    expect(deliveries.sent).toEqual([]);
    expect(log.info).toHaveBeenCalledWith(
      'webhook delivery attempt',
      expect.objectContaining({ merchantId: MERCHANT, eventId: event.id, outcome: 'delivered', status: 200 }),
    );
  });

  it('the body carries no routing fields of ours (merchantId), only id, type, timestamp and data', () => {
    expect(Object.keys(JSON.parse(eventPayload(event)) as object)).toEqual([
      'id',
      'type',
      'timestamp',
      'data',
    ]);
  });

  it('uses a shorter timeout when one is configured', async () => {
    const { poster, requests } = scriptedPoster(204);
    await deliverEvent(task(), deps(poster, { timeoutMs: 500 }));
    expect(requests[0]?.timeoutMs).toBe(500);
  });

  it('during a rotation the request verifies with the old and with the new secret', async () => {
    const rotatedTo = await rotateSecret(MERCHANT, endpointId, {
      webhooks,
      vault: contextBoundVault(),
      clock,
    });
    const { poster, requests } = scriptedPoster(204);
    await deliverEvent(task(), deps(poster));
    expect(verifies(secret, requests[0]!)).toBe(true);
    expect(verifies(rotatedTo.secret, requests[0]!)).toBe(true);
    expect(verifies('whsec_' + Buffer.alloc(24, 7).toString('base64'), requests[0]!)).toBe(false);
  });

  it.each([200, 204, 299])('any 2xx (%i) counts as delivered', async (status) => {
    expect(await deliverEvent(task(), deps(scriptedPoster(status).poster))).toBe('delivered');
    expect(deliveries.sent).toEqual([]);
  });

  it.each([199, 300, 400, 500, 503])('%i is a failed attempt, retried 5 s later', async (status) => {
    expect(await deliverEvent(task(), deps(scriptedPoster(status).poster))).toBe('retry-scheduled');
    const next = new Date(t0.getTime() + 5 * SECOND).toISOString();
    expect(webhooks.attempts).toEqual([
      expect.objectContaining({ outcome: 'failed', status, attempt: 1, nextAttemptAt: next }),
    ]);
    expect(deliveries.sent).toEqual([{ task: task({ attempt: 2, notBefore: next }), delaySeconds: 5 }]);
  });

  it('keeps only the first 256 characters of the answer', async () => {
    const poster: WebhookPoster = {
      post: () =>
        Promise.resolve({ kind: 'answered', status: 500, latencyMs: 3, bodyStart: 'x'.repeat(300) }),
    };
    await deliverEvent(task(), deps(poster));
    expect(webhooks.attempts[0]?.responseStart).toBe('x'.repeat(256));
  });

  it('a timeout is a failed attempt with its reason and no status', async () => {
    expect(await deliverEvent(task(), deps(scriptedPoster('timeout').poster))).toBe('retry-scheduled');
    const [attempt] = webhooks.attempts;
    expect(attempt).toMatchObject({
      outcome: 'failed',
      error: 'No answer within 15000 ms',
      latencyMs: 15_000,
    });
    expect(attempt).not.toHaveProperty('status');
    expect(attempt).not.toHaveProperty('responseStart');
  });

  it('an address webhooks may not reach is refused without a request, and retried like a failure', async () => {
    const metadataService = 'https://169.254.169.254/latest/meta-data';
    const endpoint = (await webhooks.getEndpoint(MERCHANT, endpointId))!;
    await webhooks.putEndpoint({ ...endpoint, url: metadataService });
    const poster = new HttpWebhookPoster({ allowPrivateNetwork: false });

    expect(await deliverEvent(task(), deps(poster))).toBe('retry-scheduled');
    expect(webhooks.attempts[0]).toMatchObject({
      outcome: 'failed',
      error: expect.stringContaining('169.254.169.254'),
    });
  });

  it('410 Gone disables the endpoint and sends nothing more', async () => {
    expect(await deliverEvent(task(), deps(scriptedPoster(410).poster))).toBe('endpoint-disabled');

    const endpoint = await webhooks.getEndpoint(MERCHANT, endpointId);
    expect(endpoint).toMatchObject({
      url: 'https://shop.example/hooks',
      disabledAt: t0.toISOString(),
      disabledReason: 'The receiver answered 410 Gone',
    });
    expect(webhooks.attempts[0]).toMatchObject({ outcome: 'gone', status: 410 });
    expect(webhooks.attempts[0]).not.toHaveProperty('nextAttemptAt');
    expect(deliveries.sent).toEqual([]);

    const { poster, requests } = scriptedPoster(204);
    expect(await deliverEvent(task({ attempt: 2 }), deps(poster))).toBe('skipped');
    expect(requests).toEqual([]);
  });

  it('retries on the documented schedule, then gives up after the tenth attempt', async () => {
    const { poster, requests } = scriptedPoster(...Array<number>(10).fill(503));
    const gaps: number[] = [];
    let current = task();
    for (let n = 1; n <= 9; n++) {
      clock.set(new Date(current.notBefore));
      expect(await deliverEvent(current, deps(poster))).toBe('retry-scheduled');
      const { task: next, delaySeconds } = deliveries.sent.at(-1)!;
      gaps.push(Date.parse(next.notBefore) - Date.parse(current.notBefore));
      expect(next.attempt).toBe(n + 1);
      expect(delaySeconds).toBe(Math.min(900, gaps.at(-1)! / 1000));
      current = next;
    }
    expect(gaps).toEqual([
      5 * SECOND,
      5 * MINUTE,
      30 * MINUTE,
      2 * HOUR,
      5 * HOUR,
      10 * HOUR,
      14 * HOUR,
      20 * HOUR,
      24 * HOUR,
    ]);

    clock.set(new Date(current.notBefore));
    const sentBefore = deliveries.sent.length;
    expect(await deliverEvent(current, deps(poster))).toBe('gave-up');
    expect(deliveries.sent).toHaveLength(sentBefore);
    expect(requests).toHaveLength(10);
    expect(webhooks.attempts.at(-1)).toMatchObject({ attempt: 10, outcome: 'failed' });
    expect(webhooks.attempts.at(-1)).not.toHaveProperty('nextAttemptAt');
    expect(log.warn).toHaveBeenCalledWith(
      'webhook delivery gave up',
      expect.objectContaining({ eventId: event.id, endpointId, merchantId: MERCHANT, attempts: 10 }),
    );
  });

  it('a task that arrives before it is due goes back on the queue for the rest of the wait', async () => {
    const { poster, requests } = scriptedPoster(204);
    const early = task({ attempt: 5, notBefore: new Date(t0.getTime() + 2 * HOUR).toISOString() });

    expect(await deliverEvent(early, deps(poster))).toBe('not-yet');
    expect(deliveries.sent).toEqual([{ task: early, delaySeconds: 900 }]);

    clock.set(new Date(t0.getTime() + 2 * HOUR - 10 * SECOND));
    expect(await deliverEvent(early, deps(poster))).toBe('not-yet');
    expect(deliveries.sent[1]).toEqual({ task: early, delaySeconds: 10 });
    expect(requests).toEqual([]);
    expect(webhooks.attempts).toEqual([]);
  });

  it('a task due this very moment is delivered', async () => {
    const { poster, requests } = scriptedPoster(204);
    expect(await deliverEvent(task({ notBefore: t0.toISOString() }), deps(poster))).toBe('delivered');
    expect(requests).toHaveLength(1);
  });

  it.each([
    ['the event is not the merchant’s', { merchantId: 'merchant-2' }],
    ['the event is unknown', { eventId: 'evt_unknown' }],
    ['the endpoint was deleted', { endpointId: 'we_deleted' }],
  ])('nothing is sent when %s', async (_case, overrides) => {
    const { poster, requests } = scriptedPoster(204);
    expect(await deliverEvent(task(overrides), deps(poster))).toBe('skipped');
    expect(requests).toEqual([]);
    expect(webhooks.attempts).toEqual([]);
    expect(deliveries.sent).toEqual([]);
  });
});
