import {
  AcquirerRefusedError,
  AcquirerUnavailableError,
  ConcurrentUpdateError,
  OperationKeyReusedError,
} from '../errors.js';
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
import { statusUpdateOf } from '../status-sync.js';
import {
  type HistoryEntry,
  type PendingOperation,
  type StatusUpdate,
  type Transaction,
  cancel,
  claimOperation,
  completeOperation,
  completedOperation,
  findPendingOperation,
  operationByKey,
  releaseOperation,
} from '../transaction.js';
import { retryOnWriteConflict } from '../write-conflict-retry.js';
import { commit } from './commit.js';
import { loadOwnedPayment } from './owned-payment.js';

export interface PaymentOperationDeps {
  transactions: TransactionStore;
  acquirer: Acquirer;
  statusQueue: StatusQueue;
  clock: Clock;
  log: Log;
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

/**
 * What a claimed operation moves at the acquirer. A cancel claims what it releases; a cancel
 * claimed before claims carried that amount (0) released whatever was not captured.
 */
export function operationAmount(tx: Transaction, pending: PendingOperation): MinorUnits {
  if (pending.operation === 'CANCEL' && pending.amount === 0) return tx.reservedAmount - tx.capturedAmount;
  return pending.amount;
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

/** One capture/refund/cancel request: what it asks for, of which payment, under which key. */
interface OperationRequest {
  operation: PendingOperation['operation'];
  amount: MinorUnits;
  idempotencyKey: string | undefined;
  reload: () => Promise<Transaction>;
  at: () => string;
}

/** Where a request stands before it calls the acquirer. */
type Start =
  | { kind: 'done'; tx: Transaction; entry: HistoryEntry }
  | { kind: 'claimed'; tx: Transaction; pending: PendingOperation; resumed: boolean };

/**
 * Capture, refund or cancel through the acquirer. Primary course: claim the operation in the
 * store (one conditional write that checks the amounts, counting operations in flight) →
 * acquirer → complete it (one conditional write that records the Idempotency-Key in the history)
 * → one status update for Vipps. A refused operation releases its claim; an unanswered one keeps
 * it, so the store never shows an amount the acquirer did not confirm.
 *
 * The same Idempotency-Key never runs twice, wherever a previous attempt died: still claimed →
 * the same acquirer operation is resumed (the acquirer applies an operationId once); completed →
 * the stored outcome is answered and its status update re-sent (the queue deduplicates it).
 */
async function acquirerOperation(
  operation: PendingOperation['operation'],
  merchant: Merchant,
  pspTransactionId: string,
  amount: MinorUnits,
  idempotencyKey: string | undefined,
  deps: PaymentOperationDeps,
): Promise<Transaction> {
  const request: OperationRequest = {
    operation,
    amount,
    idempotencyKey,
    reload: () => loadOwnedPayment(deps.transactions, merchant, pspTransactionId),
    at: () => deps.clock.now().toISOString(),
  };
  const start = await claimOrFind(request, deps);
  if (start.kind === 'done') return replayCompleted(start.tx, start.entry, deps);

  const { tx, pending } = start;
  if (start.resumed && deps.acquirer.repeatsSafely === false) {
    // Its first attempt may have been applied; without idempotency a repeat could apply it twice.
    throw new AcquirerUnavailableError(
      `The ${operation.toLowerCase()} ${pending.operationId} has an unknown outcome at the acquirer; it is not sent again`,
    );
  }
  let acquirerReference: string;
  try {
    const result = await callAcquirer(deps.acquirer, tx, pending);
    // Accepted only (Adyen): it stays pending until the acquirer's webhook settles it.
    if (result.pending) return tx;
    ({ acquirerReference } = result);
  } catch (error) {
    if (error instanceof AcquirerRefusedError) await releaseClaim(tx, pending, request.reload, deps);
    deps.log.warn('Acquirer operation not confirmed', { pspTransactionId, operation, error: String(error) });
    throw error;
  }
  const done = await completeClaim(tx, pending, acquirerReference, request, deps);
  deps.log.info('Acquirer operation completed', {
    pspTransactionId,
    operation,
    amount: operationAmount(tx, pending),
  });
  await enqueueStatusUpdate(deps, done.statusUpdate);
  return done.tx;
}

/**
 * Decide from a fresh read what this request is: the operation its key already completed, the
 * claim its key already holds (a retry after a crash), or a new claim — written conditionally.
 */
function claimOrFind(request: OperationRequest, deps: PaymentOperationDeps): Promise<Start> {
  const { operation, amount, idempotencyKey } = request;
  return retryOnWriteConflict(async () => {
    const tx = await request.reload();
    const previous = idempotencyKey ? operationByKey(tx, idempotencyKey) : undefined;
    if (previous && 'completed' in previous) {
      assertSameOperation(previous.completed, operation, amount);
      return { kind: 'done', tx, entry: previous.completed };
    }
    if (previous) {
      assertSameOperation(previous.pending, operation, amount);
      return { kind: 'claimed', tx, pending: previous.pending, resumed: true };
    }
    const operationId = `${tx.pspTransactionId}-${operation.toLowerCase()}-${randomToken(9)}`;
    const claim = claimOperation(tx, operation, amount, {
      at: request.at(),
      operationId,
      ...(idempotencyKey ? { idempotencyKey } : {}),
    });
    const claimed = await commit(deps.transactions, tx, claim);
    return {
      kind: 'claimed',
      tx: claimed,
      pending: findPendingOperation(claimed, operationId)!,
      resumed: false,
    };
  });
}

/** The acquirer confirmed: apply the claim (unless the reconciler already did, same operationId). */
function completeClaim(
  tx: Transaction,
  pending: PendingOperation,
  acquirerReference: string,
  request: OperationRequest,
  deps: PaymentOperationDeps,
): Promise<{ tx: Transaction; statusUpdate?: StatusUpdate }> {
  return retryOnWriteConflict(async (attemptNo) => {
    const current = attemptNo === 0 ? tx : await request.reload();
    const settled = !findPendingOperation(current, pending.operationId);
    if (settled && completedOperation(current, pending.operationId)) return { tx: current };
    const transition = completeOperation(current, pending.operationId, {
      at: request.at(),
      acquirerReference,
    });
    return {
      tx: await commit(deps.transactions, current, transition),
      ...(transition.statusUpdate ? { statusUpdate: transition.statusUpdate } : {}),
    };
  });
}

/** The same key must mean the same request: another operation or amount is a client error. */
function assertSameOperation(
  previous: Pick<HistoryEntry, 'operation' | 'amount'>,
  operation: PendingOperation['operation'],
  amount: MinorUnits,
): void {
  if (previous.operation !== operation || (operation !== 'CANCEL' && previous.amount !== amount)) {
    throw new OperationKeyReusedError(previous.operation, previous.amount);
  }
}

/**
 * A completed operation asked for again with its key (the first answer was lost): answer the
 * payment as it is, and re-send the operation's status update in case the first attempt died
 * before sending it (the FIFO queue deduplicates a repeat; the updater skips what Vipps has).
 */
async function replayCompleted(
  tx: Transaction,
  entry: HistoryEntry,
  deps: PaymentOperationDeps,
): Promise<Transaction> {
  deps.log.info('Operation already done for this Idempotency-Key; answering its outcome', {
    pspTransactionId: tx.pspTransactionId,
    operation: entry.operation,
  });
  const update = statusUpdateOf(tx, entry);
  if (update && update.seq > tx.vippsSync.acknowledgedSeq) await enqueueStatusUpdate(deps, update);
  return tx;
}

/**
 * The acquirer refused: drop the claim so its amount is free again (unless already settled). If
 * even that loses every race, the merchant still learns the refusal; the reconciler, asking the
 * acquirer again with the same operationId, gets the same refusal and drops the claim.
 */
async function releaseClaim(
  tx: Transaction,
  pending: PendingOperation,
  reload: () => Promise<Transaction>,
  deps: PaymentOperationDeps,
): Promise<void> {
  try {
    await retryOnWriteConflict(async (attemptNo) => {
      const current = attemptNo === 0 ? tx : await reload();
      if (!findPendingOperation(current, pending.operationId)) return;
      await commit(
        deps.transactions,
        current,
        releaseOperation(current, pending.operationId, deps.clock.now().toISOString()),
      );
    });
  } catch (error) {
    if (!(error instanceof ConcurrentUpdateError)) throw error;
    deps.log.warn('Refused operation left claimed; the reconciler will release it', {
      pspTransactionId: tx.pspTransactionId,
      operationId: pending.operationId,
    });
  }
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
 * makePayment answers 85); a reservation is voided at the acquirer first, and after a partial
 * capture the uncaptured remainder is released. If the reservation lands between our read and
 * our write, the conditional write loses and the retry takes the acquirer path — never a
 * CANCELLED payment with a live authorisation.
 */
export async function cancelPayment(
  merchant: Merchant,
  pspTransactionId: string,
  idempotencyKey: string | undefined,
  deps: PaymentOperationDeps,
): Promise<Transaction> {
  const inStore = await retryOnWriteConflict(async () => {
    const tx = await loadOwnedPayment(deps.transactions, merchant, pspTransactionId);
    if (tx.status !== 'INITIATED') return undefined;
    const transition = cancel(tx, {
      at: deps.clock.now().toISOString(),
      ...(idempotencyKey ? { idempotencyKey } : {}),
    });
    return { tx: await commit(deps.transactions, tx, transition), transition };
  });
  if (!inStore) return acquirerOperation('CANCEL', merchant, pspTransactionId, 0, idempotencyKey, deps);
  deps.log.info('Unfinished payment cancelled', { pspTransactionId });
  await enqueueStatusUpdate(deps, inStore.transition.statusUpdate);
  return inStore.tx;
}
