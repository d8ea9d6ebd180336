/**
 * Per-payment secrets (makePaymentToken, merchant API keys, 3DS form tokens): minted random,
 * stored only as SHA-256, compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** 32 lowercase hex characters: fits Vipps' pspTransactionId (max 36, [a-z0-9]). */
export function newPspTransactionId(): string {
  return randomBytes(16).toString('hex');
}

export function sha256Hex(value: string): string {
  // Stryker disable next-line StringLiteral: Node reads an empty encoding as its default, utf8
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** Constant-time check of a presented secret against a stored SHA-256 (hex). */
export function secretMatches(presented: string, storedSha256Hex: string): boolean {
  const expected = Buffer.from(storedSha256Hex, 'hex');
  // Stryker disable next-line StringLiteral: Node reads an empty encoding as its default, utf8
  const actual = createHash('sha256').update(presented, 'utf8').digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
