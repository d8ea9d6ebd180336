/**
 * Every call that reached the (one, main-process) sandbox acquirer, refused ones included — the
 * ledger only books what the acquirer accepted. "Exactly one capture reached the acquirer" is a
 * question about calls, and both stack modes route every acquirer call through this instance.
 */
import type { Acquirer } from '../lambdas/core/ports.js';
import { ACQUIRER_METHODS, type AcquirerMethod } from './lambda-workers/protocol.js';

export interface AcquirerCall {
  method: AcquirerMethod;
  pspTransactionId: string;
  amount: number;
  /** 'ok', or the error's name (AcquirerRefusedError, AcquirerUnavailableError …). */
  outcome: string;
}

const calls: AcquirerCall[] = [];
const recorded = new WeakSet<object>();

/** Record the calls made through this acquirer instance (patched once; returns it). */
export function recordAcquirerCalls<A extends Acquirer>(acquirer: A): A {
  if (recorded.has(acquirer)) return acquirer;
  recorded.add(acquirer);
  const target = acquirer as unknown as Record<AcquirerMethod, (...args: unknown[]) => Promise<unknown>>;
  for (const method of ACQUIRER_METHODS) {
    const original = target[method].bind(acquirer);
    target[method] = async (...args: unknown[]) => {
      const request = args[0] as { pspTransactionId: string; amount: number };
      const call = { method, pspTransactionId: request.pspTransactionId, amount: request.amount };
      try {
        const value = await original(...args);
        calls.push({ ...call, outcome: 'ok' });
        return value;
      } catch (error) {
        calls.push({ ...call, outcome: error instanceof Error ? error.name : 'Error' });
        throw error;
      }
    };
  }
  return acquirer;
}

/** The recorded calls for one payment, in the order they were answered. */
export function acquirerCallsOf(pspTransactionId: string): AcquirerCall[] {
  return calls.filter((c) => c.pspTransactionId === pspTransactionId).map((c) => ({ ...c }));
}
