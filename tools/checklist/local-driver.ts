/**
 * The checklist against the embedded local stack: payments through our real HTTP routes, the
 * Vipps simulator approving them exactly as Vipps does (and recording what we answered and every
 * status update it received), the in-process reconciler and the sandbox acquirer's ledger.
 */
import { MAKE_PAYMENT_PATH } from '../../lambdas/routes.js';
import type { LocalStack } from '../../local/stack.js';
import type { ApproveResult, MakePaymentExchange } from '../../local/vipps-simulator/index.js';
import { localEPaymentDriver } from './epayment-driver.js';
import { settled } from './settle.js';
import { merchantHttp, type PaymentView } from './merchant-http.js';
import type { AcquirerFacts, ChecklistDriver, ObservedAnswer, ObservedApproval } from './types.js';

export interface LocalDriverOptions {
  /** The ACQUIRER_BUDGET_MS the stack was started with (the handlers' default is 10000). */
  acquirerBudgetMs?: number;
}

function observedAnswer(exchange: MakePaymentExchange): ObservedAnswer {
  const response = exchange.response as
    | {
        paymentInfo?: { status?: string; pspTransactionId?: string; url3dSecure?: string };
        errorMessage?: { errorId?: string; errorText?: string };
      }
    | undefined;
  const info = typeof response === 'object' ? response?.paymentInfo : undefined;
  const error = typeof response === 'object' ? response?.errorMessage : undefined;
  return {
    httpStatus: exchange.httpStatus,
    ...(info?.status ? { status: info.status } : {}),
    ...(error?.errorId ? { errorId: error.errorId } : {}),
    ...(error?.errorText ? { errorText: error.errorText } : {}),
    ...(info?.url3dSecure ? { url3dSecure: info.url3dSecure } : {}),
    ...(info?.pspTransactionId ? { echoedPspTransactionId: info.pspTransactionId } : {}),
    problems: [...exchange.problems, ...(exchange.error ? [exchange.error] : [])],
    durationMs: exchange.durationMs,
  };
}

export function observedApproval(result: ApproveResult): ObservedApproval {
  return {
    answers: result.makePaymentExchanges.map(observedAnswer),
    ...(result.threeDs
      ? {
          threeDs: {
            ...(result.threeDs.operation ? { operation: result.threeDs.operation } : {}),
            problems: result.threeDs.problems,
          },
        }
      : {}),
  };
}

export function localDriver(stack: LocalStack, options: LocalDriverOptions = {}): ChecklistDriver {
  const merchant = merchantHttp({
    baseUrl: stack.baseUrl,
    apiKey: stack.merchantApiKey,
    merchantSerialNumber: stack.merchantSerialNumber,
  });
  const read = async (id: string): Promise<PaymentView> => {
    const answer = await merchant.payment(id);
    if (answer.status !== 200)
      throw new Error(`GET /v1/payments/${id}: HTTP ${answer.status} ${answer.text}`);
    return answer.body;
  };
  return {
    mode: 'local',
    description: `embedded local stack at ${stack.baseUrl}; approvals by the Vipps simulator at ${stack.vipps.baseUrl}`,
    merchant,
    makePaymentUrl: `${stack.baseUrl}${MAKE_PAYMENT_PATH}`,
    acquirerBudgetMs: options.acquirerBudgetMs ?? 10_000,
    cannotApprove: () => undefined,
    approve: async (payment, plan) =>
      observedApproval(
        await stack.vipps.approve(payment.pspTransactionId, plan.simulate ? { simulate: plan.simulate } : {}),
      ),
    makePaymentToken: (id) => stack.vipps.makePaymentToken(id),
    settle: (id) => settled(stack, read, id),
    statusUpdatesAtVipps: (id) =>
      stack.vipps.statusUpdates
        .filter((u) => u.transaction.pspTransactionId === id)
        .map((u) => ({
          status: u.transaction.status,
          amount: u.transaction.amount,
          applied: u.applied,
          problems: u.problems,
        })),
    vippsAmounts: (id) => {
      const p = stack.vipps.payments.get(id);
      return p
        ? { captured: p.capturedAmount, refunded: p.refundedAmount, cancelled: p.cancelled }
        : undefined;
    },
    reconcile: async (id, done) => {
      // One sweep should do; a second covers work the first one scheduled.
      for (let sweep = 0; sweep < 2; sweep += 1) {
        await stack.runReconciler();
        await stack.statusQueueIdle();
        const payment = await read(id);
        if (done(payment)) return payment;
      }
      return read(id);
    },
    operationsSettled: async (id) => {
      for (let i = 0; i < 100; i++) {
        const payment = (await merchant.payment(id)).body as { operationsInProgress?: unknown[] } | undefined;
        if (!payment?.operationsInProgress?.length) return;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    acquirer: acquirerFacts(stack.acquirer.kind),
    ePayment: localEPaymentDriver(stack),
    ledger: {
      eventTypes: (id) => stack.ledger.events(id).map((e) => e.type),
      heldAndCharged: (id) => {
        const b = stack.ledger.balance(id);
        return { held: b.held, netCharged: b.netCharged };
      },
    },
  };
}

/** What each acquirer's API allows, as the checklist needs to know it. */
export function acquirerFacts(name: AcquirerFacts['name']): AcquirerFacts {
  return {
    name,
    reportsFunding: name !== 'clearhaus',
    reversesByReference: name !== 'clearhaus',
    refusesStepUpAtOnce: name === 'sandbox',
  };
}
