/**
 * The arithmetic and bookkeeping behind `npm run bench`: nearest-rank percentiles, medians, the
 * proof that Vipps received every status update once and in order, and the route/package labels
 * the report groups by.
 */
import { describe, expect, it } from 'vitest';
import type { RecordedStatusUpdate } from '../../local/vipps-simulator/index.js';
import { kindOf, sourceOf } from '../../tools/bench/cpu-profile.js';
import { awsCallTotals, functionCosts } from '../../tools/bench/function-cost.js';
import { packageOf, staticBuiltins } from '../../tools/bench/metafile.js';
import { runPool } from '../../tools/bench/pool.js';
import { gatewayRouteLabel } from '../../tools/bench/server-timing.js';
import { median, percentile, perRequest, summarize } from '../../tools/bench/stats.js';
import { verifyStatusUpdates } from '../../tools/bench/status-verification.js';

describe('percentiles (nearest rank: always a latency that was observed)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1); // 1 … 100

  it('p50/p95/p99 of 1…100 are 50, 95 and 99', () => {
    expect([percentile(hundred, 50), percentile(hundred, 95), percentile(hundred, 99)]).toEqual([50, 95, 99]);
    expect(percentile(hundred, 100)).toBe(100);
  });

  it('a single slow request out of 100 does not move p99, two do', () => {
    const one = [...Array.from({ length: 99 }, () => 5), 900];
    const two = [...Array.from({ length: 98 }, () => 5), 900, 901];
    expect(summarize(one).p99).toBe(5);
    expect(summarize(two).p99).toBe(900);
    expect(summarize(two).max).toBe(901);
  });

  it('rounds the rank up and never interpolates', () => {
    expect(percentile([10, 20, 30], 50)).toBe(20);
    expect(percentile([10, 20, 30, 40], 50)).toBe(20);
    expect(percentile([10, 20, 30, 40], 51)).toBe(30);
    expect(percentile([7], 99)).toBe(7);
  });

  it('summarize sorts its input and reports count, min, mean and max', () => {
    expect(summarize([30, 10, 20])).toEqual({
      count: 3,
      min: 10,
      mean: 20,
      p50: 20,
      p95: 30,
      p99: 30,
      max: 30,
    });
  });

  it('refuses what has no answer', () => {
    expect(() => percentile([], 50)).toThrow(/no samples/);
    expect(() => percentile([1], 0)).toThrow(/\(0, 100\]/);
    expect(() => summarize([])).toThrow();
    expect(() => median([])).toThrow();
  });
});

describe('median and per-request averages', () => {
  it('median of an odd count is the middle value, of an even count the mean of the two middle ones', () => {
    expect(median([80, 60, 70])).toBe(70);
    expect(median([80, 60, 70, 100])).toBe(75);
  });

  it('per-request averages keep two decimals and survive zero requests', () => {
    expect(perRequest(3000, 1000)).toBe(3);
    expect(perRequest(2001, 1000)).toBe(2);
    expect(perRequest(2011, 1000)).toBe(2.01);
    expect(perRequest(5, 0)).toBe(0);
  });
});

describe('runPool keeps exactly N requests in flight', () => {
  it('never exceeds the concurrency and returns results in index order', async () => {
    let inFlight = 0;
    let peak = 0;
    const results = await runPool(25, 4, async (i) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, (i * 7) % 5));
      inFlight -= 1;
      return i * 2;
    });
    expect(peak).toBe(4);
    expect(results).toEqual(Array.from({ length: 25 }, (_, i) => i * 2));
  });
});

describe('status updates at Vipps: exactly once, in order, per payment', () => {
  let call = 0;
  const entry = (id: string, status: string, amount: number, extra: Partial<RecordedStatusUpdate> = {}) =>
    ({
      callIndex: ++call,
      receivedAt: '2026-01-01T00:00:00.000Z',
      merchantSerialNumber: '123456',
      transaction: { pspTransactionId: id, status, amount, currency: 'NOK', operationStatus: 'SUCCESS' },
      applied: true,
      problems: [],
      ...extra,
    }) as RecordedStatusUpdate;
  const lifecycle = (amount: number) => [
    { status: 'RESERVED', amount },
    { status: 'CAPTURED', amount },
    { status: 'REFUNDED', amount },
  ];
  const expected = new Map([
    ['a', lifecycle(100)],
    ['b', lifecycle(200)],
  ]);

  it('accepts interleaved payments when each one is in order', () => {
    const v = verifyStatusUpdates(
      [
        entry('a', 'RESERVED', 100),
        entry('b', 'RESERVED', 200),
        entry('other', 'RESERVED', 5),
        entry('b', 'CAPTURED', 200),
        entry('a', 'CAPTURED', 100),
        entry('a', 'REFUNDED', 100),
        entry('b', 'REFUNDED', 200),
      ],
      expected,
    );
    expect(v).toMatchObject({
      ok: true,
      expectedEntries: 6,
      receivedEntries: 6,
      duplicates: 0,
      outOfOrderOrWrong: 0,
    });
  });

  it('catches a duplicate, a reordering, a missing entry and a wrong amount', () => {
    const dup = verifyStatusUpdates(
      [...lifecycle(100).map((u) => entry('a', u.status, u.amount)), entry('a', 'CAPTURED', 100)],
      new Map([['a', lifecycle(100)]]),
    );
    expect(dup).toMatchObject({ ok: false, duplicates: 1, receivedEntries: 4, outOfOrderOrWrong: 1 });

    const swapped = verifyStatusUpdates(
      [entry('a', 'CAPTURED', 100), entry('a', 'RESERVED', 100), entry('a', 'REFUNDED', 100)],
      new Map([['a', lifecycle(100)]]),
    );
    expect(swapped).toMatchObject({ ok: false, duplicates: 0, outOfOrderOrWrong: 1 });
    expect(swapped.examples[0]).toContain('expected [RESERVED 100, CAPTURED 100, REFUNDED 100]');

    const missing = verifyStatusUpdates([entry('a', 'RESERVED', 100)], new Map([['a', lifecycle(100)]]));
    expect(missing).toMatchObject({ ok: false, receivedEntries: 1, expectedEntries: 3 });

    const amount = verifyStatusUpdates(
      [entry('a', 'RESERVED', 100), entry('a', 'CAPTURED', 99), entry('a', 'REFUNDED', 100)],
      new Map([['a', lifecycle(100)]]),
    );
    expect(amount.ok).toBe(false);
  });

  it('counts entries Vipps did not apply or flagged', () => {
    const v = verifyStatusUpdates(
      [
        entry('a', 'RESERVED', 100),
        entry('a', 'CAPTURED', 100, { applied: false }),
        entry('a', 'REFUNDED', 100, { problems: ['refund before capture'] }),
      ],
      new Map([['a', lifecycle(100)]]),
    );
    expect(v).toMatchObject({ ok: false, notApplied: 1, withProblems: 1 });
  });
});

describe('labels the report groups by', () => {
  it('routes: makePayment, merchant operations, reads', () => {
    expect(gatewayRouteLabel('POST', '/vipps/make-payment')).toBe('makePayment');
    expect(gatewayRouteLabel('POST', '/v1/payments')).toBe('createPayment');
    expect(gatewayRouteLabel('POST', '/v1/payments/abc/capture')).toBe('capture');
    expect(gatewayRouteLabel('POST', '/v1/payments/abc/refund')).toBe('refund');
    expect(gatewayRouteLabel('GET', '/v1/payments/abc')).toBe('getPayment');
    expect(gatewayRouteLabel('GET', '/_simulator/payments')).toBeUndefined();
  });

  it('bundle inputs by npm package, scoped or not, and our own code', () => {
    expect(packageOf('node_modules/@smithy/core/dist-es/index.js')).toBe('@smithy/core');
    expect(packageOf('node_modules/zod/v4/core/schemas.js')).toBe('zod');
    expect(packageOf('node_modules/@aws-sdk/client-kms/node_modules/@smithy/x/y.js')).toBe('@smithy/x');
    expect(packageOf('lambdas/core/money.ts')).toBe('(our code)');
  });

  it('only Node built-ins pulled in by import statements count as loaded at link time', () => {
    const metafile = {
      outputs: {},
      inputs: {
        'a.js': {
          bytes: 1,
          imports: [
            { path: 'node:http2', kind: 'import-statement' as const, external: true },
            { path: 'zlib', kind: 'import-statement' as const, external: true },
            { path: 'node:async_hooks', kind: 'dynamic-import' as const, external: true },
            { path: '../elided-type-import.js', kind: 'import-statement' as const, external: true },
            { path: 'b.js', kind: 'import-statement' as const },
          ],
        },
      },
    };
    expect(staticBuiltins(metafile)).toEqual(['http2', 'zlib']);
  });

  it('CPU profile sources and kinds', () => {
    expect(sourceOf('file:///work/main/node_modules/dynalite/db/index.js', 'x')).toBe('dynalite');
    expect(sourceOf('file:///work/main/lambdas/core/transaction.ts', 'x')).toBe('lambdas/core/');
    expect(sourceOf('', '(garbage collector)')).toBe('(garbage collector)');
    expect(kindOf('lambdas/core/')).toBe('our Lambda code (lambdas/)');
    expect(kindOf('@smithy/core')).toBe('AWS SDK v3');
    expect(kindOf('dynalite')).toBe('local AWS emulators (dynalite, SQS, KMS)');
    expect(kindOf('local/sqs-emulator/')).toBe('local AWS emulators (dynalite, SQS, KMS)');
    expect(kindOf('local/api-host.ts')).toBe('local stack (API host, poller, simulator)');
    expect(kindOf('node:_http_server')).toBe('Node runtime (HTTP, streams, crypto)');
  });
});

describe('what each function cost (from the worker host)', () => {
  const stats = (cpuMs: number[], awsCalls: Record<string, number>, invocations = cpuMs.length) => ({
    invocations,
    coldStarts: 1,
    timeouts: 0,
    cpuMs,
    awsCalls,
  });

  it('CPU per invocation is summarised per function; functions that never ran are left out', () => {
    const costs = functionCosts({
      makePayment: stats([1, 2, 3, 4], { 'dynamodb:GetItemCommand': 4 }),
      reconciler: { ...stats([], {}), coldStarts: 0 },
    });
    expect(Object.keys(costs)).toEqual(['makePayment']);
    expect(costs.makePayment?.cpuMsPerInvocation).toMatchObject({ count: 4, mean: 2.5, p50: 2, max: 4 });
  });

  it('AWS calls are summed over the functions, per service and per command', () => {
    const costs = functionCosts({
      makePayment: stats([1], { 'dynamodb:UpdateItemCommand': 2, 'sqs:SendMessageCommand': 1 }),
      merchantApi: stats([1], { 'dynamodb:UpdateItemCommand': 1, 'kms:DecryptCommand': 1 }),
    });
    expect(awsCallTotals(costs)).toEqual({
      total: { dynamodb: 3, sqs: 1, kms: 1, secretsManager: 0 },
      byCommand: { 'dynamodb:UpdateItemCommand': 3, 'kms:DecryptCommand': 1, 'sqs:SendMessageCommand': 1 },
    });
  });
});
