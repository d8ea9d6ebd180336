/**
 * The whole TransactionStore port in memory, for unit tests of the use cases. It behaves like
 * DynamoTransactionStore (conditional writes on `version`, history appended, index fields kept)
 * and can script the write conflicts that are hard to provoke against a real table:
 *   - `conflictOnNextApplies(n)`: the next n applies lose, as if another writer had just won;
 *   - `beforeNextApply(fn)`: run `fn` (another writer's change) just before the next apply, so
 *     that apply really loses to a changed item and the caller must re-read and re-decide;
 *   - `afterApply(fn)`: observe (or fault) every successful apply after it was stored.
 * Items are deep-copied in and out, so a test cannot change stored state by accident.
 */
import { ConcurrentUpdateError, PaymentNotFoundError } from '../../lambdas/core/errors.js';
import type { MerchantOrderClaim, TransactionStore } from '../../lambdas/core/ports.js';
import type { StatusBatch, Transaction, Transition } from '../../lambdas/core/transaction.js';

type Change = Pick<Transition, 'changes' | 'history'>;

const IMMUTABLE: ReadonlySet<string> = new Set(['pspTransactionId', 'version', 'history']);

export class InMemoryTransactionStore implements TransactionStore {
  readonly #items = new Map<string, Transaction>();
  readonly #orderClaims = new Map<string, MerchantOrderClaim>();
  #conflicts = 0;
  readonly #beforeApply: Array<(store: InMemoryTransactionStore) => Promise<void> | void> = [];
  #afterApply?: (stored: Transaction, change: Change) => Promise<void> | void;
  /** Every apply attempted, won or lost: how many times the use case tried to write. */
  applyAttempts = 0;
  /** Applies that lost their conditional write. */
  conflicts = 0;

  constructor(initial: Transaction[] = []) {
    for (const tx of initial) this.#items.set(tx.pspTransactionId, copy(tx));
  }

  conflictOnNextApplies(n: number): this {
    this.#conflicts += n;
    return this;
  }

  /** `fn` runs once, before the next apply checks the version (it may write through `put`/`apply`). */
  beforeNextApply(fn: (store: InMemoryTransactionStore) => Promise<void> | void): this {
    this.#beforeApply.push(fn);
    return this;
  }

  afterApply(fn: ((stored: Transaction, change: Change) => Promise<void> | void) | undefined): this {
    this.#afterApply = fn;
    return this;
  }

  /** Replace an item unconditionally (test setup); bumps nothing. */
  put(tx: Transaction): void {
    this.#items.set(tx.pspTransactionId, copy(tx));
  }

  /** The stored item, without going through the port (assertions). */
  peek(pspTransactionId: string): Transaction | undefined {
    const tx = this.#items.get(pspTransactionId);
    return tx ? copy(tx) : undefined;
  }

  /** Like the conditional put of the order-key item: the first claim of an order id wins for good. */
  claimMerchantOrder(claim: MerchantOrderClaim): Promise<MerchantOrderClaim> {
    const key = `${claim.merchantSerialNumber}#${claim.merchantOrderId}`;
    const holder = this.#orderClaims.get(key);
    if (holder) return Promise.resolve({ ...holder });
    this.#orderClaims.set(key, { ...claim });
    return Promise.resolve({ ...claim });
  }

  create(tx: Transaction): Promise<void> {
    if (this.#items.has(tx.pspTransactionId))
      return Promise.reject(new ConcurrentUpdateError(tx.pspTransactionId));
    this.#items.set(tx.pspTransactionId, copy(tx));
    return Promise.resolve();
  }

  get(pspTransactionId: string): Promise<Transaction | undefined> {
    return Promise.resolve(this.peek(pspTransactionId));
  }

  findByMerchantOrder(
    merchantSerialNumber: string,
    merchantOrderId: string,
  ): Promise<Transaction | undefined> {
    const [first] = [...this.#items.values()]
      .filter(
        (tx) => tx.merchantSerialNumber === merchantSerialNumber && tx.merchantOrderId === merchantOrderId,
      )
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    return Promise.resolve(first ? copy(first) : undefined);
  }

  async apply(
    current: Transaction,
    transition: Change,
    remove: ReadonlyArray<keyof Transaction> = [],
  ): Promise<Transaction> {
    this.applyAttempts++;
    const before = this.#beforeApply.shift();
    if (before) await before(this);
    if (this.#conflicts > 0) {
      this.#conflicts--;
      this.conflicts++;
      throw new ConcurrentUpdateError(current.pspTransactionId);
    }
    const stored = this.#items.get(current.pspTransactionId);
    if (!stored || stored.version !== current.version) {
      this.conflicts++;
      throw new ConcurrentUpdateError(current.pspTransactionId);
    }
    const next: Record<string, unknown> = { ...copy(stored) };
    for (const [name, value] of Object.entries(transition.changes)) {
      if (IMMUTABLE.has(name)) throw new Error(`apply cannot set '${name}'`);
      if (value !== undefined) next[name] = copy(value);
    }
    for (const name of remove) {
      if (IMMUTABLE.has(name) || name in transition.changes) throw new Error(`apply cannot remove '${name}'`);
      delete next[name];
    }
    const updated = {
      ...(next as unknown as Transaction),
      history: [...stored.history, ...copy(transition.history)],
      version: stored.version + 1,
    };
    this.#items.set(updated.pspTransactionId, updated);
    await this.#afterApply?.(copy(updated), transition);
    return copy(updated);
  }

  listDue(now: Date, limit: number): Promise<Transaction[]> {
    const due = [...this.#items.values()]
      .filter((tx) => tx.dueAt !== undefined && tx.dueAt <= now.toISOString())
      .sort((a, b) => a.dueAt!.localeCompare(b.dueAt!))
      .slice(0, limit);
    return Promise.resolve(due.map(copy));
  }

  recordVippsAck(pspTransactionId: string, seq: number, at: string): Promise<boolean> {
    const tx = this.#items.get(pspTransactionId);
    if (!tx || tx.vippsSync.acknowledgedSeq >= seq) return Promise.resolve(false);
    tx.vippsSync = { ...tx.vippsSync, acknowledgedSeq: seq, lastSyncAt: at };
    return Promise.resolve(true);
  }

  recordVippsSending(pspTransactionId: string, batch: StatusBatch): Promise<void> {
    const tx = this.#items.get(pspTransactionId);
    if (!tx) return Promise.reject(new PaymentNotFoundError(pspTransactionId));
    tx.vippsSync = { ...tx.vippsSync, sending: copy(batch) };
    return Promise.resolve();
  }

  /** Rejected is not acknowledged: it stays owed (rejectedSeq); the first rejection of a seq is kept for ops. */
  recordVippsRejection(pspTransactionId: string, seq: number, reason: string, at: string): Promise<void> {
    const tx = this.#items.get(pspTransactionId);
    if (!tx) return Promise.reject(new PaymentNotFoundError(pspTransactionId));
    const { sending: _answered, ...sync } = tx.vippsSync;
    const first = sync.rejectedSeq === undefined || sync.rejectedSeq < seq;
    tx.vippsSync = first
      ? { ...sync, rejectedSeq: seq, rejected: [...(sync.rejected ?? []), { seq, reason, at }] }
      : sync;
    return Promise.resolve();
  }
}

function copy<T>(value: T): T {
  return structuredClone(value);
}
