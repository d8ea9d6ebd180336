/**
 * The PSP's own BIN table (BIN_TABLE_PATH), read once at start: JSON (`{"ranges": [...]}` or a
 * bare array of `{from, to, funding}`) or CSV with the header `from,to,funding`. The ranges go
 * through the same validation as the sandbox table, so a bad line stops start-up, named.
 */
import { readFileSync } from 'node:fs';
import type { CardFundingLookup } from '../../core/ports.js';
import { type BinRange, BinTableError, createBinRangeLookup } from './bin-range-lookup.js';

export function binTableFileLookup(path: string): CardFundingLookup {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new BinTableError(`cannot read ${path} (${(error as Error).message})`);
  }
  const ranges = /\.csv$/i.test(path) ? fromCsv(text, path) : fromJson(text, path);
  try {
    return createBinRangeLookup(ranges);
  } catch (error) {
    if (error instanceof BinTableError) throw new BinTableError(`${path}: ${error.message}`);
    throw error;
  }
}

function fromJson(text: string, path: string): BinRange[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BinTableError(`${path} is not JSON (${(error as Error).message})`);
  }
  const ranges = Array.isArray(value) ? value : (value as { ranges?: unknown } | null)?.ranges;
  if (!Array.isArray(ranges))
    throw new BinTableError(`${path} must be an array of ranges or {"ranges": [...]}`);
  // Extra fields (e.g. a note per range) are allowed in the file and dropped here.
  return ranges.map(
    (r: Record<string, unknown>) => ({ from: r.from, to: r.to, funding: r.funding }) as BinRange,
  );
}

function fromCsv(text: string, path: string): BinRange[] {
  const [header, ...lines] = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const columns = header?.split(',').map((c) => c.trim().toLowerCase());
  if (columns?.join(',') !== 'from,to,funding') {
    throw new BinTableError(`${path}: the first line must be the header from,to,funding`);
  }
  return lines.map((line) => {
    const [from = '', to = '', funding = ''] = line.split(',').map((c) => c.trim());
    return { from, to, funding } as BinRange;
  });
}
