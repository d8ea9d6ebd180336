/**
 * A merchant's webhook endpoints (core/webhooks/endpoints.ts) on in-memory ports: what is stored,
 * what the merchant sees (the secret once, never again), and the errors for an unknown endpoint.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  WebhookEndpointNotFoundError,
  createEndpoint,
  deleteEndpoint,
  endpointView,
  listEndpoints,
  rotateSecret,
} from '../../lambdas/core/webhooks/endpoints.js';
import { PAYMENT_EVENT_TYPES } from '../../lambdas/core/webhooks/payment-events.js';
import type { SecretVault } from '../../lambdas/core/ports.js';
import { openSecrets, rotated } from '../../lambdas/core/webhooks/secrets.js';
import { InMemoryWebhookStore, movableClock } from '../support/in-memory-webhook-store.js';
import { contextBoundVault } from '../support/context-bound-vault.js';

const t0 = new Date('2026-11-30T10:00:00.000Z');
const MERCHANT = 'merchant-1';

describe('webhook endpoints', () => {
  let webhooks: InMemoryWebhookStore;
  let clock: ReturnType<typeof movableClock>;
  const deps = () => ({ webhooks, vault: contextBoundVault(), clock });

  beforeEach(() => {
    webhooks = new InMemoryWebhookStore();
    clock = movableClock(t0);
  });

  it('a new endpoint receives every event type, shows its secret once, and stores it sealed', async () => {
    const created = await createEndpoint(MERCHANT, { url: 'https://shop.example/hooks' }, deps());

    expect(created).toEqual({
      id: expect.stringMatching(/^we_[0-9a-f]{32}$/),
      url: 'https://shop.example/hooks',
      events: [...PAYMENT_EVENT_TYPES],
      createdAt: t0.toISOString(),
      status: 'enabled',
      secret: expect.stringMatching(/^whsec_/),
    });
    const stored = (await webhooks.getEndpoint(MERCHANT, created.id))!;
    expect(stored).toMatchObject({
      merchantId: MERCHANT,
      endpointId: created.id,
      createdAt: t0.toISOString(),
    });
    expect(JSON.stringify(stored)).not.toContain(created.secret);
    expect(await openSecrets(stored, t0, contextBoundVault())).toEqual([created.secret]);
    expect(await listEndpoints(MERCHANT, deps())).toEqual([
      {
        id: created.id,
        url: 'https://shop.example/hooks',
        events: [...PAYMENT_EVENT_TYPES],
        createdAt: t0.toISOString(),
        status: 'enabled',
      },
    ]);
  });

  it('each endpoint gets its own id and secret', async () => {
    const a = await createEndpoint(MERCHANT, { url: 'https://shop.example/a' }, deps());
    const b = await createEndpoint(MERCHANT, { url: 'https://shop.example/b' }, deps());
    expect(a.id).not.toBe(b.id);
    expect(a.secret).not.toBe(b.secret);
  });

  it('an endpoint chosen for some event types gets each of them once', async () => {
    const created = await createEndpoint(
      MERCHANT,
      {
        url: 'https://shop.example/hooks',
        events: ['payment.captured', 'payment.refunded', 'payment.captured'],
      },
      deps(),
    );
    expect(created.events).toEqual(['payment.captured', 'payment.refunded']);
  });

  it('an empty list of event types means every type', async () => {
    const created = await createEndpoint(MERCHANT, { url: 'https://shop.example/hooks', events: [] }, deps());
    expect(created.events).toEqual([...PAYMENT_EVENT_TYPES]);
  });

  it('a disabled endpoint says when and why', async () => {
    const created = await createEndpoint(MERCHANT, { url: 'https://shop.example/hooks' }, deps());
    const stored = (await webhooks.getEndpoint(MERCHANT, created.id))!;
    expect(
      endpointView({ ...stored, disabledAt: '2026-12-01T00:00:00.000Z', disabledReason: 'Gone' }),
    ).toEqual({
      id: created.id,
      url: 'https://shop.example/hooks',
      events: [...PAYMENT_EVENT_TYPES],
      createdAt: t0.toISOString(),
      status: 'disabled',
      disabledAt: '2026-12-01T00:00:00.000Z',
      disabledReason: 'Gone',
    });
  });

  it('lists only the merchant’s own endpoints', async () => {
    await createEndpoint('merchant-2', { url: 'https://other.example/hooks' }, deps());
    expect(await listEndpoints(MERCHANT, deps())).toEqual([]);
  });

  it('deletes an endpoint, and refuses an unknown one by name', async () => {
    const created = await createEndpoint(MERCHANT, { url: 'https://shop.example/hooks' }, deps());
    await deleteEndpoint(MERCHANT, created.id, deps());
    expect(await webhooks.getEndpoint(MERCHANT, created.id)).toBeUndefined();

    const again = deleteEndpoint(MERCHANT, created.id, deps());
    await expect(again).rejects.toBeInstanceOf(WebhookEndpointNotFoundError);
    await expect(again).rejects.toThrow(`No webhook endpoint ${created.id} for this merchant`);
  });

  it('another merchant cannot delete or rotate the endpoint', async () => {
    const created = await createEndpoint(MERCHANT, { url: 'https://shop.example/hooks' }, deps());
    await expect(deleteEndpoint('merchant-2', created.id, deps())).rejects.toBeInstanceOf(
      WebhookEndpointNotFoundError,
    );
    await expect(rotateSecret('merchant-2', created.id, deps())).rejects.toThrow(
      `No webhook endpoint ${created.id} for this merchant`,
    );
    expect(await webhooks.getEndpoint(MERCHANT, created.id)).toBeDefined();
  });

  it('rotation shows a new secret once; both sign for 24 h, then only the new one', async () => {
    const created = await createEndpoint(MERCHANT, { url: 'https://shop.example/hooks' }, deps());
    clock.advance(60_000);
    const rotation = await rotateSecret(MERCHANT, created.id, deps());

    expect(rotation).toMatchObject({ id: created.id, status: 'enabled', url: 'https://shop.example/hooks' });
    expect(rotation.secret).toMatch(/^whsec_/);
    expect(rotation.secret).not.toBe(created.secret);
    const stored = (await webhooks.getEndpoint(MERCHANT, created.id))!;
    expect(stored.secrets[0]?.createdAt).toBe(clock.now().toISOString());
    expect(await openSecrets(stored, clock.now(), contextBoundVault())).toEqual([
      rotation.secret,
      created.secret,
    ]);
    clock.advance(24 * 3_600_000);
    expect(await openSecrets(stored, clock.now(), contextBoundVault())).toEqual([rotation.secret]);
  });

  it('seals each secret under its own endpoint (the KMS encryption context ops see in CloudTrail)', async () => {
    const contexts: Array<Record<string, string>> = [];
    const vault: SecretVault = {
      seal: (plaintext, context) => {
        contexts.push(context);
        return contextBoundVault().seal(plaintext, context);
      },
      open: (sealed, context) => contextBoundVault().open(sealed, context),
    };
    const created = await createEndpoint(
      MERCHANT,
      { url: 'https://shop.example/hooks' },
      { webhooks, vault, clock },
    );
    expect(contexts).toEqual([
      { purpose: 'webhook-signing-secret', merchantId: MERCHANT, endpointId: created.id },
    ]);
  });

  it('a rotated-out secret stops signing the moment its overlap ends', async () => {
    const created = await createEndpoint(MERCHANT, { url: 'https://shop.example/hooks' }, deps());
    const rotation = await rotateSecret(MERCHANT, created.id, deps());
    const stored = (await webhooks.getEndpoint(MERCHANT, created.id))!;
    const end = new Date(t0.getTime() + 24 * 3_600_000);
    expect(await openSecrets(stored, new Date(end.getTime() - 1), contextBoundVault())).toHaveLength(2);
    expect(await openSecrets(stored, end, contextBoundVault())).toEqual([rotation.secret]);
  });

  it('a rotation never lets an old secret sign longer than 24 h from now', async () => {
    const created = await createEndpoint(MERCHANT, { url: 'https://shop.example/hooks' }, deps());
    const stored = (await webhooks.getEndpoint(MERCHANT, created.id))!;
    const [current] = stored.secrets;
    const longLived = { ...stored, secrets: [{ ...current!, expiresAt: '2026-12-05T10:00:00.000Z' }] };
    const soon = { ...stored, secrets: [{ ...current!, expiresAt: '2026-11-30T12:00:00.000Z' }] };
    const fresh = { ...current!, createdAt: t0.toISOString() };
    expect(rotated(longLived, fresh, t0)[1]?.expiresAt).toBe('2026-12-01T10:00:00.000Z');
    expect(rotated(soon, fresh, t0)[1]?.expiresAt).toBe('2026-11-30T12:00:00.000Z');
  });
});
