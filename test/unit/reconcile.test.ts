/**
 * The reconciler's sweep, branch by branch, on the in-memory store and a scripted acquirer: what
 * it leaves alone (an attempt still authorising, a payment still within its deadline, an unknown
 * outcome on a live reservation), what it defers to the next sweep (acquirer down), what it
 * reports, and how it compares with Vipps before re-sending. The happy paths over dynalite and the
 * real SQS emulator are in test/integration/reconciler.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  AcquirerCannotReverseError,
  AcquirerRefusedError,
  AcquirerUnavailableError,
} from '../../lambdas/core/errors.js';
import type { Acquirer, VippsPaymentDetails } from '../../lambdas/core/ports.js';
import {
  CHASE_AFTER_MS,
  EVENT_SWEEP_AFTER_MS,
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
import { OVERDUE_AFTER_MS, type ReconcileDeps, reconcile } from '../../lambdas/core/use-cases/reconcile.js';
import type { PaymentEvent } from '../../lambdas/core/webhooks/payment-events.js';
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

describe('reconcile: each decision and what it reports', () => {
  const id = initiatedPayment().pspTransactionId;
  const actionsOf = (result: { actions: Array<{ action: string; detail?: unknown }> }) =>
    result.actions.map((a) => [a.action, a.detail]);

  it('expires a payment at its deadline, reports the deadline and logs the action; it then leaves the index', async () => {
    const tx = initiatedPayment();
    const { sweep, transactions, log } = setup([{ ...tx, dueAt: tx.expiresAt }]);
    const result = await sweep(new Date(tx.expiresAt));
    expect(result.actions[0]).toEqual({
      pspTransactionId: id,
      action: 'expired',
      detail: { expiresAt: tx.expiresAt },
    });
    expect(result.counts.expired).toBe(1);
    expect(transactions.peek(id)).toMatchObject({ status: 'EXPIRED', updatedAt: tx.expiresAt });
    expect(log.entries).toContainEqual({
      level: 'info',
      message: 'Reconciler action',
      extra: [{ pspTransactionId: id, action: 'expired', expiresAt: tx.expiresAt }],
    });
  });

  it('an ePayment payment Vipps ended records Vipps’ ending instead of our expiry', async () => {
    const tx = initiatedPayment({ vippsApi: 'epayment' });
    const { deps, transactions } = setup([{ ...tx, dueAt: tx.expiresAt }]);
    const ePayment = {
      getPayment: () => Promise.resolve({ state: 'ABORTED' }),
    } as unknown as ReconcileDeps['ePayment'];
    const result = await reconcile({ ...deps, ePayment }, { now: new Date(tx.expiresAt), limit: 10 });
    expect(result.actions[0]).toMatchObject({
      action: 'expired',
      detail: { expiresAt: tx.expiresAt, endedAtVipps: 'CANCELLED' },
    });
    expect(transactions.peek(id)!.status).toBe('CANCELLED');
  });

  it('takes over a makePayment attempt abandoned mid-authorisation: FAILED 85, outcome unknown, then reversed', async () => {
    const claimedAt = '2026-11-24T10:00:00.000Z';
    const tx = initiatedPayment({
      makePayment: { requestHash: 'h', phase: 'INITIAL', state: 'IN_PROGRESS', claimedAt },
    });
    const { sweep, transactions, acquirer } = setup([{ ...tx, dueAt: claimedAt }]);
    // Budget 1 s + 2 s grace: abandoned from 10:00:03 on.
    expect((await sweep(new Date('2026-11-24T10:00:02.999Z'))).actions).toEqual([]);
    transactions.put({ ...transactions.peek(id)!, dueAt: claimedAt }); // listed early again
    const result = await sweep(new Date('2026-11-24T10:00:03.000Z'));
    expect(actionsOf(result)).toEqual([
      ['abandoned', { claimedAt }],
      ['reversed', { amount: 10_000, acquirerHadAuthorisation: true }],
    ]);
    // The merchant learns the payment failed through the stream: the sweep leaves a fresh event
    // (written by this very sweep) to it, and only hands over what is a minute old.
    expect(transactions.peek(id)!.eventsDispatched ?? 0).toBe(0);
    expect(transactions.peek(id)!.events).toHaveLength(1);
    expect(acquirer.calls).toEqual(['reverse']);
    const stored = transactions.peek(id)!;
    expect(stored).toMatchObject({
      status: 'FAILED',
      authorisationOutcome: 'REVERSED',
      failure: { errorId: '85' },
    });
    expect(stored.history.at(-1)).toEqual({
      operation: 'REVERSE',
      amount: 10_000,
      at: '2026-11-24T10:00:03.000Z',
      note: 'Unknown authorisation reversed',
    });
  });

  it('an acquirer that cannot find the authorisation by our reference alarms ops and stays due', async () => {
    const tx = unknownOutcome();
    const { sweep, transactions, acquirer, log } = setup([tx]);
    acquirer.reverseAnswer = () => Promise.reject(new AcquirerCannotReverseError('no lookup by reference'));
    const result = await sweep(afterChase);
    expect(actionsOf(result)).toEqual([
      ['reversalImpossible', { amount: 10_000, reason: 'no lookup by reference' }],
    ]);
    expect(result.failures).toEqual([
      { pspTransactionId: id, error: 'reverse: AcquirerCannotReverseError: no lookup by reference' },
    ]);
    expect(transactions.peek(id)).toMatchObject({ authorisationOutcome: 'UNKNOWN', dueAt: tx.dueAt });
    expect(log.entries).toContainEqual({
      level: 'warn',
      message: 'Reconciler step failed; the payment stays due for the next sweep',
      extra: [
        {
          pspTransactionId: id,
          step: 'reverse',
          error: 'AcquirerCannotReverseError: no lookup by reference',
        },
      ],
    });
  });

  it('asks the acquirer again for a stale claim with the same operation id and amount, then tells Vipps', async () => {
    const tx = reserved();
    const captured = applied(tx, capture(tx, 4_000, { at }));
    const withClaim = applied(
      captured,
      claimOperation(captured, 'REFUND', 1_500, { at, operationId: 'op-r' }),
    );
    const stale = due({ ...withClaim, vippsSync: { acknowledgedSeq: withClaim.statusSeq } });
    const { sweep, transactions, acquirer, enqueued } = setup([stale]);
    const requests: unknown[] = [];
    Object.assign(acquirer, {
      refund: (request: unknown) => {
        requests.push(request);
        return Promise.resolve({ acquirerReference: 'REF-9' });
      },
    });
    // One millisecond before the chase is due, nothing is asked.
    expect((await sweep(new Date(Date.parse(at) + CHASE_AFTER_MS - 1))).actions).toEqual([]);
    const result = await sweep(afterChase);
    expect(requests).toEqual([
      {
        pspTransactionId: id,
        acquirerReference: 'ACQ-1',
        amount: 1_500,
        currency: 'NOK',
        operationId: 'op-r',
      },
    ]);
    expect(actionsOf(result)[0]).toEqual([
      'operationCompleted',
      { operation: 'REFUND', operationId: 'op-r', amount: 1_500 },
    ]);
    expect(transactions.peek(id)).toMatchObject({ refundedAmount: 1_500, pendingOperations: [] });
    expect(enqueued).toEqual([expect.objectContaining({ status: 'REFUNDED', amount: 1_500, seq: 3 })]);
  });

  it('a claim younger than the grace period is left alone even when the payment is due for another reason', async () => {
    const tx = reserved();
    const claimed = applied(tx, claimOperation(tx, 'CAPTURE', 1_000, { at, operationId: 'op-1' }));
    const { sweep, acquirer } = setup([{ ...claimed, dueAt: at }]);
    await sweep(new Date(Date.parse(at) + CHASE_AFTER_MS - 1));
    expect(acquirer.calls).toEqual([]);
  });

  it('without a Vipps client the re-send compares nothing and warns of nothing', async () => {
    const tx = reserved();
    const owed = due({ ...tx, vippsSync: { acknowledgedSeq: 0 } });
    const { sweep, log, enqueued } = setup([owed]);
    await sweep(afterChase);
    expect(enqueued).toHaveLength(1);
    expect(log.entries.filter((e) => e.level === 'warn')).toEqual([]);
  });

  it('a live reservation with an unknown outcome is logged with its status', async () => {
    const tx = due({ ...reserved(), authorisationOutcome: 'UNKNOWN' });
    const { sweep, log } = setup([tx]);
    await sweep(afterChase);
    expect(log.entries).toContainEqual({
      level: 'error',
      message: 'Unknown authorisation outcome on a payment that is not final; not reversed',
      extra: [{ pspTransactionId: id, status: 'RESERVED' }],
    });
  });

  describe('a claim still waiting for the acquirer', () => {
    const startedAt = at;
    const stale = () => {
      const tx = reserved();
      return due(applied(tx, claimOperation(tx, 'CAPTURE', 4_000, { at: startedAt, operationId: 'op-1' })));
    };
    const anHourOn = new Date(Date.parse(startedAt) + OVERDUE_AFTER_MS);

    it('accepted only (a webhook will settle it): stays due, and ops are alarmed once it is over an hour old', async () => {
      const { sweep, acquirer, transactions } = setup([stale()]);
      acquirer.operationAnswer = () => Promise.resolve({ acquirerReference: 'PSP-1', pending: true });
      const result = await sweep(anHourOn);
      expect(result.actions).toEqual([]);
      expect(result.failures).toEqual([
        { pspTransactionId: id, error: 'capture op-1: awaiting the acquirer webhook' },
      ]);
      expect(transactions.peek(id)!.pendingOperations).toHaveLength(1);
      const overdue = await sweep(new Date(anHourOn.getTime() + 1));
      expect(actionsOf(overdue)).toEqual([
        ['operationOverdue', { operation: 'CAPTURE', operationId: 'op-1', amount: 4_000 }],
      ]);
    });

    it('at an acquirer without idempotency: never sent again, left to ops, alarmed after an hour', async () => {
      const { sweep, acquirer } = setup([stale()]);
      Object.assign(acquirer, { repeatsSafely: false });
      const result = await sweep(anHourOn);
      expect(acquirer.calls).toEqual([]);
      expect(result.actions).toEqual([]);
      expect(result.failures).toEqual([
        {
          pspTransactionId: id,
          error:
            'capture op-1: outcome unknown at an acquirer without idempotency; not sent again, check it at the acquirer',
        },
      ]);
      const overdue = await sweep(new Date(anHourOn.getTime() + 1));
      expect(actionsOf(overdue)).toEqual([
        ['operationOverdue', { operation: 'CAPTURE', operationId: 'op-1', amount: 4_000 }],
      ]);
      expect(acquirer.calls).toEqual([]);
    });
  });

  describe('re-sending what Vipps has not acknowledged', () => {
    const owing = () => {
      const tx = reserved();
      const captured = applied(tx, capture(tx, 2_500, { at }));
      return due({ ...captured, vippsSync: { acknowledgedSeq: 1 } });
    };

    it('re-sends the owed updates once the oldest is past the grace period, reports them and remembers when', async () => {
      const { sweep, enqueued, transactions } = setup([owing()]);
      const early = await sweep(new Date(Date.parse(at) + CHASE_AFTER_MS - 1));
      expect(early.counts.resent).toBeUndefined();
      const result = await sweep(afterChase);
      expect(actionsOf(result)).toStrictEqual([['resent', { seqs: [2], acknowledgedSeq: 1 }]]);
      expect(transactions.peek(id)!.history).toHaveLength(owing().history.length);
      expect(enqueued.map((u) => [u.seq, u.status, u.amount])).toEqual([[2, 'CAPTURED', 2_500]]);
      const stored = transactions.peek(id)!;
      expect(stored.statusResentAt).toBe(afterChase.toISOString());
      expect(stored.dueAt).toBe(new Date(afterChase.getTime() + RESEND_EVERY_MS).toISOString());
    });

    it('an ePayment payment is compared with Vipps’ ePayment view, not PSP API details', async () => {
      const tx = { ...owing(), vippsApi: 'epayment' as const };
      const { deps, log } = setup([tx]);
      let pspCalls = 0;
      const vipps = {
        getDetails: () => Promise.resolve(void pspCalls++),
      } as unknown as ReconcileDeps['vipps'];
      const ePayment = {
        getPayment: () =>
          Promise.resolve({ aggregate: { capturedAmount: { value: 2_500 }, refundedAmount: { value: 0 } } }),
      } as unknown as ReconcileDeps['ePayment'];
      await reconcile({ ...deps, vipps, ePayment }, { now: afterChase, limit: 10 });
      expect(pspCalls).toBe(0);
      expect(log.entries.map((e) => e.message)).toContain(
        'Vipps’ ePayment view before re-sending status updates',
      );
    });

    it('the comparison names the payment and both sides', async () => {
      const tx = owing();
      const { sweep, log } = setup([tx], {
        getDetails: () =>
          Promise.resolve({
            pspTransactionId: id,
            transactionSummary: { capturedAmount: 2_500, refundedAmount: 100 },
          }),
      });
      await sweep(afterChase);
      expect(
        log.entries.find((e) => e.message === 'Vipps details before re-sending status updates')?.extra,
      ).toEqual([
        {
          pspTransactionId: id,
          matches: false,
          ours: { status: 'PARTIALLY_CAPTURED', captured: 2_500, refunded: 0 },
          vipps: { captured: 2_500, refunded: 100, logEntries: 0 },
        },
      ]);
    });

    it('Vipps unreachable for the comparison is logged with the payment and the error', async () => {
      const { sweep, log } = setup([owing()], { getDetails: () => Promise.reject(new Error('HTTP 503')) });
      await sweep(afterChase);
      expect(log.entries).toContainEqual({
        level: 'warn',
        message: 'Could not read Vipps details; re-sending anyway',
        extra: [{ pspTransactionId: id, error: 'Error: HTTP 503' }],
      });
    });
  });

  it('merchant events left in the outbox are handed to delivery and counted', async () => {
    const tx = applied(reserved(), capture(reserved(), 1_000, { at }));
    const event = { eventId: 'e1', pspTransactionId: id } as unknown as PaymentEvent;
    const withEvent = due({ ...tx, vippsSync: { acknowledgedSeq: tx.statusSeq }, events: [event] });
    const { sweep, transactions } = setup([withEvent]);
    const result = await sweep(new Date(Date.parse(at) + EVENT_SWEEP_AFTER_MS));
    expect(actionsOf(result)).toEqual([['eventsDispatched', { events: 1 }]]);
    expect(transactions.peek(id)).toMatchObject({ eventsDispatched: 1 });
    expect(transactions.peek(id)).not.toHaveProperty('dueAt');
  });

  it('events that cannot be handed over leave the payment due', async () => {
    const tx = reserved();
    const event = { eventId: 'e1', pspTransactionId: id } as unknown as PaymentEvent;
    const withEvent = due({ ...tx, events: [event] });
    const { deps, transactions } = setup([withEvent]);
    const events = {
      ...deps.events,
      webhooks: { listEndpoints: () => Promise.reject(new Error('DynamoDB down')) },
    };
    const result = await reconcile(
      { ...deps, events: events as unknown as ReconcileDeps['events'] },
      { now: new Date(Date.parse(at) + EVENT_SWEEP_AFTER_MS), limit: 10 },
    );
    expect(result.failures).toEqual([
      { pspTransactionId: id, error: 'dispatch events: Error: DynamoDB down' },
    ]);
    expect(transactions.peek(id)!.dueAt).toBe(withEvent.dueAt);
  });

  it('a payment listed due with nothing left to do leaves the index, reported as cleared once', async () => {
    const tx = reserved();
    const { sweep, transactions } = setup([{ ...tx, dueAt: at }]);
    const result = await sweep(afterChase);
    expect(result.actions).toEqual([{ pspTransactionId: id, action: 'cleared' }]);
    expect(transactions.peek(id)).not.toHaveProperty('dueAt');
    expect((await sweep(afterChase)).examined).toBe(0);
  });

  it('a due time that moved is written back without reporting anything', async () => {
    const tx = initiatedPayment();
    const { sweep, transactions } = setup([{ ...tx, dueAt: at }]);
    const result = await sweep(new Date(at));
    expect(result.actions).toEqual([]);
    expect(transactions.peek(id)!.dueAt).toBe(tx.expiresAt);
  });

  it('a payment that cannot be settled is logged as an error and the sweep goes on', async () => {
    const tx = unknownOutcome();
    const { deps, log } = setup([tx]);
    const transactions = new InMemoryTransactionStore([tx]);
    transactions.get = () => Promise.reject(new Error('DynamoDB unavailable'));
    const result = await reconcile({ ...deps, transactions }, { now: afterChase, limit: 10 });
    expect(result).toMatchObject({
      examined: 1,
      failures: [{ pspTransactionId: id, error: 'Error: DynamoDB unavailable' }],
    });
    expect(log.entries).toContainEqual({
      level: 'error',
      message: 'Reconciler could not settle a payment; it stays due',
      extra: [{ pspTransactionId: id, error: 'Error: DynamoDB unavailable' }],
    });
  });

  it('takes at most `limit` due payments, earliest first', async () => {
    const ids = ['1', '2', '3'].map((n) => n.repeat(32));
    const txs = ids.map((pspTransactionId, i) => ({
      ...initiatedPayment({ pspTransactionId }),
      dueAt: `2026-11-24T10:0${3 - i}:00.000Z`,
    }));
    const { deps } = setup(txs);
    const result = await reconcile(deps, { now: new Date('2026-11-24T10:20:00.000Z'), limit: 2 });
    expect(result.examined).toBe(2);
    expect(result.actions.filter((a) => a.action === 'expired').map((a) => a.pspTransactionId)).toEqual([
      ids[2],
      ids[1],
    ]);
  });
});
