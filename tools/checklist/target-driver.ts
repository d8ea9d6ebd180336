/**
 * The checklist against our deployed API and Vipps' test environment (--target). Payments are
 * created through OUR Merchant API; Vipps' test environment calls our makePaymentUrl once the
 * payment is approved — by Vipps' force-approve endpoint when a test phone number is configured,
 * otherwise by a person using the printed link. We cannot watch the wire or Vipps' side there
 * (its test environment does not even apply status updates), so outcomes are read back from our
 * own GET /v1/payments/{id}: state, failure errorId, history, and what Vipps acknowledged.
 */
import { createVippsClient, type VippsClient } from '../../lambdas/adapters/vipps/vipps-client.js';
import { MAKE_PAYMENT_PATH } from '../../lambdas/routes.js';
import { merchantHttp, type PaymentView } from './merchant-http.js';
import type { TargetConfig } from './target-config.js';
import type { ApprovalPlan, ChecklistDriver } from './types.js';

export interface TargetDriverOptions {
  /** Where instructions for the person approving go (default: stdout). */
  say?: (line: string) => void;
  /** Poll interval for our GET (default 2000 ms). */
  pollMs?: number;
  fetch?: typeof fetch;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The `token` of a vippsRedirectUrl: force-approve must send it back. */
export function redirectToken(vippsRedirectUrl: string): string | undefined {
  try {
    return new URL(vippsRedirectUrl).searchParams.get('token') ?? undefined;
  } catch {
    return undefined;
  }
}

export function targetDriver(config: TargetConfig, options: TargetDriverOptions = {}): ChecklistDriver {
  const say = options.say ?? ((line: string) => console.log(line));
  const pollMs = options.pollMs ?? 2000;
  const merchant = merchantHttp({
    baseUrl: config.target,
    apiKey: config.merchantApiKey,
    merchantSerialNumber: config.merchantSerialNumber,
  });
  const force = config.forceApprove;
  const vipps: VippsClient | undefined = force
    ? createVippsClient({
        baseUrl: force.vippsBaseUrl,
        pspId: force.pspId,
        credentials: async () => ({
          clientId: force.clientId,
          clientSecret: force.clientSecret,
          subscriptionKey: force.subscriptionKey,
        }),
        systemName: 'vipps-psp-checklist',
        systemVersion: '0.1.0',
        timeoutMs: 15_000,
        ...(options.fetch ? { fetch: options.fetch } : {}),
      })
    : undefined;

  const read = async (id: string): Promise<PaymentView> => {
    const answer = await merchant.payment(id);
    if (answer.status !== 200) throw new Error(`GET /v1/payments/${id}: HTTP ${answer.status}`);
    return answer.body;
  };
  /** Poll our GET until `done` or the timeout; the last view either way. */
  const pollUntil = async (id: string, timeoutSeconds: number, done: (p: PaymentView) => boolean) => {
    const deadline = Date.now() + timeoutSeconds * 1000;
    for (;;) {
      const payment = await read(id);
      if (done(payment) || Date.now() > deadline) return payment;
      await sleep(pollMs);
    }
  };
  const useForce = (plan: ApprovalPlan) => Boolean(vipps && force && plan.forceApprovable);

  return {
    mode: 'target',
    description: `our API at ${config.target} with Vipps' test environment; approvals ${
      force ? `by force-approve (${force.vippsBaseUrl}) where possible, else ` : ''
    }${config.manual ? 'by a person using the printed links' : 'manual approvals skipped (--no-manual)'}`,
    merchant,
    makePaymentUrl: `${config.target}${MAKE_PAYMENT_PATH}`,
    acquirerBudgetMs: config.acquirerBudgetMs,
    cannotApprove(plan) {
      if (useForce(plan)) return undefined;
      if (!plan.manualInstruction) return "cannot be provoked through Vipps' test environment";
      if (!config.manual) return 'needs a person in the Vipps app (run without --no-manual)';
      return undefined;
    },
    async approve(payment, plan, itemId) {
      const id = payment.pspTransactionId;
      if (useForce(plan)) {
        const token = redirectToken(payment.vippsRedirectUrl);
        if (!token) throw new Error('vippsRedirectUrl has no token parameter to force-approve with');
        await vipps!.forceApprove(config.merchantSerialNumber, id, {
          customerPhoneNumber: force!.testPhone,
          token,
        });
      } else {
        say(`  [${itemId}] ${plan.manualInstruction ?? 'approve the payment'}:`);
        say(`      ${payment.vippsRedirectUrl}`);
        say(`      waiting up to ${config.approvalTimeoutSeconds} s for payment ${id} to leave INITIATED …`);
      }
      await pollUntil(id, config.approvalTimeoutSeconds, (p) => p.status !== 'INITIATED');
      return {};
    },
    settle: (id) => pollUntil(id, config.syncTimeoutSeconds, (p) => p.vippsSync.inSync),
    reconcile: (id, done) => pollUntil(id, config.reconcileTimeoutSeconds, done),
  };
}
