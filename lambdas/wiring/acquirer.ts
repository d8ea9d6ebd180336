/** The acquirer (sandbox or ISO 8583 over HTTPS) and the BIN funding lookup. */
import { HttpAcquirer } from '../adapters/acquirer/http-acquirer.js';
import { SandboxAcquirer } from '../adapters/acquirer/sandbox-acquirer.js';
import { BinTableError } from '../adapters/card-funding/bin-range-lookup.js';
import { binTableFileLookup } from '../adapters/card-funding/bin-table-file.js';
import { sandboxCardFundingLookup } from '../adapters/card-funding/sandbox-card-funding.js';
import type { Acquirer, CardFundingLookup } from '../core/ports.js';
import { ConfigError } from '../config.js';
import { config, once } from './context.js';

export const acquirer = /* @__PURE__ */ once((): Acquirer => {
  const c = config();
  if (c.ACQUIRER === 'http') {
    return new HttpAcquirer({
      baseUrl: c.ACQUIRER_BASE_URL!,
      timeoutMs: c.ACQUIRER_BUDGET_MS,
      ...(c.ACQUIRER_MERCHANT_ID ? { merchantId: c.ACQUIRER_MERCHANT_ID } : {}),
    });
  }
  return new SandboxAcquirer();
});

/** The PSP's BIN table file when BIN_TABLE_PATH is set (production must set it), else the sandbox one. */
export const cardFunding = /* @__PURE__ */ once((): CardFundingLookup => {
  const path = config().BIN_TABLE_PATH;
  if (!path) return sandboxCardFundingLookup;
  try {
    return binTableFileLookup(path);
  } catch (error) {
    if (error instanceof BinTableError) throw new ConfigError([`BIN_TABLE_PATH: ${error.message}`]);
    throw error;
  }
});
