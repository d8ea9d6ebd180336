/**
 * Error 71: a makePayment whose body fails the schema, for a real payment. Neither Vipps nor the
 * simulator sends such a thing, so the runner sends it itself over HTTP to our makePaymentUrl —
 * with the payment's makePaymentToken as Authorization where it is known (locally), so the only
 * thing wrong is the body. (Validation comes before authentication, so against --target, where we
 * do not know the token, the answer must be the same.) The payment must be left untouched.
 */
import { vippsErrors } from '../../lambdas/core/error-catalogue.js';
import { createFor, notCreated } from './approval-scenario.js';
import { type ExpectedAnswer, answerChecks, check, describeAnswer, statusUpdateChecks } from './checks.js';
import type { ObservedAnswer, Scenario, ScenarioOutcome } from './types.js';

async function postMakePayment(
  url: string,
  authorization: string | undefined,
  body: string,
): Promise<ObservedAnswer> {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      ...(authorization ? { Authorization: authorization } : {}),
    },
    body,
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  const problems: string[] = [];
  if (!/^application\/json\b/i.test(response.headers.get('content-type') ?? ''))
    problems.push('the answer is not application/json');
  let json: {
    paymentInfo?: { status?: string; pspTransactionId?: string };
    errorMessage?: { errorId?: string; errorText?: string };
  } = {};
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    problems.push('the answer is not JSON');
  }
  return {
    httpStatus: response.status,
    ...(json.paymentInfo?.status ? { status: json.paymentInfo.status } : {}),
    ...(json.errorMessage?.errorId ? { errorId: json.errorMessage.errorId } : {}),
    ...(json.errorMessage?.errorText ? { errorText: json.errorMessage.errorText } : {}),
    ...(json.paymentInfo?.pspTransactionId
      ? { echoedPspTransactionId: json.paymentInfo.pspTransactionId }
      : {}),
    problems,
    durationMs: performance.now() - started,
  };
}

export function invalidRequestScenario(): Scenario {
  const want: ExpectedAnswer = { status: 'FAIL', ...vippsErrors.invalidRequest };
  const expected = `FAIL 71 "${vippsErrors.invalidRequest.errorText}" (HTTP 200) → payment unchanged (INITIATED); no status update`;
  return {
    id: 'ERR-71',
    title: 'makePayment with a body that fails the schema (TOKEN without networkToken/binNumber)',
    errorId: '71',
    async run(context): Promise<ScenarioOutcome> {
      const { driver } = context;
      const made = await createFor(context, 'ERR-71', 10_000);
      if ('failed' in made) return notCreated(made, expected);
      const id = made.created.pspTransactionId;
      const token = driver.makePaymentToken?.(id);
      // Readable enough to name the payment (so the answer can echo it), invalid for a TOKEN payment.
      const body = JSON.stringify({
        pspTransactionId: id,
        merchantSerialNumber: driver.merchant.merchantSerialNumber,
        paymentState: 'ACCEPTED',
        paymentInstrument: 'TOKEN',
      });
      const answer = await postMakePayment(driver.makePaymentUrl, token, body);
      const payment = await driver.settle(id);
      const updates = statusUpdateChecks(driver, payment, []);
      return {
        pspTransactionId: id,
        merchantOrderId: made.merchantOrderId,
        expected,
        observed: `${describeAnswer(answer)} → ${payment.status}; ${updates.observed}`,
        checks: [
          ...answerChecks([answer], [want], id),
          check(
            'nothing changed: still INITIATED, no operation recorded after INITIATE',
            payment.status === 'INITIATED' && payment.history.every((h) => h.operation === 'INITIATE'),
            `${payment.status}; ${payment.history.map((h) => h.operation).join(' → ')}`,
          ),
          ...updates.checks,
        ],
        ...(token
          ? {}
          : { note: 'sent without the makePaymentToken (not known here); validation comes first' }),
      };
    },
  };
}
