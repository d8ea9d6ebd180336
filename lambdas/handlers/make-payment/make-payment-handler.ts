/**
 * POST /vipps/make-payment — Vipps' makePaymentUrl. Order of checks (DESIGN.md): (1) parse and
 * validate the body → FAIL 71, nothing read or changed; (2) authenticate the per-payment token →
 * 401, nothing changes; (3) the business rules, in the makePayment use case.
 */
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { vippsErrors } from '../../core/error-catalogue.js';
import type { Log } from '../../core/ports.js';
import { type MakePaymentDeps, makePayment } from '../../core/use-cases/make-payment.js';
import { metricDimensions, metricNames } from '../../observability.js';
import type { HttpEvent, HttpResult } from '../http/api-gateway.js';
import { bodyBytes, bodyText, header, json, parseJson } from '../http/api-gateway.js';
import { answerResponse, failResponse } from './answer.js';
import { canonicalHash } from './canonical-hash.js';
import { toMakePaymentCommand } from './command.js';

export interface MakePaymentHandlerDeps extends MakePaymentDeps {
  log: Log;
  metrics?: Metrics;
  maxBodyBytes: number;
}

export function createMakePaymentHandler(deps: MakePaymentHandlerDeps) {
  return async function makePaymentHandler(event: HttpEvent): Promise<HttpResult> {
    const started = performance.now();
    const result = await answer(event, deps);
    const latencyMs = performance.now() - started;
    if (deps.metrics) {
      deps.metrics.addMetric(metricNames.makePaymentLatency, MetricUnit.Milliseconds, latencyMs);
      if (result.acquirerLatencyMs !== undefined) {
        deps.metrics.addMetric(
          metricNames.acquirerLatency,
          MetricUnit.Milliseconds,
          result.acquirerLatencyMs,
        );
      }
      const single = deps.metrics.singleMetric();
      single.addDimension(metricDimensions.errorId, result.errorId);
      single.addMetric(metricNames.makePaymentAnswer, MetricUnit.Count, 1);
    }
    return result.response;
  };
}

interface Answered {
  response: HttpResult;
  errorId: string;
  acquirerLatencyMs?: number;
}

async function answer(event: HttpEvent, deps: MakePaymentHandlerDeps): Promise<Answered> {
  const invalid = (pspTransactionId: string | undefined, why: string): Answered => {
    deps.log.warn('makePayment request rejected as invalid', { pspTransactionId, errorId: '71', why });
    return { response: failResponse(vippsErrors.invalidRequest, pspTransactionId), errorId: '71' };
  };
  if (bodyBytes(event) > deps.maxBodyBytes) return invalid(undefined, 'body too large');
  const parsedJson = parseJson(bodyText(event));
  if (!parsedJson.ok) return invalid(undefined, 'body is not JSON');
  const parsed = toMakePaymentCommand(parsedJson.value, canonicalHash(parsedJson.value));
  if (!parsed.ok) return invalid(parsed.pspTransactionId, parsed.issues.join('; '));
  const pspTransactionId = parsed.command.pspTransactionId;

  try {
    const outcome = await makePayment(parsed.command, header(event, 'Authorization'), deps);
    if (outcome.kind === 'UNAUTHENTICATED') {
      // A security event: never log the presented token, only that it did not match.
      deps.log.warn('makePayment authentication failed', {
        pspTransactionId,
        reason: outcome.reason,
        sourceIp: event.requestContext?.identity?.sourceIp,
      });
      return { response: json(401, { message: 'Unauthorized' }), errorId: '401' };
    }
    return {
      response: answerResponse(outcome.answer, pspTransactionId),
      errorId: outcome.answer.error?.errorId ?? 'OK',
      acquirerLatencyMs: outcome.acquirerLatencyMs,
    };
  } catch (error) {
    // Never a stack trace to Vipps. A claimed attempt left behind is chased by the reconciler.
    deps.log.error('makePayment failed unexpectedly', {
      pspTransactionId,
      errorId: '91',
      error: String(error),
    });
    return { response: failResponse(vippsErrors.internalError, pspTransactionId), errorId: '91' };
  }
}
