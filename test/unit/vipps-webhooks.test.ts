/**
 * Vipps' ePayment webhook events (DESIGN.md "ePayment PSP API" §5) through the handler, with an
 * in-memory payment store and event store: verified before anything is read, stored once,
 * settling payments that ended on Vipps' side while they waited for the card, and ignoring
 * everything else. The same over real HTTP and dynalite is test/e2e/epayment-webhooks.e2e.test.ts.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConcurrentUpdateError } from '../../lambdas/core/errors.js';
import type { Transaction } from '../../lambdas/core/transaction.js';
import type {
  StoredVippsEvent,
  VippsEventStore,
  VippsPaymentEvent,
} from '../../lambdas/core/vipps-events.js';
import { receiveVippsEvent, vippsEventKey } from '../../lambdas/core/use-cases/vipps-webhook.js';
import type { HttpEvent } from '../../lambdas/handlers/http/api-gateway.js';
import { createVippsWebhookHandler } from '../../lambdas/handlers/vipps-webhooks/webhook-handler.js';
import { type SignOptions, signedEvent } from '../support/epayment-fakes.js';
import { RecordingMetrics } from '../support/recording-metrics.js';
import { InMemoryTransactionStore } from '../support/in-memory-transaction-store.js';
import { RecordingLog, TestClock } from '../support/three-ds-harness.js';
import { initiatedPayment } from '../support/transactions.js';

const NOW = new Date('2026-11-24T10:05:00.000Z');
const SECRET = 'webhook-registration-secret';
const WEBHOOK_URL = 'https://psp.example/vipps/webhooks';
const ID = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const MSN = '234567';

class MemoryVippsEvents implements VippsEventStore {
  readonly stored: StoredVippsEvent[] = [];
  record(event: StoredVippsEvent) {
    if (this.stored.some((e) => e.eventKey === event.eventKey)) return Promise.resolve(false);
    this.stored.push(structuredClone(event));
    return Promise.resolve(true);
  }
}

type Body = Record<string, unknown>;

function webhookBody(overrides: Body = {}): Body {
  return {
    msn: MSN,
    reference: ID,
    pspReference: 'evt-1',
    name: 'ABORTED',
    amount: { currency: 'NOK', value: 10_000 },
    timestamp: '2026-11-24T10:04:00Z',
    idempotencyKey: null,
    success: true,
    ...overrides,
  };
}

function setup(
  payment: Partial<Transaction> = {},
  extra: {
    webhookSecret?: () => Promise<string | undefined>;
    maxBodyBytes?: number;
    metrics?: undefined;
  } = {},
) {
  const transactions = new InMemoryTransactionStore([
    initiatedPayment({ merchantSerialNumber: MSN, vippsApi: 'epayment', ...payment }),
  ]);
  const events = new MemoryVippsEvents();
  const log = new RecordingLog();
  const metrics = new RecordingMetrics();
  const deps = {
    transactions,
    events,
    clock: new TestClock(NOW),
    log,
    metrics: metrics.asMetrics(),
    maxBodyBytes: 16 * 1024,
    webhookUrl: WEBHOOK_URL,
    webhookSecret: () => Promise.resolve<string | undefined>(SECRET),
    ...extra,
  };
  const handler = createVippsWebhookHandler(deps);
  const call = async (body: Body | string, sign: SignOptions = {}) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const response = await handler(signedEvent(WEBHOOK_URL, text, SECRET, NOW, sign));
    return { status: response.statusCode, body: JSON.parse(response.body) as unknown };
  };
  const stored = () => transactions.peek(ID)!;
  return { transactions, events, log, metrics, deps, handler, call, stored };
}

const logged = (log: RecordingLog, message: string) =>
  log.entries.filter((e) => e.message === message).map((e) => e.extra[0]);

describe('Vipps webhook: payments that ended on Vipps’ side', () => {
  const endings: Array<[string, 'CANCELLED' | 'EXPIRED', 'CANCEL' | 'EXPIRE', string]> = [
    ['ABORTED', 'CANCELLED', 'CANCEL', 'Vipps: CANCEL'],
    ['EXPIRED', 'EXPIRED', 'EXPIRE', 'Vipps: TIMEOUT'],
    ['TERMINATED', 'CANCELLED', 'CANCEL', 'Vipps: CANCEL'],
  ];
  for (const [name, status, operation, note] of endings) {
    it(`${name} settles the waiting payment as ${status} (93), and the event is stored`, async () => {
      const env = setup();
      expect(await env.call(webhookBody({ name }))).toEqual({ status: 200, body: { received: true } });
      expect(env.stored()).toMatchObject({
        status,
        failure: { errorId: '93', errorText: `Status from Vipps:${note.slice(7)}` },
        updatedAt: NOW.toISOString(),
      });
      expect(env.stored().history.at(-1)).toEqual({
        operation,
        amount: 0,
        at: NOW.toISOString(),
        errorId: '93',
        note,
      });
      expect(env.events.stored).toHaveLength(1);
      expect(logged(env.log, 'Vipps webhook event received')).toEqual([
        { pspTransactionId: ID, event: name, duplicate: false, settled: status },
      ]);
    });
  }

  it('the event name is matched whatever its case', async () => {
    const env = setup();
    await env.call(webhookBody({ name: 'aborted' }));
    expect(env.stored().status).toBe('CANCELLED');
  });

  it('an unsuccessful ABORTED event settles nothing but is stored', async () => {
    const env = setup();
    expect((await env.call(webhookBody({ success: false }))).status).toBe(200);
    expect(env.stored()).toMatchObject({ status: 'INITIATED', version: 1 });
    expect(env.events.stored).toHaveLength(1);
    expect(logged(env.log, 'Vipps webhook event received')).toEqual([
      { pspTransactionId: ID, event: 'ABORTED', duplicate: false },
    ]);
  });

  it('other events (AUTHORIZED, CAPTURED, …) are stored and change nothing', async () => {
    const env = setup();
    for (const name of ['CREATED', 'AUTHORIZED', 'CAPTURED', 'CANCELLED', 'REFUNDED'])
      expect((await env.call(webhookBody({ name, pspReference: `evt-${name}` }))).status).toBe(200);
    expect(env.stored()).toMatchObject({ status: 'INITIATED', version: 1 });
    expect(env.events.stored.map((e) => e.name)).toEqual([
      'CREATED',
      'AUTHORIZED',
      'CAPTURED',
      'CANCELLED',
      'REFUNDED',
    ]);
  });

  it('a payment already further along (RESERVED) is left as it is', async () => {
    const env = setup({ status: 'RESERVED', reservedAmount: 10_000 });
    expect((await env.call(webhookBody({ name: 'TERMINATED' }))).status).toBe(200);
    expect(env.stored()).toMatchObject({ status: 'RESERVED', version: 1 });
    expect(env.events.stored).toHaveLength(1);
  });

  it('a payment whose card callback is being authorised right now is not cancelled under it', async () => {
    const makePayment = {
      requestHash: 'h',
      phase: 'INITIAL' as const,
      state: 'IN_PROGRESS' as const,
      claimedAt: NOW.toISOString(),
    };
    const env = setup({ makePayment });
    await env.call(webhookBody());
    expect(env.stored()).toMatchObject({ status: 'INITIATED', version: 1 });
    // Once that attempt has been answered (a SOFT_DECLINE waiting for 3-D Secure), Vipps' end settles it.
    const answered = setup({ makePayment: { ...makePayment, state: 'ANSWERED' } });
    await answered.call(webhookBody());
    expect(answered.stored().status).toBe('CANCELLED');
  });

  it('a lost write is decided again from the new item', async () => {
    const env = setup();
    env.transactions.conflictOnNextApplies(2);
    expect((await env.call(webhookBody())).status).toBe(200);
    expect(env.stored().status).toBe('CANCELLED');
    expect(env.transactions.applyAttempts).toBe(3);
  });

  it('when another writer keeps winning, the event is still stored and answered 200 (the reconciler settles later)', async () => {
    const env = setup();
    env.transactions.conflictOnNextApplies(100);
    expect((await env.call(webhookBody())).status).toBe(200);
    expect(env.stored()).toMatchObject({ status: 'INITIATED', version: 1 });
    expect(env.events.stored).toHaveLength(1);
    expect(logged(env.log, 'Vipps webhook event received')).toEqual([
      { pspTransactionId: ID, event: 'ABORTED', duplicate: false },
    ]);
  });

  it('a store failure that is not a conflict fails the request and stores no event (Vipps redelivers)', async () => {
    const env = setup();
    env.transactions.apply = () => Promise.reject(new Error('DynamoDB unavailable'));
    await expect(env.call(webhookBody())).rejects.toThrow('DynamoDB unavailable');
    expect(env.events.stored).toHaveLength(0);
  });

  it('the payment vanishing between the reads settles nothing', async () => {
    const env = setup();
    const get = env.transactions.get.bind(env.transactions);
    let reads = 0;
    env.transactions.get = (id) => (++reads === 1 ? get(id) : Promise.resolve(undefined));
    expect((await env.call(webhookBody())).status).toBe(200);
    expect(env.transactions.applyAttempts).toBe(0);
  });
});

describe('Vipps webhook: stored once', () => {
  it('the same event again is answered 200 (so Vipps stops), stored once and changes nothing', async () => {
    const env = setup();
    await env.call(webhookBody({ name: 'EXPIRED' }));
    const after = env.stored();
    expect(await env.call(webhookBody({ name: 'EXPIRED' }))).toEqual({
      status: 200,
      body: { received: true },
    });
    expect(env.stored()).toEqual(after);
    expect(env.events.stored).toHaveLength(1);
    expect(logged(env.log, 'Vipps webhook event received').at(-1)).toEqual({
      pspTransactionId: ID,
      event: 'EXPIRED',
      duplicate: true,
    });
  });

  it('the event is stored with Vipps’ fields, its key and when we received it', async () => {
    const env = setup();
    await env.call(webhookBody({ idempotencyKey: 'idem-1', name: 'CAPTURED' }));
    const event: VippsPaymentEvent = {
      merchantSerialNumber: MSN,
      reference: ID,
      name: 'CAPTURED',
      amount: { currency: 'NOK', value: 10_000 },
      timestamp: '2026-11-24T10:04:00Z',
      eventId: 'evt-1',
      idempotencyKey: 'idem-1',
      success: true,
    };
    expect(env.events.stored).toStrictEqual([
      { ...event, eventKey: vippsEventKey(event), receivedAt: NOW.toISOString() },
    ]);
  });

  it('null pspReference and idempotencyKey are left out of the stored event', async () => {
    const env = setup();
    await env.call(webhookBody({ pspReference: null, idempotencyKey: null, name: 'CREATED' }));
    expect(Object.keys(env.events.stored[0]!)).not.toContain('eventId');
    expect(Object.keys(env.events.stored[0]!)).not.toContain('idempotencyKey');
  });

  it('the de-duplication key is stable across deployments: SHA-256 of its identifying fields', () => {
    const event: VippsPaymentEvent = {
      merchantSerialNumber: MSN,
      reference: ID,
      name: 'ABORTED',
      amount: { currency: 'NOK', value: 10_000 },
      timestamp: '2026-11-24T10:04:00Z',
      success: true,
    };
    const expected = createHash('sha256')
      .update(JSON.stringify([ID, 'ABORTED', '2026-11-24T10:04:00Z', '', '', 10_000]))
      .digest('hex');
    expect(vippsEventKey(event)).toBe(expected);
  });

  it('events that differ in any identifying field are different events', () => {
    const base: VippsPaymentEvent = {
      merchantSerialNumber: MSN,
      reference: ID,
      name: 'CAPTURED',
      amount: { currency: 'NOK', value: 5_000 },
      timestamp: '2026-11-24T10:04:00Z',
      eventId: 'evt-1',
      idempotencyKey: 'cap-1',
      success: true,
    };
    const variants: VippsPaymentEvent[] = [
      { ...base, reference: 'b'.repeat(32) },
      { ...base, name: 'REFUNDED' },
      { ...base, timestamp: '2026-11-24T10:04:01Z' },
      { ...base, eventId: 'evt-2' },
      { ...base, idempotencyKey: 'cap-2' },
      { ...base, amount: { currency: 'NOK', value: 5_001 } },
    ];
    const keys = new Set([base, ...variants].map(vippsEventKey));
    expect(keys.size).toBe(variants.length + 1);
  });
});

describe('Vipps webhook: who may call', () => {
  it('an unknown reference → 401 revealing nothing, logged with the reference; nothing stored', async () => {
    const env = setup();
    const other = '0123456789abcdef0123456789abcdef';
    expect(await env.call(webhookBody({ reference: other }))).toEqual({
      status: 401,
      body: { message: 'Unauthorized' },
    });
    expect(logged(env.log, 'Vipps webhook for an unknown payment')).toEqual([{ reference: other }]);
    expect(env.events.stored).toHaveLength(0);
  });

  it('a PSP API v3 payment, or ours on another MSN → 401, nothing changes', async () => {
    const v3 = setup({ vippsApi: 'psp-v3' });
    expect((await v3.call(webhookBody())).status).toBe(401);
    expect(v3.stored().status).toBe('INITIATED');
    const msn = setup();
    expect((await msn.call(webhookBody({ msn: '123456' }))).status).toBe(401);
    expect(msn.stored().status).toBe('INITIATED');
    expect(msn.events.stored).toHaveLength(0);
  });

  const forgeries: Array<[string, SignOptions, string]> = [
    ['unsigned', { unsigned: true }, 'missing-header'],
    ['signed with another secret', { secret: 'wrong' }, 'signature-mismatch'],
    ['signed 16 minutes ago', { date: new Date(NOW.getTime() - 16 * 60_000) }, 'stale-or-future-date'],
    ['signed over another body', { signedBody: '{}' }, 'content-hash-mismatch'],
    [
      'signed for the card-callback path',
      { signedUrl: 'https://psp.example/vipps/card-callback' },
      'signature-mismatch',
    ],
  ];
  for (const [what, sign, reason] of forgeries) {
    it(`${what} → 401, nothing stored or settled, the reason logged for ops`, async () => {
      const env = setup();
      expect(await env.call(webhookBody(), { ...sign, sourceIp: '203.0.113.9' })).toEqual({
        status: 401,
        body: { message: 'Unauthorized' },
      });
      expect(env.stored().status).toBe('INITIATED');
      expect(env.events.stored).toHaveLength(0);
      expect(logged(env.log, 'Vipps webhook signature refused')).toEqual([
        { reason, detail: expect.any(String), sourceIp: '203.0.113.9' },
      ]);
    });
  }

  it('no webhook secret configured → every event 401, logged as an error naming the settings', async () => {
    const env = setup({}, { webhookSecret: () => Promise.resolve(undefined) });
    expect(await env.call(webhookBody())).toEqual({ status: 401, body: { message: 'Unauthorized' } });
    expect(env.log.entries.filter((e) => e.level === 'error').map((e) => e.message)).toEqual([
      'Vipps webhook refused: no webhook secret is configured (VIPPS_WEBHOOK_SECRET or webhookSecret)',
    ]);
    expect(env.events.stored).toHaveLength(0);
  });

  it('a refused request without a source address (no requestContext, or no identity) → 401 all the same', async () => {
    const env = setup();
    const forged = signedEvent(WEBHOOK_URL, JSON.stringify(webhookBody()), SECRET, NOW, { unsigned: true });
    const { requestContext: _omitted, ...noContext } = forged;
    expect((await env.handler(noContext as HttpEvent)).statusCode).toBe(401);
    const noIdentity = { ...forged, requestContext: {} } as unknown as HttpEvent;
    expect((await env.handler(noIdentity)).statusCode).toBe(401);
    expect(logged(env.log, 'Vipps webhook signature refused')).toEqual([
      expect.objectContaining({ sourceIp: undefined }),
      expect.objectContaining({ sourceIp: undefined }),
    ]);
  });

  it('a request without headers → 401', async () => {
    const env = setup();
    const event = { ...signedEvent(WEBHOOK_URL, JSON.stringify(webhookBody()), SECRET, NOW), headers: null };
    expect((await env.handler(event as unknown as HttpEvent)).statusCode).toBe(401);
  });

  it('a base64-encoded body is verified and read as the bytes Vipps sent', async () => {
    const env = setup();
    expect((await env.call(webhookBody(), { base64: true })).status).toBe(200);
    expect(env.stored().status).toBe('CANCELLED');
  });

  it('no body → 401 (its signature cannot match); a signed empty body → 400', async () => {
    const env = setup();
    const event = { ...signedEvent(WEBHOOK_URL, '', SECRET, NOW, { signedBody: 'x' }), body: null };
    expect((await env.handler(event as unknown as HttpEvent)).statusCode).toBe(401);
    expect(await env.call('')).toEqual({ status: 400, body: { message: 'Body is not JSON' } });
  });
});

describe('Vipps webhook: bad bodies', () => {
  it('a signed body that is not JSON → 400', async () => {
    const env = setup();
    expect(await env.call('not json')).toEqual({ status: 400, body: { message: 'Body is not JSON' } });
  });

  it('an event missing fields → 400 naming them; a non-object → (body)', async () => {
    const env = setup();
    expect(
      await env.call(webhookBody({ name: undefined, success: 'yes', amount: { currency: 'NOK' } })),
    ).toEqual({
      status: 400,
      body: { message: 'Invalid webhook event: name, amount.value, success' },
    });
    expect(await env.call('"text"')).toEqual({
      status: 400,
      body: { message: 'Invalid webhook event: (body)' },
    });
    expect(env.events.stored).toHaveLength(0);
  });

  it('larger than allowed → 400 before anything else; exactly the limit is read', async () => {
    const text = JSON.stringify(webhookBody());
    const size = Buffer.byteLength(text);
    const tooSmall = setup({}, { maxBodyBytes: size - 1 });
    expect(await tooSmall.call(text)).toEqual({ status: 400, body: { message: 'Body too large' } });
    expect(tooSmall.stored().status).toBe('INITIATED');
    const exact = setup({}, { maxBodyBytes: size });
    expect((await exact.call(text)).status).toBe(200);
  });
});

describe('Vipps webhook: metrics', () => {
  it('every delivery is counted by the HTTP status we answered', async () => {
    const env = setup();
    await env.call(webhookBody());
    await env.call(webhookBody(), { unsigned: true });
    await env.call('not json');
    expect(env.metrics.emitted).toEqual(
      ['200', '401', '400'].map((result) => ({
        name: 'VippsWebhook',
        unit: 'Count',
        value: 1,
        dimensions: { result },
      })),
    );
  });

  it('without metrics configured the answer is the same', async () => {
    const env = setup({}, { metrics: undefined });
    expect((await env.call(webhookBody())).status).toBe(200);
  });
});

describe('receiveVippsEvent: its outcome', () => {
  const event: VippsPaymentEvent = {
    merchantSerialNumber: MSN,
    reference: ID,
    name: 'EXPIRED',
    amount: { currency: 'NOK', value: 10_000 },
    timestamp: '2026-11-24T10:04:00Z',
    success: true,
  };

  it('says whether it settled the payment and whether the event was a duplicate', async () => {
    const env = setup();
    expect(await receiveVippsEvent(event, env.deps)).toStrictEqual({
      kind: 'RECORDED',
      duplicate: false,
      settled: 'EXPIRED',
    });
    expect(await receiveVippsEvent(event, env.deps)).toStrictEqual({ kind: 'RECORDED', duplicate: true });
    expect(await receiveVippsEvent({ ...event, reference: 'f'.repeat(32) }, env.deps)).toStrictEqual({
      kind: 'UNKNOWN_PAYMENT',
    });
  });

  it('a conflict that never ends is not an error to the caller', async () => {
    const env = setup();
    env.transactions.apply = () => Promise.reject(new ConcurrentUpdateError(ID));
    expect(await receiveVippsEvent(event, env.deps)).toStrictEqual({ kind: 'RECORDED', duplicate: false });
  });
});
