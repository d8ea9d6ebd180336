/**
 * How the local stack runs the functions of lambdas/routes.ts: each in its own worker threads
 * (the default, like Lambda), or all in this process (tests that reach into handler state). The
 * one sandbox acquirer lives here in the main process either way; workers route their calls to it.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { acquirer } from '../../lambdas/wiring/acquirer.js';
import { type FunctionName, functions } from '../../lambdas/routes.js';
import { recordAcquirerCalls } from '../acquirer-calls.js';
import { acquirerService } from './acquirer-service.js';
import { type AnyHandler, type HandlerTable, type Invoker, inProcessInvoker } from './invoker.js';
import { type WorkerHost, startWorkerHost } from './worker-host.js';

export interface FunctionsOptions {
  repoRoot: string;
  /** The environment the stack computed (already in process.env). */
  environment: Record<string, string>;
  workers?: boolean;
  maxConcurrency?: number;
  timeoutSeconds?: Partial<Record<FunctionName, number>>;
  warmWorkers?: Partial<Record<FunctionName, number>>;
  acquirerLatencyMs?: number;
}

export interface RunningFunctions {
  invoke: Invoker;
  /** Present when the functions run in workers. */
  workerHost?: WorkerHost;
  stop(): Promise<void>;
}

export async function startFunctions(options: FunctionsOptions): Promise<RunningFunctions> {
  const theAcquirer = () => recordAcquirerCalls(acquirer());
  if (options.workers ?? true) {
    const workerHost = startWorkerHost({
      repoRoot: options.repoRoot,
      env: { ...process.env },
      acquirer: acquirerService(theAcquirer, { latencyMs: options.acquirerLatencyMs ?? 0 }),
      ...(options.maxConcurrency ? { maxConcurrency: options.maxConcurrency } : {}),
      ...(options.timeoutSeconds ? { timeoutSeconds: options.timeoutSeconds } : {}),
    });
    try {
      await workerHost.warm(options.warmWorkers);
    } catch (error) {
      await workerHost.stop();
      throw error;
    }
    return { invoke: workerHost.invoke, workerHost, stop: () => workerHost.stop() };
  }
  if (options.timeoutSeconds || options.acquirerLatencyMs)
    throw new Error('timeoutSeconds and acquirerLatencyMs need workers: true');
  if (options.environment.ACQUIRER === 'sandbox') theAcquirer();
  const handlers: HandlerTable = {};
  for (const [name, def] of Object.entries(functions) as Array<
    [FunctionName, (typeof functions)[FunctionName]]
  >) {
    const module = (await import(pathToFileURL(resolve(options.repoRoot, def.entry)).href)) as {
      handler: AnyHandler;
    };
    handlers[name] = module.handler;
  }
  return { invoke: inProcessInvoker(() => handlers), stop: async () => undefined };
}
