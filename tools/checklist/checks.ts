/**
 * The checks scenarios share, and the words the report uses for answers and status updates.
 * Where we can see the wire and Vipps' side (local), we check both what Vipps received and our
 * own record; where we cannot (--target), our record alone.
 */
import type { PaymentView } from './merchant-http.js';
import type { Check, ChecklistDriver, ObservedAnswer } from './types.js';

export interface ExpectedAnswer {
  status: 'OK' | 'FAIL' | 'SOFT_DECLINE';
  errorId?: string;
  errorText?: string;
}

export interface ExpectedUpdate {
  status: 'RESERVED' | 'CAPTURED' | 'REFUNDED' | 'CANCELLED';
  amount: number;
}

export const check = (name: string, pass: boolean, detail?: string): Check => ({
  name,
  pass,
  ...(detail !== undefined ? { detail } : {}),
});

export function describeExpectedAnswer(a: ExpectedAnswer): string {
  if (a.status === 'OK') return 'OK';
  return `${a.status} ${a.errorId ?? ''}${a.errorText ? ` "${a.errorText}"` : ''}`.trim();
}

export function describeAnswer(a: ObservedAnswer | undefined): string {
  if (!a) return 'no answer';
  if (a.httpStatus === null) return 'no answer (timeout or connection error)';
  const http = a.httpStatus === 200 ? '' : `HTTP ${a.httpStatus} `;
  if (!a.status) return `${http}unreadable answer`;
  if (a.status === 'OK') return `${http}OK`;
  return `${http}${a.status} ${a.errorId ?? '?'}${a.errorText ? ` "${a.errorText}"` : ''}`;
}

export const describeUpdates = (updates: readonly { status: string; amount: number }[]): string =>
  updates.length === 0 ? 'no status update' : updates.map((u) => `${u.status} ${u.amount}`).join(', ');

/** Vipps' answer-by-answer view of one makePayment exchange (or two, around 3-D Secure). */
export function answerChecks(
  answers: readonly ObservedAnswer[],
  expected: readonly ExpectedAnswer[],
  pspTransactionId: string,
): Check[] {
  const checks: Check[] = [
    check(
      `Vipps got ${expected.length} makePayment answer(s)`,
      answers.length === expected.length,
      answers.map(describeAnswer).join(' → '),
    ),
  ];
  expected.forEach((want, i) => {
    const got = answers[i];
    const label = expected.length > 1 ? `answer ${i + 1}` : 'answer';
    checks.push(
      check(
        `${label} is HTTP 200 ${describeExpectedAnswer(want)}`,
        got !== undefined &&
          got.httpStatus === 200 &&
          got.status === want.status &&
          (want.errorId === undefined || got.errorId === want.errorId) &&
          (want.errorText === undefined || got.errorText === want.errorText),
        describeAnswer(got),
      ),
    );
    if (got && want.status === 'SOFT_DECLINE')
      checks.push(
        check(`${label} carries url3dSecure`, Boolean(got.url3dSecure), got.url3dSecure ?? 'missing'),
      );
    if (got)
      checks.push(
        check(
          `${label} echoes pspTransactionId and breaks none of Vipps' rules`,
          got.echoedPspTransactionId === pspTransactionId && got.problems.length === 0,
          got.problems.join('; ') || undefined,
        ),
      );
  });
  return checks;
}

/** Our own record of a failed or ended payment: state and the errorId we answered. */
export function finalStateChecks(
  payment: PaymentView,
  status: string,
  failure?: { errorId: string; errorText?: string },
): Check[] {
  const checks = [check(`payment is ${status}`, payment.status === status, payment.status)];
  if (failure)
    checks.push(
      check(
        `our record says errorId ${failure.errorId}`,
        payment.failure?.errorId === failure.errorId &&
          (failure.errorText === undefined || payment.failure?.errorText === failure.errorText),
        payment.failure ? `${payment.failure.errorId} "${payment.failure.errorText}"` : 'no failure recorded',
      ),
    );
  return checks;
}

const STATUS_OF_OPERATION: Record<string, ExpectedUpdate['status']> = {
  RESERVE: 'RESERVED',
  CAPTURE: 'CAPTURED',
  REFUND: 'REFUNDED',
  CANCEL: 'CANCELLED',
};

/** The status updates our history says we sent, in sequence order. */
export function updatesInOurRecord(payment: PaymentView) {
  return payment.history
    .filter((h) => h.vippsStatusSeq !== undefined)
    .sort((a, b) => a.vippsStatusSeq! - b.vippsStatusSeq!)
    .map((h) => ({
      status: STATUS_OF_OPERATION[h.operation] ?? h.operation,
      amount: h.amount,
      acknowledged: h.acknowledgedByVipps === true,
    }));
}

const sameSequence = (got: readonly { status: string; amount: number }[], want: readonly ExpectedUpdate[]) =>
  got.length === want.length &&
  got.every((g, i) => g.status === want[i]!.status && g.amount === want[i]!.amount);

/**
 * Every status update reached Vipps once, in order, with the right amounts: from Vipps' side
 * where the driver can see it, and from our record (sent + acknowledged) always.
 */
export function statusUpdateChecks(
  driver: ChecklistDriver,
  payment: PaymentView,
  expected: readonly ExpectedUpdate[],
): { checks: Check[]; observed: string } {
  const ours = updatesInOurRecord(payment);
  const checks: Check[] = [
    check(
      expected.length ? `we sent ${describeUpdates(expected)}` : 'we sent no status update',
      sameSequence(ours, expected) && payment.vippsSync.statusUpdatesSent === expected.length,
      describeUpdates(ours),
    ),
    check(
      'Vipps acknowledged every update we sent',
      ours.every((u) => u.acknowledged) && payment.vippsSync.inSync,
      `acknowledged ${payment.vippsSync.acknowledgedSeq} of ${payment.vippsSync.statusUpdatesSent}`,
    ),
  ];
  const received = driver.statusUpdatesAtVipps?.(payment.pspTransactionId);
  if (!received) return { checks, observed: `${describeUpdates(ours)} (our record, acknowledged by Vipps)` };
  checks.push(
    check(
      expected.length
        ? `Vipps received ${describeUpdates(expected)}, in that order, none twice`
        : 'Vipps received no status update',
      sameSequence(received, expected),
      describeUpdates(received),
    ),
    check(
      'Vipps applied every update and flagged none',
      received.every((u) => u.applied && u.problems.length === 0),
      received.flatMap((u) => u.problems).join('; ') || undefined,
    ),
  );
  return { checks, observed: `Vipps received ${describeUpdates(received)}` };
}
