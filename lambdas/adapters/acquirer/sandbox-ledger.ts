/**
 * The sandbox acquirer's book of what "the card network" did: every authorisation (including one
 * the issuer approved after we stopped waiting), capture, refund, void and reversal, per
 * pspTransactionId. Tests ask it `netCharged(id)` to prove the customer is never left charged.
 *
 * In-memory and per process. The local stack keeps one sandbox acquirer in its main process (its
 * workers route their acquirer calls there, local/lambda-workers), so they all share
 * `sandboxLedger` below. In AWS each Lambda container has its own copy: the makePayment
 * container knows the authorisation, a merchant-API container does not (see `adopt` below).
 */
import { AcquirerRefusedError } from '../../core/errors.js';
import type { AuthorisationResult, CardFunding } from '../../core/ports.js';
import type { Currency, MinorUnits } from '../../core/money.js';

export type SandboxLedgerEventType =
  'AUTHORISATION' | 'LATE_AUTHORISATION' | 'DECLINE' | 'CAPTURE' | 'REFUND' | 'VOID' | 'REVERSAL';

export interface SandboxLedgerEvent {
  type: SandboxLedgerEventType;
  pspTransactionId: string;
  /** The authorisation's reference (absent for a decline). */
  acquirerReference?: string;
  /** The capture/refund/void's own reference. */
  operationReference?: string;
  operationId?: string;
  /** For AUTHORISATION, LATE_AUTHORISATION and DECLINE: the key the authorisation request carried. */
  idempotencyKey?: string;
  amount: MinorUnits;
  at: string;
  /** For DECLINE: the outcome the sandbox answered (DECLINED, SOFT_DECLINE, ERROR, …). */
  outcome?: string;
}

export interface SandboxAuthorisation {
  pspTransactionId: string;
  acquirerReference: string;
  amount: MinorUnits;
  currency: Currency;
  funding: CardFunding;
  /** The issuer approved after our budget ran out: we answered TIMEOUT, the hold exists anyway. */
  late: boolean;
  /** Rebuilt from a sandbox reference made by another process (amounts before it are unknown). */
  adopted: boolean;
  captured: MinorUnits;
  refunded: MinorUnits;
  /** Set once the hold is released by a void (cancel) or a reversal. */
  released?: 'VOID' | 'REVERSAL';
  /**
   * What came with the authorisation after a 3-D Secure step-up (tests check it reached us):
   * never the CAVV or the cryptogram themselves, only that they were there.
   */
  threeDs?: {
    eci: string;
    version: string;
    dsTransactionId: string;
    withCavv: boolean;
    withCryptogram: boolean;
  };
}

export interface SandboxBalance {
  authorised: MinorUnits;
  captured: MinorUnits;
  refunded: MinorUnits;
  /** Still reserved on the customer's account: open authorisations minus what was captured. */
  held: MinorUnits;
  /** What the customer is out of pocket right now: held + captured − refunded. */
  netCharged: MinorUnits;
}

/**
 * Sandbox references carry the authorised amount (`SBX-<amount>-<random>`), so a container that
 * never saw the authorisation can still enforce "capture ≤ authorised" for it.
 */
const referencePattern = /^SBX-(\d{1,10})-[0-9a-f]{12}$/;

export function sandboxReference(amount: MinorUnits): string {
  return `SBX-${amount}-${crypto.randomUUID().replaceAll('-', '').slice(0, 12)}`;
}

/** What the acquirer answered to one authorisation idempotency key, and for which request. */
interface KeyedAnswer {
  pspTransactionId: string;
  amount: MinorUnits;
  result: AuthorisationResult;
}

export class SandboxLedger {
  readonly #events: SandboxLedgerEvent[] = [];
  readonly #authorisations = new Map<string, SandboxAuthorisation>();
  readonly #answersByKey = new Map<string, KeyedAnswer>();

  /** Every event, oldest first; only those of one payment when an id is given. */
  events(pspTransactionId?: string): SandboxLedgerEvent[] {
    return this.#events
      .filter((e) => pspTransactionId === undefined || e.pspTransactionId === pspTransactionId)
      .map((e) => ({ ...e }));
  }

  /** The authorisations made for one payment (copies). More than one means a double authorisation. */
  authorisations(pspTransactionId: string): SandboxAuthorisation[] {
    return [...this.#authorisations.values()]
      .filter((a) => a.pspTransactionId === pspTransactionId)
      .map((a) => ({ ...a }));
  }

  balance(pspTransactionId: string): SandboxBalance {
    let authorised = 0;
    let captured = 0;
    let refunded = 0;
    let held = 0;
    for (const a of this.#authorisations.values()) {
      if (a.pspTransactionId !== pspTransactionId) continue;
      authorised += a.amount;
      captured += a.captured;
      refunded += a.refunded;
      if (!a.released) held += a.amount - a.captured;
    }
    return { authorised, captured, refunded, held, netCharged: held + captured - refunded };
  }

  /** 0 means the customer is not charged (nothing held, everything captured was refunded). */
  netCharged(pspTransactionId: string): MinorUnits {
    return this.balance(pspTransactionId).netCharged;
  }

  /** Forget everything (tests sharing the process-wide ledger). */
  reset(): void {
    this.#events.length = 0;
    this.#authorisations.clear();
    this.#answersByKey.clear();
  }

  // ── Used by the sandbox acquirer ───────────────────────────────────────────────────────────

  recordAuthorisation(
    entry: Pick<
      SandboxAuthorisation,
      'pspTransactionId' | 'acquirerReference' | 'amount' | 'currency' | 'funding' | 'late' | 'threeDs'
    >,
    at: Date,
    idempotencyKey?: string,
  ): void {
    const { pspTransactionId, acquirerReference, amount } = entry;
    this.#authorisations.set(acquirerReference, { ...entry, adopted: false, captured: 0, refunded: 0 });
    this.#events.push({
      type: entry.late ? 'LATE_AUTHORISATION' : 'AUTHORISATION',
      pspTransactionId,
      acquirerReference,
      ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
      amount,
      at: at.toISOString(),
    });
  }

  recordDecline(
    pspTransactionId: string,
    amount: MinorUnits,
    outcome: string,
    at: Date,
    idempotencyKey?: string,
  ): void {
    this.#events.push({
      type: 'DECLINE',
      pspTransactionId,
      ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
      amount,
      outcome,
      at: at.toISOString(),
    });
  }

  /**
   * Like a real acquirer, an authorisation key is applied once: remember what it was answered
   * (for a lost answer, what the issuer really decided) so a repeat gets the same answer.
   */
  rememberAnswer(idempotencyKey: string, request: Omit<KeyedAnswer, 'result'>, result: AuthorisationResult) {
    this.#answersByKey.set(idempotencyKey, { ...request, result });
  }

  /**
   * The answer a repeated key gets: the first answer again, or ERROR when the key came with
   * another payment or amount (the acquirer refuses to reuse a key for a different request).
   */
  answerFor(idempotencyKey: string, request: Omit<KeyedAnswer, 'result'>): AuthorisationResult | undefined {
    const known = this.#answersByKey.get(idempotencyKey);
    if (!known) return undefined;
    if (known.pspTransactionId !== request.pspTransactionId || known.amount !== request.amount)
      return { outcome: 'ERROR', message: 'Idempotency key reused for a different request' };
    return { ...known.result };
  }

  /**
   * Capture, refund or void against one authorisation, enforcing the amount invariants. Idempotent
   * by operationId: a repeat returns the first operation's reference and changes nothing.
   */
  apply(
    type: 'CAPTURE' | 'REFUND' | 'VOID',
    op: {
      pspTransactionId: string;
      acquirerReference: string;
      amount: MinorUnits;
      currency: Currency;
      operationId: string;
    },
    at: Date,
  ): { operationReference: string; replayed: boolean } {
    const previous = this.#events.find((e) => e.operationId === op.operationId);
    if (previous) {
      const same =
        previous.type === type &&
        previous.acquirerReference === op.acquirerReference &&
        (type === 'VOID' || previous.amount === op.amount);
      if (!same)
        throw new AcquirerRefusedError(`Operation id ${op.operationId} was used for another operation`);
      return { operationReference: previous.operationReference!, replayed: true };
    }
    const auth = this.#find(op);
    // A void after a partial capture released only the remainder: what was captured can still be refunded.
    if (auth.released && !(type === 'REFUND' && auth.released === 'VOID')) {
      throw new AcquirerRefusedError(
        `Authorisation ${auth.acquirerReference} was already ${auth.released === 'VOID' ? 'voided' : 'reversed'}`,
      );
    }
    if (!Number.isSafeInteger(op.amount) || op.amount < 0) {
      throw new AcquirerRefusedError(`Invalid amount ${op.amount}`);
    }
    if (type === 'CAPTURE') {
      const remaining = auth.amount - auth.captured;
      if (op.amount === 0 || op.amount > remaining) {
        throw new AcquirerRefusedError(`Cannot capture ${op.amount}: ${remaining} remain authorised`);
      }
      auth.captured += op.amount;
    } else if (type === 'REFUND') {
      // An adopted authorisation may have been captured in another process: bound by the amount.
      const remaining = (auth.adopted ? auth.amount : auth.captured) - auth.refunded;
      if (op.amount === 0 || op.amount > remaining) {
        throw new AcquirerRefusedError(`Cannot refund ${op.amount}: ${remaining} captured and not refunded`);
      }
      auth.refunded += op.amount;
    } else {
      // A void releases what is still held: the whole authorisation, or what a partial capture left.
      if (auth.captured >= auth.amount) {
        throw new AcquirerRefusedError('Cannot void a fully captured authorisation; refund instead');
      }
      auth.released = 'VOID';
    }
    const operationReference = `${auth.acquirerReference}-${type[0]}${crypto.randomUUID().slice(0, 8)}`;
    this.#events.push({
      type,
      pspTransactionId: auth.pspTransactionId,
      acquirerReference: auth.acquirerReference,
      operationReference,
      operationId: op.operationId,
      amount: type === 'VOID' ? auth.amount - auth.captured : op.amount,
      at: at.toISOString(),
    });
    return { operationReference, replayed: false };
  }

  /**
   * Release every open authorisation of the payment that has nothing captured (a reversal cannot
   * undo a capture). True if the payment has a reversed authorisation afterwards, so a repeated
   * call answers the same.
   */
  reverse(pspTransactionId: string, at: Date): boolean {
    let reversed = false;
    for (const auth of this.#authorisations.values()) {
      if (auth.pspTransactionId !== pspTransactionId) continue;
      if (!auth.released && auth.captured === 0) {
        auth.released = 'REVERSAL';
        this.#events.push({
          type: 'REVERSAL',
          pspTransactionId,
          acquirerReference: auth.acquirerReference,
          amount: auth.amount,
          at: at.toISOString(),
        });
      }
      if (auth.released === 'REVERSAL') reversed = true;
    }
    return reversed;
  }

  #find(op: {
    pspTransactionId: string;
    acquirerReference: string;
    currency: Currency;
  }): SandboxAuthorisation {
    const known = this.#authorisations.get(op.acquirerReference);
    if (known) {
      if (known.pspTransactionId !== op.pspTransactionId) {
        throw new AcquirerRefusedError(`Authorisation ${op.acquirerReference} belongs to another payment`);
      }
      return known;
    }
    // Another process (another Lambda container) made it: adopt it from its self-describing
    // reference. What was captured there is unknown here; the transaction store still enforces it.
    const match = referencePattern.exec(op.acquirerReference);
    if (!match) throw new AcquirerRefusedError(`No authorisation ${op.acquirerReference}`);
    const adopted: SandboxAuthorisation = {
      pspTransactionId: op.pspTransactionId,
      acquirerReference: op.acquirerReference,
      amount: Number(match[1]),
      currency: op.currency,
      funding: 'UNKNOWN',
      late: false,
      adopted: true,
      captured: 0,
      refunded: 0,
    };
    this.#authorisations.set(op.acquirerReference, adopted);
    return adopted;
  }
}

/**
 * The process-wide ledger every SandboxAcquirer uses unless given its own. Locally every acquirer
 * call ends up in the stack's main process, so all share it; in AWS each Lambda container has its own.
 */
export const sandboxLedger = new SandboxLedger();
