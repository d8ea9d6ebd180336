import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { standardWebhooksSigner } from '../../lambdas/adapters/webhooks/standard-webhooks-signer.js';
import type { WebhookEndpoint } from '../../lambdas/core/webhooks/ports.js';
import { contextBoundVault } from '../support/context-bound-vault.js';
import { newSigningSecret, openSecrets, rotated, sealSecret } from '../../lambdas/core/webhooks/secrets.js';

/** The KMS vault is covered by the integration tests. */
const vault = contextBoundVault();

const ids = { merchantId: 'm-1', endpointId: 'we_1' };
const t0 = new Date('2026-11-30T10:00:00.000Z');
const hours = (h: number) => new Date(t0.getTime() + h * 3_600_000);

async function signedAt(endpoint: WebhookEndpoint, at: Date) {
  const body = '{"type":"payment.captured"}';
  const secrets = await openSecrets(endpoint, at, vault);
  const signature = standardWebhooksSigner.sign(secrets, 'evt_1', at, body);
  const headers = {
    'webhook-id': 'evt_1',
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signature,
  };
  // standardwebhooks checks the timestamp against the wall clock: verify "at" that time.
  const verifies = (secret: string) => {
    const realNow = Date.now;
    Date.now = () => at.getTime();
    try {
      new Webhook(secret).verify(body, headers);
      return true;
    } catch {
      return false;
    } finally {
      Date.now = realNow;
    }
  };
  return verifies;
}

describe('webhook secret rotation', () => {
  it('new secrets are whsec_ Standard Webhooks secrets', () => {
    expect(newSigningSecret()).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
  });

  it('old and new secret both sign for 24 h after a rotation, then only the new one', async () => {
    const oldSecret = newSigningSecret();
    const newSecret = newSigningSecret();
    const endpoint: WebhookEndpoint = {
      ...ids,
      url: 'https://shop.example/hooks',
      events: ['payment.captured'],
      secrets: [await sealSecret(oldSecret, ids, vault, t0.toISOString())],
      createdAt: t0.toISOString(),
    };
    const rotation = hours(1);
    const after = {
      ...endpoint,
      secrets: rotated(endpoint, await sealSecret(newSecret, ids, vault, rotation.toISOString()), rotation),
    };

    const within = await signedAt(after, hours(24.9));
    expect(within(oldSecret)).toBe(true);
    expect(within(newSecret)).toBe(true);

    const beyond = await signedAt(after, hours(25.1));
    expect(beyond(oldSecret)).toBe(false);
    expect(beyond(newSecret)).toBe(true);
  });

  it('a second rotation never extends an old secret past its 24 h', async () => {
    const endpoint: WebhookEndpoint = {
      ...ids,
      url: 'https://shop.example/hooks',
      events: ['payment.captured'],
      secrets: [await sealSecret('whsec_b2xk', ids, vault, t0.toISOString())],
      createdAt: t0.toISOString(),
    };
    const first = rotated(endpoint, await sealSecret('whsec_bmV3', ids, vault, t0.toISOString()), t0);
    const second = rotated(
      { ...endpoint, secrets: first },
      await sealSecret('whsec_dGhpcmQ=', ids, vault, hours(2).toISOString()),
      hours(2),
    );
    expect(second.map((s) => s.expiresAt)).toEqual([
      undefined,
      hours(26).toISOString(),
      hours(24).toISOString(),
    ]);
  });
});
