/**
 * The acquirer the local stack talks to, chosen by ACQUIRER: the in-process sandbox (default,
 * zero config), or the Clearhaus or Adyen simulator over real HTTP with generated keys — so the
 * production adapters run locally exactly as they would against the real acquirer.
 */
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { sandboxLedger } from '../lambdas/adapters/acquirer/sandbox-acquirer.js';
import type { SandboxLedger } from '../lambdas/adapters/acquirer/sandbox-ledger.js';
import { ADYEN_WEBHOOK_PATH } from '../lambdas/routes.js';
import { type AdyenSimulator, startAdyenSimulator } from './simulators/adyen/index.js';
import { type ClearhausSimulator, startClearhausSimulator } from './simulators/clearhaus/index.js';

/** What tests and the checklist ask of whichever acquirer runs: its money book by our id. */
export type AcquirerLedger = Pick<SandboxLedger, 'events' | 'authorisations' | 'balance' | 'netCharged'>;

export interface LocalAcquirer {
  kind: 'sandbox' | 'clearhaus' | 'adyen';
  /** Environment for the handlers (ACQUIRER and the acquirer's settings). */
  env: Record<string, string>;
  ledger: AcquirerLedger;
  clearhaus?: ClearhausSimulator;
  adyen?: AdyenSimulator;
  /** Called once the stack knows its public base URL (Adyen's webhooks go there). */
  connect(publicBaseUrl: string): void;
  describe: string[];
  close(): Promise<void>;
}

export async function startLocalAcquirer(kind: string): Promise<LocalAcquirer> {
  switch (kind) {
    case 'clearhaus':
      return clearhaus();
    case 'adyen':
      return adyen();
    case 'sandbox':
      return {
        kind: 'sandbox',
        env: { ACQUIRER: 'sandbox' },
        ledger: sandboxLedger,
        describe: ['Acquirer          sandbox (outcomes by amount)'],
        connect: () => undefined,
        close: () => Promise.resolve(),
      };
    default:
      throw new Error(`ACQUIRER=${kind}: the local stack runs sandbox, clearhaus or adyen`);
  }
}

async function clearhaus(): Promise<LocalAcquirer> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const apiKey = randomBytes(16).toString('hex');
  const signingApiKey = randomUUID();
  const simulator = await startClearhausSimulator({
    apiKey,
    signingApiKey,
    signingPublicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  });
  return {
    kind: 'clearhaus',
    env: {
      ACQUIRER: 'clearhaus',
      CLEARHAUS_BASE_URL: simulator.baseUrl,
      CLEARHAUS_API_KEY: apiKey,
      CLEARHAUS_SIGNING_API_KEY: signingApiKey,
      CLEARHAUS_SIGNING_PRIVATE_KEY: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    },
    ledger: simulator.ledger,
    clearhaus: simulator,
    describe: [`Acquirer          Clearhaus simulator ${simulator.baseUrl}`],
    connect: () => undefined,
    close: () => simulator.close(),
  };
}

async function adyen(): Promise<LocalAcquirer> {
  const apiKey = randomBytes(16).toString('hex');
  const hmacKey = randomBytes(32).toString('hex');
  const merchantAccount = 'LocalPspAccount';
  const simulator = await startAdyenSimulator({ apiKey, hmacKeyHex: hmacKey, merchantAccount });
  return {
    kind: 'adyen',
    env: {
      ACQUIRER: 'adyen',
      ADYEN_ENVIRONMENT: 'TEST',
      ADYEN_MERCHANT_ACCOUNT: merchantAccount,
      ADYEN_API_KEY: apiKey,
      ADYEN_HMAC_KEY: hmacKey,
      ADYEN_CHECKOUT_URL: simulator.baseUrl,
    },
    ledger: simulator.ledger,
    adyen: simulator,
    describe: [`Acquirer          Adyen simulator ${simulator.baseUrl}`],
    connect: (publicBaseUrl) => simulator.setWebhookUrl(`${publicBaseUrl}${ADYEN_WEBHOOK_PATH}`),
    close: () => simulator.close(),
  };
}
