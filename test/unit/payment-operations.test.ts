/**
 * Capture / refund / cancel use cases against the in-memory store (which scripts the write
 * conflicts a real table only shows under load) and the sandbox acquirer with its own ledger.
 */
import { describe, expect, it } from 'vitest';
import { SandboxAcquirer, SandboxLedger } from '../../lambdas/adapters/acquirer/sandbox-acquirer.js';
import {
  AcquirerRefusedError,
  AcquirerUnavailableError,
  AmountExceedsRemainingError,
  ConcurrentUpdateError,
  InvalidTransitionError,
  OperationKeyReusedError,
  PaymentNotFoundError,
} from '../../lambdas/core/errors.js';
import type { Log, Merchant } from '../../lambdas/core/ports.js';
import {
  type StatusUpdate,
  type Transaction,
  capture,
  claimOperation,
  completeOperation,
  releaseOperation,
  reserve,
} from '../../lambdas/core/transaction.js';
import {
  type PaymentOperationDeps,
  cancelPayment,
  capturePayment,
  operationAmount,
  refundPayment,
} from '../../lambdas/core/use-cases/payment-operations.js';
import { paymentView } from '../../lambdas/core/use-cases/payment-view.js';
import { writeConflictPolicy } from '../../lambdas/core/write-conflict-retry.js';
import { InMemoryTransactionStore } from '../support/in-memory-transaction-store.js';
import { applied, initiatedPayment } from '../support/transactions.js';
import { RecordingLog } from '../support/three-ds-harness.js';

const at = '2026-11-24T10:01:00.000Z';
const merchant: Merchant = {
  merchantId: 'merchant-1',
  name: 'Sokker AS',
  merchantSerialNumbers: ['123456'],
  allowCreditCards: true,
};
const silent: Log = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** A reserved payment whose sandbox reference carries its amount (the ledger adopts it). */
function reservedPayment(amount = 10_000): Transaction {
  const tx = initiatedPayment({ amount });
  return applied(tx, reserve(tx, { at, acquirerReference: `SBX-${amount}-0123456789ab` }));
}

function setup(tx: Transaction = reservedPayment()) {
  const transactions = new InMemoryTransactionStore([tx]);
  const ledger = new SandboxLedger();
  const acquirer = new SandboxAcquirer({ ledger });
  const enqueued: StatusUpdate[] = [];
  const deps: PaymentOperationDeps = {
    transactions,
    acquirer,
    statusQueue: { enqueue: (u) => Promise.resolve(void enqueued.push(u)) },
    clock: { now: () => new Date(at) },
    log: silent,
  };
  const id = tx.pspTransactionId;
  const ops = (type: string) => ledger.events(id).filter((e) => e.type === type);
  return { transactions, ledger, acquirer, enqueued, deps, id, ops };
}

/** The process "dies" right after the store wrote the first item matching `when`. */
function crashAfterWrite(store: InMemoryTransactionStore, when: (tx: Transaction) => boolean) {
  let crashed = false;
  store.afterApply((stored) => {
    if (!crashed && when(stored)) {
      crashed = true;
      throw new Error('process killed after the store write');
    }
  });
}

/** The acquirer refuses every capture from now on (more than authorised). */
function refuseCaptures(acquirer: SandboxAcquirer) {
  const capture = acquirer.capture.bind(acquirer);
  acquirer.capture = (op) => capture({ ...op, amount: 999_999 });
}

describe('a capture, refund or cancel never runs twice for one Idempotency-Key', () => {
  it('a same-key capture retried after a crash just after the completing write captures nothing more', async () => {
    const { transactions, deps, id, ops, enqueued } = setup();
    crashAfterWrite(transactions, (tx) => tx.capturedAmount > 0);
    await expect(capturePayment(merchant, id, 4_000, 'cap-1', deps)).rejects.toThrow(/process killed/);
    expect(enqueued).toEqual([]); // died before the status update went out

    const retried = await capturePayment(merchant, id, 4_000, 'cap-1', deps);
    expect(retried).toMatchObject({ capturedAmount: 4_000, status: 'PARTIALLY_CAPTURED' });
    expect(ops('CAPTURE')).toHaveLength(1);
    // Vipps still learns the capture, exactly once (the retry sends what the crash lost).
    expect(enqueued.map((u) => `${u.status}:${u.amount}:${u.seq}`)).toEqual(['CAPTURED:4000:2']);
  });

  it('a same-key refund retried after a crash after the queue send refunds once and reports once', async () => {
    const captured = reservedPayment();
    const tx = applied(captured, capture(captured, 10_000, { at }));
    const { deps, id, ops, enqueued } = setup(tx);
    await refundPayment(merchant, id, 2_500, 'ref-1', deps);
    // …and the answer never reached the merchant: it retries.
    const again = await refundPayment(merchant, id, 2_500, 'ref-1', deps);
    expect(again.refundedAmount).toBe(2_500);
    expect(ops('REFUND')).toHaveLength(1);
    expect(new Set(enqueued.map((u) => u.seq))).toEqual(new Set([3]));
  });

  it('a same-key cancel retried after the void was stored voids once', async () => {
    const { transactions, deps, id, ops } = setup();
    crashAfterWrite(transactions, (tx) => tx.status === 'CANCELLED');
    await expect(cancelPayment(merchant, id, 'can-1', deps)).rejects.toThrow(/process killed/);
    const retried = await cancelPayment(merchant, id, 'can-1', deps);
    expect(retried.status).toBe('CANCELLED');
    expect(ops('VOID')).toHaveLength(1);
  });

  it('a key already used for a capture is not accepted for a different amount', async () => {
    const { deps, id, ops } = setup();
    await capturePayment(merchant, id, 1_000, 'cap-2', deps);
    await expect(capturePayment(merchant, id, 2_000, 'cap-2', deps)).rejects.toThrow(/Idempotency-Key/);
    expect(ops('CAPTURE')).toHaveLength(1);
  });
});

describe('write conflicts: one retry policy', () => {
  it('re-reads and succeeds when the first writes lose', async () => {
    const { transactions, deps, id } = setup();
    transactions.conflictOnNextApplies(3);
    const done = await capturePayment(merchant, id, 1_000, 'cap-3', deps);
    expect(done.capturedAmount).toBe(1_000);
    expect(transactions.conflicts).toBe(3);
  });

  it('gives up after the policy’s attempts with ConcurrentUpdateError, having changed nothing', async () => {
    const { transactions, deps, id, ops } = setup();
    transactions.conflictOnNextApplies(1_000);
    await expect(capturePayment(merchant, id, 1_000, 'cap-4', deps)).rejects.toThrow(ConcurrentUpdateError);
    expect(transactions.applyAttempts).toBe(writeConflictPolicy.maxAttempts);
    expect(ops('CAPTURE')).toHaveLength(0);
    expect(transactions.peek(id)?.pendingOperations).toEqual([]);
  });

  it('an acquirer refusal is answered as such even when releasing the claim loses every race', async () => {
    const { transactions, deps, id, acquirer } = setup();
    // The capture claim wins; from then on every write loses.
    transactions.afterApply(() => void transactions.conflictOnNextApplies(1_000));
    refuseCaptures(acquirer);
    await expect(capturePayment(merchant, id, 1_000, 'cap-11', deps)).rejects.toThrow(AcquirerRefusedError);
    expect(transactions.peek(id)?.pendingOperations).toHaveLength(1); // left for the reconciler
  });

  it('re-decides from the winner’s item: a capture that no longer fits is refused, not claimed', async () => {
    const { transactions, deps, id, ops } = setup();
    transactions.beforeNextApply(async (store) => {
      const current = (await store.get(id))!;
      await store.apply(current, claimOperation(current, 'CAPTURE', 7_000, { at, operationId: 'other' }));
    });
    await expect(capturePayment(merchant, id, 4_000, 'cap-5', deps)).rejects.toThrow(
      AmountExceedsRemainingError,
    );
    expect(ops('CAPTURE')).toHaveLength(0);
    expect(transactions.peek(id)?.pendingOperations.map((p) => p.operationId)).toEqual(['other']);
  });

  it('a completion that loses to another writer is re-applied on the fresh item', async () => {
    const { transactions, deps, id } = setup();
    let writes = 0;
    transactions.afterApply(async (stored) => {
      if (++writes !== 1) return; // after the claim: another payment operation lands first
      transactions.afterApply(undefined);
      transactions.beforeNextApply(async (store) => {
        await store.apply(stored, claimOperation(stored, 'CAPTURE', 1_000, { at, operationId: 'other' }));
      });
    });
    const done = await capturePayment(merchant, id, 2_000, 'cap-6', deps);
    expect(done.capturedAmount).toBe(2_000);
    expect(done.pendingOperations.map((p) => p.operationId)).toEqual(['other']);
  });
});

describe('cancel after a partial capture', () => {
  it('releases the uncaptured remainder at the acquirer and tells Vipps CANCELLED with that amount', async () => {
    const { deps, id, ledger, enqueued } = setup();
    await capturePayment(merchant, id, 4_000, 'cap-7', deps);
    const cancelled = await cancelPayment(merchant, id, 'can-2', deps);
    expect(cancelled).toMatchObject({ status: 'CANCELLED', capturedAmount: 4_000, releasedAmount: 6_000 });
    expect(ledger.balance(id)).toMatchObject({ captured: 4_000, held: 0 });
    expect(enqueued.at(-1)).toMatchObject({ status: 'CANCELLED', amount: 6_000 });
    expect(paymentView(cancelled).amounts).toMatchObject({
      captured: 4_000,
      released: 6_000,
      remainingToCapture: 0,
      remainingToRefund: 4_000,
    });

    // What was captured can still be refunded; nothing more can be captured.
    expect((await refundPayment(merchant, id, 1_000, 'ref-2', deps)).refundedAmount).toBe(1_000);
    await expect(capturePayment(merchant, id, 100, 'cap-8', deps)).rejects.toThrow(InvalidTransitionError);
    await expect(cancelPayment(merchant, id, 'can-3', deps)).rejects.toThrow(InvalidTransitionError);
  });

  it('refuses a cancel once the reservation is fully captured', async () => {
    const { deps, id } = setup();
    await capturePayment(merchant, id, 10_000, 'cap-9', deps);
    await expect(cancelPayment(merchant, id, 'can-4', deps)).rejects.toThrow(/refund/);
  });

  it('remaining to capture counts operations in flight', async () => {
    const { deps, id, acquirer, transactions } = setup();
    acquirer.failNext('capture', 'unavailable');
    await expect(capturePayment(merchant, id, 3_000, 'cap-10', deps)).rejects.toThrow();
    expect(paymentView(transactions.peek(id)!).amounts.remainingToCapture).toBe(7_000);
  });
});

describe('what races and outages do to one operation', () => {
  it('without an Idempotency-Key every request is a new operation', async () => {
    const { deps, id, ops, transactions } = setup();
    await capturePayment(merchant, id, 1_000, undefined, deps);
    await capturePayment(merchant, id, 1_000, undefined, deps);
    expect(ops('CAPTURE')).toHaveLength(2);
    expect(transactions.peek(id)?.capturedAmount).toBe(2_000);
    expect(transactions.peek(id)?.history.filter((h) => h.idempotencyKey !== undefined)).toEqual([]);
  });

  it('a status queue that is down does not undo the capture: it is logged for the reconciler’s re-send', async () => {
    const { deps, id, ops, transactions } = setup();
    const errors: string[] = [];
    deps.statusQueue = { enqueue: () => Promise.reject(new Error('SQS unavailable')) };
    deps.log = { ...silent, error: (message) => void errors.push(message) };
    const done = await capturePayment(merchant, id, 2_500, 'cap-20', deps);
    expect(done).toMatchObject({ status: 'PARTIALLY_CAPTURED', capturedAmount: 2_500 });
    expect(ops('CAPTURE')).toHaveLength(1);
    expect(errors).toEqual(['Status update not enqueued; the reconciler will re-send it']);
    // Still owed to Vipps, so the reconciler finds it.
    expect(transactions.peek(id)).toMatchObject({ statusSeq: 2, dueAt: expect.any(String) });
  });

  it('a completion the reconciler already wrote (same operationId) is answered, not applied twice', async () => {
    const { deps, id, ops, transactions, enqueued } = setup();
    let writes = 0;
    transactions.afterApply((stored) => {
      if (++writes !== 1) return; // the claim is stored; the reconciler completes it first
      transactions.afterApply(undefined);
      transactions.beforeNextApply(async (store) => {
        const [pending] = stored.pendingOperations;
        await store.apply(
          stored,
          completeOperation(stored, pending!.operationId, { at, acquirerReference: 'by-reconciler' }),
        );
      });
    });
    const done = await capturePayment(merchant, id, 3_000, 'cap-21', deps);
    expect(done).toMatchObject({ capturedAmount: 3_000, pendingOperations: [] });
    expect(done.history.filter((h) => h.operation === 'CAPTURE')).toHaveLength(1);
    expect(ops('CAPTURE')).toHaveLength(1);
    expect(enqueued).toEqual([]); // the reconciler's completion sends its own update
  });

  it('a refusal whose claim the reconciler released meanwhile is still answered as refused', async () => {
    const { deps, id, acquirer, transactions } = setup();
    transactions.afterApply((stored) => {
      transactions.afterApply(undefined);
      transactions.beforeNextApply(async (store) => {
        const [pending] = stored.pendingOperations;
        await store.apply(stored, releaseOperation(stored, pending!.operationId, at));
      });
    });
    refuseCaptures(acquirer);
    await expect(capturePayment(merchant, id, 1_000, 'cap-22', deps)).rejects.toThrow(AcquirerRefusedError);
    expect(transactions.peek(id)).toMatchObject({ capturedAmount: 0, pendingOperations: [] });
  });

  it('a store failure while releasing a refused claim fails the request; the same key again releases it', async () => {
    const { deps, id, acquirer, transactions } = setup();
    transactions.afterApply(() => {
      transactions.afterApply(undefined);
      transactions.beforeNextApply(() => {
        throw new Error('DynamoDB unavailable');
      });
    });
    refuseCaptures(acquirer);
    await expect(capturePayment(merchant, id, 1_000, 'cap-23', deps)).rejects.toThrow('DynamoDB unavailable');
    expect(transactions.peek(id)?.pendingOperations).toHaveLength(1);
    await expect(capturePayment(merchant, id, 1_000, 'cap-23', deps)).rejects.toThrow(AcquirerRefusedError);
    expect(transactions.peek(id)).toMatchObject({ capturedAmount: 0, pendingOperations: [] });
  });
});

describe('cancel before the user finished', () => {
  it('is done in the store alone: nothing at the acquirer, the same key again answers the same', async () => {
    const { deps, id, ledger, transactions } = setup(initiatedPayment());
    const cancelled = await cancelPayment(merchant, id, 'can-20', deps);
    expect(cancelled.status).toBe('CANCELLED');
    expect(ledger.events(id)).toEqual([]);
    const again = await cancelPayment(merchant, id, 'can-20', deps);
    expect(again).toMatchObject({ status: 'CANCELLED', version: cancelled.version });
    expect(transactions.peek(id)?.history.filter((h) => h.operation === 'CANCEL')).toHaveLength(1);
  });
});

describe('a same-key replay', () => {
  it('a same-key replay of an operation Vipps already acknowledged re-sends nothing', async () => {
    const { deps, id, enqueued, transactions } = setup();
    const done = await capturePayment(merchant, id, 1_000, 'cap-30', deps);
    transactions.put({ ...done, vippsSync: { acknowledgedSeq: done.statusSeq } });
    enqueued.length = 0;
    expect((await capturePayment(merchant, id, 1_000, 'cap-30', deps)).capturedAmount).toBe(1_000);
    expect(enqueued).toEqual([]);
  });
});

/** An acquirer that records what it is asked and answers as the test scripts. */
function recordingAcquirer(answer: () => Promise<{ acquirerReference: string; pending?: boolean }>) {
  const asked: Array<{ call: string; request: Record<string, unknown> }> = [];
  const record = (call: string) => (request: object) => {
    asked.push({ call, request: { ...request } });
    return answer();
  };
  return {
    asked,
    acquirer: {
      authorise: () => Promise.reject(new Error('not used')),
      reverse: () => Promise.reject(new Error('not used')),
      capture: record('capture'),
      refund: record('refund'),
      cancel: record('cancel'),
    } as unknown as PaymentOperationDeps['acquirer'],
  };
}

describe('what the acquirer is asked, and what is logged', () => {
  const ok = () => Promise.resolve({ acquirerReference: 'OP-REF' });

  function withRecording(tx: Transaction = reservedPayment(), answer = ok) {
    const base = setup(tx);
    const { asked, acquirer } = recordingAcquirer(answer);
    const log = new RecordingLog();
    const deps: PaymentOperationDeps = { ...base.deps, acquirer, log };
    return { ...base, deps, asked, log };
  }

  it.each([
    ['capture', capturePayment, 2_000],
    ['refund', refundPayment, 1_000],
  ] as const)(
    'a %s asks the acquirer once, under an operation id naming the payment and the operation',
    async (name, run, amount) => {
      const captured = applied(reservedPayment(), capture(reservedPayment(), 5_000, { at }));
      const { deps, id, asked, log } = withRecording(captured);
      await run(merchant, id, amount, 'k1', deps);
      expect(asked).toEqual([
        {
          call: name,
          request: {
            pspTransactionId: id,
            acquirerReference: 'SBX-10000-0123456789ab',
            amount,
            currency: 'NOK',
            operationId: expect.stringMatching(new RegExp(`^${id}-${name}-[A-Za-z0-9_-]+$`)) as string,
          },
        },
      ]);
      expect(log.entries).toContainEqual({
        level: 'info',
        message: 'Acquirer operation completed',
        extra: [{ pspTransactionId: id, operation: name.toUpperCase(), amount }],
      });
    },
  );

  it('a void asks the acquirer to cancel the uncaptured remainder, and Vipps learns CANCELLED', async () => {
    const captured = applied(reservedPayment(), capture(reservedPayment(), 4_000, { at }));
    const { deps, id, asked, enqueued, transactions } = withRecording(captured);
    await cancelPayment(merchant, id, 'k1', deps);
    expect(asked).toEqual([
      {
        call: 'cancel',
        request: expect.objectContaining({
          amount: 6_000,
          operationId: expect.stringContaining(`${id}-cancel-`),
        }),
      },
    ]);
    expect(enqueued).toEqual([expect.objectContaining({ status: 'CANCELLED', amount: 6_000, seq: 3 })]);
    expect(transactions.peek(id)!.history.at(-1)).toMatchObject({
      operation: 'CANCEL',
      idempotencyKey: 'k1',
      acquirerReference: 'OP-REF',
    });
  });

  it('an operation the acquirer only accepted stays claimed: nothing applied, nothing told to Vipps', async () => {
    const { deps, id, enqueued, transactions } = withRecording(reservedPayment(), () =>
      Promise.resolve({ acquirerReference: 'PSP-1', pending: true }),
    );
    const answered = await capturePayment(merchant, id, 2_000, 'k1', deps);
    expect(answered).toMatchObject({
      capturedAmount: 0,
      pendingOperations: [{ operation: 'CAPTURE', amount: 2_000, idempotencyKey: 'k1' }],
    });
    expect(transactions.peek(id)).toMatchObject({ capturedAmount: 0, statusSeq: 1 });
    expect(enqueued).toEqual([]);
  });

  it('the same key while its operation is still claimed asks the acquirer again with the same operation id', async () => {
    const { deps, id, asked } = withRecording(reservedPayment(), () =>
      Promise.resolve({ acquirerReference: 'PSP-1', pending: true }),
    );
    await capturePayment(merchant, id, 2_000, 'k1', deps);
    await capturePayment(merchant, id, 2_000, 'k1', deps);
    expect(asked).toHaveLength(2);
    expect(asked[1]!.request.operationId).toBe(asked[0]!.request.operationId);
  });

  it('at an acquirer without idempotency a claimed operation is never sent again', async () => {
    const { deps, id, asked } = withRecording(reservedPayment(), () =>
      Promise.reject(new AcquirerUnavailableError('timeout')),
    );
    await expect(capturePayment(merchant, id, 2_000, 'k1', deps)).rejects.toThrow('timeout');
    const unsafe = {
      ...deps,
      acquirer: Object.assign(Object.create(deps.acquirer) as object, {
        repeatsSafely: false,
      }) as PaymentOperationDeps['acquirer'],
    };
    const again = capturePayment(merchant, id, 2_000, 'k1', unsafe);
    await expect(again).rejects.toThrow(AcquirerUnavailableError);
    await expect(again).rejects.toThrow(
      /^The capture .+-capture-.+ has an unknown outcome at the acquirer; it is not sent again$/,
    );
    expect(asked).toHaveLength(1);
    // A new request (another key) at that acquirer is sent as usual.
    await expect(capturePayment(merchant, id, 1_000, 'k2', unsafe)).rejects.toThrow('timeout');
    expect(asked).toHaveLength(2);
  });

  it('an operation the acquirer did not confirm is logged with the error', async () => {
    const { deps, id, log } = withRecording(reservedPayment(), () =>
      Promise.reject(new AcquirerUnavailableError('timeout')),
    );
    await expect(capturePayment(merchant, id, 2_000, 'k1', deps)).rejects.toThrow();
    expect(log.entries).toContainEqual({
      level: 'warn',
      message: 'Acquirer operation not confirmed',
      extra: [{ pspTransactionId: id, operation: 'CAPTURE', error: 'AcquirerUnavailableError: timeout' }],
    });
  });

  it('a refused claim that cannot be released is logged for the reconciler', async () => {
    const { deps, id, log, transactions } = withRecording(reservedPayment(), () =>
      Promise.reject(new AcquirerRefusedError('05')),
    );
    transactions.afterApply(() => void transactions.conflictOnNextApplies(1_000));
    await expect(capturePayment(merchant, id, 2_000, 'k1', deps)).rejects.toThrow(AcquirerRefusedError);
    const [pending] = transactions.peek(id)!.pendingOperations;
    expect(log.entries).toContainEqual({
      level: 'warn',
      message: 'Refused operation left claimed; the reconciler will release it',
      extra: [{ pspTransactionId: id, operationId: pending!.operationId }],
    });
  });

  it('a same-key replay is logged, answers the payment as it is and re-sends the update Vipps still owes', async () => {
    const { deps, id, log, enqueued, asked } = withRecording();
    const first = await capturePayment(merchant, id, 2_000, 'k1', deps);
    enqueued.length = 0;
    expect(await capturePayment(merchant, id, 2_000, 'k1', deps)).toEqual(first);
    expect(asked).toHaveLength(1);
    expect(enqueued).toEqual([expect.objectContaining({ seq: 2, status: 'CAPTURED', amount: 2_000 })]);
    expect(log.entries).toContainEqual({
      level: 'info',
      message: 'Operation already done for this Idempotency-Key; answering its outcome',
      extra: [{ pspTransactionId: id, operation: 'CAPTURE' }],
    });
  });

  it('a key used for one operation is refused for another, naming the first', async () => {
    const captured = applied(reservedPayment(), capture(reservedPayment(), 5_000, { at }));
    const { deps, id } = withRecording(captured);
    await capturePayment(merchant, id, 2_000, 'k1', deps);
    const reused = refundPayment(merchant, id, 2_000, 'k1', deps);
    await expect(reused).rejects.toThrow(OperationKeyReusedError);
    await expect(reused).rejects.toMatchObject({ operation: 'CAPTURE', amount: 2_000 });
    await expect(cancelPayment(merchant, id, 'k1', deps)).rejects.toThrow(OperationKeyReusedError);
  });

  it('a key still claimed is refused for another amount', async () => {
    const { deps, id } = withRecording(reservedPayment(), () =>
      Promise.resolve({ acquirerReference: 'PSP-1', pending: true }),
    );
    await capturePayment(merchant, id, 2_000, 'k1', deps);
    await expect(capturePayment(merchant, id, 2_001, 'k1', deps)).rejects.toThrow(OperationKeyReusedError);
  });

  it('an unfinished payment cancelled in the store tells Vipps CANCELLED for the payment amount, logged', async () => {
    const { deps, id, log, enqueued, asked, transactions } = withRecording(initiatedPayment());
    await cancelPayment(merchant, id, 'k1', deps);
    expect(asked).toEqual([]);
    expect(enqueued).toEqual([expect.objectContaining({ seq: 1, status: 'CANCELLED', amount: 10_000 })]);
    expect(transactions.peek(id)!.history.at(-1)).toMatchObject({
      operation: 'CANCEL',
      idempotencyKey: 'k1',
      at,
    });
    expect(log.entries).toContainEqual({
      level: 'info',
      message: 'Unfinished payment cancelled',
      extra: [{ pspTransactionId: id }],
    });
    const { deps: d2, id: id2, transactions: t2 } = withRecording(initiatedPayment());
    await cancelPayment(merchant, id2, undefined, d2);
    expect(t2.peek(id2)!.history.at(-1)).not.toHaveProperty('idempotencyKey');
  });

  it('a status update that cannot be enqueued is logged with the payment and sequence', async () => {
    const { deps, id, log } = withRecording();
    deps.statusQueue = { enqueue: () => Promise.reject(new Error('SQS unavailable')) };
    await capturePayment(merchant, id, 2_000, 'k1', deps);
    expect(log.entries).toContainEqual({
      level: 'error',
      message: 'Status update not enqueued; the reconciler will re-send it',
      extra: [{ pspTransactionId: id, seq: 2, error: 'Error: SQS unavailable' }],
    });
  });

  it('another merchant’s payment is not found', async () => {
    const { deps, id, asked } = withRecording();
    const other = { ...merchant, merchantId: 'merchant-2' };
    await expect(capturePayment(other, id, 1_000, 'k1', deps)).rejects.toThrow(PaymentNotFoundError);
    await expect(cancelPayment(other, id, 'k1', deps)).rejects.toThrow(PaymentNotFoundError);
    expect(asked).toEqual([]);
  });
});

describe('operationAmount', () => {
  const partly = () => applied(reservedPayment(), capture(reservedPayment(), 4_000, { at }));
  const pending = (operation: 'CAPTURE' | 'REFUND' | 'CANCEL', amount: number) => ({
    operationId: 'op',
    operation,
    amount,
    startedAt: at,
  });

  it('is what the claim carries', () => {
    expect(operationAmount(partly(), pending('CANCEL', 5_000))).toBe(5_000);
    expect(operationAmount(partly(), pending('REFUND', 1_000))).toBe(1_000);
  });

  it('a cancel claimed before claims carried their amount (0) releases what was not captured', () => {
    expect(operationAmount(partly(), pending('CANCEL', 0))).toBe(6_000);
    expect(operationAmount(partly(), pending('CAPTURE', 0))).toBe(0);
  });
});
