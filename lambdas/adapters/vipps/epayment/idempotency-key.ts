/**
 * Deterministic Idempotency-Keys for ePayment calls: the same (payment, operation, sequence)
 * always gives the same key — so a retry after a crash at any line is recognised by Vipps — and
 * different ones never collide. Vipps allows 50 characters, and ours never exceed that. The caller must
 * send the same body for the same sequence (the outbox stores the composed call before sending).
 */
import { createHash } from 'node:crypto';

export type EPaymentOperation = 'create' | 'capture' | 'refund' | 'cancel';

export const MAX_IDEMPOTENCY_KEY_LENGTH = 50;

export function ePaymentIdempotencyKey(
  reference: string,
  operation: EPaymentOperation,
  sequence: number,
): string {
  if (!Number.isSafeInteger(sequence) || sequence < 0) {
    throw new RangeError(`sequence must be a whole number ≥ 0, got ${sequence}`);
  }
  // A digest, not the reference itself: references may be 50 characters on their own.
  const digest = createHash('sha256').update(`${reference}\n${operation}\n${sequence}`).digest('base64url');
  return `${operation}-${sequence}-${digest.slice(0, 32)}`.slice(0, MAX_IDEMPOTENCY_KEY_LENGTH);
}

/**
 * Which request each recent Idempotency-Key carried, so that reusing a key for another request
 * (a bug Vipps would answer 409, and a capture that would never be recorded) is refused before
 * it is sent. Per process and bounded — the oldest keys are forgotten — so it is a safety net
 * for the caller's deterministic keys, not a replacement for them.
 */
export class IdempotencyKeyLedger {
  readonly #requests = new Map<string, string>();

  constructor(private readonly capacity = 10_000) {}

  /** False when `key` was already used for a request other than `request`. */
  claim(key: string, request: string): boolean {
    const fingerprint = createHash('sha256').update(request).digest('base64url');
    const earlier = this.#requests.get(key);
    if (earlier !== undefined) return earlier === fingerprint;
    this.#requests.set(key, fingerprint);
    if (this.#requests.size > this.capacity) {
      this.#requests.delete(this.#requests.keys().next().value!);
    }
    return true;
  }
}
