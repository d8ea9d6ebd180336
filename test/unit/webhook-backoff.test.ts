import { describe, expect, it } from 'vitest';
import {
  MAX_ATTEMPTS,
  RETRY_DELAYS_MS,
  nextAttemptAt,
  queueDelaySeconds,
} from '../../lambdas/core/webhooks/backoff.js';

const t0 = new Date('2026-11-30T10:00:00.000Z');
const later = (ms: number) => new Date(t0.getTime() + ms).toISOString();

describe('webhook retry schedule', () => {
  it('tries ten times: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h', () => {
    const gaps = Array.from({ length: MAX_ATTEMPTS }, (_, i) => nextAttemptAt(i + 1, t0)!.toISOString());
    expect(gaps).toEqual([
      later(0),
      later(5_000),
      later(5 * 60_000),
      later(30 * 60_000),
      later(2 * 3_600_000),
      later(5 * 3_600_000),
      later(10 * 3_600_000),
      later(14 * 3_600_000),
      later(20 * 3_600_000),
      later(24 * 3_600_000),
    ]);
  });

  it('spans about three days and then stops', () => {
    const total = RETRY_DELAYS_MS.reduce((a, b) => a + b, 0);
    expect(total / 3_600_000).toBeCloseTo(75.6, 1);
    expect(nextAttemptAt(MAX_ATTEMPTS + 1, t0)).toBeUndefined();
  });

  it('waits through SQS in hops of at most 900 s', () => {
    expect(queueDelaySeconds(new Date(t0.getTime() + 5_000), t0)).toBe(5);
    expect(queueDelaySeconds(new Date(t0.getTime() + 2 * 3_600_000), t0)).toBe(900);
    expect(queueDelaySeconds(new Date(t0.getTime() - 1_000), t0)).toBe(0);
  });
});
