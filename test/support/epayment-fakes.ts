/**
 * In-memory fakes for unit tests of the ePayment card callback and Vipps webhooks: a scripted
 * acquirer, a 3-D Secure session store, a vault that only opens with the context it sealed with,
 * metrics that record what was emitted, and API Gateway events signed as Vipps signs them.
 */
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { signVippsRequest } from '../../lambdas/adapters/vipps/shared/hmac-signature.js';
import type {
  Acquirer,
  AuthorisationRequest,
  AuthorisationResult,
  SealedSecret,
  SecretVault,
} from '../../lambdas/core/ports.js';
import type { ThreeDsSession, ThreeDsSessionStore } from '../../lambdas/core/three-ds-session.js';
import type { HttpEvent } from '../../lambdas/handlers/http/api-gateway.js';

export class ScriptedAcquirer implements Acquirer {
  readonly requests: AuthorisationRequest[] = [];
  readonly voids: string[] = [];
  constructor(readonly answers: AuthorisationResult[] = []) {}
  authorise(request: AuthorisationRequest) {
    this.requests.push(structuredClone(request));
    return Promise.resolve(this.answers.shift() ?? { outcome: 'ERROR' as const, message: 'unscripted' });
  }
  cancel(op: { acquirerReference: string }) {
    this.voids.push(op.acquirerReference);
    return Promise.resolve({ acquirerReference: `${op.acquirerReference}-void` });
  }
  capture(): Promise<never> {
    return Promise.reject(new Error('not used'));
  }
  refund(): Promise<never> {
    return Promise.reject(new Error('not used'));
  }
  reverse() {
    return Promise.resolve({ reversed: false });
  }
}

export class MemoryThreeDsSessions implements ThreeDsSessionStore {
  readonly items = new Map<string, ThreeDsSession>();
  create(session: ThreeDsSession) {
    this.items.set(session.sessionId, structuredClone(session));
    return Promise.resolve();
  }
  get(id: string) {
    const session = this.items.get(id);
    return Promise.resolve(session ? structuredClone(session) : undefined);
  }
  complete(id: string, outcome: Parameters<ThreeDsSessionStore['complete']>[1]) {
    const session = this.items.get(id);
    if (!session || session.state !== 'PENDING') return Promise.resolve(false);
    this.items.set(id, { ...session, ...outcome });
    return Promise.resolve(true);
  }
}

/** Seals by base64 with the context inside, so a wrong context does not open (like KMS). */
export const contextBoundVault: SecretVault = {
  seal: (plaintext, context) =>
    Promise.resolve({
      encryptedDataKey: JSON.stringify(context),
      iv: '',
      ciphertext: Buffer.from(plaintext).toString('base64'),
      tag: '',
    } as unknown as SealedSecret),
  open: (sealed, context) => {
    const s = sealed as unknown as { encryptedDataKey: string; ciphertext: string };
    if (s.encryptedDataKey !== JSON.stringify(context)) return Promise.reject(new Error('context mismatch'));
    return Promise.resolve(Buffer.from(s.ciphertext, 'base64'));
  },
};

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
