/** The acquirer (sandbox or ISO 8583 over HTTPS) and the BIN funding lookup. */
import { HttpAcquirer } from '../adapters/acquirer/http-acquirer.js';
import { SandboxAcquirer } from '../adapters/acquirer/sandbox-acquirer.js';
import { sandboxCardFundingLookup } from '../adapters/card-funding/sandbox-card-funding.js';
import type { Acquirer, CardFundingLookup } from '../core/ports.js';
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

export const cardFunding = (): CardFundingLookup => sandboxCardFundingLookup;
