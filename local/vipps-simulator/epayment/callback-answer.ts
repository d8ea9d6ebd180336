/**
 * Our card-callback answer judged against what Vipps publishes (CardCallbackResponse, ePayment
 * PSP changelog May 2026 and the PSP skill of vippsas/agent-toolkit): HTTP 200 JSON with status
 * RESERVE (+ networkTransactionReference), FAIL (+ integer errorCode and errorMessage) or
 * SOFT_DECLINE (+ softDeclineUrl). CAPTURE and softDeclineRedirectUrl were pre-launch only.
 */
import type { CardCallbackExchange, CardOutcome } from './card-callback.js';

const KNOWN_FIELDS = new Set([
  'status',
  'networkTransactionReference',
  'errorCode',
  'errorMessage',
  'softDeclineUrl',
]);

export function checkCallbackAnswer(exchange: CardCallbackExchange, contentType: string | null): void {
  const p = exchange.problems;
  if (exchange.httpStatus !== 200) {
    p.push(
      `HTTP ${exchange.httpStatus}: Vipps treats anything but HTTP 200 as a failure the user cannot retry`,
    );
  }
  if (!contentType || !/^application\/json\b/i.test(contentType))
    p.push('the answer is not application/json');
  const answer = exchange.response;
  if (!answer || typeof answer !== 'object' || Array.isArray(answer))
    return void p.push('the answer is not a JSON object');
  const a = answer as Record<string, unknown>;
  const unknown = Object.keys(a).filter((k) => !KNOWN_FIELDS.has(k));
  if (unknown.length) p.push(`unknown field(s) ${unknown.join(', ')} in CardCallbackResponse`);
  switch (a.status) {
    case 'RESERVE':
      if (a.networkTransactionReference !== undefined && typeof a.networkTransactionReference !== 'string')
        p.push('networkTransactionReference must be a string');
      return;
    case 'FAIL':
      if (!Number.isInteger(a.errorCode)) p.push('FAIL needs an integer errorCode');
      if (typeof a.errorMessage !== 'string' || a.errorMessage === '') p.push('FAIL needs an errorMessage');
      return;
    case 'SOFT_DECLINE':
      if (typeof a.softDeclineUrl !== 'string')
        p.push('SOFT_DECLINE needs softDeclineUrl (softDeclineRedirectUrl was the pre-launch name)');
      return;
    case 'CAPTURE':
      return void p.push('status CAPTURE appeared only on the pre-launch page: do not use it');
    default:
      p.push('status must be RESERVE, FAIL or SOFT_DECLINE');
  }
}

export function outcomeOf(exchange: CardCallbackExchange): CardOutcome {
  if (exchange.httpStatus === null) return 'NO_ANSWER';
  const status = (exchange.response as { status?: unknown } | undefined)?.status;
  if (exchange.httpStatus !== 200) return 'FAIL';
  if (status === 'RESERVE') return 'RESERVE';
  return status === 'SOFT_DECLINE' ? 'SOFT_DECLINE' : 'FAIL';
}
