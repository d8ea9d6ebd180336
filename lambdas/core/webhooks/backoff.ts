/**
 * When each delivery attempt of an event is made, counted from the previous failed one
 * (DESIGN.md "Merchant webhooks"): immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h,
 * 24 h — ten attempts over about three days (≈ 75.6 h).
 */
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

export const RETRY_DELAYS_MS: readonly number[] = [
  0,
  5 * SECOND,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
  14 * HOUR,
  20 * HOUR,
  24 * HOUR,
];

export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length;

/** SQS's largest DelaySeconds: a longer wait is made of several hops (deliver.ts). */
export const MAX_QUEUE_DELAY_SECONDS = 900;

/** When attempt `next` (1-based) is due after a failure at `failedAt`; undefined when none is left. */
export function nextAttemptAt(next: number, failedAt: Date): Date | undefined {
  const delay = RETRY_DELAYS_MS[next - 1];
  return delay === undefined ? undefined : new Date(failedAt.getTime() + delay);
}

/** The queue delay for a task due at `due`: what is left, capped at SQS's 900 s. */
export function queueDelaySeconds(due: Date, now: Date): number {
  const left = Math.ceil((due.getTime() - now.getTime()) / SECOND);
  return Math.min(MAX_QUEUE_DELAY_SECONDS, Math.max(0, left));
}
