/**
 * The webhook-delivery Lambda (handlers/webhook-delivery.ts) on in-memory ports: one attempt per
 * SQS message, the metrics the "deliveries failing" alarm counts, and which messages SQS must
 * redeliver (only those that failed on our side).
 */
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { type Mock, beforeEach, describe, expect, it, vi } from 'vitest';
import { standardWebhooksSigner } from '../../lambdas/adapters/webhooks/standard-webhooks-signer.js';
import type { Log } from '../../lambdas/core/ports.js';
import { createEndpoint } from '../../lambdas/core/webhooks/endpoints.js';
import { paymentEventsFor } from '../../lambdas/core/webhooks/payment-events.js';
import type { DeliveryTask, WebhookPoster } from '../../lambdas/core/webhooks/ports.js';
import { createWebhookDeliveryHandler } from '../../lambdas/handlers/webhook-delivery.js';
import {
  InMemoryWebhookStore,
  RecordingDeliveryQueue,
  movableClock,
} from '../support/in-memory-webhook-store.js';
import { contextBoundVault } from '../support/context-bound-vault.js';
import { initiatedPayment } from '../support/transactions.js';

const t0 = new Date('2026-11-30T10:00:00.000Z');

const record = (messageId: string, body: string): SQSRecord => ({ messageId, body }) as SQSRecord;
const sqsEvent = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

describe('the webhook-delivery Lambda', () => {
  let webhooks: InMemoryWebhookStore;
  let deliveries: RecordingDeliveryQueue;
  let log: { [K in keyof Log]: Mock<Log[K]> };
  let metrics: { addMetric: Mock<Metrics['addMetric']> };
  let answers: number[];
  let posted: string[];
  let task: (overrides?: Partial<DeliveryTask>) => string;

  beforeEach(async () => {
    webhooks = new InMemoryWebhookStore();
    deliveries = new RecordingDeliveryQueue();
    log = {
      debug: vi.fn<Log['debug']>(),
      info: vi.fn<Log['info']>(),
      warn: vi.fn<Log['warn']>(),
      error: vi.fn<Log['error']>(),
    };
    metrics = { addMetric: vi.fn<Metrics['addMetric']>() };
    answers = [];
    posted = [];
    const clock = movableClock(t0);
    const tx = initiatedPayment({ status: 'RESERVED', version: 2 });
    const [event] = paymentEventsFor(tx, [{ operation: 'RESERVE', amount: 10_000, at: t0.toISOString() }]);
    await webhooks.putEvent(event!);
    const endpoint = await createEndpoint(
      tx.merchantId,
      { url: 'https://shop.example/hooks' },
      { webhooks, vault: contextBoundVault(), clock },
    );
    task = (overrides = {}) =>
      JSON.stringify({
        merchantId: tx.merchantId,
        eventId: event!.id,
        endpointId: endpoint.id,
        attempt: 1,
        notBefore: t0.toISOString(),
        ...overrides,
      });
  });

  const handler = () => createWebhookDeliveryHandler(handlerDeps());
  const handlerDeps = () => {
    const poster: WebhookPoster = {
      post: (request) => {
        posted.push(request.url);
        return Promise.resolve({
          kind: 'answered',
          status: answers.shift() ?? 204,
          latencyMs: 1,
          bodyStart: '',
        });
      },
    };
    return {
      webhooks,
      deliveries,
      poster,
      signer: standardWebhooksSigner,
      vault: contextBoundVault(),
      clock: movableClock(t0),
      log,
      metrics,
    };
  };

  it('delivers the task of each message and counts a delivery', async () => {
    const result = await handler()(sqsEvent(record('m-1', task())));
    expect(result).toEqual({ batchItemFailures: [] });
    expect(posted).toEqual(['https://shop.example/hooks']);
    expect(metrics.addMetric).toHaveBeenCalledTimes(1);
    expect(metrics.addMetric).toHaveBeenCalledWith('WebhookDeliveries', 'Count', 1);
  });

  it.each([
    [503, 'a retried failure'],
    [410, 'a 410 that disabled the endpoint'],
  ])('counts %i (%s) as a failed delivery, and the message is done', async (status) => {
    answers = [status];
    const result = await handler()(sqsEvent(record('m-1', task())));
    expect(result).toEqual({ batchItemFailures: [] });
    expect(metrics.addMetric).toHaveBeenCalledTimes(1);
    expect(metrics.addMetric).toHaveBeenCalledWith('WebhookDeliveryFailures', 'Count', 1);
  });

  it('counts the last attempt giving up as a failed delivery', async () => {
    answers = [503];
    await handler()(sqsEvent(record('m-1', task({ attempt: 10 }))));
    expect(deliveries.sent).toEqual([]);
    expect(metrics.addMetric).toHaveBeenCalledWith('WebhookDeliveryFailures', 'Count', 1);
  });

  it('counts nothing for a task re-queued early or one whose endpoint is gone', async () => {
    const later = new Date(t0.getTime() + 60_000).toISOString();
    await handler()(
      sqsEvent(record('m-1', task({ notBefore: later })), record('m-2', task({ endpointId: 'we_x' }))),
    );
    expect(posted).toEqual([]);
    expect(deliveries.sent).toHaveLength(1);
    expect(metrics.addMetric).not.toHaveBeenCalled();
  });

  it('delivers just the same where no metrics are kept', async () => {
    const { metrics: _none, ...withoutMetrics } = handlerDeps();
    answers = [204, 503];
    const handle = createWebhookDeliveryHandler(withoutMetrics);
    expect(await handle(sqsEvent(record('m-1', task()), record('m-2', task())))).toEqual({
      batchItemFailures: [],
    });
    expect(posted).toHaveLength(2);
  });

  it('drops an unreadable task with an error naming the message, without failing it', async () => {
    const result = await handler()(
      sqsEvent(
        record('m-bad-json', '{not json'),
        record('m-bad-task', task({ attempt: 0 })),
        record('m-ok', task()),
      ),
    );
    expect(result).toEqual({ batchItemFailures: [] });
    expect(log.error).toHaveBeenCalledWith('Unreadable webhook delivery task dropped', {
      messageId: 'm-bad-json',
    });
    expect(log.error).toHaveBeenCalledWith('Unreadable webhook delivery task dropped', {
      messageId: 'm-bad-task',
    });
    expect(posted).toHaveLength(1);
  });

  it('fails only the message whose attempt failed on our side, so SQS redelivers it', async () => {
    webhooks.recordAttempt = () => Promise.reject(new Error('table unreachable'));
    const otherEndpoint = task({ endpointId: 'we_gone' });
    const result = await handler()(sqsEvent(record('m-1', task()), record('m-2', otherEndpoint)));
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
    expect(log.error).toHaveBeenCalledWith('Webhook delivery failed on our side; SQS will redeliver', {
      messageId: 'm-1',
      error: 'Error: table unreachable',
    });
    expect(metrics.addMetric).not.toHaveBeenCalled();
  });
});
