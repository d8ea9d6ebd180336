/**
 * The reconciler's sweep, branch by branch, on the in-memory store and a scripted acquirer: what
 * it leaves alone (an attempt still authorising, a payment still within its deadline, an unknown
 * outcome on a live reservation), what it defers to the next sweep (acquirer down), what it
 * reports, and how it compares with Vipps before re-sending. The happy paths over dynalite and the
 * real SQS emulator are in test/integration/reconciler.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { AcquirerRefusedError, AcquirerUnavailableError } from '../../lambdas/core/errors.js';
import type { Acquirer, VippsPaymentDetails } from '../../lambdas/core/ports.js';
import {
  CHASE_AFTER_MS,
  RESEND_EVERY_MS,
  type StatusUpdate,
  type Transaction,
  capture,
  claimOperation,
  fail,
  nextDueAt,
  reserve,
} from '../../lambdas/core/transaction.js';
import { vippsErrors } from '../../lambdas/core/error-catalogue.js';
import { type ReconcileDeps, reconcile } from '../../lambdas/core/use-cases/reconcile.js';
import { InMemoryTransactionStore } from '../support/in-memory-transaction-store.js';
import { inMemoryEventDispatch } from '../support/webhook-events.js';
import { RecordingLog } from '../support/three-ds-harness.js';
import { applied, initiatedPayment } from '../support/transactions.js';

const at = '2026-11-24T10:01:00.000Z';
const BUDGET_MS = 1_000;

/** An acquirer whose answers a test scripts; it records what it was asked. */
class ScriptedAcquirer implements Acquirer {
  readonly calls: string[] = [];
  reverseAnswer: () => Promise<{ reversed: boolean }> = () => Promise.resolve({ reversed: true });
  operationAnswer: () => Promise<{ acquirerReference: string }> = () =>
    Promise.resolve({ acquirerReference: 'ACQ-OP' });
  authorise(): never {
    throw new Error('the reconciler never authorises');
  }
  reverse() {
    this.calls.push('reverse');
    return this.reverseAnswer();
  }
  capture = () => this.operate('capture');
  refund = () => this.operate('refund');
  cancel = () => this.operate('cancel');
  private operate(name: string) {
    this.calls.push(name);
    return this.operationAnswer();
  }
}

function setup(txs: Transaction[], vipps?: ReconcileDeps['vipps']) {
  const transactions = new InMemoryTransactionStore(txs);
  const acquirer = new ScriptedAcquirer();
  const enqueued: StatusUpdate[] = [];
  const log = new RecordingLog();
  const deps: ReconcileDeps = {
    transactions,
    acquirer,
    statusQueue: { enqueue: (u) => Promise.resolve(void enqueued.push(u)) },
    log,
    acquirerBudgetMs: BUDGET_MS,
    events: inMemoryEventDispatch({
      read: (id) => transactions.peek(id),
      write: (stored) => transactions.put(stored),
    }),
    ...(vipps ? { vipps } : {}),
  };
  const sweep = (now: Date) => reconcile(deps, { now, limit: 10 });
  return { transactions, acquirer, enqueued, log, deps, sweep };
}

const due = (tx: Transaction): Transaction => ({ ...tx, dueAt: nextDueAt(tx)! });

/** Reserved at `at`; Vipps has acknowledged everything unless told otherwise. */
function reserved(overrides: Partial<Transaction> = {}): Transaction {
  const initiated = initiatedPayment(overrides);
  const tx = applied(initiated, reserve(initiated, { at, acquirerReference: 'ACQ-1' }));
  return { ...tx, vippsSync: { acknowledgedSeq: tx.statusSeq } };
}

/** A payment whose authorisation timed out (85, outcome unknown). */
function unknownOutcome(): Transaction {
  const initiated = initiatedPayment();
  return due(applied(initiated, fail(initiated, vippsErrors.tooLate, { at, outcome: 'UNKNOWN' })));
}

const afterChase = new Date(Date.parse(at) + CHASE_AFTER_MS);

describe('reconcile: INITIATED payments', () => {
  it('leaves a makePayment attempt that is still within its budget alone, and looks again when it would be abandoned', async () => {
    const claimedAt = new Date(Date.parse(at) - CHASE_AFTER_MS).toISOString();
    const tx = due(
      initiatedPayment({
        makePayment: { requestHash: 'h', phase: 'INITIAL', state: 'IN_PROGRESS', claimedAt },
        updatedAt: claimedAt,
      }),
    );
    const { sweep, transactions, acquirer } = setup([{ ...tx, dueAt: at }]);
    const result = await sweep(new Date(Date.parse(claimedAt) + BUDGET_MS));
    expect(result.actions).toEqual([]);
    expect(result.failures).toEqual([]);
    const stored = transactions.peek(tx.pspTransactionId)!;
    expect(stored).toMatchObject({ status: 'INITIATED', makePayment: { state: 'IN_PROGRESS' } });
    expect(stored.dueAt).toBe(nextDueAt(tx));
    expect(acquirer.calls).toEqual([]);
  });

  it('does not expire a payment listed due by a stale index entry while its deadline has not passed', async () => {
    const tx = initiatedPayment();
    const { sweep, transactions } = setup([{ ...tx, dueAt: at }]);
    const result = await sweep(new Date(Date.parse(tx.expiresAt) - 1));
    expect(result.counts).toEqual({});
    expect(transactions.peek(tx.pspTransactionId)).toMatchObject({
      status: 'INITIATED',
      dueAt: tx.expiresAt,
    });
  });
});

describe('reconcile: an authorisation whose outcome is unknown', () => {
  it('says in the history when the acquirer held nothing to reverse', async () => {
    const tx = unknownOutcome();
    const { sweep, transactions, acquirer } = setup([tx]);
    acquirer.reverseAnswer = () => Promise.resolve({ reversed: false });
    const result = await sweep(afterChase);
    expect(result.actions).toHaveLength(1);
    expect(result.actions[0]).toMatchObject({
      action: 'reversed',
      detail: { acquirerHadAuthorisation: false },
    });
    const stored = transactions.peek(tx.pspTransactionId)!;
    expect(stored.authorisationOutcome).toBe('REVERSED');
    expect(stored.history.at(-1)).toMatchObject({
      operation: 'REVERSE',
      note: 'Nothing to reverse at the acquirer',
    });
    expect(stored.dueAt).toBeUndefined();
  });

  it('never reverses a payment that holds a live reservation: a person decides, it stays due', async () => {
    const tx = due({ ...reserved(), authorisationOutcome: 'UNKNOWN' });
    const { sweep, transactions, acquirer, log } = setup([tx]);
    const result = await sweep(afterChase);
    expect(acquirer.calls).toEqual([]);
    expect(result.failures).toEqual([
      { pspTransactionId: tx.pspTransactionId, error: 'reverse: payment is RESERVED, a person must decide' },
    ]);
    expect(transactions.peek(tx.pspTransactionId)).toMatchObject({
      authorisationOutcome: 'UNKNOWN',
      dueAt: tx.dueAt,
    });
    expect(log.entries.filter((e) => e.level === 'error').map((e) => e.message)).toEqual([
      'Unknown authorisation outcome on a payment that is not final; not reversed',
    ]);
  });

  it('an acquirer that cannot be reached leaves the payment due for the next sweep', async () => {
    const tx = unknownOutcome();
    const { sweep, transactions, acquirer } = setup([tx]);
    acquirer.reverseAnswer = () => Promise.reject(new AcquirerUnavailableError('connect ECONNREFUSED'));
    const result = await sweep(afterChase);
    expect(result.failures).toMatchObject([{ error: expect.stringMatching(/^reverse: /) }]);
    expect(transactions.peek(tx.pspTransactionId)).toMatchObject({
      authorisationOutcome: 'UNKNOWN',
      dueAt: tx.dueAt,
    });
    acquirer.reverseAnswer = () => Promise.resolve({ reversed: true });
    expect((await sweep(afterChase)).counts).toEqual({ reversed: 1 });
    expect(transactions.peek(tx.pspTransactionId)?.dueAt).toBeUndefined();
  });
});

describe('reconcile: claims the acquirer never confirmed', () => {
  const withClaim = () => {
    const tx = reserved();
    return due(applied(tx, claimOperation(tx, 'CAPTURE', 4_000, { at, operationId: 'op-1' })));
  };

  it('an acquirer that is down leaves the claim and the payment due; nothing is told to Vipps', async () => {
    const tx = withClaim();
    const { sweep, transactions, acquirer, enqueued } = setup([tx]);
    acquirer.operationAnswer = () => Promise.reject(new AcquirerUnavailableError('timeout'));
    const result = await sweep(afterChase);
    expect(result.failures).toMatchObject([{ error: expect.stringMatching(/^capture op-1: /) }]);
    expect(transactions.peek(tx.pspTransactionId)).toMatchObject({
      capturedAmount: 0,
      pendingOperations: [{ operationId: 'op-1' }],
      dueAt: tx.dueAt,
    });
    expect(enqueued).toEqual([]);
  });

  it('a refused claim is released with the refusal as the reason; the amounts stay as they were', async () => {
    const tx = withClaim();
    const { sweep, transactions, acquirer, enqueued } = setup([tx]);
    acquirer.operationAnswer = () => Promise.reject(new AcquirerRefusedError('05 Do not honour'));
    const result = await sweep(afterChase);
    expect(result.actions).toHaveLength(1);
    expect(result.actions[0]).toMatchObject({
      action: 'operationReleased',
      detail: { operationId: 'op-1', amount: 4_000, reason: '05 Do not honour' },
    });
    expect(transactions.peek(tx.pspTransactionId)).toMatchObject({
      status: 'RESERVED',
      capturedAmount: 0,
      pendingOperations: [],
    });
    expect(enqueued).toEqual([]);
  });

  it('a claim the merchant’s retry settles while the reconciler asks the acquirer is not applied twice', async () => {
    const tx = withClaim();
    const { sweep, transactions } = setup([tx]);
    // The merchant's own retry completes op-1 between the reconciler's read and its write.
    transactions.beforeNextApply((store) => {
      const current = store.peek(tx.pspTransactionId)!;
      const settled = applied(current, capture(current, 4_000, { at, operationId: 'op-1' }));
      store.put({ ...settled, pendingOperations: [] });
    });
    const result = await sweep(afterChase);
    expect(result.failures).toEqual([]);
    expect(result.counts.operationCompleted).toBeUndefined();
    const stored = transactions.peek(tx.pspTransactionId)!;
    expect(stored).toMatchObject({ capturedAmount: 4_000, pendingOperations: [] });
    expect(stored.history.filter((h) => h.operation === 'CAPTURE')).toHaveLength(1);
  });
});

describe('reconcile: status updates Vipps has not acknowledged', () => {
  /** Reserved and captured; Vipps acknowledged nothing. */
  const owing = (overrides: Partial<Transaction> = {}) => {
    const tx = reserved();
    const captured = applied(tx, capture(tx, 2_500, { at }));
    return due({ ...captured, vippsSync: { acknowledgedSeq: 0 }, ...overrides });
  };

  it('waits the re-send interval after a re-send before sending again', async () => {
    const resentAt = afterChase.toISOString();
    const tx = owing({ statusResentAt: resentAt });
    const { sweep, enqueued } = setup([{ ...tx, dueAt: at }]);
    const result = await sweep(new Date(Date.parse(resentAt) + RESEND_EVERY_MS - 1));
    expect(result.counts.resent).toBeUndefined();
    expect(enqueued).toEqual([]);
    expect((await sweep(new Date(Date.parse(resentAt) + RESEND_EVERY_MS))).counts.resent).toBe(1);
    expect(enqueued.map((u) => u.seq)).toEqual([1, 2]);
  });

  it('reads Vipps’ view first and logs whether it matches ours; a difference changes nothing', async () => {
    const details: VippsPaymentDetails = {
      pspTransactionId: 'x',
      transactionSummary: { capturedAmount: 2_500 },
      transactionLogHistory: [{ operation: 'RESERVE' }, { operation: 'CAPTURE' }],
    };
    const tx = owing();
    const { sweep, log, enqueued } = setup([tx], { getDetails: () => Promise.resolve(details) });
    await sweep(afterChase);
    const compared = log.entries.find((e) => e.message === 'Vipps details before re-sending status updates');
    expect(compared?.extra[0]).toMatchObject({
      matches: true,
      vipps: { captured: 2_500, refunded: 0, logEntries: 2 },
    });
    expect(enqueued).toHaveLength(2);
  });

  it('a Vipps view that differs is logged as not matching; the updates are re-sent all the same', async () => {
    const tx = owing();
    const { sweep, log, enqueued } = setup([tx], {
      getDetails: () => Promise.resolve({ pspTransactionId: tx.pspTransactionId }),
    });
    await sweep(afterChase);
    const compared = log.entries.find((e) => e.message === 'Vipps details before re-sending status updates');
    expect(compared?.extra[0]).toMatchObject({
      matches: false,
      ours: { captured: 2_500 },
      vipps: { captured: 0, refunded: 0, logEntries: 0 },
    });
    expect(enqueued).toHaveLength(2);
  });

  it('Vipps unreachable for the comparison: re-sends anyway and says so', async () => {
    const tx = owing();
    const { sweep, log, enqueued } = setup([tx], {
      getDetails: () => Promise.reject(new Error('HTTP 503')),
    });
    const result = await sweep(afterChase);
    expect(result.counts.resent).toBe(1);
    expect(enqueued).toHaveLength(2);
    expect(log.entries.map((e) => e.message)).toContain('Could not read Vipps details; re-sending anyway');
  });
});

describe('reconcile: the sweep itself', () => {
  it('a payment gone between the due query and the read is reported; the others are still settled', async () => {
    const gone = unknownOutcome();
    const other = due(unknownOutcome());
    const otherId = 'f'.repeat(32);
    const transactions = new (class extends InMemoryTransactionStore {
      override get(id: string) {
        return id === gone.pspTransactionId ? Promise.resolve(undefined) : super.get(id);
      }
    })([gone, { ...other, pspTransactionId: otherId }]);
    const { deps } = setup([]);
    const result = await reconcile({ ...deps, transactions }, { now: afterChase, limit: 10 });
    expect(result.examined).toBe(2);
    expect(result.failures).toEqual([
      {
        pspTransactionId: gone.pspTransactionId,
        error: `Error: Payment ${gone.pspTransactionId} disappeared`,
      },
    ]);
    expect(transactions.peek(otherId)?.authorisationOutcome).toBe('REVERSED');
  });
});
