/** The local schedule (reconciler trigger): periodic runs that never overlap. */
import { afterEach, describe, expect, it } from 'vitest';
import { type Scheduler, startScheduler } from '../../local/scheduler.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let scheduler: Scheduler | undefined;

afterEach(async () => {
  await scheduler?.stop();
  scheduler = undefined;
});

describe('startScheduler', () => {
  it('runs every interval', async () => {
    let runs = 0;
    scheduler = startScheduler({
      everyMs: 20,
      run: async () => {
        runs += 1;
      },
    });
    await sleep(130);
    expect(runs).toBeGreaterThanOrEqual(3);
  });

  it('never overlaps runs, skipping ticks while one is running', async () => {
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    scheduler = startScheduler({
      everyMs: 10,
      run: async () => {
        active += 1;
        maxActive = Math.max(maxActive, active);
        runs += 1;
        await sleep(60);
        active -= 1;
      },
    });
    const manual = [scheduler.runNow(), scheduler.runNow()];
    await sleep(200);
    await Promise.all(manual);
    expect(maxActive).toBe(1);
    expect(runs).toBeGreaterThanOrEqual(2);
    expect(runs).toBeLessThanOrEqual(5); // 200 ms / 60 ms per run, not one per 10 ms tick
  });

  it('runNow waits for the run in progress, then runs, and reports its own error', async () => {
    const order: string[] = [];
    let fail = false;
    scheduler = startScheduler({
      everyMs: 60_000,
      run: async () => {
        order.push('start');
        await sleep(30);
        order.push('end');
        if (fail) throw new Error('reconcile failed');
      },
    });
    const first = scheduler.runNow();
    await sleep(5);
    const second = scheduler.runNow();
    await Promise.all([first, second]);
    expect(order).toEqual(['start', 'end', 'start', 'end']);

    fail = true;
    await expect(scheduler.runNow()).rejects.toThrow('reconcile failed');
    fail = false;
    await expect(scheduler.runNow()).resolves.toBeUndefined();
  });

  it('hands errors of scheduled runs to onError and keeps going', async () => {
    const errors: unknown[] = [];
    let runs = 0;
    scheduler = startScheduler({
      everyMs: 15,
      run: async () => {
        runs += 1;
        throw new Error(`run ${runs}`);
      },
      onError: (error) => errors.push(error),
    });
    await sleep(100);
    expect(errors.length).toBeGreaterThanOrEqual(2);
    expect(errors.length).toBe(runs);
  });

  it('stop waits for the current run and prevents new ones', async () => {
    let runs = 0;
    let finished = false;
    scheduler = startScheduler({
      everyMs: 10,
      run: async () => {
        runs += 1;
        await sleep(40);
        finished = true;
      },
    });
    await sleep(15);
    await scheduler.stop();
    expect(finished).toBe(true);
    const after = runs;
    await sleep(50);
    expect(runs).toBe(after);
    await expect(scheduler.runNow()).rejects.toThrow(/stopped/);
    scheduler = undefined;
  });
});
