/**
 * The checklist's ePayment side (Vipps' ePayment PSP checklist of 2026-04-17): our Merchant API on
 * the merchant's ePayment sales unit, Vipps' ePayment API read back (the simulator locally, Vipps'
 * test environment with --target) and the approval that makes Vipps post our card callback.
 */
import {
  type EPaymentClient,
  createEPaymentClient,
} from '../../lambdas/adapters/vipps/epayment/epayment-client.js';
import type { LocalStack } from '../../local/stack.js';
import type { TargetConfig } from './target-config.js';
import { type MerchantHttp, type PaymentView, merchantHttp } from './merchant-http.js';
import { settled } from './settle.js';

/** One card-callback exchange as Vipps saw it (local only: we cannot watch Vipps' wire). */
export interface CallbackExchange {
  httpStatus: number | null;
  response: unknown;
  problems: string[];
  durationMs: number;
}

export interface EPaymentApproval {
  /** RESERVE | FAIL | SOFT_DECLINE … as Vipps concluded it (local), or undefined. */
  outcome?: string;
  exchanges?: CallbackExchange[];
  /** When the approval was requested (the checklist asks for request timestamps). */
  requestedAt: string;
}

export interface EPaymentDriver {
  msn: string;
  merchant: MerchantHttp;
  vipps: Pick<EPaymentClient, 'getPayment' | 'getEvents'>;
  approve(reference: string, simulate?: { otp?: string }): Promise<EPaymentApproval>;
  /** Wait until our outbox has told Vipps everything about the payment. */
  settle(reference: string): Promise<void>;
}

export function localEPaymentDriver(stack: LocalStack): EPaymentDriver {
  const env = stack.environment;
  const merchant = merchantHttp({
    baseUrl: stack.baseUrl,
    apiKey: stack.merchantApiKey,
    merchantSerialNumber: stack.ePaymentSerialNumber,
  });
  return {
    msn: stack.ePaymentSerialNumber,
    merchant,
    vipps: createEPaymentClient({
      baseUrl: stack.vipps.baseUrl,
      pspId: env.VIPPS_PSP_ID!,
      credentials: async () => ({
        clientId: env.VIPPS_CLIENT_ID!,
        clientSecret: env.VIPPS_CLIENT_SECRET!,
        subscriptionKey: env.VIPPS_SUBSCRIPTION_KEY!,
      }),
      systemName: 'vipps-psp-checklist',
      systemVersion: '0.1.0',
      timeoutMs: 15_000,
    }),
    approve: async (reference, simulate) => {
      const requestedAt = new Date().toISOString();
      const report = (await stack.vipps.epayment.approve(reference, simulate ?? {})) as {
        outcome: string;
        exchanges?: CallbackExchange[];
      };
      return {
        outcome: report.outcome,
        ...(report.exchanges ? { exchanges: report.exchanges } : {}),
        requestedAt,
      };
    },
    settle: async (reference) => {
      // An asynchronous acquirer (Adyen) settles captures, refunds and cancels by webhook: wait
      // for that first, or the outbox has nothing to tell Vipps yet.
      for (let i = 0; i < 100; i++) {
        const view = (await merchant.payment(reference)).body as
          { operationsInProgress?: unknown[] } | undefined;
        if (!view?.operationsInProgress?.length) break;
        await sleep(50);
      }
      await settled(stack, async (id) => (await merchant.payment(id)).body as PaymentView, reference);
    },
  };
}

export interface TargetEPaymentConfig {
  target: string;
  merchantApiKey: string;
  msn: string;
  vippsBaseUrl: string;
  pspId: string;
  clientId: string;
  clientSecret: string;
  subscriptionKey: string;
  /** A Vipps test user's number (8 digits): force-approve pays with that user's test card. */
  testPhone: string;
  syncTimeoutSeconds: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Against our deployment and Vipps' test environment: Vipps calls our deployed card callback. */
export function targetEPaymentDriver(config: TargetEPaymentConfig): EPaymentDriver {
  const merchant = merchantHttp({
    baseUrl: config.target,
    apiKey: config.merchantApiKey,
    merchantSerialNumber: config.msn,
  });
  const client = createEPaymentClient({
    baseUrl: config.vippsBaseUrl,
    pspId: config.pspId,
    credentials: async () => ({
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      subscriptionKey: config.subscriptionKey,
    }),
    systemName: 'vipps-psp-checklist',
    systemVersion: '0.1.0',
    timeoutMs: 15_000,
  });
  return {
    msn: config.msn,
    merchant,
    vipps: client,
    approve: async (reference) => {
      const requestedAt = new Date().toISOString();
      await client.forceApprove(config.msn, reference, {
        customer: { phoneNumber: `47${config.testPhone}` },
      });
      return { requestedAt };
    },
    settle: async (reference) => {
      const until = Date.now() + config.syncTimeoutSeconds * 1000;
      while (Date.now() < until) {
        const view = await merchant.payment(reference);
        if (view.body?.vippsSync?.inSync) return;
        await sleep(2000);
      }
    },
  };
}

/**
 * --target: the ePayment section runs when EPAYMENT_MERCHANT_SERIAL_NUMBER names the merchant's
 * ePayment sales unit and force-approve is configured (VIPPS_TEST_PHONE and the Vipps credentials).
 */
export function targetEPaymentFrom(
  config: TargetConfig,
  env: Record<string, string | undefined>,
): EPaymentDriver | undefined {
  const msn = env.EPAYMENT_MERCHANT_SERIAL_NUMBER;
  const force = config.forceApprove;
  if (!msn || !/^\d{1,10}$/.test(msn) || !force) return undefined;
  return targetEPaymentDriver({
    target: config.target,
    merchantApiKey: config.merchantApiKey,
    msn,
    vippsBaseUrl: force.vippsBaseUrl,
    pspId: force.pspId,
    clientId: force.clientId,
    clientSecret: force.clientSecret,
    subscriptionKey: force.subscriptionKey,
    testPhone: force.testPhone,
    syncTimeoutSeconds: config.syncTimeoutSeconds,
  });
}
