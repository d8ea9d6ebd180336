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
