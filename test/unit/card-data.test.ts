import { describe, expect, it } from 'vitest';
import { luhnValid, parseCardPlaintext } from '../../lambdas/core/card-data.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('ENCRYPTEDCARD plaintext', () => {
  it('parses {PAN},{YYMM},{SessionId}', () => {
    expect(parseCardPlaintext(bytes('4111111111111111,3012,abc-123'))).toEqual({
      pan: '4111111111111111',
      expiryMonth: '12',
      expiryYear: '2030',
      sessionId: 'abc-123',
    });
  });

  it.each([
    ['a failed Luhn check', '4111111111111112,3012,s1'],
    ['month 13', '4111111111111111,3013,s1'],
    ['a short PAN', '411111111111,3012,s1'],
    ['missing session', '4111111111111111,3012,'],
    ['extra fields', '4111111111111111,3012,s1,x'],
    ['garbage', '\u0000\u0001binary'],
  ])('rejects %s', (_why, text) => {
    expect(parseCardPlaintext(bytes(text))).toBeUndefined();
  });

  it('implements Luhn', () => {
    expect(luhnValid('5413330089010442')).toBe(true);
    expect(luhnValid('5413330089010443')).toBe(false);
  });
});
