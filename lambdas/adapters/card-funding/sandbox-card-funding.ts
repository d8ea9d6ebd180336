/**
 * The sandbox BIN table, imported statically so esbuild bundles it into the Lambda (no file read
 * at run time, nothing to ship beside the bundle). It is validated when this module loads: a bad
 * edit fails the first test or cold start with a message naming the entry.
 */
import table from './sandbox-bin-ranges.json' with { type: 'json' };
import { createBinRangeLookup } from './bin-range-lookup.js';

export const sandboxBinRanges = table.ranges;

export const sandboxCardFundingLookup = createBinRangeLookup(
  table.ranges.map(({ from, to, funding }) => ({ from, to, funding: funding as 'CREDIT' | 'DEBIT' })),
);
