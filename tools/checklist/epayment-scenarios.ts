/**
 * The ePayment PSP checklist (Vipps' PDF of 2026-04-17): create payment, get payment, get events,
 * card callback answered RESERVE, FAIL and SOFT_DECLINE, capture, refund, cancel — each with the
 * payment's reference and the request timestamps, through our Merchant API on the ePayment MSN.
 */
import { check } from './checks.js';
import type { EPaymentApproval, EPaymentDriver } from './epayment-driver.js';
import type { Check, Scenario, ScenarioContext, ScenarioOutcome } from './types.js';

interface Run {
  ep: EPaymentDriver;
  checks: Check[];
  observed: string[];
  /** "what at when" for the report. */
  requests: string[];
  reference?: string;
  merchantOrderId?: string;
}

const stamp = (run: Run, what: string, at = new Date().toISOString()) => run.requests.push(`${what} ${at}`);

async function create(run: Run, context: ScenarioContext, id: string, amount: number): Promise<string> {
  const merchantOrderId = `${id}-${context.runId}`;
  stamp(run, 'create');
  const created = await run.ep.merchant.createPayment({
    merchantOrderId,
    amount,
    paymentText: `Checklist ${id}`,
  });
  run.checks.push(check('our create answered 201', created.status === 201, `HTTP ${created.status}`));
  if (created.status !== 201) throw new Error(`create failed: ${created.text}`);
  const redirect = created.body.vippsRedirectUrl;
  run.checks.push(
    check('Vipps’ redirectUrl came back as vippsRedirectUrl', /^https?:\/\//.test(redirect), redirect),
  );
  run.reference = created.body.pspTransactionId;
  run.merchantOrderId = merchantOrderId;
  return run.reference;
}

/** The card callback answers Vipps got (local), as "RESERVE → …". */
function answers(approval: EPaymentApproval): string[] {
  return (approval.exchanges ?? []).map((e) => {
    const r = e.response as { status?: string; errorCode?: number } | undefined;
    return r?.status === 'FAIL' ? `FAIL ${r.errorCode}` : String(r?.status ?? `HTTP ${e.httpStatus}`);
  });
}

async function approve(run: Run, reference: string, wanted: string[], simulate?: { otp?: string }) {
  const approval = await run.ep.approve(reference, simulate);
  stamp(run, 'approve (Vipps posts the card callback)', approval.requestedAt);
  const got = answers(approval);
  if (approval.exchanges) {
    run.checks.push(
      check(`callback answered ${wanted.join(' → ')}`, got.join(',') === wanted.join(','), got.join(' → ')),
    );
    const problems = approval.exchanges.flatMap((e) => e.problems);
    run.checks.push(
      check('Vipps found nothing wrong with our answers', problems.length === 0, problems.join('; ')),
    );
    run.observed.push(`callback: ${got.join(' → ')}`);
  }
  return approval;
}

async function ourStatus(run: Run, reference: string, wanted: string) {
  const view = await run.ep.merchant.payment(reference);
  run.checks.push(check(`our payment is ${wanted}`, view.body?.status === wanted, view.body?.status));
  run.observed.push(`ours: ${view.body?.status}`);
}

async function reserved(run: Run, context: ScenarioContext, id: string, amount = 10_000) {
  const reference = await create(run, context, id, amount);
  await approve(run, reference, ['RESERVE']);
  return reference;
}

function ePaymentScenario(
  id: string,
  title: string,
  expected: string,
  body: (run: Run, context: ScenarioContext) => Promise<void>,
): Scenario {
  return {
    id,
    title,
    async run(context): Promise<ScenarioOutcome> {
      const ep = context.driver.ePayment;
      if (!ep) return { expected, observed: '—', checks: [], skipped: 'no ePayment sales unit configured' };
      const run: Run = { ep, checks: [], observed: [], requests: [] };
      try {
        await body(run, context);
      } catch (error) {
        run.checks.push(check('the scenario ran', false, String((error as Error).message ?? error)));
      }
      return {
        ...(run.reference ? { pspTransactionId: run.reference } : {}),
        ...(run.merchantOrderId ? { merchantOrderId: run.merchantOrderId } : {}),
        expected,
        observed: run.observed.join('; ') || '—',
        checks: run.checks,
        note: `reference ${run.reference ?? '—'}; requests: ${run.requests.join(', ')}`,
      };
    },
  };
}

async function vippsView(run: Run, reference: string) {
  stamp(run, 'GET /epayment/v1/payments/{reference}');
  return run.ep.vipps.getPayment(run.ep.msn, reference);
}

export function ePaymentScenarios(): Scenario[] {
  return [
    ePaymentScenario(
      'EP-CREATE',
      'ePayment: create payment',
      'Vipps has the payment, CREATED',
      async (run, ctx) => {
        const reference = await create(run, ctx, 'EP-CREATE', 10_000);
        const view = await vippsView(run, reference);
        run.checks.push(check('Vipps shows it CREATED', view.state === 'CREATED', view.state));
        run.observed.push(`Vipps: ${view.state}`);
      },
    ),
    ePaymentScenario(
      'EP-GET',
      'ePayment: get payment',
      'GET answers our reference and amount',
      async (run, ctx) => {
        const reference = await create(run, ctx, 'EP-GET', 10_000);
        const view = await vippsView(run, reference);
        const ok = view.reference === reference && view.amount?.value === 10_000;
        run.checks.push(check('reference and amount match', ok, `${view.reference} ${view.amount?.value}`));
        run.observed.push(`Vipps: ${view.reference} ${view.amount?.value} øre`);
      },
    ),
    ePaymentScenario('EP-EVENTS', 'ePayment: get events', 'events include CREATED', async (run, ctx) => {
      const reference = await create(run, ctx, 'EP-EVENTS', 10_000);
      stamp(run, 'GET /epayment/v1/payments/{reference}/events');
      const events = await run.ep.vipps.getEvents(run.ep.msn, reference);
      const names = events.map((e) => e.name);
      run.checks.push(check('CREATED event', names.includes('CREATED'), names.join(',')));
      run.observed.push(`events: ${names.join(', ')}`);
    }),
    ePaymentScenario(
      'EP-RESERVE',
      'ePayment: callback answered RESERVE',
      'RESERVE; RESERVED; Vipps AUTHORIZED',
      async (run, ctx) => {
        const reference = await reserved(run, ctx, 'EP-RESERVE');
        await ourStatus(run, reference, 'RESERVED');
        const view = await vippsView(run, reference);
        run.checks.push(check('Vipps shows it AUTHORIZED', view.state === 'AUTHORIZED', view.state));
      },
    ),
    ePaymentScenario(
      'EP-FAIL',
      'ePayment: callback answered FAIL',
      'FAIL 82 (Refused by Issuer); FAILED',
      async (run, ctx) => {
        const reference = await create(run, ctx, 'EP-FAIL', 10_082);
        await approve(run, reference, ['FAIL 82']);
        await ourStatus(run, reference, 'FAILED');
      },
    ),
    ePaymentScenario(
      'EP-SOFT-DECLINE',
      'ePayment: callback answered SOFT_DECLINE',
      'SOFT_DECLINE → 3-D Secure → RESERVE; RESERVED',
      async (run, ctx) => {
        const reference = await create(run, ctx, 'EP-SOFT-DECLINE', 10_036);
        await approve(run, reference, ['SOFT_DECLINE', 'RESERVE']);
        await ourStatus(run, reference, 'RESERVED');
      },
    ),
    ePaymentScenario('EP-CAPTURE', 'ePayment: capture', 'Vipps shows 10000 captured', async (run, ctx) => {
      const reference = await reserved(run, ctx, 'EP-CAPTURE');
      stamp(run, 'capture');
      await run.ep.merchant.capture(reference, 10_000);
      await run.ep.settle(reference);
      const view = await vippsView(run, reference);
      const captured = view.aggregate.capturedAmount.value;
      run.checks.push(check('Vipps shows the capture', captured === 10_000, String(captured)));
      run.observed.push(`Vipps captured ${captured}`);
    }),
    ePaymentScenario('EP-REFUND', 'ePayment: refund', 'Vipps shows 5000 refunded', async (run, ctx) => {
      const reference = await reserved(run, ctx, 'EP-REFUND');
      stamp(run, 'capture');
      await run.ep.merchant.capture(reference, 10_000);
      // The capture must be settled (an asynchronous acquirer) before there is anything to refund.
      await run.ep.settle(reference);
      stamp(run, 'refund');
      await run.ep.merchant.refund(reference, 5_000);
      await run.ep.settle(reference);
      const view = await vippsView(run, reference);
      const refunded = view.aggregate.refundedAmount.value;
      run.checks.push(check('Vipps shows the refund', refunded === 5_000, String(refunded)));
      run.observed.push(`Vipps refunded ${refunded}`);
    }),
    ePaymentScenario('EP-CANCEL', 'ePayment: cancel', 'Vipps shows 10000 cancelled', async (run, ctx) => {
      const reference = await reserved(run, ctx, 'EP-CANCEL');
      stamp(run, 'cancel');
      await run.ep.merchant.cancel(reference);
      await run.ep.settle(reference);
      const view = await vippsView(run, reference);
      const cancelled = view.aggregate.cancelledAmount.value;
      run.checks.push(check('Vipps shows the cancel', cancelled === 10_000, String(cancelled)));
      run.observed.push(`Vipps cancelled ${cancelled}`);
    }),
  ];
}
