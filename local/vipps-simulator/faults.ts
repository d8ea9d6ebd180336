/**
 * Fault injection for tests: make the next N calls to an endpoint fail in a chosen way. Faults
 * are taken in the order they were added, one per call, before any validation.
 */
import type { ErrorDetails } from '../../lambdas/adapters/vipps/schemas.js';
import type { SimEndpoint, SimulatorState } from './state.js';

export type Fault =
  /** Answer this status (a 4xx/500 with a Vipps error array: `errors` or a default one). */
  | { kind: 'status'; status: number; errors?: ErrorDetails[] }
  /** Wait `delayMs`, then handle the call normally (the caller has usually timed out by then). */
  | { kind: 'hang'; delayMs: number }
  /** Destroy the connection without answering: a network error for the caller. */
  | { kind: 'drop' };

export interface VippsSimulatorFaults {
  failNext(endpoint: SimEndpoint, options: { status: number; times?: number; errors?: ErrorDetails[] }): void;
  hangNext(endpoint: SimEndpoint, options: { delayMs: number; times?: number }): void;
  dropNext(endpoint: SimEndpoint, options?: { times?: number }): void;
  /** Every access token issued so far is answered 401 from now on (as if expired early). */
  expireTokens(): void;
  /** Faults still waiting for a call to `endpoint`. */
  pending(endpoint: SimEndpoint): number;
  clear(): void;
}

export class FaultQueue implements VippsSimulatorFaults {
  readonly #queues = new Map<SimEndpoint, Fault[]>();

  constructor(private readonly state: SimulatorState) {}

  #add(endpoint: SimEndpoint, fault: Fault, times = 1): void {
    const queue = this.#queues.get(endpoint) ?? [];
    for (let i = 0; i < times; i++) queue.push(fault);
    this.#queues.set(endpoint, queue);
  }

  failNext(
    endpoint: SimEndpoint,
    options: { status: number; times?: number; errors?: ErrorDetails[] },
  ): void {
    this.#add(
      endpoint,
      { kind: 'status', status: options.status, ...(options.errors ? { errors: options.errors } : {}) },
      options.times,
    );
  }

  hangNext(endpoint: SimEndpoint, options: { delayMs: number; times?: number }): void {
    this.#add(endpoint, { kind: 'hang', delayMs: options.delayMs }, options.times);
  }

  dropNext(endpoint: SimEndpoint, options?: { times?: number }): void {
    this.#add(endpoint, { kind: 'drop' }, options?.times);
  }

  expireTokens(): void {
    for (const token of this.state.tokens.values()) token.revoked = true;
  }

  pending(endpoint: SimEndpoint): number {
    return this.#queues.get(endpoint)?.length ?? 0;
  }

  clear(): void {
    this.#queues.clear();
  }

  /** The fault for this call, if any (consumed). */
  take(endpoint: SimEndpoint): Fault | undefined {
    return this.#queues.get(endpoint)?.shift();
  }
}
