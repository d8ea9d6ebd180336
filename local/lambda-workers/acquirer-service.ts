/**
 * Host side of the one sandbox acquirer (see acquirer-client.ts): answers the acquirer calls of
 * every worker with the main process's acquirer, and aborts a worker's waiting authorisations
 * when the worker is abandoned (its invocation timed out) — the issuer still decides, as in life.
 */
import type { Worker } from 'node:worker_threads';
import type { Acquirer } from '../../lambdas/core/ports.js';
import { type HostMessage, type WorkerMessage, errorParts } from './protocol.js';

type Call = Extract<WorkerMessage, { type: 'acquirer-call' }>;
type Abort = Extract<WorkerMessage, { type: 'acquirer-abort' }>;

export interface AcquirerService {
  handle(worker: Worker, message: Call | Abort): void;
  abandon(worker: Worker): void;
}

/**
 * `latencyMs`: the network and processing time of a real acquirer (default 0). Race tests use it
 * to hold each operation in flight long enough for a concurrent one to meet it.
 */
export function acquirerService(
  acquirer: () => Acquirer,
  options: { latencyMs?: number } = {},
): AcquirerService {
  const inFlight = new Map<Worker, Map<number, AbortController>>();

  async function call(message: Call, signal: AbortSignal): Promise<unknown> {
    // An authorisation whose budget runs out meanwhile still reaches the issuer (a late approval).
    if (options.latencyMs) await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
    const target = acquirer() as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    const args = message.method === 'authorise' ? [message.args[0], { signal }] : message.args;
    return target[message.method]!(...args);
  }

  return {
    handle(worker, message) {
      const calls = inFlight.get(worker) ?? new Map<number, AbortController>();
      inFlight.set(worker, calls);
      if (message.type === 'acquirer-abort') {
        calls.get(message.callId)?.abort();
        return;
      }
      const controller = new AbortController();
      calls.set(message.callId, controller);
      const reply = (answer: HostMessage) => {
        calls.delete(message.callId);
        worker.postMessage(answer);
      };
      call(message, controller.signal).then(
        (value) => reply({ type: 'acquirer-answer', callId: message.callId, ok: true, value }),
        (error: unknown) => {
          const { errorType, errorMessage } = errorParts(error);
          reply({
            type: 'acquirer-answer',
            callId: message.callId,
            ok: false,
            errorName: errorType,
            errorMessage,
          });
        },
      );
    },
    abandon(worker) {
      for (const controller of inFlight.get(worker)?.values() ?? []) controller.abort();
      inFlight.delete(worker);
    },
  };
}
