/**
 * POST /vipps/webhooks — Vipps' ePayment webhook events. (1) Verify Vipps' HMAC-SHA256 signature
 * with the PSP's registration secret, host and path from our configured URL → 401, nothing read;
 * (2) parse → 400; (3) the use case: unknown payment → 401 (revealing nothing), else 200 — also
 * for a duplicate, so Vipps stops redelivering it.
 */
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { EPaymentWebhookEvent } from '../../adapters/vipps/epayment/card-callback-schemas.js';
import { verifyVippsSignature } from '../../adapters/vipps/shared/hmac-signature.js';
import type { Log } from '../../core/ports.js';
import { type VippsWebhookDeps, receiveVippsEvent } from '../../core/use-cases/vipps-webhook.js';
import { metricDimensions, metricNames } from '../../observability.js';
import type { HttpEvent, HttpResult } from '../http/api-gateway.js';
import { bodyBytes, json, parseJson } from '../http/api-gateway.js';

export interface VippsWebhookHandlerDeps extends VippsWebhookDeps {
  log: Log;
  metrics?: Metrics;
  maxBodyBytes: number;
  /** Our configured webhook URL: the host and path Vipps signs. */
  webhookUrl: string;
  /** The registration's secret; undefined when none is configured (every event is then refused). */
  webhookSecret: () => Promise<string | undefined>;
}

const unauthorized = (): HttpResult => json(401, { message: 'Unauthorized' });

export function createVippsWebhookHandler(deps: VippsWebhookHandlerDeps) {
  return async function vippsWebhookHandler(event: HttpEvent): Promise<HttpResult> {
    const response = await answer(event, deps);
    if (deps.metrics) {
      const single = deps.metrics.singleMetric();
      single.addDimension(metricDimensions.result, String(response.statusCode));
      single.addMetric(metricNames.vippsWebhook, MetricUnit.Count, 1);
    }
    return response;
  };
}

/** The bytes Vipps signed (API Gateway passes a binary body base64-encoded). */
function rawBodyOf(event: HttpEvent): Buffer {
  if (!event.body) return Buffer.alloc(0);
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body); // utf8
}

async function answer(event: HttpEvent, deps: VippsWebhookHandlerDeps): Promise<HttpResult> {
  if (bodyBytes(event) > deps.maxBodyBytes) return json(400, { message: 'Body too large' });
  const raw = rawBodyOf(event);
  const secret = await deps.webhookSecret();
  if (!secret) {
    deps.log.error(
      'Vipps webhook refused: no webhook secret is configured (VIPPS_WEBHOOK_SECRET or webhookSecret)',
    );
    return unauthorized();
  }
  const check = verifyVippsSignature({
    method: 'POST',
    rawBody: raw,
    headers: event.headers ?? {},
    expectedUrl: deps.webhookUrl,
    secret,
    now: deps.clock.now(),
  });
  if (!check.ok) {
    deps.log.warn('Vipps webhook signature refused', {
      reason: check.reason,
      detail: check.detail,
      sourceIp: event.requestContext?.identity?.sourceIp,
    });
    return unauthorized();
  }
  const parsedJson = parseJson(raw.toString('utf8'));
  if (!parsedJson.ok) return json(400, { message: 'Body is not JSON' });
  const parsed = EPaymentWebhookEvent.safeParse(parsedJson.value);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join('.') || '(body)');
    return json(400, { message: `Invalid webhook event: ${fields.join(', ')}` });
  }
  const e = parsed.data;
  const outcome = await receiveVippsEvent(
    {
      merchantSerialNumber: e.msn,
      reference: e.reference,
      name: e.name,
      amount: e.amount,
      timestamp: e.timestamp,
      ...(e.pspReference ? { eventId: e.pspReference } : {}),
      ...(e.idempotencyKey ? { idempotencyKey: e.idempotencyKey } : {}),
      success: e.success,
    },
    deps,
  );
  if (outcome.kind === 'UNKNOWN_PAYMENT') {
    deps.log.warn('Vipps webhook for an unknown payment', { reference: e.reference });
    return unauthorized();
  }
  return json(200, { received: true });
}
