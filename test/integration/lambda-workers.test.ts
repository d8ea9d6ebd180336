/**
 * Issue 10 item 4: the local Lambda stand-in (local/lambda-workers) runs a function in its own
 * worker threads — one invocation per worker at a time, up to its concurrency, module state per
 * worker, its timeout enforced and reported as Lambda reports it — so concurrent requests really
 * run at once and off the main thread. Driven with a probe handler module loaded through tsx,
 * exactly as the stack loads the real handlers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FunctionWorkers, type FunctionWorkersOptions } from '../../local/lambda-workers/function-workers.js';
import type { Invocation } from '../../local/lambda-workers/protocol.js';
import type { ProbeAnswer, ProbeEvent } from '../support/lambda-fixtures/probe-handler.js';

const probeUrl = new URL('../support/lambda-fixtures/probe-handler.ts', import.meta.url).href;
let pool: FunctionWorkers | undefined;
const logLines: string[] = [];

function start(options: Partial<FunctionWorkersOptions> = {}): FunctionWorkers {
  pool = new FunctionWorkers({
    functionName: 'probe',
    entryUrl: probeUrl,
    memoryMb: 128,
    timeoutSeconds: 5,
    concurrency: 4,
    env: { ...process.env },
    logLine: (line) => logLines.push(line),
    ...options,
  });
  return pool;
}

afterEach(async () => {
  await pool?.stop();
  pool = undefined;
  logLines.length = 0;
});

const invoke = (p: FunctionWorkers, event: ProbeEvent) => p.invoke(event);
function answer(outcome: Invocation): ProbeAnswer {
  if (outcome.kind !== 'ok') throw new Error(`expected an answer, got ${JSON.stringify(outcome)}`);
  return outcome.value as ProbeAnswer;
}
const mainThreadCpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.threadCpuUsage(since);
  return (used.user + used.system) / 1000;
};

describe('concurrency', () => {
  it('invocations in flight at once run at once, each in its own worker', async () => {
    const p = start({ concurrency: 4 });
    await p.warm(4);
    const started = performance.now();
    const outcomes = await Promise.all([1, 2, 3, 4].map(() => invoke(p, { action: 'sleep', ms: 400 })));
    const elapsed = performance.now() - started;
    expect(new Set(outcomes.map((o) => answer(o).threadId)).size).toBe(4);
    expect(elapsed).toBeLessThan(1_200); // one after another would take ≥ 1 600 ms
  });

  it('never more workers than the concurrency: the rest wait their turn', async () => {
    const p = start({ concurrency: 2 });
    const started = performance.now();
    const outcomes = await Promise.all([1, 2, 3, 4].map(() => invoke(p, { action: 'sleep', ms: 300 })));
    expect(performance.now() - started).toBeGreaterThanOrEqual(600);
    expect(new Set(outcomes.map((o) => answer(o).threadId)).size).toBe(2);
    expect(p.stats()).toMatchObject({ invocations: 4, coldStarts: 2 });
  });

  it('CPU-bound work runs on the workers, not on the main thread (the cores are used)', async () => {
    // 300 ms of CPU can take seconds of wall time on a busy 2-core machine: a timeout is not the point here.
    const p = start({ concurrency: 2, timeoutSeconds: 25 });
    await p.warm(2);
    const before = process.threadCpuUsage();
    const outcomes = await Promise.all([1, 2].map(() => invoke(p, { action: 'spin', ms: 300 })));
    expect(outcomes.map((o) => o.kind)).toEqual(['ok', 'ok']);
    const workerCpu = outcomes.reduce((sum, o) => sum + (o.kind === 'ok' ? o.cpuMs! : 0), 0);
    expect(workerCpu).toBeGreaterThanOrEqual(600);
    expect(mainThreadCpuMs(before)).toBeLessThan(workerCpu / 4);
  });
});

describe('one execution environment per worker', () => {
  it('module state lives in the worker: one worker counts its own invocations', async () => {
    const p = start({ concurrency: 1 });
    const seen = [];
    for (let i = 0; i < 3; i++) seen.push(answer(await invoke(p, { action: 'count' })));
    expect(seen.map((s) => s.invocations)).toEqual([1, 2, 3]);
    expect(new Set(seen.map((s) => s.threadId)).size).toBe(1);
  });

  it('CPU time per invocation is measured in the worker, around the handler', async () => {
    const p = start({ concurrency: 1 });
    await p.warm();
    const spun = await invoke(p, { action: 'spin', ms: 120 });
    const idle = await invoke(p, { action: 'sleep', ms: 120 });
    expect(spun.kind === 'ok' && spun.cpuMs).toBeGreaterThanOrEqual(120);
    expect(idle.kind === 'ok' && idle.cpuMs).toBeLessThan(60); // waiting costs no CPU
    expect(p.stats().cpuMs).toHaveLength(2);
  });

  it('a handler that throws → a function error (type and message); the worker stays', async () => {
    const p = start({ concurrency: 1 });
    const first = answer(await invoke(p, { action: 'count' }));
    const failed = await invoke(p, { action: 'throw' });
    expect(failed).toMatchObject({
      kind: 'error',
      errorType: 'TypeError',
      errorMessage: 'the probe was told to throw',
    });
    const after = answer(await invoke(p, { action: 'count' }));
    expect(after).toMatchObject({ threadId: first.threadId, invocations: 3 });
  });
});

describe('the function timeout', () => {
  it('the handler sees the deadline the host enforces', async () => {
    const p = start({ timeoutSeconds: 3 });
    const { remainingMs } = answer(await invoke(p, { action: 'count' }));
    expect(remainingMs).toBeGreaterThan(2_000);
    expect(remainingMs).toBeLessThanOrEqual(3_000);
  });

  it('a hanging invocation is abandoned at the timeout, logged as Lambda does, and its worker replaced', async () => {
    const p = start({ timeoutSeconds: 0.5, concurrency: 1 });
    const before = answer(await invoke(p, { action: 'count' }));
    const started = performance.now();
    const hung = await invoke(p, { action: 'hang' });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(hung).toMatchObject({ kind: 'timeout', timeoutSeconds: 0.5 });
    expect(logLines).toEqual([expect.stringMatching(/ [0-9a-f-]{36} Task timed out after 0\.50 seconds$/)]);
    // A fresh environment: new worker, module state from scratch.
    const after = answer(await invoke(p, { action: 'count' }));
    expect(after.threadId).not.toBe(before.threadId);
    expect(after.invocations).toBe(1);
    expect(p.stats()).toMatchObject({ timeouts: 1, coldStarts: 2 });
  });

  it('a module that fails to load → Runtime.ImportModuleError', async () => {
    const p = start({ entryUrl: new URL('../support/lambda-fixtures/missing.ts', import.meta.url).href });
    expect(await invoke(p, { action: 'count' })).toMatchObject({
      kind: 'error',
      errorType: 'Runtime.ImportModuleError',
    });
  });
});
