/**
 * The two payment lifecycles Vipps asks to see end to end: reserve → partial capture → capture
 * of the rest → partial refund, and reserve → cancel. Each merchant operation goes through our
 * Merchant API; every resulting status update must reach Vipps once, in order, with its amount.
 */
import { type ExpectedUpdate, check, describeAnswer, describeUpdates, statusUpdateChecks } from './checks.js';
import { createFor, notCreated } from './approval-scenario.js';
import type { HttpAnswer } from './merchant-http.js';
import type { ApprovalPlan, Check, Scenario, ScenarioContext, ScenarioOutcome } from './types.js';

const PLAIN_APPROVAL: ApprovalPlan = {
  forceApprovable: true,
  manualInstruction: 'approve the payment in the Vipps app with the test user',
};

type Step = { label: string; call: (id: string, context: ScenarioContext) => Promise<HttpAnswer> };

interface LifecycleSpec {
  id: string;
  title: string;
  amount: number;
  steps: Step[];
  state: string;
  amounts: { reserved: number; captured: number; refunded: number };
  updates: ExpectedUpdate[];
  /** What Vipps' own view of the payment must show afterwards (local only). */
  vipps: { captured: number; refunded: number; cancelled: boolean };
  ledgerEvent?: string;
}

function lifecycleScenario(spec: LifecycleSpec): Scenario {
  const stepsText = spec.steps.map((s) => s.label).join(' → ');
  const expected = `OK → RESERVED → ${stepsText} → ${spec.state}; Vipps gets ${describeUpdates(spec.updates)}`;
  return {
    id: spec.id,
    title: spec.title,
    async run(context): Promise<ScenarioOutcome> {
      const { driver } = context;
      const impossible = driver.cannotApprove(PLAIN_APPROVAL);
      if (impossible) return { expected, observed: '—', checks: [], skipped: impossible };
      const made = await createFor(context, spec.id, spec.amount);
      if ('failed' in made) return notCreated(made, expected);
      const id = made.created.pspTransactionId;
      const approval = await driver.approve(made.created, PLAIN_APPROVAL, spec.id);
      const checks: Check[] = [];
      const observed: string[] = [];
      if (approval.answers) {
        const answer = approval.answers.at(-1);
        checks.push(
          check(
            'Vipps got HTTP 200 OK for makePayment',
            approval.answers.length === 1 && answer?.httpStatus === 200 && answer.status === 'OK',
            approval.answers.map(describeAnswer).join(' → '),
          ),
        );
        observed.push(approval.answers.map(describeAnswer).join(' → '));
      }
      const reserved = await driver.merchant.payment(id);
      checks.push(check('payment is RESERVED', reserved.body?.status === 'RESERVED', reserved.body?.status));
      for (const step of spec.steps) {
        const answer = await step.call(id, context);
        // An asynchronous acquirer (Adyen) settles the operation by webhook: wait for it.
        await driver.operationsSettled?.(id);
        checks.push(check(`${step.label} → HTTP 200`, answer.status === 200, `HTTP ${answer.status}`));
        observed.push(`${step.label} ${answer.status}`);
      }
      const payment = await driver.settle(id);
      checks.push(
        check(`payment is ${spec.state}`, payment.status === spec.state, payment.status),
        check(
          `amounts reserved ${spec.amounts.reserved} / captured ${spec.amounts.captured} / refunded ${spec.amounts.refunded}`,
          payment.amounts.reserved === spec.amounts.reserved &&
            payment.amounts.captured === spec.amounts.captured &&
            payment.amounts.refunded === spec.amounts.refunded,
          `${payment.amounts.reserved} / ${payment.amounts.captured} / ${payment.amounts.refunded}`,
        ),
      );
      const updates = statusUpdateChecks(driver, payment, spec.updates);
      checks.push(...updates.checks);
      const atVipps = driver.vippsAmounts?.(id);
      if (atVipps)
        checks.push(
          check(
            `Vipps' view: captured ${spec.vipps.captured}, refunded ${spec.vipps.refunded}${spec.vipps.cancelled ? ', cancelled' : ''}`,
            atVipps.captured === spec.vipps.captured &&
              atVipps.refunded === spec.vipps.refunded &&
              atVipps.cancelled === spec.vipps.cancelled,
            `captured ${atVipps.captured}, refunded ${atVipps.refunded}${atVipps.cancelled ? ', cancelled' : ''}`,
          ),
        );
      if (spec.ledgerEvent && driver.ledger) {
        const events = driver.ledger.eventTypes(id);
        checks.push(
          check(
            `the acquirer recorded a ${spec.ledgerEvent}`,
            events.includes(spec.ledgerEvent),
            events.join(', '),
          ),
        );
      }
      return {
        pspTransactionId: id,
        merchantOrderId: made.merchantOrderId,
        expected,
        observed: `${observed.join(' → ')} → ${payment.status}; ${updates.observed}`,
        checks,
      };
    },
  };
}

export function lifecycleScenarios(): Scenario[] {
  return [
    lifecycleScenario({
      id: 'LIFECYCLE-CAPTURE-REFUND',
      title: 'Reserve → partial capture → capture the rest → partial refund',
      amount: 10_000,
      steps: [
        { label: 'capture 4000', call: (id, c) => c.driver.merchant.capture(id, 4_000) },
        { label: 'capture 6000', call: (id, c) => c.driver.merchant.capture(id, 6_000) },
        { label: 'refund 2500', call: (id, c) => c.driver.merchant.refund(id, 2_500) },
      ],
      state: 'PARTIALLY_REFUNDED',
      amounts: { reserved: 10_000, captured: 10_000, refunded: 2_500 },
      updates: [
        { status: 'RESERVED', amount: 10_000 },
        { status: 'CAPTURED', amount: 4_000 },
        { status: 'CAPTURED', amount: 6_000 },
        { status: 'REFUNDED', amount: 2_500 },
      ],
      vipps: { captured: 10_000, refunded: 2_500, cancelled: false },
      ledgerEvent: 'REFUND',
    }),
    lifecycleScenario({
      id: 'LIFECYCLE-CANCEL',
      title: 'Reserve → cancel (void the reservation)',
      amount: 10_000,
      steps: [{ label: 'cancel', call: (id, c) => c.driver.merchant.cancel(id) }],
      state: 'CANCELLED',
      amounts: { reserved: 10_000, captured: 0, refunded: 0 },
      updates: [
        { status: 'RESERVED', amount: 10_000 },
        { status: 'CANCELLED', amount: 10_000 },
      ],
      vipps: { captured: 0, refunded: 0, cancelled: true },
      ledgerEvent: 'VOID',
    }),
  ];
}
