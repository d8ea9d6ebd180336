/**
 * API Gateway events signed as Vipps signs them, for unit tests of the ePayment card callback and
 * Vipps webhooks.
 */
import { signVippsRequest } from '../../lambdas/adapters/vipps/shared/hmac-signature.js';
import type { HttpEvent } from '../../lambdas/handlers/http/api-gateway.js';

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
