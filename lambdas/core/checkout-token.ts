/**
 * The checkout link's token: `<pspTransactionId>.<expires, epoch seconds>.<HMAC-SHA256>`. It names
 * the payment and when the link stops working, and nothing else (no card data, no amounts: the
 * page reads those from the stored payment). The HMAC makes it unforgeable without a database
 * lookup; a changed id or expiry no longer matches the MAC and is refused as tampered.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type CheckoutTokenProblem = 'TAMPERED_LINK' | 'EXPIRED_LINK';

export type CheckoutTokenCheck =
  { ok: true; pspTransactionId: string } | { ok: false; problem: CheckoutTokenProblem };

const TOKEN = /^([a-z0-9]{1,36})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

function mac(key: Uint8Array, pspTransactionId: string, expiresAtSeconds: number): string {
  return createHmac('sha256', key)
    .update(`checkout.v1.${pspTransactionId}.${expiresAtSeconds}`)
    .digest('base64url');
}

export function signCheckoutToken(key: Uint8Array, pspTransactionId: string, expiresAt: Date): string {
  const seconds = Math.floor(expiresAt.getTime() / 1000);
  return `${pspTransactionId}.${seconds}.${mac(key, pspTransactionId, seconds)}`;
}

/** The MAC is checked before the expiry, so an edited expiry reads as tampered, not as expired. */
export function verifyCheckoutToken(key: Uint8Array, token: string, now: Date): CheckoutTokenCheck {
  const parts = TOKEN.exec(token);
  if (!parts) return { ok: false, problem: 'TAMPERED_LINK' };
  // Stryker disable next-line StringLiteral: every group of the pattern takes part in a match; the defaults only satisfy TypeScript
  const [, pspTransactionId = '', secondsText = '', presented = ''] = parts;
  const seconds = Number(secondsText);
  const expected = Buffer.from(mac(key, pspTransactionId, seconds));
  const actual = Buffer.from(presented);
  // Stryker disable next-line ConditionalExpression: TOKEN admits exactly 43 MAC characters, a SHA-256 MAC's length; the check guards timingSafeEqual should TOKEN change
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
    return { ok: false, problem: 'TAMPERED_LINK' };
  }
  if (now.getTime() >= seconds * 1000) return { ok: false, problem: 'EXPIRED_LINK' };
  return { ok: true, pspTransactionId };
}
