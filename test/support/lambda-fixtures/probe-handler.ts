/**
 * A Lambda handler for testing the worker host itself: it reports which worker ran it and how
 * many invocations that worker's module has seen, and can sleep, burn CPU, throw or hang.
 */
import { threadId } from 'node:worker_threads';
import type { Context } from 'aws-lambda';

let invocations = 0; // module state: one copy per execution environment

export type ProbeEvent =
  | { action: 'count' }
  | { action: 'sleep'; ms: number }
  | { action: 'spin'; ms: number }
  | { action: 'throw' }
  | { action: 'hang' };

export interface ProbeAnswer {
  threadId: number;
  invocations: number;
  remainingMs: number;
}

export async function handler(event: ProbeEvent, context: Context): Promise<ProbeAnswer> {
  invocations += 1;
  if (event.action === 'sleep') await new Promise((resolve) => setTimeout(resolve, event.ms));
  if (event.action === 'spin') {
    // CPU-bound on purpose, for `ms` of this thread's CPU time (not wall time: the machine is shared).
    const start = process.threadCpuUsage();
    const spent = () => {
      const used = process.threadCpuUsage(start);
      return (used.user + used.system) / 1000;
    };
    while (spent() < event.ms);
  }
  if (event.action === 'throw') throw new TypeError('the probe was told to throw');
  if (event.action === 'hang') await new Promise(() => undefined);
  return { threadId, invocations, remainingMs: context.getRemainingTimeInMillis() };
}
