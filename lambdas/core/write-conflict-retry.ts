/**
 * The one retry policy for lost conditional writes (ConcurrentUpdateError). Every use case that
 * re-reads and tries again after another writer won goes through here, so there is one limit,
 * one backoff and one place to tune them.
 *
 * Why a jittered backoff and not a tight loop: twenty parallel refunds on one payment all lose
 * to the same winner; retrying at once makes them collide again. Spreading them out lets each
 * one see the winner's item. When the attempts run out the error is rethrown, and the handler
 * maps it to a retryable 409 `concurrent-update` (never a 500).
 */
import { ConcurrentUpdateError } from './errors.js';

export interface WriteConflictPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  /** Upper bound of the random wait before retry n is base · 2^(n-1), capped at maxDelayMs. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const writeConflictPolicy: WriteConflictPolicy = { maxAttempts: 8, baseDelayMs: 5, maxDelayMs: 100 };

/**
 * Run `attempt` until it does not lose a conditional write. `attempt` gets the attempt number
 * (0-based) and must re-read what it decides from on every call after the first. Errors other
 * than ConcurrentUpdateError pass straight through.
 */
export async function retryOnWriteConflict<T>(
  attempt: (attemptNo: number) => Promise<T>,
  policy: WriteConflictPolicy = writeConflictPolicy,
  sleep: (ms: number) => Promise<void> = defaultSleep,
): Promise<T> {
  for (let attemptNo = 0; ; attemptNo++) {
    try {
      return await attempt(attemptNo);
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError) || attemptNo + 1 >= policy.maxAttempts) throw error;
      await sleep(backoffMs(attemptNo + 1, policy));
    }
  }
}

/** Full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"). */
export function backoffMs(
  retryNo: number,
  policy: WriteConflictPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retryNo - 1));
  return Math.floor(random() * ceiling);
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
