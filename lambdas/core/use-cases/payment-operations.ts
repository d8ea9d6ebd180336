import { AcquirerRefusedError, AcquirerUnavailableError, ConcurrentUpdateError } from '../errors.js';
import type { MinorUnits } from '../money.js';
import type {
  Acquirer,
  AcquirerOperationResult,
  Clock,
  Log,
  Merchant,
  StatusQueue,
  TransactionStore,
} from '../ports.js';
import { randomToken } from '../secrets.js';
import {
  type PendingOperation,
  type StatusUpdate,
  type Transaction,
  type Transition,
  cancel,
  claimOperation,
  completeOperation,
  findPendingOperation,
  releaseOperation,
} from '../transaction.js';
import { commit } from './commit.js';
import { loadOwnedPayment } from './owned-payment.js';

export interface PaymentOperationDeps {
  transactions: TransactionStore;
  acquirer: Acquirer;
  statusQueue: StatusQueue;
  clock: Clock;
  log: Log;
}

const MAX_CONFLICT_RETRIES = 8;

/**
 * Re-read and retry a state change when another writer won the conditional write. The
 * transition is recomputed from the fresh item each time, so the invariants are always checked
 * against what is really stored.
 */
export async function commitWithRetry(
  deps: Pick<PaymentOperationDeps, 'transactions'>,
  initial: Transaction,
  reload: () => Promise<Transaction>,
  transitionFor: (tx: Transaction) => Transition,
): Promise<{ tx: Transaction; transition: Transition }> {
  let tx = initial;
  for (let attempt = 0; ; attempt++) {
    const transition = transitionFor(tx);
    try {
      return { tx: await commit(deps.transactions, tx, transition), transition };
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError) || attempt >= MAX_CONFLICT_RETRIES) throw error;
      tx = await reload();
    }
  }
}

/** Vipps learns every capture, refund and cancel; a failed send is re-sent by the reconciler. */
export async function enqueueStatusUpdate(
  deps: Pick<PaymentOperationDeps, 'statusQueue' | 'log'>,
  update: StatusUpdate | undefined,
): Promise<void> {
  if (!update) return;
  try {
    await deps.statusQueue.enqueue(update);
  } catch (error) {
    deps.log.error('Status update not enqueued; the reconciler will re-send it', {
      pspTransactionId: update.pspTransactionId,
      seq: update.seq,
      error: String(error),
    });
  }
}

/** What a claimed operation moves at the acquirer: a void covers the whole reservation. */
export function operationAmount(tx: Transaction, pending: PendingOperation): MinorUnits {
  return pending.operation === 'CANCEL' ? tx.reservedAmount : pending.amount;
}

/**
 * The acquirer call for a claimed operation, in one place for the Merchant API and the
 * reconciler (which retries it with the same operationId).
 */
export function callAcquirer(
  acquirer: Acquirer,
  tx: Transaction,
  pending: PendingOperation,
): Promise<AcquirerOperationResult> {
  const request = {
    pspTransactionId: tx.pspTransactionId,
    acquirerReference: tx.acquirerReference ?? '',
    amount: operationAmount(tx, pending),
    currency: tx.currency,
    operationId: pending.operationId,
  };
  switch (pending.operation) {
    case 'CAPTURE':
      return acquirer.capture(request);
    case 'REFUND':
      return acquirer.refund(request);
    case 'CANCEL':
      return acquirer.cancel(request);
  }
}

/**
 * Capture, refund or void through the acquirer. Primary course: claim the operation in the store
 * (one conditional write that checks the amounts, counting operations in flight) → acquirer →
 * complete it (one conditional write) → one status update for Vipps. A refused operation releases
 * its claim; an unanswered one keeps it, so the store never shows an amount the acquirer did not
 * confirm, and a retry with the same Idempotency-Key resumes the same acquirer operation.
 */
async function acquirerOperation(
  operation: PendingOperation['operation'],
  merchant: Merchant,
  pspTransactionId: string,
  amount: MinorUnits,
  idempotencyKey: string | undefined,
  deps: PaymentOperationDeps,
): Promise<Transaction> {
  const reload = () => loadOwnedPayment(deps.transactions, merchant, pspTransactionId);
  const at = () => deps.clock.now().toISOString();
  let tx = await reload();

  const resumed = idempotencyKey
    ? tx.pendingOperations.find((p) => p.operation === operation && p.idempotencyKey === idempotencyKey)
    : undefined;
  const operationId =
    resumed?.operationId ?? `${pspTransactionId}-${operation.toLowerCase()}-${randomToken(9)}`;
  if (!resumed) {
    ({ tx } = await commitWithRetry(deps, tx, reload, (current) =>
      claimOperation(current, operation, amount, {
        at: at(),
        operationId,
        ...(idempotencyKey ? { idempotencyKey } : {}),
      }),
    ));
  }

  const pending = findPendingOperation(tx, operationId)!;
  if (resumed && deps.acquirer.repeatsSafely === false) {
    // Its first attempt may have been applied; without idempotency a repeat could apply it twice.
    throw new AcquirerUnavailableError(
      `The ${operation.toLowerCase()} ${operationId} has an unknown outcome at the acquirer; it is not sent again`,
    );
  }
  let acquirerReference: string;
  try {
    const result = await callAcquirer(deps.acquirer, tx, pending);
    // Accepted only (Adyen): it stays pending until the acquirer's webhook settles it.
    if (result.pending) return tx;
    ({ acquirerReference } = result);
  } catch (error) {
    if (error instanceof AcquirerRefusedError) {
      await commitWithRetry(deps, tx, reload, (current) => releaseOperation(current, operationId, at()));
    }
    deps.log.warn('Acquirer operation not confirmed', { pspTransactionId, operation, error: String(error) });
    throw error;
  }

  const done = await commitWithRetry(deps, tx, reload, (current) =>
    completeOperation(current, operationId, { at: at(), acquirerReference }),
  );
  deps.log.info('Acquirer operation completed', {
    pspTransactionId,
    operation,
    amount: operationAmount(done.tx, pending),
  });
  await enqueueStatusUpdate(deps, done.transition.statusUpdate);
  return done.tx;
}

export function capturePayment(
  merchant: Merchant,
  pspTransactionId: string,
  amount: MinorUnits,
  idempotencyKey: string | undefined,
  deps: PaymentOperationDeps,
): Promise<Transaction> {
  return acquirerOperation('CAPTURE', merchant, pspTransactionId, amount, idempotencyKey, deps);
}

export function refundPayment(
  merchant: Merchant,
  pspTransactionId: string,
  amount: MinorUnits,
  idempotencyKey: string | undefined,
  deps: PaymentOperationDeps,
): Promise<Transaction> {
  return acquirerOperation('REFUND', merchant, pspTransactionId, amount, idempotencyKey, deps);
}

/**
 * Cancel: a payment the user has not finished is cancelled in the store alone (a later
 * makePayment answers 85); a reservation is voided at the acquirer first. If the reservation
 * lands between our read and our write, the conditional write loses and the retry takes the void
 * path — never a CANCELLED payment with a live authorisation.
 */
export async function cancelPayment(
  merchant: Merchant,
  pspTransactionId: string,
  idempotencyKey: string | undefined,
  deps: PaymentOperationDeps,
): Promise<Transaction> {
  for (let attempt = 0; ; attempt++) {
    const tx = await loadOwnedPayment(deps.transactions, merchant, pspTransactionId);
    if (tx.status !== 'INITIATED')
      return acquirerOperation('CANCEL', merchant, pspTransactionId, 0, idempotencyKey, deps);
    const transition = cancel(tx, {
      at: deps.clock.now().toISOString(),
      ...(idempotencyKey ? { idempotencyKey } : {}),
    });
    try {
      const cancelled = await commit(deps.transactions, tx, transition);
      deps.log.info('Unfinished payment cancelled', { pspTransactionId });
      await enqueueStatusUpdate(deps, transition.statusUpdate);
      return cancelled;
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError) || attempt >= MAX_CONFLICT_RETRIES) throw error;
    }
  }
}
