/**
 * The in-memory acquirer and 3-D Secure session store that unit tests of makePayment, the
 * ePayment card callback and the Merchant API share:
 *   - ScriptedAcquirer: answers authorisations from a script; records every authorisation (with
 *     its abort signal) and every void with its arguments;
 *   - MemoryThreeDsSessions: the plain ThreeDsSessionStore (create, get, complete once from
 *     PENDING), its items open to the test. The step-up flow's store is in-memory-three-ds.ts.
 */
import type {
  Acquirer,
  AcquirerOperation,
  AuthorisationRequest,
  AuthorisationResult,
} from '../../lambdas/core/ports.js';
import type { ThreeDsSession, ThreeDsSessionStore } from '../../lambdas/core/three-ds-session.js';

export class ScriptedAcquirer implements Acquirer {
  readonly requests: AuthorisationRequest[] = [];
  readonly signals: AbortSignal[] = [];
  readonly voids: AcquirerOperation[] = [];
  voidFails = false;
  constructor(readonly answers: AuthorisationResult[] = []) {}
  authorise(request: AuthorisationRequest, options: { signal: AbortSignal }) {
    this.requests.push(structuredClone(request));
    this.signals.push(options.signal);
    return Promise.resolve(this.answers.shift() ?? { outcome: 'ERROR' as const, message: 'unscripted' });
  }
  cancel(operation: AcquirerOperation) {
    this.voids.push(operation);
    if (this.voidFails) return Promise.reject(new Error('acquirer down'));
    return Promise.resolve({ acquirerReference: `${operation.acquirerReference}-void` });
  }
  capture(): Promise<never> {
    return Promise.reject(new Error('authorisation never captures'));
  }
  refund(): Promise<never> {
    return Promise.reject(new Error('authorisation never refunds'));
  }
  reverse(): Promise<never> {
    return Promise.reject(new Error('authorisation never reverses'));
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
