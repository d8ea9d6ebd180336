/**
 * What Vipps' test environment sends at makePaymentUrl, chosen by the amount (øre) in init:
 * DESIGN.md "Scheme notes", from Vipps' PSP guide "Magic Numbers for EMVCo Tokens"
 * (github.com/vippsas/vipps-psp-api, vipps-psp-api.md: "31.00 | Encrypted card as chosen in app").
 * Several expiries are in the past on purpose: the issuer, not the PSP, decides on expiry.
 */
import type { NetworkToken } from '../../lambdas/adapters/vipps/schemas.js';

export const testCryptograms = {
  A: 'AlhlvxmN2ZKuAAESNFZ4GoABFA==',
  B: 'uxToh3Ep6gsR8AAkvZALN19Iz34=',
  C: 'AgAAAAAAAIR8CQrXSohbQAAAAAA=',
} as const;

/** The card "chosen in the app" when the simulator sends a legacy ENCRYPTEDCARD. */
export const testEncryptedCard = { pan: '4111111111111111', yymm: '3012' } as const;

type Row = readonly [number: string, month: string, year: string, cryptogram: keyof typeof testCryptograms];

const rows = new Map<number, Row | 'ENCRYPTEDCARD'>([
  [2200, ['5226603115488031', '05', '2025', 'A']],
  // "Card not eligible" for a token: Vipps' guide says the encrypted card chosen in the app is
  // sent instead. Our interpretation: the simulator sends the legacy ENCRYPTEDCARD instrument.
  [3100, 'ENCRYPTEDCARD'],
  [3200, ['4111111111111111', '03', '2030', 'B']],
  [4200, ['4895370013193500', '03', '2030', 'A']],
  [4300, ['5226603115488031', '03', '2030', 'A']],
  [4400, ['4895370012792682', '12', '2022', 'C']],
  [5100, ['4268270087302871', '09', '2024', 'C']],
  [5200, ['5413330089010442', '12', '2025', 'C']],
  // Simulator extension (not a Vipps test amount): a card in the sandbox BIN table's credit test
  // range, so errorId 88 is reachable where the acquirer does not report funding (Clearhaus).
  [10188, ['5520000000000004', '12', '2030', 'A']],
]);
const defaultRow: Row = ['4895370013193500', '05', '2025', 'A'];

function toToken([number, expiryMonth, expiryYear, cryptogram]: Row): NetworkToken {
  const tokenType = number.startsWith('5') ? 'MASTERCARD' : 'VISA';
  return {
    number,
    cryptogram: testCryptograms[cryptogram],
    expiryMonth,
    expiryYear,
    tokenType,
    // Vipps' guide: ECI 07 for Visa (delegated authentication), 06 for Mastercard.
    eci: tokenType === 'MASTERCARD' ? '06' : '07',
  };
}

export type TestInstrument = { kind: 'TOKEN'; networkToken: NetworkToken } | { kind: 'ENCRYPTEDCARD' };

/** The instrument Vipps' test environment sends for a payment of `amount` øre. */
export function testInstrumentForAmount(amount: number): TestInstrument {
  const row = rows.get(amount);
  if (row === 'ENCRYPTEDCARD') return { kind: 'ENCRYPTEDCARD' };
  return { kind: 'TOKEN', networkToken: toToken(row ?? defaultRow) };
}

/** The token for `amount`, even where Vipps would send an encrypted card (then: the default). */
export function testTokenForAmount(amount: number): NetworkToken {
  const row = rows.get(amount);
  return toToken(row && row !== 'ENCRYPTEDCARD' ? row : defaultRow);
}
