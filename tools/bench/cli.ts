/**
 * `npm run bench [-- options]`: boots the embedded local stack (127.0.0.1 only), runs the
 * parts (all five unless --only), prints the report and writes bench-report.json. Stops by itself; exit code 0 when it
 * ran (missed targets are marked ✘ in the report), 1 on an error, 2 on bad arguments — or, with
 * --strict, 1 when any target was missed.
 */
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as z from 'zod/mini';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { runBundleBench } from './bundle-bench.js';
import { runCardCallbackBench } from './card-callback-bench.js';
import { runLifecycleBench } from './lifecycle-bench.js';
import { machineInfo } from './machine.js';
import { runMakePaymentBench } from './make-payment-bench.js';
import { type BenchReport, formatBenchReport } from './report.js';
import { runThreeDsBench } from './three-ds-bench.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const BENCH_USAGE = `Usage: npm run bench -- [options]
  --only <parts>       comma-separated: make-payment, card-callback, three-ds, lifecycle, bundles
                       (default: all five)
  --requests <n>       measured makePayment / card callback requests (default 2000)
  --warmup <n>         warm-up makePayment / card callback requests (default 500)
  --sequential <n>     extra requests at concurrency 1 in (a) and (d) (default 200; 0 = skip)
  --concurrency <n>    concurrency of (a), (b) and (d) (default 20)
  --payments <n>       payments through reserve → capture → refund in (b) (default 1000)
  --three-ds-runs <n>  timed frictionless 3-D Secure runs in headless Chromium (default 20)
  --init-runs <n>      timed fresh-process loads per bundle in (c) (default 10)
  --cpu-profile        profile the measured makePayment phase and print where the CPU goes
  --out <file>         JSON report (default bench-report.json)
  --strict             exit 1 when a target is missed
  --help`;

const PARTS = ['make-payment', 'card-callback', 'three-ds', 'lifecycle', 'bundles'] as const;
const count = (min: number) => z.pipe(z.coerce.number(), z.int().check(z.gte(min)));

const BenchOptions = z.object({
  only: z.array(z.enum(PARTS)).check(z.minLength(1)),
  requests: count(1),
  warmup: count(1),
  sequential: count(0),
  concurrency: count(1),
  payments: count(1),
  initRuns: count(1),
  threeDsRuns: count(1),
  cpuProfile: z.boolean(),
  out: z.string().check(z.minLength(1)),
  strict: z.boolean(),
});
export type BenchOptions = z.infer<typeof BenchOptions>;

export class UsageError extends Error {}

export function parseBenchArgs(argv: string[]): BenchOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      options: {
        only: { type: 'string', default: PARTS.join(',') },
        requests: { type: 'string', default: '2000' },
        warmup: { type: 'string', default: '500' },
        sequential: { type: 'string', default: '200' },
        concurrency: { type: 'string', default: '20' },
        payments: { type: 'string', default: '1000' },
        'init-runs': { type: 'string', default: '10' },
        'three-ds-runs': { type: 'string', default: '20' },
        'cpu-profile': { type: 'boolean', default: false },
        out: { type: 'string', default: 'bench-report.json' },
        strict: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const v = parsed.values;
  if (v.help) return 'help';
  const result = BenchOptions.safeParse({
    only: v.only.split(',').map((s) => s.trim()),
    requests: v.requests,
    warmup: v.warmup,
    sequential: v.sequential,
    concurrency: v.concurrency,
    payments: v.payments,
    initRuns: v['init-runs'],
    threeDsRuns: v['three-ds-runs'],
    cpuProfile: v['cpu-profile'],
    out: v.out,
    strict: v.strict,
  });
  if (!result.success) throw new UsageError(z.prettifyError(result.error));
  return result.data;
}

export async function runBench(options: BenchOptions, log: (line: string) => void): Promise<BenchReport> {
  const started = Date.now();
  const report: BenchReport = {
    startedAt: new Date(started).toISOString(),
    durationMs: 0,
    machine: machineInfo(),
    loadAverage: { start: os.loadavg(), end: [] },
  };
  const wants = (part: (typeof PARTS)[number]) => options.only.includes(part);
  let stack: LocalStack | undefined;
  try {
    if (wants('make-payment') || wants('card-callback') || wants('three-ds') || wants('lifecycle')) {
      log('booting the embedded local stack …');
      // INFO logs off: two JSON lines per request written to a terminal would measure the terminal.
      // Each function in its own workers (the default).
      stack = await startLocalStack({
        reconcilerEveryMs: 0,
        env: { POWERTOOLS_LOG_LEVEL: 'WARN' },
        maxConcurrency: Math.max(20, options.concurrency),
        // Every HTTP function warm at the bench's concurrency: cold starts are not what we measure,
        // and 60 of them at once on a small machine would starve the requests already running.
        warmWorkers: {
          makePayment: options.concurrency,
          merchantApi: options.concurrency,
          merchantAuthorizer: options.concurrency,
          ...(wants('card-callback') ? { cardCallback: options.concurrency } : {}),
        },
      });
    }
    if (stack && wants('make-payment')) {
      log('(a) makePaymentUrl …');
      report.makePayment = await runMakePaymentBench(stack, {
        requests: options.requests,
        warmup: options.warmup,
        sequentialRequests: options.sequential,
        concurrency: options.concurrency,
        cpuProfile: options.cpuProfile,
        log: (l) => log(`    ${l}`),
      });
    }
    if (stack && wants('card-callback')) {
      log('(d) ePayment card callback …');
      report.cardCallback = await runCardCallbackBench(stack, {
        requests: options.requests,
        warmup: options.warmup,
        sequentialRequests: options.sequential,
        concurrency: options.concurrency,
        log: (l) => log(`    ${l}`),
      });
    }
    if (stack && wants('three-ds')) {
      log('(e) 3-D Secure frictionless in headless Chromium …');
      report.threeDs = await runThreeDsBench(stack, {
        runs: options.threeDsRuns,
        log: (l) => log(`    ${l}`),
      });
    }
    if (stack && wants('lifecycle')) {
      log('(b) reserve → capture → refund …');
      report.lifecycle = await runLifecycleBench(stack, {
        payments: options.payments,
        concurrency: options.concurrency,
        log: (l) => log(`    ${l}`),
      });
    }
  } finally {
    await stack?.stop();
  }
  if (wants('bundles')) {
    log('(c) bundles and init …');
    report.bundles = await runBundleBench({
      repoRoot,
      initRuns: options.initRuns,
      log: (l) => log(`    ${l}`),
    });
  }
  report.durationMs = Date.now() - started;
  report.loadAverage.end = os.loadavg();
  return report;
}

export function allTargetsMet(report: BenchReport): boolean {
  return [report.makePayment, report.cardCallback, report.threeDs, report.lifecycle, report.bundles].every(
    (part) => !part || part.targets.every((t) => t.met),
  );
}

export async function main(argv: string[]): Promise<number> {
  let options: BenchOptions | 'help';
  try {
    options = parseBenchArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n\n${BENCH_USAGE}`);
    return 2;
  }
  if (options === 'help') {
    console.log(BENCH_USAGE);
    return 0;
  }
  try {
    const report = await runBench(options, (line) => console.error(line));
    console.log(`\n${formatBenchReport(report)}`);
    const out = resolve(options.out);
    await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`JSON report: ${out}`);
    return options.strict && !allTargetsMet(report) ? 1 : 0;
  } catch (error) {
    console.error('bench failed:', error);
    return 1;
  }
}
