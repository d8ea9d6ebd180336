/**
 * The Merchant API's Idempotency-Key runner (Powertools over its DynamoDB table, here a table in
 * memory behind a real DynamoDBClient): what a merchant gets when it sends a request again.
 */
import { describe, expect, it, vi } from 'vitest';
import { json, problem } from '../../lambdas/handlers/http/api-gateway.js';
import {
  IDEMPOTENCY_KEY_PATTERN,
  type IdempotentRequest,
  createIdempotencyRunner,
} from '../../lambdas/handlers/merchant-api/idempotency.js';
import { CONCURRENT_UPDATE } from '../../lambdas/handlers/merchant-api/problems.js';
import { InMemoryIdempotencyTable } from '../support/in-memory-idempotency-table.js';
import { lambdaContext } from '../support/lambda-context.js';
import { answer } from '../support/merchant-api-harness.js';

const capture = (amount: number, key = 'key-1', merchantId = 'merchant-1'): IdempotentRequest => ({
  merchantId,
  key,
  fingerprint: { route: 'POST /v1/payments/{pspTransactionId}/capture', id: 'p1', body: { amount } },
});

function setup() {
  const table = new InMemoryIdempotencyTable();
  const run = createIdempotencyRunner({ client: table.client, tableName: 'merchant-idempotency' });
  let runs = 0;
  const send = async (request: IdempotentRequest, result = json(200, { captured: 1_000 })) =>
    answer(
      await run(request, lambdaContext(), () => {
        runs++;
        return Promise.resolve(result);
      }),
    );
  return { table, run, send, runs: () => runs };
}

describe('Idempotency-Key replay', () => {
  it('the same key and body answer the first answer again, marked replayed, without acting twice', async () => {
    const { send, runs, table } = setup();
    const first = await send(capture(1_000), json(201, { captured: 1_000 }, { Location: '/v1/x' }));
    const again = await send(capture(1_000), json(200, { captured: 2_000 }));
    expect(runs()).toBe(1);
    expect(first.headers['Idempotent-Replayed']).toBeUndefined();
    expect(again).toMatchObject({
      status: 201,
      body: { captured: 1_000 },
      headers: { 'Idempotent-Replayed': 'true', Location: '/v1/x' },
    });
    expect(table.tablesAsked).toEqual(new Set(['merchant-idempotency']));
    expect(table.statuses()).toEqual(['COMPLETED']);
  });

  it('the same key with another body is refused with 422 and does nothing', async () => {
    const { send, runs } = setup();
    await send(capture(1_000));
    const reused = await send(capture(2_000));
    expect(runs()).toBe(1);
    expect(reused).toMatchObject({
      status: 422,
      body: {
        type: '/problems/idempotency-key-mismatch',
        title: 'Idempotency-Key reused with a different request',
        detail: expect.stringContaining('use a new key for a new request') as string,
      },
    });
  });

  it('keys are per merchant: another merchant’s same key is its own request', async () => {
    const { send, runs } = setup();
    await send(capture(1_000, 'key-1', 'merchant-1'));
    const theirs = await send(capture(2_000, 'key-1', 'merchant-2'));
    expect(runs()).toBe(2);
    expect(theirs.status).toBe(200);
    expect(theirs.headers['Idempotent-Replayed']).toBeUndefined();
  });

  it('a request still running answers 409 idempotency-key-in-use to the second one', async () => {
    const { run } = setup();
    let finish: (r: ReturnType<typeof json>) => void = () => {};
    const first = run(capture(1_000), lambdaContext(), () => new Promise((resolve) => (finish = resolve)));
    const second = answer(await run(capture(1_000), lambdaContext(), () => Promise.resolve(json(200, {}))));
    expect(second).toMatchObject({
      status: 409,
      body: {
        type: '/problems/idempotency-key-in-use',
        title: 'A request with this Idempotency-Key is still running',
        detail: 'Retry after the first request has finished.',
      },
    });
    finish(json(200, { captured: 1_000 }));
    expect(answer(await first).status).toBe(200);
  });

  it('a request whose Lambda died mid-way blocks its key only until its time was up', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(new Date('2026-11-24T10:00:00Z'));
      const { run, send, runs } = setup();
      // The first invocation had 3 s left and never finished (its record stays INPROGRESS).
      void run(capture(1_000), lambdaContext({ remainingMs: 3_000 }), () => new Promise<never>(() => {}));
      await Promise.resolve();
      vi.setSystemTime(new Date('2026-11-24T10:00:02Z'));
      expect((await send(capture(1_000))).status).toBe(409);
      vi.setSystemTime(new Date('2026-11-24T10:00:04Z'));
      expect(await send(capture(1_000))).toMatchObject({ status: 200, body: { captured: 1_000 } });
      expect(runs()).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('without a merchant and key nothing runs: no request acts unprotected', async () => {
    const { run, table } = setup();
    let ran = false;
    const unkeyed = {
      merchantId: undefined,
      key: undefined,
      fingerprint: {},
    } as unknown as IdempotentRequest;
    await expect(
      run(unkeyed, lambdaContext(), () => {
        ran = true;
        return Promise.resolve(json(200, {}));
      }),
    ).rejects.toThrow();
    expect(ran).toBe(false);
    expect(table.statuses()).toEqual([]);
  });

  it('keeps each answer for 24 hours, then the key is free again', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(new Date('2026-11-24T10:00:00Z'));
      const { send, runs } = setup();
      await send(capture(1_000));
      vi.setSystemTime(new Date('2026-11-25T09:59:00Z'));
      expect((await send(capture(1_000))).headers['Idempotent-Replayed']).toBe('true');
      vi.setSystemTime(new Date('2026-11-25T10:01:00Z'));
      expect((await send(capture(1_000))).headers['Idempotent-Replayed']).toBeUndefined();
      expect(runs()).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('answers that are not kept', () => {
  it.each([
    ['a 500', problem(500, 'internal-error', 'Internal error')],
    ['a 502', problem(502, 'acquirer-unavailable', 'The acquirer did not confirm the operation')],
    ['a lost write race (409 concurrent-update)', problem(409, CONCURRENT_UPDATE, 'Busy')],
  ])('%s is answered, and the same request with the same key runs again', async (_what, result) => {
    const { send, runs, table } = setup();
    expect((await send(capture(1_000), result)).status).toBe(result.statusCode);
    const retry = await send(capture(1_000), json(200, { captured: 1_000 }));
    expect(runs()).toBe(2);
    expect(retry).toMatchObject({ status: 200, body: { captured: 1_000 } });
    expect(table.statuses()).toEqual(['COMPLETED']);
  });

  it.each([
    ['a 409 that is not a race (invalid state)', problem(409, 'invalid-payment-state', 'Not now')],
    ['a 499', json(499, { note: 'final' })],
    [
      'a success whose text merely reads like the race problem',
      json(200, { paymentText: `/problems/${CONCURRENT_UPDATE}` }),
    ],
  ])('%s is the request’s outcome: replayed', async (_what, result) => {
    const { send, runs } = setup();
    await send(capture(1_000), result);
    const again = await send(capture(1_000), json(200, {}));
    expect(runs()).toBe(1);
    expect(again).toMatchObject({ status: result.statusCode, headers: { 'Idempotent-Replayed': 'true' } });
  });

  it('a fault of the table itself is not dressed up as an answer', async () => {
    const { table, run } = setup();
    table.client.send = () => Promise.reject(new Error('table unreachable'));
    await expect(run(capture(1_000), lambdaContext(), () => Promise.resolve(json(200, {})))).rejects.toThrow(
      /table unreachable|Failed to save in progress record/,
    );
  });
});

describe('Idempotency-Key format', () => {
  it.each(['a', 'order-1:capture_2.x', 'K'.repeat(64)])('accepts %s', (key) => {
    expect(IDEMPOTENCY_KEY_PATTERN.test(key)).toBe(true);
  });

  it.each(['', 'K'.repeat(65), 'has space', 'slash/no', 'æøå', 'x\n'])('refuses %j', (key) => {
    expect(IDEMPOTENCY_KEY_PATTERN.test(key)).toBe(false);
  });
});
