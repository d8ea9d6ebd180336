/**
 * POST /vipps/card-callback — the ePayment card callback. Order (DESIGN.md): (1) verify Vipps'
 * HMAC-SHA256 signature over the raw body, host and path from our configured callback URL →
 * 401, nothing read; (2) parse → 400, nothing read; (3) the use case: unknown payment → 401
 * (revealing nothing), otherwise HTTP 200 with RESERVE, FAIL or SOFT_DECLINE. No log line carries
 * the token, cryptogram, PAR or signature.
 */
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  CardCallbackRequest,
  normaliseCardType,
} from '../../adapters/vipps/epayment/card-callback-schemas.js';
import { verifyVippsSignature } from '../../adapters/vipps/shared/hmac-signature.js';
import { vippsErrors } from '../../core/error-catalogue.js';
import type { Log } from '../../core/ports.js';
import {
  type CardCallbackAnswer,
  type CardCallbackDeps,
  answerCardCallback,
  failAnswer,
} from '../../core/use-cases/card-callback.js';
import { metricDimensions, metricNames } from '../../observability.js';
import type { HttpEvent, HttpResult } from '../http/api-gateway.js';
import { bodyBytes, json, parseJson } from '../http/api-gateway.js';
import { canonicalHash } from '../make-payment/canonical-hash.js';

export interface CardCallbackHandlerDeps extends CardCallbackDeps {
  log: Log;
  metrics?: Metrics;
  maxBodyBytes: number;
  /** Our configured cardCallbackUrl: the host and path Vipps signs. */
  cardCallbackUrl: string;
  /** The PSP's client secret: the HMAC key. */
  signingSecret: () => Promise<string>;
}

interface Answered {
  response: HttpResult;
  /** For the metric: RESERVE, SOFT_DECLINE, the FAIL's errorId, 400 or 401. */
  result: string;
}

const unauthorized = (): Answered => ({ response: json(401, { message: 'Unauthorized' }), result: '401' });
const badRequest = (message: string): Answered => ({ response: json(400, { message }), result: '400' });

export function createCardCallbackHandler(deps: CardCallbackHandlerDeps) {
  return async function cardCallbackHandler(event: HttpEvent): Promise<HttpResult> {
    const started = performance.now();
    const answered = await answer(event, deps);
    if (deps.metrics) {
      deps.metrics.addMetric(
        metricNames.cardCallbackLatency,
        MetricUnit.Milliseconds,
        performance.now() - started,
      );
      const single = deps.metrics.singleMetric();
      single.addDimension(metricDimensions.result, answered.result);
      single.addMetric(metricNames.cardCallbackAnswer, MetricUnit.Count, 1);
    }
    return answered.response;
  };
}

function rawBodyOf(event: HttpEvent): Buffer {
  if (!event.body) return Buffer.alloc(0);
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body); // utf8
}

async function answer(event: HttpEvent, deps: CardCallbackHandlerDeps): Promise<Answered> {
  if (bodyBytes(event) > deps.maxBodyBytes) return badRequest('Body too large');
  const raw = rawBodyOf(event);
  const check = verifyVippsSignature({
    method: 'POST',
    rawBody: raw,
    headers: event.headers ?? {},
    expectedUrl: deps.cardCallbackUrl,
    secret: await deps.signingSecret(),
    now: deps.clock.now(),
  });
  if (!check.ok) {
    deps.log.warn('Card callback signature refused', {
      reason: check.reason,
      detail: check.detail,
      sourceIp: event.requestContext?.identity?.sourceIp,
    });
    return unauthorized();
  }
  const parsedJson = parseJson(raw.toString('utf8'));
  if (!parsedJson.ok) return badRequest('Body is not JSON');
  const parsed = CardCallbackRequest.safeParse(parsedJson.value);
  if (!parsed.success) {
    // Paths only: a zod message never echoes the value, but the path is all ops need.
    const fields = parsed.error.issues.map((i) => i.path.join('.') || '(body)');
    deps.log.warn('Card callback body invalid', { fields });
    return badRequest(`Invalid card callback: ${fields.join(', ')}`);
  }
  const request = parsed.data;
  const cardType = normaliseCardType(request.cardInfo.cardType);
  const token = request.cardInfo.networkToken;
  try {
    const outcome = await answerCardCallback(
      {
        pspReference: request.pspReference,
        authorizationAttemptId: request.authorizationAttemptId,
        merchantSerialNumber: request.merchantSerialNumber,
        ...(request.amount ? { amount: request.amount } : {}),
        ...(request.softDeclineCompletedRedirectUrl
          ? { softDeclineCompletedRedirectUrl: request.softDeclineCompletedRedirectUrl }
          : {}),
        cardDataType: request.cardInfo.cardDataType,
        ...(cardType ? { cardType } : {}),
        ...(token ? { networkToken: token } : {}),
        requestHash: canonicalHash(parsedJson.value),
      },
      deps,
    );
    if (outcome.kind === 'UNKNOWN_PAYMENT') {
      deps.log.warn('Card callback for an unknown payment', { pspReference: request.pspReference });
      return unauthorized();
    }
    deps.log.info('Card callback answered', {
      pspTransactionId: request.pspReference,
      authorizationAttemptId: request.authorizationAttemptId,
      status: outcome.answer.status,
      replayed: outcome.replayed,
      acquirerLatencyMs: outcome.acquirerLatencyMs,
    });
    return answered(outcome.answer);
  } catch (error) {
    deps.log.error('Card callback failed unexpectedly', {
      pspTransactionId: request.pspReference,
      error: String(error),
    });
    return answered(failAnswer(vippsErrors.internalError, deps.failCodes));
  }
}

function answered(answer: CardCallbackAnswer): Answered {
  if (answer.status !== 'FAIL') return { response: json(200, answer), result: answer.status };
  const { errorId, ...body } = answer;
  return { response: json(200, body), result: errorId };
}
