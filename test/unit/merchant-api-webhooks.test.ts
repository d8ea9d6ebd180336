/**
 * The Merchant API's webhook routes on in-memory ports: endpoints (the signing secret shown once,
 * never kept for a replay) and the event log, each only ever under the calling merchant.
 */
import { describe, expect, it } from 'vitest';
import type { PaymentEvent } from '../../lambdas/core/webhooks/payment-events.js';
import { json, problem } from '../../lambdas/handlers/http/api-gateway.js';
import { withSecret } from '../../lambdas/handlers/merchant-api/webhook-routes.js';
import { NOW, apiEvent, merchantApi, other } from '../support/merchant-api-harness.js';

const SECRET = /^whsec_[A-Za-z0-9+/=]{32}$/;
const NOTE = 'Shown in the first answer only; rotate the secret if it was lost.';

const createEndpoint = (body: unknown, key = 'we-1', merchant = undefined as typeof other | undefined) =>
  apiEvent('POST', '/v1/webhook-endpoints', { key, body, ...(merchant ? { merchant } : {}) });

function event(id: string, overrides: Partial<PaymentEvent> = {}): PaymentEvent {
  return {
    id,
    type: 'payment.captured',
    createdAt: NOW.toISOString(),
    merchantId: 'merchant-1',
    pspTransactionId: 'p1',
    version: 3,
    data: { pspTransactionId: 'p1' } as PaymentEvent['data'],
    ...overrides,
  };
}

describe('webhook endpoints', () => {
  it('create answers 201 with the secret once; the kept answer only says it was shown', async () => {
    const api = merchantApi();
    const res = await api.call(
      createEndpoint({ url: 'https://shop.example/hooks', events: ['payment.captured'] }),
    );
    const id = res.body.id as string;
    expect(res).toMatchObject({
      status: 201,
      headers: { Location: `/v1/webhook-endpoints/${id}` },
      body: {
        url: 'https://shop.example/hooks',
        events: ['payment.captured'],
        status: 'enabled',
        createdAt: NOW.toISOString(),
        secret: expect.stringMatching(SECRET) as string,
      },
    });
    expect(JSON.parse(api.idempotency.kept[0]!.body)).toMatchObject({ id, secret: NOTE });
    expect(JSON.stringify(api.idempotency.kept)).not.toContain('whsec_');
    expect(api.webhooks.endpoints.get(`merchant-1#${id}`)).toMatchObject({ merchantId: 'merchant-1' });
  });

  it('outside the local stage an http URL is refused, naming the field; the local stage takes it', async () => {
    const res = await merchantApi().call(createEndpoint({ url: 'http://shop.example/hooks' }));
    expect(res).toMatchObject({
      status: 400,
      body: { errors: [{ field: 'url', message: 'url must use https' }] },
    });
    const local = merchantApi({ deps: { allowHttpRedirectUrl: true } });
    expect((await local.call(createEndpoint({ url: 'http://127.0.0.1:4000/hooks' }))).status).toBe(201);
  });

  it('lists only the caller’s endpoints, without secrets', async () => {
    const api = merchantApi();
    await api.call(createEndpoint({ url: 'https://shop.example/a' }));
    await api.call(createEndpoint({ url: 'https://votter.example/b' }, 'we-2', other));
    const res = await api.call(apiEvent('GET', '/v1/webhook-endpoints'));
    expect(res.status).toBe(200);
    expect(res.body.endpoints).toEqual([expect.objectContaining({ url: 'https://shop.example/a' })]);
    expect(res.raw).not.toContain('whsec_');
  });

  it('delete answers 204; another merchant’s endpoint is 404 and stays', async () => {
    const api = merchantApi();
    const id = (await api.call(createEndpoint({ url: 'https://shop.example/a' }))).body.id as string;
    const theirs = await api.call(
      apiEvent('DELETE', '/v1/webhook-endpoints/{id}', { merchant: other, path: { id } }),
    );
    expect(theirs).toMatchObject({
      status: 404,
      body: { type: '/problems/webhook-endpoint-not-found', title: 'No such webhook endpoint' },
    });
    expect(api.webhooks.endpoints.size).toBe(1);
    const mine = await api.call(apiEvent('DELETE', '/v1/webhook-endpoints/{id}', { path: { id } }));
    expect(mine).toMatchObject({ status: 204, raw: '' });
    expect(api.webhooks.endpoints.size).toBe(0);
  });

  it('rotate-secret shows the new secret once and keeps none in the stored answer', async () => {
    const api = merchantApi();
    const created = await api.call(createEndpoint({ url: 'https://shop.example/a' }));
    const id = created.body.id as string;
    const res = await api.call(
      apiEvent('POST', '/v1/webhook-endpoints/{id}/rotate-secret', { path: { id }, key: 'rot-1' }),
    );
    expect(res).toMatchObject({ status: 200, body: { id, secret: expect.stringMatching(SECRET) as string } });
    expect(res.body.secret).not.toBe(created.body.secret);
    expect(JSON.parse(api.idempotency.kept[1]!.body)).toMatchObject({ secret: NOTE });
    expect(api.idempotency.requests[1]).toMatchObject({
      key: 'rot-1',
      fingerprint: { route: 'POST /v1/webhook-endpoints/{id}/rotate-secret', id, body: {} },
    });
  });

  it('rotate-secret takes no fields, and another merchant’s endpoint is 404', async () => {
    const api = merchantApi();
    const id = (await api.call(createEndpoint({ url: 'https://shop.example/a' }))).body.id as string;
    const rotate = (options: Parameters<typeof apiEvent>[2]) =>
      api.call(
        apiEvent('POST', '/v1/webhook-endpoints/{id}/rotate-secret', { path: { id }, key: 'r', ...options }),
      );
    expect(await rotate({ body: { secret: 'mine' } })).toMatchObject({
      status: 400,
      body: { errors: [{ field: '(body)', message: 'unknown field: secret' }] },
    });
    const theirs = await rotate({ merchant: other });
    expect(theirs).toMatchObject({ status: 404, body: { type: '/problems/webhook-endpoint-not-found' } });
    expect(theirs.raw).not.toContain('whsec_');
  });
});

describe('the event log', () => {
  it('lists the caller’s events, filtered by payment and paged after an id', async () => {
    const api = merchantApi();
    api.webhooks.events.push(
      event('e1'),
      event('e2', { pspTransactionId: 'p2' }),
      event('x1', { merchantId: 'merchant-2' }),
    );
    const all = await api.call(apiEvent('GET', '/v1/events'));
    expect(all.status).toBe(200);
    expect((all.body.events as Array<{ id: string }>).map((e) => e.id)).toEqual(['e1', 'e2']);
    const some = await api.call(apiEvent('GET', '/v1/events', { query: { paymentId: 'p2', after: 'e1' } }));
    expect((some.body.events as Array<{ id: string }>).map((e) => e.id)).toEqual(['e2']);
    expect(api.webhooks.eventQueries.at(-1)).toEqual({
      merchantId: 'merchant-1',
      query: { limit: 50, after: 'e1', pspTransactionId: 'p2' },
    });
  });

  it('shows an event’s delivery attempts; another merchant’s event is 404', async () => {
    const api = merchantApi();
    api.webhooks.events.push(event('e1'));
    api.webhooks.attempts.push({
      eventId: 'e1',
      endpointId: 'we_1',
      attempt: 1,
      at: NOW.toISOString(),
      outcome: 'failed',
      status: 500,
      latencyMs: 12,
    });
    const mine = await api.call(apiEvent('GET', '/v1/events/{id}/deliveries', { path: { id: 'e1' } }));
    expect(mine).toMatchObject({ status: 200, body: { deliveries: [{ endpointId: 'we_1', status: 500 }] } });
    const theirs = await api.call(
      apiEvent('GET', '/v1/events/{id}/deliveries', { merchant: other, path: { id: 'e1' } }),
    );
    expect(theirs).toMatchObject({
      status: 404,
      body: {
        type: '/problems/event-not-found',
        title: 'No such event',
        detail: 'No event e1 for this merchant',
      },
    });
  });

  it('redeliver queues a fresh first attempt to each endpoint and answers 202', async () => {
    const api = merchantApi();
    const id = (await api.call(createEndpoint({ url: 'https://shop.example/a' }))).body.id as string;
    api.webhooks.events.push(event('e1'));
    const res = await api.call(
      apiEvent('POST', '/v1/events/{id}/redeliver', { path: { id: 'e1' }, key: 'redo-1' }),
    );
    expect(res).toMatchObject({ status: 202, body: { eventId: 'e1', endpoints: [id] } });
    expect(api.deliveries).toEqual([
      {
        task: {
          merchantId: 'merchant-1',
          eventId: 'e1',
          endpointId: id,
          attempt: 1,
          notBefore: NOW.toISOString(),
        },
        delaySeconds: 0,
      },
    ]);
  });

  it('redeliver of another merchant’s event is 404 and queues nothing', async () => {
    const api = merchantApi();
    api.webhooks.events.push(event('e1'));
    const res = await api.call(
      apiEvent('POST', '/v1/events/{id}/redeliver', { merchant: other, path: { id: 'e1' }, key: 'redo-1' }),
    );
    expect(res.status).toBe(404);
    expect(api.deliveries).toEqual([]);
  });

  it('redeliver takes no fields', async () => {
    const res = await merchantApi().call(
      apiEvent('POST', '/v1/events/{id}/redeliver', { path: { id: 'e1' }, key: 'redo-1', body: { to: 'x' } }),
    );
    expect(res.status).toBe(400);
  });
});

describe('withSecret', () => {
  it('puts the secret into a success answer only', () => {
    expect(JSON.parse(withSecret(json(201, { id: 'we_1', secret: NOTE }), 'whsec_x').body)).toEqual({
      id: 'we_1',
      secret: 'whsec_x',
    });
    expect(JSON.parse(withSecret(json(299, { id: 'we_1' }), 'whsec_x').body)).toEqual({
      id: 'we_1',
      secret: 'whsec_x',
    });
    const refused = problem(300, 'x', 'Not a success');
    expect(withSecret(refused, 'whsec_x')).toBe(refused);
  });
});
