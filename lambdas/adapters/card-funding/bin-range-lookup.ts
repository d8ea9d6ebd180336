/**
 * Card funding (credit or debit) from a BIN-range table. The merchant setting "no credit cards"
 * (Vipps errorId 88) needs to know the funding before we authorise, and not every acquirer says.
 *
 * A range compares BIN prefixes of equal length: a 6-digit range matches the first 6 digits of
 * the card (or network token) number, an 8-digit range the first 8. When both match, the 8-digit
 * range wins (it is more specific). Anything not covered is 'UNKNOWN'.
 */
import * as z from 'zod/mini';
import type { CardFunding, CardFundingLookup } from '../../core/ports.js';

export interface BinRange {
  from: string;
  to: string;
  funding: 'CREDIT' | 'DEBIT';
}

const binPattern = /^(\d{6}|\d{8})$/;
const binPrefix = z.string().check(z.regex(binPattern, 'must be a BIN of 6 or 8 digits'));
/** The cross-field rules only speak when both ends are well-formed (one message per mistake). */
const bothValid = (r: { from: string; to: string }) => binPattern.test(r.from) && binPattern.test(r.to);

const rangeSchema = z.object({ from: binPrefix, to: binPrefix, funding: z.enum(['CREDIT', 'DEBIT']) }).check(
  z.refine((r) => !bothValid(r) || r.from.length === r.to.length, {
    message: '`from` and `to` must have the same number of digits',
    path: ['to'],
  }),
  z.refine((r) => !bothValid(r) || r.from.length !== r.to.length || r.from <= r.to, {
    message: '`from` must not be greater than `to`',
    path: ['to'],
  }),
);

const tableSchema = z.array(rangeSchema).check(z.minLength(1, 'the BIN table has no ranges'));

/** The table is malformed; the message names every bad entry (index and field). */
export class BinTableError extends Error {
  constructor(detail: string) {
    super(`Invalid BIN range table:\n${detail}`);
    this.name = 'BinTableError';
  }
}

/** Ranges of one prefix length, sorted by `from` and non-overlapping: a binary search finds one. */
interface SortedRanges {
  length: number;
  ranges: BinRange[];
}

export function createBinRangeLookup(ranges: ReadonlyArray<BinRange>): CardFundingLookup {
  const parsed = tableSchema.safeParse(ranges);
  if (!parsed.success) throw new BinTableError(z.prettifyError(parsed.error));

  // Longest prefixes first: a more specific range overrides the broader one around it.
  const byLength: SortedRanges[] = [8, 6]
    .map((length) => ({
      length,
      ranges: parsed.data
        .filter((r) => r.from.length === length)
        .sort((a, b) => a.from.localeCompare(b.from)),
    }))
    .filter((group) => group.ranges.length > 0);

  for (const group of byLength) {
    for (let i = 1; i < group.ranges.length; i++) {
      const previous = group.ranges[i - 1]!;
      const current = group.ranges[i]!;
      // Two ranges of the same length may not overlap: which one applies would be ambiguous.
      if (current.from <= previous.to) {
        throw new BinTableError(
          `✖ ranges ${previous.from}–${previous.to} and ${current.from}–${current.to} overlap`,
        );
      }
    }
  }

  return {
    lookup(bin: string): Promise<CardFunding> {
      return Promise.resolve(find(byLength, bin));
    },
  };
}

function find(groups: ReadonlyArray<SortedRanges>, bin: string): CardFunding {
  if (!/^\d{6,19}$/.test(bin)) return 'UNKNOWN';
  for (const { length, ranges } of groups) {
    if (bin.length < length) continue;
    const prefix = bin.slice(0, length);
    let low = 0;
    let high = ranges.length - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      const range = ranges[mid]!;
      if (prefix < range.from) high = mid - 1;
      else if (prefix > range.to) low = mid + 1;
      else return range.funding;
    }
  }
  return 'UNKNOWN';
}
