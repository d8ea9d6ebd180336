/**
 * Fakes for unit tests of the ePayment card callback and Vipps webhooks: metrics that record what
 * was emitted, and API Gateway events signed as Vipps signs them. The acquirer and session store
 * are in payment-fakes.ts, the vault in in-memory-three-ds.ts.
 */
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { signVippsRequest } from '../../lambdas/adapters/vipps/shared/hmac-signature.js';
import type { HttpEvent } from '../../lambdas/handlers/http/api-gateway.js';

export interface EmittedMetric {
  name: string;
  unit: string;
  value: number;
  dimensions: Record<string, string>;
}

/** What a handler emitted through Powertools Metrics: metric name, unit, value and its dimensions. */
export class RecordingMetrics {
  readonly emitted: EmittedMetric[] = [];
  addMetric(name: string, unit: string, value: number) {
    this.emitted.push({ name, unit, value, dimensions: {} });
  }
  singleMetric() {
    const dimensions: Record<string, string> = {};
    return {
      addDimension: (name: string, value: string) => {
        dimensions[name] = value;
      },
      addMetric: (name: string, unit: string, value: number) => {
        this.emitted.push({ name, unit, value, dimensions: { ...dimensions } });
      },
    };
  }
  asMetrics(): Metrics {
    return this as unknown as Metrics;
  }
}

export interface SignOptions {
  secret?: string;
  date?: Date;
  /** Sign these bytes instead of the body sent (a forged or altered body). */
  signedBody?: string;
  /** Sign for another URL than the one posted to. */
  signedUrl?: string;
  unsigned?: boolean;
  base64?: boolean;
  sourceIp?: string;
}

/** An API Gateway REST proxy event carrying `body`, signed as Vipps signs a POST to `url`. */
export function signedEvent(
  url: string,
  body: string,
  secret: string,
  now: Date,
  o: SignOptions = {},
): HttpEvent {
  const signed = signVippsRequest({
    url: o.signedUrl ?? url,
    body: o.signedBody ?? body,
    secret: o.secret ?? secret,
    date: o.date ?? now,
  });
  const headers: Record<string, string> = { 'Content-Type': 'application/json', Host: signed.host };
  if (!o.unsigned) {
    headers['X-Ms-Date'] = signed['x-ms-date'];
    headers['X-Ms-Content-Sha256'] = signed['x-ms-content-sha256'];
    headers.Authorization = signed.authorization;
  }
  return {
    httpMethod: 'POST',
    path: new URL(url).pathname,
    headers,
    body: o.base64 ? Buffer.from(body, 'utf8').toString('base64') : body,
    isBase64Encoded: o.base64 ?? false,
    requestContext: { identity: { sourceIp: o.sourceIp ?? '198.51.100.7' } },
  } as unknown as HttpEvent;
}
