/** docs/acquirers.md shows each acquirer's code table exactly as the adapters use it. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AcquirerCodeEntry } from '../../lambdas/adapters/acquirer/acquirer-codes.js';
import {
  adyenRefusalReasons,
  adyenResultCodes,
} from '../../lambdas/adapters/acquirer/adyen/refusal-reasons.js';
import { clearhausStatusCodes } from '../../lambdas/adapters/acquirer/clearhaus/status-codes.js';

/** Table rows with their cells' padding removed (Prettier aligns the columns). */
const doc = readFileSync(new URL('../../docs/acquirers.md', import.meta.url), 'utf8').replace(
  / *\| */g,
  ' | ',
);
const row = (code: string, e: AcquirerCodeEntry) =>
  `| ${code} | ${e.text} | ${e.meaning.outcome}${e.meaning.outcome === 'DECLINED' ? ` ${e.meaning.reason}` : ''} | ${e.vippsErrorId} |`;

describe('docs/acquirers.md', () => {
  it.each([
    ['Clearhaus status codes', clearhausStatusCodes],
    ['Adyen resultCodes', adyenResultCodes],
    ['Adyen refusal reasons', adyenRefusalReasons],
  ] as const)('lists every row of the %s table as the code maps it', (_name, table) => {
    for (const [code, entry] of Object.entries(table)) expect(doc).toContain(row(code, entry));
  });
});
