/**
 * For integration tests without the local stack's stream: a TransactionStore whose every write
 * is followed at once by what the payments table's stream does in production — the event
 * dispatcher handing the new image's events over (core/webhooks/dispatch.ts, dispatchChanges).
 */
import type { TransactionStore } from '../../lambdas/core/ports.js';
import { type DispatchDeps, dispatchChanges } from '../../lambdas/core/webhooks/dispatch.js';

export function withStreamRelay(store: TransactionStore, deps: DispatchDeps): TransactionStore {
  let position = 0;
  return Object.assign(Object.create(store) as TransactionStore, {
    apply: async (...args: Parameters<TransactionStore['apply']>) => {
      const written = await store.apply(...args);
      await dispatchChanges([{ position: String(++position), tx: written }], {
        ...deps,
        transactions: store,
      });
      return written;
    },
  });
}
