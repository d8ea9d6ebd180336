/**
 * Every function of lambdas/routes.ts in its own workers (function-workers.ts): the local stand-in
 * for the Lambda service. Concurrency per function is its reserved concurrency, else the stack's
 * cap (Lambda's account pool is far larger than a laptop).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type FunctionName, functions } from '../../lambdas/routes.js';
import type { AcquirerService } from './acquirer-service.js';
import { type FunctionStats, FunctionWorkers } from './function-workers.js';
import type { Invoker } from './invoker.js';

export interface WorkerHostOptions {
  repoRoot: string;
  env: Record<string, string | undefined>;
  /** Environments per function without reserved concurrency (default 20). */
  maxConcurrency?: number;
  /** Per-function timeout overrides in seconds (tests of the timeout itself). */
  timeoutSeconds?: Partial<Record<FunctionName, number>>;
  acquirer?: AcquirerService;
}

export interface WorkerHost {
  invoke: Invoker;
  /** Environments started now (default one per function): a bad configuration fails the start. */
  warm(counts?: Partial<Record<FunctionName, number>>): Promise<void>;
  stats(): Record<FunctionName, FunctionStats>;
  /** V8 CPU profiles of one function's workers, from now until stop(). */
  profile(name: FunctionName): Promise<{ stop(): Promise<unknown[]> }>;
  resetStats(): void;
  stop(): Promise<void>;
}

export function startWorkerHost(options: WorkerHostOptions): WorkerHost {
  const names = Object.keys(functions) as FunctionName[];
  const pools = Object.fromEntries(
    names.map((name) => {
      const def = functions[name];
      const pool = new FunctionWorkers({
        functionName: name,
        entryUrl: pathToFileURL(resolve(options.repoRoot, def.entry)).href,
        memoryMb: def.memoryMb,
        timeoutSeconds: options.timeoutSeconds?.[name] ?? def.timeoutSeconds,
        concurrency: def.reservedConcurrency ?? options.maxConcurrency ?? 20,
        env: options.env,
        ...(options.acquirer ? { acquirer: options.acquirer } : {}),
      });
      return [name, pool];
    }),
  ) as Record<FunctionName, FunctionWorkers>;
  return {
    invoke: (name, event) => pools[name].invoke(event),
    warm: async (counts = {}) => {
      await Promise.all(names.map((name) => pools[name].warm(counts[name] ?? 1)));
    },
    stats: () =>
      Object.fromEntries(names.map((name) => [name, pools[name].stats()])) as Record<
        FunctionName,
        FunctionStats
      >,
    profile: (name) => pools[name].profile(),
    resetStats: () => names.forEach((name) => pools[name].resetStats()),
    stop: async () => {
      await Promise.all(names.map((name) => pools[name].stop()));
    },
  };
}
