/**
 * Vipps' ePayment error answers (RFC 7807, `extraDetails:[{name:"ErrorCode",reason:"6090"}]`)
 * turned into the core's typed errors: a refusal for good, or "retry later" (locked, rate
 * limited, our keys refused, Vipps busy). Problem texts are Vipps' and never contain our secrets.
 */
import {
  EPaymentRejectedError,
  EPaymentRetryLaterError,
  type EPaymentProblem,
  ePaymentRetryLaterCodes,
} from '../../../core/epayment-port.js';
import { Problem } from './schemas.js';

function parseJson(text: string): unknown {
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The problem of a non-2xx answer; only the status when the body is not RFC 7807. */
export function problemOf(httpStatus: number, text: string): EPaymentProblem {
  const parsed = Problem.safeParse(parseJson(text));
  if (!parsed.success) return { httpStatus };
  const p = parsed.data;
  const errorCode = p.extraDetails?.find((d) => d.name?.toLowerCase() === 'errorcode')?.reason;
  return {
    httpStatus,
    ...(errorCode ? { errorCode } : {}),
    ...(p.title ? { title: p.title } : {}),
    ...(p.detail ? { detail: p.detail } : {}),
    ...(p.traceId ? { traceId: p.traceId } : {}),
  };
}

/** Statuses that are about us or Vipps' load, not about the request: try again later. */
const RETRY_LATER_STATUSES = new Set([401, 403, 423, 429]);

/** The error for a 4xx answer to `label`. */
export function errorFor(label: string, httpStatus: number, text: string): Error {
  const problem = problemOf(httpStatus, text);
  if (RETRY_LATER_STATUSES.has(httpStatus) || ePaymentRetryLaterCodes.has(problem.errorCode ?? '')) {
    const code = problem.errorCode ? ` (ErrorCode ${problem.errorCode})` : '';
    return new EPaymentRetryLaterError(`Vipps ${label}: HTTP ${httpStatus}${code}; try again later`, problem);
  }
  return new EPaymentRejectedError(problem);
}
