/**
 * How the local API Gateway, SQS mapping and scheduler invoke a function: by name, getting back
 * how the invocation ended (protocol.ts). Two implementations: the worker host (each function in
 * its own workers, like Lambda) and this in-process one, which calls handler functions directly
 * so tests can hand in handlers built around in-process fakes.
 */
import type { Context } from 'aws-lambda';
import { type FunctionName, functions } from '../../lambdas/routes.js';
import { lambdaContext } from '../lambda-context.js';
import { type Invocation, errorParts, timedOutMessage } from './protocol.js';

export type AnyHandler = (event: never, context: Context) => Promise<unknown>;
export type HandlerTable = Partial<Record<FunctionName, AnyHandler>>;
export type Invoker = (name: FunctionName, event: unknown) => Promise<Invocation>;

/**
 * Calls the handler in this process. The timeout is reported like Lambda's, but the handler
 * cannot be stopped: it runs on in the background (use the worker host where that matters).
 */
export function inProcessInvoker(handlers: () => HandlerTable): Invoker {
  return async (name, event) => {
    const handler = handlers()[name];
    if (!handler) throw new Error(`No handler loaded for ${name}`);
    const { timeoutSeconds, memoryMb } = functions[name];
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<Invocation>((resolve) => {
      timer = setTimeout(() => {
        console.log(`${new Date().toISOString()} ${timedOutMessage(timeoutSeconds)}`);
        resolve({ kind: 'timeout', timeoutSeconds, durationMs: performance.now() - started });
      }, timeoutSeconds * 1000);
    });
    const ran = handler(event as never, lambdaContext(name, timeoutSeconds, memoryMb)).then(
      (value): Invocation => ({ kind: 'ok', value, durationMs: performance.now() - started }),
      (error: unknown): Invocation => ({
        kind: 'error',
        ...errorParts(error),
        durationMs: performance.now() - started,
      }),
    );
    try {
      return await Promise.race([ran, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  };
}

/** The handler's answer, or Lambda's error for the caller to see (the SQS mapping, the scheduler). */
export function valueOf(outcome: Invocation): unknown {
  if (outcome.kind === 'ok') return outcome.value;
  if (outcome.kind === 'timeout') throw new Error(timedOutMessage(outcome.timeoutSeconds));
  throw Object.assign(new Error(outcome.errorMessage), { name: outcome.errorType });
}
