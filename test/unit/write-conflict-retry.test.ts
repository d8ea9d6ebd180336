import { describe, expect, it } from 'vitest';
import { ConcurrentUpdateError } from '../../lambdas/core/errors.js';
import { backoffMs, retryOnWriteConflict } from '../../lambdas/core/write-conflict-retry.js';

const policy = { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 15 };
const noSleep = async (): Promise<void> => {};

describe('retryOnWriteConflict', () => {
  it('retries a lost conditional write and returns the winning attempt', async () => {
    const seen: number[] = [];
    const result = await retryOnWriteConflict(
      async (n) => {
        seen.push(n);
        if (n < 2) throw new ConcurrentUpdateError('tx-1');
        return 'stored';
      },
      policy,
      noSleep,
    );
    expect(result).toBe('stored');
    expect(seen).toEqual([0, 1, 2]);
  });

  it('gives up after maxAttempts with the ConcurrentUpdateError', async () => {
    let calls = 0;
    const run = retryOnWriteConflict(
      async () => {
        calls++;
        throw new ConcurrentUpdateError('tx-1');
      },
      policy,
      noSleep,
    );
    await expect(run).rejects.toBeInstanceOf(ConcurrentUpdateError);
    expect(calls).toBe(3);
  });

  it('does not retry other errors', async () => {
    let calls = 0;
    const run = retryOnWriteConflict(
      async () => {
        calls++;
        throw new Error('acquirer down');
      },
      policy,
      noSleep,
    );
    await expect(run).rejects.toThrow('acquirer down');
    expect(calls).toBe(1);
  });

  it('waits a random time up to a doubling, capped ceiling', () => {
    expect(backoffMs(1, policy, () => 0.999)).toBe(9);
    expect(backoffMs(2, policy, () => 0.999)).toBe(14);
    expect(backoffMs(5, policy, () => 0.999)).toBe(14);
    expect(backoffMs(3, policy, () => 0)).toBe(0);
  });
});
