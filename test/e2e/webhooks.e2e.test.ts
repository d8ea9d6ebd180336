/**
 * Issue 14 end to end: a merchant registers a webhook endpoint through the Merchant API on the
 * local stack, pays through the Vipps simulator, captures, and its receiver — verifying every
 * request with `standardwebhooks`, as the README's receiver example does — gets the events,
 * which the event log and delivery log then show. Another merchant sees none of it.
 */
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoDbDocumentClient } from '../../lambdas/adapters/aws-clients.js';
import { DynamoMerchantStore } from '../../lambdas/adapters/dynamo/merchant-store.js';
import { sha256Hex } from '../../lambdas/core/secrets.js';
import { type LocalStack, bootLocalStack, merchantClient, reservedPayment } from '../support/local-stack.js';

interface Delivery {
  id: string;
  event: { id: string; type: string; data: { pspTransactionId: string; status: string; version: number } };
}

let stack: LocalStack;
let server: Server;
let receiverUrl: string;
/** The secrets the receiver accepts (the shop keeps its current one; during a rotation both). */
const secrets: string[] = [];
const deliveries: Delivery[] = [];
const rejected: string[] = [];
const OTHER_KEY = 'webhook_other_merchant_key_0123456789';

beforeAll(async () => {
  stack = await bootLocalStack();
  const documents = createDynamoDbDocumentClient({ endpoint: stack.endpoints.dynamodb, counter: false });
  await new DynamoMerchantStore({ client: documents, tableName: stack.environment.TABLE_NAME! }).put(
    {
      merchantId: 'webhook-other',
      name: 'Other AS',
      merchantSerialNumbers: ['654321'],
      allowCreditCards: true,
    },
    sha256Hex(OTHER_KEY),
  );
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = req.headers as Record<string, string>;
      const verified = secrets
        .map((secret) => {
          try {
            return new Webhook(secret).verify(body, headers) as Delivery['event'];
          } catch {
            return undefined;
          }
        })
        .find(Boolean);
      if (!verified) {
        rejected.push(body);
        res.writeHead(400).end('bad signature');
        return;
      }
      deliveries.push({ id: headers['webhook-id']!, event: verified });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/vipps-hooks`;
});
afterAll(async () => {
  await stack?.stop();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
});

async function eventually<T>(read: () => T | undefined, what: string, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const received = (id: string, type: string, from = 0) =>
  eventually(
    () => deliveries.slice(from).find((d) => d.event.data.pspTransactionId === id && d.event.type === type),
    `${type} for ${id}`,
  );

const call = (method: string, path: string, apiKey = stack.merchantApiKey) =>
  fetch(`${stack.baseUrl}${path}`, { method, headers: { Authorization: `Bearer ${apiKey}` } });

describe('merchant webhooks over HTTP', () => {
  let endpointId: string;

  it('registers an endpoint: 201 with a whsec_ secret shown once (a replay does not show it again)', async () => {
    const merchant = merchantClient(stack);
    const created = await merchant.post<{ id: string; secret: string; events: string[] }>(
      '/v1/webhook-endpoints',
      { url: receiverUrl },
      'hook-create-1',
    );
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_/);
    expect(created.body.events).toContain('payment.captured');
    endpointId = created.body.id;
    secrets.push(created.body.secret);

    const replay = await merchant.post<{ id: string; secret: string }>(
      '/v1/webhook-endpoints',
      { url: receiverUrl },
      'hook-create-1',
    );
    expect(replay.status).toBe(201);
    expect(replay.body.id).toBe(endpointId);
    expect(replay.body.secret).not.toMatch(/^whsec_/);

    const listed = await merchant.get<{ endpoints: Array<{ id: string; url: string }> }>(
      '/v1/webhook-endpoints',
    );
    expect(listed.body.endpoints).toEqual([expect.objectContaining({ id: endpointId, url: receiverUrl })]);
    expect(listed.text).not.toContain('whsec_');
  });

  it('delivers payment.reserved and payment.captured, signed; the event and delivery logs show them', async () => {
    const merchant = merchantClient(stack);
    const id = await reservedPayment(stack, 10_000);
    const reserved = await received(id, 'payment.reserved');
    await merchant.capture(id, 4_000);
    const captured = await received(id, 'payment.captured');
    expect(captured.event.data).toMatchObject({ status: 'PARTIALLY_CAPTURED' });
    expect(captured.event.data.version).toBeGreaterThan(reserved.event.data.version);
    expect(rejected).toEqual([]);

    const log = await merchant.get<{ events: Array<{ id: string; type: string }> }>(
      `/v1/events?paymentId=${id}`,
    );
    expect(log.body.events.map((e) => e.type)).toEqual(['payment.reserved', 'payment.captured']);
    expect(log.body.events[1]!.id).toBe(captured.id);
    const delivered = await merchant.get<{ deliveries: Array<{ outcome: string; status: number }> }>(
      `/v1/events/${captured.id}/deliveries`,
    );
    expect(delivered.body.deliveries).toEqual([
      expect.objectContaining({ endpointId, attempt: 1, outcome: 'delivered', status: 204 }),
    ]);
  });

  it('another merchant sees none of the endpoints, events or deliveries (404, not 403)', async () => {
    const own = await merchantClient(stack).get<{ events: Array<{ id: string }> }>('/v1/events');
    const eventId = own.body.events[0]!.id;
    const other = merchantClient(stack, OTHER_KEY);
    expect((await other.get<{ endpoints: unknown[] }>('/v1/webhook-endpoints')).body.endpoints).toEqual([]);
    expect((await other.get<{ events: unknown[] }>('/v1/events')).body.events).toEqual([]);
    expect((await other.get(`/v1/events/${eventId}/deliveries`)).status).toBe(404);
    expect((await other.post(`/v1/events/${eventId}/redeliver`, {})).status).toBe(404);
    expect((await other.post(`/v1/webhook-endpoints/${endpointId}/rotate-secret`, {})).status).toBe(404);
    expect((await call('DELETE', `/v1/webhook-endpoints/${endpointId}`, OTHER_KEY)).status).toBe(404);
  });

  it('rotates the secret: the next delivery verifies with the old secret and with the new one', async () => {
    const merchant = merchantClient(stack);
    const rotated = await merchant.post<{ secret: string }>(
      `/v1/webhook-endpoints/${endpointId}/rotate-secret`,
      {},
    );
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    const [oldSecret] = secrets.splice(0, secrets.length, rotated.body.secret);
    const [event] = (await merchant.get<{ events: Array<{ id: string }> }>('/v1/events')).body.events;

    for (const only of [rotated.body.secret, oldSecret!]) {
      secrets.splice(0, secrets.length, only);
      const from = deliveries.length;
      const redelivered = await merchant.post(`/v1/events/${event!.id}/redeliver`, {});
      expect(redelivered.status).toBe(202);
      await eventually(() => deliveries.slice(from).find((d) => d.id === event!.id), 'the redelivery');
    }
    expect(rejected).toEqual([]);
  });

  it('deletes the endpoint: 204, gone from the list, and a second delete is 404', async () => {
    expect((await call('DELETE', `/v1/webhook-endpoints/${endpointId}`)).status).toBe(204);
    const listed = await merchantClient(stack).get<{ endpoints: unknown[] }>('/v1/webhook-endpoints');
    expect(listed.body.endpoints).toEqual([]);
    expect((await call('DELETE', `/v1/webhook-endpoints/${endpointId}`)).status).toBe(404);
  });

  it('refuses a bad endpoint with a specific problem and registers nothing', async () => {
    const merchant = merchantClient(stack);
    const bad = await merchant.post('/v1/webhook-endpoints', {
      url: 'ftp://shop.example/x',
      events: ['payment.nope'],
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ type: '/problems/validation-error' });
    expect((await merchant.get<{ endpoints: unknown[] }>('/v1/webhook-endpoints')).body.endpoints).toEqual(
      [],
    );
  });
});
