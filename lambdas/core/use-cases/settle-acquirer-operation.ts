/**
 * An asynchronous acquirer (Adyen) reports how a capture, refund or void we sent ended. Until that
 * report the operation is pending on the payment (counted by the amount invariants); here it is
 * applied (success) or released (refused) — once: a report arriving again changes nothing, and a
 * report for an operation we do not know is refused without touching anything.
 */
import type { Clock, Log, StatusQueue, TransactionStore } from '../ports.js';
import {
  type Transaction,
  type Transition,
  completeOperation,
  findPendingOperation,
  releaseOperation,
} from '../transaction.js';
import { retryOnWriteConflict } from '../write-conflict-retry.js';
import { commit } from './commit.js';
import { enqueueStatusUpdate } from './payment-operations.js';

export interface AcquirerOperationReport {
  /** The `reference` we sent with the operation: our operationId. */
  operationId: string;
  /** The acquirer's reference of the operation itself. */
  acquirerReference: string;
  success: boolean;
  /** The acquirer's reason when it refused. */
  reason?: string;
}

export type SettleOutcome = 'completed' | 'released' | 'already-settled' | 'unknown-operation';

export interface SettleDeps {
  transactions: TransactionStore;
  statusQueue: StatusQueue;
  clock: Clock;
  log: Log;
}

/** Our operationIds are `<pspTransactionId>-<operation>-<random>`; pspTransactionIds have no '-'. */
const paymentOf = (operationId: string) => /^([0-9a-f]{32})-(capture|refund|cancel)-/.exec(operationId)?.[1];

export async function settleAcquirerOperation(
  report: AcquirerOperationReport,
  deps: SettleDeps,
): Promise<SettleOutcome> {
  const pspTransactionId = paymentOf(report.operationId);
  const tx = pspTransactionId ? await deps.transactions.get(pspTransactionId) : undefined;
  if (!tx || !pspTransactionId) {
    deps.log.warn('Acquirer report for an operation we do not know; nothing changed', {
      operationId: report.operationId,
    });
    return 'unknown-operation';
  }
  if (!findPendingOperation(tx, report.operationId)) {
    const seen = tx.history.some((h) => h.acquirerReference === report.acquirerReference);
    if (!seen) {
      deps.log.warn('Acquirer report for an operation that is not pending; nothing changed', {
        pspTransactionId,
        operationId: report.operationId,
      });
      return 'unknown-operation';
    }
    return 'already-settled';
  }
  const reload = async () => (await deps.transactions.get(pspTransactionId))!;
  const at = deps.clock.now().toISOString();
  try {
    if (!report.success) {
      await commitFresh(deps, tx, reload, (current) => releaseOperation(current, report.operationId, at));
      deps.log.error('The acquirer refused an operation it had accepted; released, nothing applied', {
        pspTransactionId,
        operationId: report.operationId,
        reason: report.reason ?? '',
      });
      return 'released';
    }
    const done = await commitFresh(deps, tx, reload, (current) =>
      completeOperation(current, report.operationId, { at, acquirerReference: report.acquirerReference }),
    );
    await enqueueStatusUpdate(deps, done.transition.statusUpdate);
    deps.log.info('Acquirer confirmed the operation', { pspTransactionId, operationId: report.operationId });
    return 'completed';
  } catch (error) {
    // Another report (a duplicate delivery) settled it between our read and our write. Still
    // pending (every write lost, or the store failed): fail, so the acquirer delivers it again.
    if (!findPendingOperation(await reload(), report.operationId)) return 'already-settled';
    throw error;
  }
}

/** Decide from the item (re-read after a lost write, under the one retry policy) and write once. */
function commitFresh(
  deps: { transactions: TransactionStore },
  tx: Transaction,
  reload: () => Promise<Transaction>,
  transitionFor: (current: Transaction) => Transition,
): Promise<{ tx: Transaction; transition: Transition }> {
  return retryOnWriteConflict(async (attemptNo) => {
    const current = attemptNo === 0 ? tx : await reload();
    const transition = transitionFor(current);
    return { tx: await commit(deps.transactions, current, transition), transition };
  });
}
