/**
 * Money is integer minor units (øre) everywhere. No floats near amounts: these helpers are the
 * only place an amount is checked or formatted.
 */
export type MinorUnits = number;

export const CURRENCIES = ['NOK'] as const;
export type Currency = (typeof CURRENCIES)[number];

/** Vipps' smallest payment is 1 kr (100 øre); int32 bounds the largest. */
export const MIN_PAYMENT_AMOUNT = 100;
export const MAX_AMOUNT = 2_147_483_647;

export function isMinorUnits(value: unknown): value is MinorUnits {
  // Stryker disable next-line ConditionalExpression: Number.isSafeInteger is false for every non-number too; typeof is for TypeScript's narrowing
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= MAX_AMOUNT;
}

/** "1 234,50 kr" — Norwegian formatting, computed with integers only. */
export function formatNok(amount: MinorUnits): string {
  const kroner = Math.trunc(amount / 100);
  const ore = amount % 100;
  const grouped = String(kroner).replace(/\B(?=(\d{3})+(?!\d))/g, '\u00a0');
  return `${grouped},${String(ore).padStart(2, '0')}\u00a0kr`;
}
