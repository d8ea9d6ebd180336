/** The acquirer (sandbox, Clearhaus or Adyen) and the BIN funding lookup. */
import * as z from 'zod/mini';
import { secretJson } from '../adapters/acquirer/acquirer-secrets.js';
import {
  ClearhausAcquirer,
  type ClearhausCredentials,
} from '../adapters/acquirer/clearhaus/clearhaus-acquirer.js';
import { SandboxAcquirer } from '../adapters/acquirer/sandbox-acquirer.js';
import { createSecretsManagerClient } from '../adapters/aws-clients.js';
import { BinTableError } from '../adapters/card-funding/bin-range-lookup.js';
import { binTableFileLookup } from '../adapters/card-funding/bin-table-file.js';
import { sandboxCardFundingLookup } from '../adapters/card-funding/sandbox-card-funding.js';
import { createLogger } from '../adapters/observability/logger.js';
import type { Acquirer, CardFundingLookup } from '../core/ports.js';
import { type Config, ConfigError } from '../config.js';
import { adyenAcquirer } from './adyen.js';
import { config, once } from './context.js';

export const acquirer = /* @__PURE__ */ once((): Acquirer => {
  const c = config();
  switch (c.ACQUIRER) {
    case 'clearhaus':
      return new ClearhausAcquirer({
        baseUrl: c.CLEARHAUS_BASE_URL!,
        credentials: clearhausCredentials(c),
        timeoutMs: c.ACQUIRER_BUDGET_MS,
        log: createLogger(),
      });
    case 'adyen':
      return adyenAcquirer();
    case 'sandbox':
      return new SandboxAcquirer();
  }
});

const clearhausSecret = z.object({
  apiKey: z.string().check(z.minLength(1)),
  signingApiKey: z.string().check(z.minLength(1)),
  signingPrivateKey: z.string().check(z.minLength(1)),
});

function clearhausCredentials(c: Config): () => Promise<ClearhausCredentials> {
  if (c.CLEARHAUS_SECRET_ID) {
    return secretJson(
      createSecretsManagerClient(),
      c.CLEARHAUS_SECRET_ID,
      clearhausSecret,
      '{apiKey, signingApiKey, signingPrivateKey}',
    );
  }
  const local = {
    apiKey: c.CLEARHAUS_API_KEY!,
    signingApiKey: c.CLEARHAUS_SIGNING_API_KEY!,
    signingPrivateKey: c.CLEARHAUS_SIGNING_PRIVATE_KEY!,
  };
  return () => Promise.resolve(local);
}

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
