/**
 * The local stand-in for an EventBridge schedule (the reconciler, every minute). Runs never
 * overlap: a tick that comes while a run is in progress or queued is skipped, and runNow() waits
 * for the current run before starting its own — like a function with reserved concurrency 1.
 */

export interface SchedulerOptions {
  everyMs: number;
  run: () => Promise<void>;
  /** Errors of timer-started runs (default: logged). runNow() rejects with its run's error instead. */
  onError?: (error: unknown) => void;
}

export interface Scheduler {
  /** No further runs start; resolves after the one in progress (if any) has finished. */
  stop(): Promise<void>;
  /** Runs once now (after any run in progress) and resolves/rejects with that run. */
  runNow(): Promise<void>;
}

export function startScheduler(options: SchedulerOptions): Scheduler {
  if (!(options.everyMs > 0)) throw new Error(`everyMs must be positive, got ${options.everyMs}`);
  const onError =
    options.onError ?? ((error: unknown) => console.error('[scheduler] scheduled run failed:', error));
  let stopped = false;
  let busy = 0; // runs started or queued
  let tail: Promise<void> = Promise.resolve();

  const enqueue = (): Promise<void> => {
    busy += 1;
    const result = tail.then(async () => {
      try {
        await options.run();
      } finally {
        busy -= 1;
      }
    });
    tail = result.catch(() => undefined);
    return result;
  };

  const timer = setInterval(() => {
    if (stopped || busy > 0) return;
    enqueue().catch(onError);
  }, options.everyMs);
  // The servers of the local stack keep the process alive; the scheduler must not on its own.
  timer.unref();

  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await tail;
    },
    runNow() {
      if (stopped) return Promise.reject(new Error('Scheduler is stopped'));
      return enqueue();
    },
  };
}
