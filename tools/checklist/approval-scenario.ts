/**
 * The common shape of most checklist items: create a payment through the Merchant API, let
 * Vipps (the simulator, force-approve or a person) send makePayment — once, or twice around a
 * 3-D Secure challenge — then check what Vipps was answered, what we recorded and which status
 * updates reached Vipps.
 */
import type { CreatedPayment, PaymentView } from './merchant-http.js';
import {
  type ExpectedAnswer,
  type ExpectedUpdate,
  answerChecks,
  check,
  describeAnswer,
  describeExpectedAnswer,
  describeUpdates,
  finalStateChecks,
  statusUpdateChecks,
} from './checks.js';
import type {
  ApprovalPlan,
  Check,
  ObservedApproval,
  Scenario,
  ScenarioContext,
  ScenarioOutcome,
} from './types.js';

export interface ApprovalScenarioSpec {
  id: string;
  title: string;
  errorId?: string;
  amount: number;
  plan: ApprovalPlan;
  /** Every answer Vipps should get, in order (two around a 3-D Secure step-up). */
  answers: ExpectedAnswer[];
  /** The operation our 3-D Secure page must redirect to. */
  threeDs?: '3dssuccess' | '3dsfailure' | '3dscancel';
  state: string;
  updates: ExpectedUpdate[];
  /** More checks after the standard ones (e.g. the reversal behind error 85). */
  extra?: (input: ExtraInput) => Promise<{ checks: Check[]; observed?: string; expected?: string }>;
}

export interface ExtraInput {
  context: ScenarioContext;
  payment: PaymentView;
  approval: ObservedApproval;
}

/** Our Merchant API allows 1–50 characters a-z, A-Z, 0-9 and "-" in a merchantOrderId. */
export const orderIdFor = (context: ScenarioContext, itemId: string) =>
  `checklist-${context.runId}-${itemId.toLowerCase()}`.replace(/[^a-zA-Z0-9-]/g, '-').slice(0, 50);

/** Create the payment, or explain why not (as a failed check). */
export async function createFor(
  context: ScenarioContext,
  itemId: string,
  amount: number,
): Promise<
  { created: CreatedPayment; merchantOrderId: string } | { failed: Check; merchantOrderId: string }
> {
  const merchantOrderId = orderIdFor(context, itemId);
  const answer = await context.driver.merchant.createPayment({
    merchantOrderId,
    amount,
    paymentText: `Checklist ${itemId}`,
  });
  if (answer.status !== 201 || !answer.body?.pspTransactionId)
    return {
      merchantOrderId,
      failed: check(
        'payment created (POST /v1/payments → 201)',
        false,
        `HTTP ${answer.status} ${answer.text}`,
      ),
    };
  return { created: answer.body, merchantOrderId };
}

/** The outcome of an item whose payment could not even be created. */
export function notCreated(
  made: { failed: Check; merchantOrderId: string },
  expected: string,
): ScenarioOutcome {
  return { merchantOrderId: made.merchantOrderId, expected, observed: 'not created', checks: [made.failed] };
}

export function approvalScenario(spec: ApprovalScenarioSpec): Scenario {
  const threeDsText = spec.threeDs ? ` → 3-D Secure ${spec.threeDs}` : '';
  const expectedAnswers = spec.answers
    .map(describeExpectedAnswer)
    .join(threeDsText ? `${threeDsText} → ` : ' → ');
  const updatesText = spec.updates.length
    ? `Vipps gets ${describeUpdates(spec.updates)}`
    : 'no status update';
  const expected = `${expectedAnswers} → ${spec.state}; ${updatesText}`;
  return {
    id: spec.id,
    title: spec.title,
    ...(spec.errorId ? { errorId: spec.errorId } : {}),
    async run(context): Promise<ScenarioOutcome> {
      const { driver } = context;
      const impossible = driver.cannotApprove(spec.plan);
      if (impossible) return { expected, observed: '—', checks: [], skipped: impossible };

      const made = await createFor(context, spec.id, spec.amount);
      if ('failed' in made) return notCreated(made, expected);
      const id = made.created.pspTransactionId;
      const approval = await driver.approve(made.created, spec.plan, spec.id);
      const payment = await driver.settle(id);

      const checks: Check[] = [];
      const final = spec.answers.at(-1)!;
      if (approval.answers) checks.push(...answerChecks(approval.answers, spec.answers, id));
      if (spec.threeDs && approval.threeDs)
        checks.push(
          check(
            `our 3-D Secure page redirected to ${spec.threeDs}`,
            approval.threeDs.operation === spec.threeDs && approval.threeDs.problems.length === 0,
            [approval.threeDs.operation ?? 'no redirect', ...approval.threeDs.problems].join('; '),
          ),
        );
      if (spec.answers.some((a) => a.status === 'SOFT_DECLINE'))
        checks.push(
          check(
            'our history shows the soft decline before the outcome',
            payment.history.some((h) => h.operation === 'SOFT_DECLINE'),
            payment.history.map((h) => h.operation).join(' → '),
          ),
        );
      checks.push(
        ...finalStateChecks(
          payment,
          spec.state,
          final.status === 'FAIL' && final.errorId
            ? { errorId: final.errorId, ...(final.errorText ? { errorText: final.errorText } : {}) }
            : undefined,
        ),
      );
      if (final.status === 'OK')
        checks.push(
          check(
            `reserved ${spec.amount}`,
            payment.amounts.reserved === spec.amount,
            String(payment.amounts.reserved),
          ),
        );
      const updates = statusUpdateChecks(driver, payment, spec.updates);
      checks.push(...updates.checks);
      const extra = spec.extra ? await spec.extra({ context, payment, approval }) : undefined;
      if (extra) checks.push(...extra.checks);

      const answered = approval.answers
        ? approval.answers.map(describeAnswer).join(threeDsText ? `${threeDsText} → ` : ' → ')
        : payment.failure
          ? `recorded ${payment.failure.errorId} "${payment.failure.errorText}"`
          : 'recorded no failure';
      return {
        pspTransactionId: id,
        merchantOrderId: made.merchantOrderId,
        expected: extra?.expected ? `${expected}; ${extra.expected}` : expected,
        observed: `${answered} → ${payment.status}; ${updates.observed}${extra?.observed ? `; ${extra.observed}` : ''}`,
        checks,
      };
    },
  };
}
