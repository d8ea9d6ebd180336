/**
 * Worker side of the one sandbox acquirer. A real acquirer is one system that every Lambda
 * container talks to; the sandbox acquirer stands in for it, so it lives once, in the stack's
 * main process (where tests read its ledger and inject faults), and each worker's acquirer
 * forwards its calls there over the worker's message port. Only the sandbox is routed: an HTTP
 * acquirer is already one system reached over the network.
 */
import type { MessagePort } from 'node:worker_threads';
import { SandboxAcquirer } from '../../lambdas/adapters/acquirer/sandbox-acquirer.js';
import { AcquirerRefusedError, AcquirerUnavailableError } from '../../lambdas/core/errors.js';
import { acquirer } from '../../lambdas/wiring/acquirer.js';
import { ACQUIRER_METHODS, type HostMessage, type WorkerMessage } from './protocol.js';

type Answer = Extract<HostMessage, { type: 'acquirer-answer' }>;

const knownErrors: Record<string, new (message: string) => Error> = {
  AcquirerRefusedError,
  AcquirerUnavailableError,
};

function rebuild(answer: Answer & { ok: false }): Error {
  const Known = knownErrors[answer.errorName];
  if (Known) return new Known(answer.errorMessage);
  const error = new Error(answer.errorMessage);
  error.name = answer.errorName;
  return error;
}

export interface AcquirerRoute {
  /** Feed the host's answers here. */
  answer(message: Answer): void;
}

/**
 * Replace the methods of this worker's sandbox acquirer (the instance the handlers get from the
 * wiring) by calls to the host. Returns undefined when the configured acquirer is not the sandbox.
 */
export function routeSandboxAcquirer(port: MessagePort): AcquirerRoute | undefined {
  let instance: unknown;
  try {
    instance = acquirer();
  } catch {
    return undefined; // invalid configuration: the handler reports it on its first invocation
  }
  if (!(instance instanceof SandboxAcquirer)) return undefined;
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextCallId = 0;
  const send = (message: WorkerMessage) => port.postMessage(message);

  for (const method of ACQUIRER_METHODS) {
    Object.defineProperty(instance, method, {
      value: (...args: unknown[]) =>
        new Promise((resolve, reject) => {
          const callId = ++nextCallId;
          pending.set(callId, { resolve, reject });
          // authorise(request, { signal }): the signal stays here; only its firing crosses.
          const signal = method === 'authorise' ? (args[1] as { signal?: AbortSignal })?.signal : undefined;
          send({ type: 'acquirer-call', callId, method, args: method === 'authorise' ? [args[0]] : args });
          signal?.addEventListener('abort', () => send({ type: 'acquirer-abort', callId }), { once: true });
          if (signal?.aborted) send({ type: 'acquirer-abort', callId });
        }),
    });
  }
  return {
    answer(message) {
      const call = pending.get(message.callId);
      if (!call) return;
      pending.delete(message.callId);
      if (message.ok) call.resolve(message.value);
      else call.reject(rebuild(message));
    },
  };
}
