/**
 * POST /acquirer/adyen/webhook (handlers/adyen-webhook/adyen-webhook-handler.ts) on an in-memory
 * store: notifications signed with Adyen's own HmacValidator settle the operation they report and
 * are acknowledged with exactly `[accepted]`; a bad signature or body is refused and changes nothing.
 */
import AdyenHmacValidator from '@adyen/api-library/lib/src/utils/hmacValidator.js';
import type { NotificationRequestItem } from '@adyen/api-library/lib/src/typings/notification/notificationRequestItem.js';
import { type Mock, beforeEach, describe, expect, it, vi } from 'vitest';
import { cjsDefault } from '../../lambdas/adapters/acquirer/adyen/cjs-default.js';
import type { Log } from '../../lambdas/core/ports.js';
import type { StatusUpdate } from '../../lambdas/core/transaction.js';
import {
  type AdyenWebhookDeps,
  createAdyenWebhookHandler,
} from '../../lambdas/handlers/adyen-webhook/adyen-webhook-handler.js';
import type { HttpEvent } from '../../lambdas/handlers/http/api-gateway.js';
import { InMemoryTransactionStore } from '../support/in-memory-transaction-store.js';
import { initiatedPayment } from '../support/transactions.js';

const HMAC_KEY = '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056';
const ID = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const CAPTURE_ID = `${ID}-capture-c1`;
const at = '2026-11-24T10:05:00.000Z';

const validator = new (cjsDefault(AdyenHmacValidator))();

function notification(overrides: Record<string, unknown> = {}, key = HMAC_KEY) {
  const item = {
    amount: { currency: 'NOK', value: 3_000 },
    eventCode: 'CAPTURE',
    merchantAccountCode: 'PspNorway',
    merchantReference: CAPTURE_ID,
    originalReference: 'AUTH-PSP-REF',
    pspReference: 'CAPTURE-PSP-REF',
    success: 'true',
    ...overrides,
  };
  const hmacSignature = validator.calculateHmac(item as unknown as NotificationRequestItem, key);
  return { NotificationRequestItem: { ...item, additionalData: { hmacSignature } } };
}

const webhook = (...items: unknown[]): HttpEvent =>
  ({
    httpMethod: 'POST',
    headers: {},
    body: JSON.stringify({ live: 'false', notificationItems: items }),
  }) as HttpEvent;

describe('the Adyen webhook', () => {
  let transactions: InMemoryTransactionStore;
  let enqueued: StatusUpdate[];
  let log: { [K in keyof Log]: Mock<Log[K]> };
  let deps: AdyenWebhookDeps;

  beforeEach(() => {
    transactions = new InMemoryTransactionStore([
      initiatedPayment({
        status: 'RESERVED',
        reservedAmount: 10_000,
        statusSeq: 1,
        pendingOperations: [{ operationId: CAPTURE_ID, operation: 'CAPTURE', amount: 3_000, startedAt: at }],
      }),
    ]);
    enqueued = [];
    log = {
      debug: vi.fn<Log['debug']>(),
      info: vi.fn<Log['info']>(),
      warn: vi.fn<Log['warn']>(),
      error: vi.fn<Log['error']>(),
    };
    deps = {
      transactions,
      statusQueue: { enqueue: (update) => Promise.resolve(void enqueued.push(update)) },
      clock: { now: () => new Date(at) },
      log,
      hmacKey: () => Promise.resolve(HMAC_KEY),
    };
  });

  const handle = (event: HttpEvent) => createAdyenWebhookHandler(deps)(event);

  it('settles a signed capture and answers exactly [accepted]', async () => {
    const result = await handle(webhook(notification()));

    expect(result).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'text/plain' },
      body: '[accepted]',
    });
    const tx = await transactions.get(ID);
    expect(tx).toMatchObject({ capturedAmount: 3_000, pendingOperations: [], status: 'PARTIALLY_CAPTURED' });
    expect(tx?.history.at(-1)).toMatchObject({ operation: 'CAPTURE', acquirerReference: 'CAPTURE-PSP-REF' });
    expect(enqueued).toHaveLength(1);
    expect(log.info).toHaveBeenCalledWith('Adyen webhook accepted', { items: 1, outcomes: 'completed' });
  });

  it('reads a base64-encoded body', async () => {
    const event = webhook(notification());
    const result = await handle({
      ...event,
      body: Buffer.from(event.body!).toString('base64'),
      isBase64Encoded: true,
    });
    expect(result.body).toBe('[accepted]');
    expect((await transactions.get(ID))?.capturedAmount).toBe(3_000);
  });

  it.each([
    ['a refused capture', { success: 'false', reason: 'Insufficient balance' }],
    ['CAPTURE_FAILED after an accepted capture', { eventCode: 'CAPTURE_FAILED', reason: 'Issuer refused' }],
  ])('%s releases the operation and tells ops why', async (_case, overrides) => {
    const result = await handle(webhook(notification(overrides)));

    expect(result.body).toBe('[accepted]');
    expect(await transactions.get(ID)).toMatchObject({ capturedAmount: 0, pendingOperations: [] });
    expect(enqueued).toEqual([]);
    expect(log.error).toHaveBeenCalledWith(
      'The acquirer refused an operation it had accepted; released, nothing applied',
      expect.objectContaining({ operationId: CAPTURE_ID, reason: overrides.reason }),
    );
    expect(log.info).toHaveBeenCalledWith('Adyen webhook accepted', { items: 1, outcomes: 'released' });
  });

  it('a refusal without a reason is released with an empty reason', async () => {
    await handle(webhook(notification({ success: 'false' })));
    expect(log.error).toHaveBeenCalledWith(expect.any(String), expect.objectContaining({ reason: '' }));
  });

  it('acknowledges events that settle nothing of ours without touching the payment', async () => {
    const before = await transactions.get(ID);
    const result = await handle(
      webhook(notification({ eventCode: 'AUTHORISATION' }), notification({ eventCode: 'REPORT_AVAILABLE' })),
    );
    expect(result.body).toBe('[accepted]');
    expect(await transactions.get(ID)).toEqual(before);
    expect(log.info).toHaveBeenCalledWith('Adyen webhook accepted', { items: 2, outcomes: '' });
  });

  it('notes the cancel of a lost authorisation without settling anything', async () => {
    const before = await transactions.get(ID);
    const result = await handle(
      webhook(notification({ eventCode: 'CANCELLATION', merchantReference: `reverse-${ID}` })),
    );
    expect(result.body).toBe('[accepted]');
    expect(await transactions.get(ID)).toEqual(before);
    expect(log.info).toHaveBeenCalledWith('Adyen reported the cancel of a lost authorisation', {
      reference: `reverse-${ID}`,
      success: 'true',
    });
    expect(log.info).toHaveBeenCalledWith('Adyen webhook accepted', { items: 1, outcomes: '' });
  });

  it('settles every item of a batch and reports each outcome', async () => {
    const result = await handle(
      webhook(
        notification(),
        notification({
          merchantReference: `${ID}-refund-unknown`,
          eventCode: 'REFUND',
          pspReference: 'REFUND-PSP-REF',
        }),
      ),
    );
    expect(result.body).toBe('[accepted]');
    expect(log.info).toHaveBeenCalledWith('Adyen webhook accepted', {
      items: 2,
      outcomes: 'completed,unknown-operation',
    });
  });

  it('refuses a wrong signature with 401 and changes nothing', async () => {
    const before = await transactions.get(ID);
    const forged = notification({}, 'AA'.repeat(32));
    const result = await handle(webhook(forged));

    expect(result.statusCode).toBe(401);
    expect(result.headers).toEqual({ 'content-type': 'text/plain' });
    expect(result.body).toBe('wrong or missing HMAC on CAPTURE-PSP-REF');
    expect(await transactions.get(ID)).toEqual(before);
    expect(log.warn).toHaveBeenCalledWith('Adyen webhook refused', {
      problem: 'signature',
      detail: 'wrong or missing HMAC on CAPTURE-PSP-REF',
    });
  });

  it.each([
    ['not JSON', '{"notificationItems": ['],
    ['not a notification', '{"hello":"world"}'],
  ])('refuses a body that is %s with 400', async (_case, body) => {
    const result = await handle({ ...webhook(), body });
    expect(result.statusCode).toBe(400);
    expect(log.warn).toHaveBeenCalledWith(
      'Adyen webhook refused',
      expect.objectContaining({ problem: 'shape' }),
    );
    expect((await transactions.get(ID))?.pendingOperations).toHaveLength(1);
  });

  it('an error of our own (the key cannot be read) is not answered as a refusal', async () => {
    deps.hmacKey = () => Promise.reject(new Error('Secrets Manager unavailable'));
    await expect(handle(webhook(notification()))).rejects.toThrow('Secrets Manager unavailable');
    expect(log.warn).not.toHaveBeenCalled();
  });
});
