/**
 * The sandbox acquirer: deterministic outcomes by amount (see sandbox-outcomes.ts), a ledger of
 * what "the network" did, and a fault API for tests. Like a real acquirer it applies an
 * authorisation's idempotency key once and replays that answer to a repeat, so a caller that
 * reuses a key (e.g. for the authorisation after 3-D Secure) gets the first answer again. It is deployable to AWS for Vipps' test
 * environment (STAGE=sandbox); production config refuses it.
 */
import { AcquirerUnavailableError } from '../../core/errors.js';
import {
  type Acquirer,
  type AcquirerOperation,
  type AuthorisationRequest,
  type AuthorisationResult,
  type CardFunding,
  type CardFundingLookup,
  type Clock,
  systemClock,
} from '../../core/ports.js';
import type { Currency, MinorUnits } from '../../core/money.js';
import { sandboxCardFundingLookup } from '../card-funding/sandbox-card-funding.js';
import { type SandboxDecision, decideSandboxOutcome } from './sandbox-outcomes.js';
import { type SandboxLedger, sandboxLedger, sandboxReference } from './sandbox-ledger.js';

export { SandboxLedger, sandboxLedger } from './sandbox-ledger.js';
export { sandboxAmounts } from './sandbox-outcomes.js';

export type SandboxOperationName = 'authorise' | 'capture' | 'refund' | 'cancel' | 'reverse';

/**
 * 'unavailable': the request never reached the acquirer (nothing applied; AcquirerUnavailableError,
 * or ERROR for authorise). 'timeout': it reached the acquirer and was applied, but the answer was
 * lost (AcquirerUnavailableError; authorise waits for the AbortSignal and answers TIMEOUT, leaving
 * a late approval in the ledger if the amount would have been approved).
 */
export type SandboxFault = 'unavailable' | 'timeout';

export interface SandboxAcquirerOptions {
  /** Added to every call (authorise stops early when its AbortSignal fires). Default 0. */
  latencyMs?: number;
  clock?: Clock;
  /** Default: the process-wide `sandboxLedger`. */
  ledger?: SandboxLedger;
  /** Funding reported on approvals (unknown → DEBIT). Default: the sandbox BIN table. */
  cardFunding?: CardFundingLookup;
}

export class SandboxAcquirer implements Acquirer {
  readonly ledger: SandboxLedger;
  readonly #latencyMs: number;
  readonly #clock: Clock;
  readonly #cardFunding: CardFundingLookup;
  readonly #faults = new Map<SandboxOperationName, SandboxFault[]>();

  constructor(options: SandboxAcquirerOptions = {}) {
    this.ledger = options.ledger ?? sandboxLedger;
    this.#latencyMs = options.latencyMs ?? 0;
    this.#clock = options.clock ?? systemClock;
    this.#cardFunding = options.cardFunding ?? sandboxCardFundingLookup;
  }

  /** Make the next call of `operation` fail (queued: call twice to fail the next two). */
  failNext(operation: SandboxOperationName, kind: SandboxFault): void {
    const queue = this.#faults.get(operation) ?? [];
    queue.push(kind);
    this.#faults.set(operation, queue);
  }

  async authorise(
    request: AuthorisationRequest,
    { signal }: { signal: AbortSignal },
  ): Promise<AuthorisationResult> {
    const fault = this.#takeFault('authorise');
    if (fault === 'unavailable') {
      // Never reached the acquirer: the key is not used up.
      this.#recordDecline(request, 'ERROR');
      return { outcome: 'ERROR', message: 'Sandbox acquirer unavailable (injected fault)' };
    }
    const replayed = this.ledger.answerFor(request.idempotencyKey, keyedRequest(request));
    if (replayed) return replayed;
    const decision = decideSandboxOutcome(request);
    const answered = await sleep(this.#latencyMs, signal);
    if (!answered || fault === 'timeout' || decision.outcome === 'APPROVE_LATE') {
      await untilAborted(signal);
      return this.#answerLost(request, decision);
    }
    const result = await this.#answer(request, decision);
    this.ledger.rememberAnswer(request.idempotencyKey, keyedRequest(request), result);
    return result;
  }

  async #answer(
    request: AuthorisationRequest,
    decision: Exclude<SandboxDecision, { outcome: 'APPROVE_LATE' }>,
  ): Promise<AuthorisationResult> {
    switch (decision.outcome) {
      case 'APPROVE':
        return this.#approve(request, decision.forceCredit ? 'CREDIT' : await this.#funding(request));
      case 'DECLINE':
        this.#recordDecline(request, 'DECLINED');
        return { outcome: 'DECLINED', reason: decision.reason, responseCode: decision.responseCode };
      case 'SOFT_DECLINE':
        this.#recordDecline(request, 'SOFT_DECLINE');
        return {
          outcome: 'SOFT_DECLINE',
          canStepUp: decision.canStepUp,
          responseCode: decision.responseCode,
        };
      case 'ERROR':
        this.#recordDecline(request, 'ERROR');
        return {
          outcome: 'ERROR',
          responseCode: decision.responseCode,
          message: 'Sandbox acquirer internal error',
        };
    }
  }

  capture(operation: AcquirerOperation): Promise<{ acquirerReference: string }> {
    return this.#operate('capture', 'CAPTURE', operation);
  }

  refund(operation: AcquirerOperation): Promise<{ acquirerReference: string }> {
    return this.#operate('refund', 'REFUND', operation);
  }

  cancel(operation: AcquirerOperation): Promise<{ acquirerReference: string }> {
    return this.#operate('cancel', 'VOID', operation);
  }

  async reverse(request: { pspTransactionId: string; amount: MinorUnits; currency: Currency }): Promise<{
    reversed: boolean;
  }> {
    const fault = this.#takeFault('reverse');
    if (fault === 'unavailable')
      throw new AcquirerUnavailableError('Sandbox acquirer unavailable (injected fault)');
    await sleep(this.#latencyMs);
    const reversed = this.ledger.reverse(request.pspTransactionId, this.#clock.now());
    if (fault === 'timeout')
      throw new AcquirerUnavailableError('Sandbox acquirer timed out (injected fault)');
    return { reversed };
  }

  async #operate(
    name: 'capture' | 'refund' | 'cancel',
    type: 'CAPTURE' | 'REFUND' | 'VOID',
    operation: AcquirerOperation,
  ): Promise<{ acquirerReference: string }> {
    const fault = this.#takeFault(name);
    if (fault === 'unavailable')
      throw new AcquirerUnavailableError('Sandbox acquirer unavailable (injected fault)');
    await sleep(this.#latencyMs);
    // Throws AcquirerRefusedError when the invariants forbid it; a repeated operationId replays.
    const { operationReference } = this.ledger.apply(type, operation, this.#clock.now());
    if (fault === 'timeout')
      throw new AcquirerUnavailableError('Sandbox acquirer timed out (injected fault)');
    return { acquirerReference: operationReference };
  }

  /** We stopped waiting; whatever the issuer decided still happened (a hold if it approved). */
  #answerLost(request: AuthorisationRequest, decision: SandboxDecision): AuthorisationResult {
    if (decision.outcome === 'APPROVE' || decision.outcome === 'APPROVE_LATE') {
      const funding = decision.outcome === 'APPROVE' && decision.forceCredit ? 'CREDIT' : 'UNKNOWN';
      const acquirerReference = this.#record(request, funding, true);
      // A repeat of the key learns what really happened (a declined one simply decides again).
      this.ledger.rememberAnswer(request.idempotencyKey, keyedRequest(request), {
        outcome: 'APPROVED',
        acquirerReference,
        funding,
        responseCode: '00',
      });
    } else {
      this.#recordDecline(request, 'TIMEOUT');
    }
    return { outcome: 'TIMEOUT' };
  }

  #recordDecline(request: AuthorisationRequest, outcome: string): void {
    this.ledger.recordDecline(
      request.pspTransactionId,
      request.amount,
      outcome,
      this.#clock.now(),
      request.idempotencyKey,
    );
  }

  #approve(request: AuthorisationRequest, funding: CardFunding): AuthorisationResult {
    const acquirerReference = this.#record(request, funding, false);
    // A made-up scheme transaction id, so the ePayment RESERVE answer can carry one.
    const networkTransactionReference = `sandbox-ntr-${acquirerReference}`;
    return {
      outcome: 'APPROVED',
      acquirerReference,
      funding,
      responseCode: '00',
      networkTransactionReference,
    };
  }

  #record(request: AuthorisationRequest, funding: CardFunding, late: boolean): string {
    const acquirerReference = sandboxReference(request.amount);
    this.ledger.recordAuthorisation(
      {
        pspTransactionId: request.pspTransactionId,
        acquirerReference,
        amount: request.amount,
        currency: request.currency,
        funding,
        late,
        ...(request.threeDs
          ? {
              threeDs: {
                eci: request.threeDs.eci,
                version: request.threeDs.version,
                dsTransactionId: request.threeDs.threeDsTransactionId,
                withCavv: request.threeDs.cavv.length > 0,
                withCryptogram: request.card.kind === 'NETWORK_TOKEN' && request.card.cryptogram.length > 0,
              },
            }
          : {}),
      },
      this.#clock.now(),
      request.idempotencyKey,
    );
    return acquirerReference;
  }

  async #funding(request: AuthorisationRequest): Promise<CardFunding> {
    const number = request.card.kind === 'NETWORK_TOKEN' ? request.card.number : request.card.pan;
    const funding = await this.#cardFunding.lookup(number);
    return funding === 'UNKNOWN' ? 'DEBIT' : funding;
  }

  #takeFault(operation: SandboxOperationName): SandboxFault | undefined {
    return this.#faults.get(operation)?.shift();
  }
}

const keyedRequest = (request: AuthorisationRequest) => ({
  pspTransactionId: request.pspTransactionId,
  amount: request.amount,
});

/** Resolves true after `ms`, or false as soon as `signal` fires (immediately if it already has). */
function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
