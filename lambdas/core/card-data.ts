/**
 * Legacy ENCRYPTEDCARD plaintext: `{CardNumber:16-19},{ExpiryDate:YYMM},{SessionId:1-32}`.
 * Anything else (wrong shape, bad month, failed Luhn check) is "unable to decrypt" (92).
 */
export interface DecryptedCard {
  pan: string;
  expiryMonth: string;
  /** Four digits. */
  expiryYear: string;
  sessionId: string;
}

const CARD_PLAINTEXT = /^(\d{16,19}),(\d{2})(\d{2}),([A-Za-z0-9-]{1,32})$/;

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      // Stryker disable next-line EqualityOperator: a doubled digit is even, never 9
      if (d > 9) d -= 9;
    }
    // Stryker disable next-line AssignmentOperator: -sum is a multiple of 10 exactly when sum is
    sum += d;
  }
  return digits.length > 0 && sum % 10 === 0;
}

export function parseCardPlaintext(plaintext: Uint8Array): DecryptedCard | undefined {
  // Stryker disable next-line ObjectLiteral: fatal: false is TextDecoder's default, spelled out for the reader
  const text = new TextDecoder('utf-8', { fatal: false }).decode(plaintext);
  const match = CARD_PLAINTEXT.exec(text);
  if (!match) return undefined;
  // Stryker disable next-line StringLiteral: every group of the pattern takes part in a match; the defaults only satisfy TypeScript
  const [, pan = '', yy = '', mm = '', sessionId = ''] = match;
  const month = Number(mm);
  if (month < 1 || month > 12 || !luhnValid(pan)) return undefined;
  return { pan, expiryMonth: mm, expiryYear: `20${yy}`, sessionId };
}
