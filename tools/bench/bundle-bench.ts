/**
 * Issue 6: per function, the minified bundle size and the module init time.
 *
 * Each entry of lambdas/routes.ts is bundled with the CDK stack's esbuild options
 * (bundle-options.ts) into a temporary directory. Init time = the time `await import(bundle)`
 * takes in a fresh Node process (the same Node binary as this one), with the function's
 * environment; one untimed load first (so the file is in the page cache, as it is on a warm
 * Lambda host), then the median of N timed loads. The child also counts sockets opened and fetches
 * started while loading, to prove init makes no network calls. Measured twice: plain, and with
 * NODE_OPTIONS=--enable-source-maps, which the CDK stack sets on every function. What the time
 * is spent on comes from init-profile.ts; what the bytes are, from the metafile (metafile.ts).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { type FunctionName, functions } from '../../lambdas/routes.js';
import type { TargetCheck } from './phase.js';
import { lambdaBundleOptions, lambdaInitEnvironment } from './bundle-options.js';
import { type InitProfile, profileInit } from './init-profile.js';
import { type BundleInput, largestInputs, staticBuiltins } from './metafile.js';
import { median } from './stats.js';

const run = promisify(execFile);

export interface BundleBenchOptions {
  repoRoot: string;
  initRuns: number;
  log?: (line: string) => void;
  /** Keep the bundles (and print where); default: delete them. */
  keep?: boolean;
}

export interface FunctionBundleResult {
  name: FunctionName;
  entry: string;
  bytes: number;
  sourceMapBytes: number;
  topInputs: BundleInput[];
  /** Bytes in the bundle per npm package (or "(our code)"), largest first. */
  topPackages: BundleInput[];
  /** Node built-ins the bundle imports statically: all are loaded before any of its code runs. */
  staticBuiltins: string[];
  initMs: { median: number; samples: number[] };
  initWithSourceMapsMs: { median: number; samples: number[] };
  networkAtInit: { sockets: number; fetches: number };
  /** Where init time goes (one profiled load, see init-profile.ts). */
  initProfile: InitProfile;
}

export interface BundleBenchResult {
  outDir?: string;
  functions: FunctionBundleResult[];
  /** Median ms to load each of those built-ins alone in a fresh process (they share internals). */
  builtinLoadMs: Record<string, number>;
  targets: TargetCheck[];
}

async function builtinLoadTime(name: string, runs: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const { stdout } = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const t = performance.now(); await import('node:${name}'); console.log(performance.now() - t);`,
      ],
      { env: { PATH: process.env.PATH ?? '' }, timeout: 30_000 },
    );
    samples.push(Number(stdout.trim()));
  }
  return Math.round(median(samples) * 10) / 10;
}

/** The child: watch sockets and fetches, time the import, print one JSON line. */
const CHILD_SCRIPT = `
import dc from 'node:diagnostics_channel';
let sockets = 0, fetches = 0;
dc.subscribe('net.client.socket', () => { sockets += 1; });
dc.subscribe('undici:request:create', () => { fetches += 1; });
const started = performance.now();
await import(process.env.BENCH_BUNDLE_URL);
const ms = performance.now() - started;
await new Promise((r) => setImmediate(r));
console.log(JSON.stringify({ ms, sockets, fetches }));
process.exit(0);
`;

async function loadOnce(
  bundle: string,
  env: Record<string, string>,
  sourceMaps: boolean,
): Promise<{ ms: number; sockets: number; fetches: number }> {
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', CHILD_SCRIPT], {
    env: {
      PATH: process.env.PATH ?? '',
      ...env,
      BENCH_BUNDLE_URL: pathToFileURL(bundle).href,
      ...(sourceMaps ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
    },
    timeout: 60_000,
  });
  const last = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(last) as { ms: number; sockets: number; fetches: number };
}

async function initTimes(bundle: string, env: Record<string, string>, runs: number, sourceMaps: boolean) {
  const first = await loadOnce(bundle, env, sourceMaps); // untimed: warms the page cache
  const samples: number[] = [];
  let sockets = first.sockets;
  let fetches = first.fetches;
  for (let i = 0; i < runs; i += 1) {
    const r = await loadOnce(bundle, env, sourceMaps);
    samples.push(Math.round(r.ms * 10) / 10);
    sockets = Math.max(sockets, r.sockets);
    fetches = Math.max(fetches, r.fetches);
  }
  return { median: median(samples), samples, sockets, fetches };
}

export async function runBundleBench(options: BundleBenchOptions): Promise<BundleBenchResult> {
  const log = options.log ?? (() => undefined);
  const outDir = await mkdtemp(join(tmpdir(), 'psp-bundles-'));
  const results: FunctionBundleResult[] = [];
  try {
    for (const [name, def] of Object.entries(functions) as Array<
      [FunctionName, (typeof functions)[FunctionName]]
    >) {
      const outfile = join(outDir, name, 'index.mjs');
      const built = await build(lambdaBundleOptions(resolve(options.repoRoot, def.entry), outfile));
      if (!built.metafile) throw new Error('esbuild returned no metafile');
      const bytes = (await stat(outfile)).size;
      const sourceMapBytes = (await stat(`${outfile}.map`)).size;
      const { topInputs, topPackages } = largestInputs(built.metafile, outfile, 5);
      const builtins = staticBuiltins(built.metafile);
      log(`${name}: ${(bytes / 1024).toFixed(1)} KiB; timing ${options.initRuns} fresh loads …`);
      const env = lambdaInitEnvironment(name, def.memoryMb);
      const plain = await initTimes(outfile, env, options.initRuns, false);
      const withMaps = await initTimes(outfile, env, options.initRuns, true);
      const initProfile = await profileInit(resolve(options.repoRoot, def.entry), env);
      results.push({
        name,
        entry: def.entry,
        bytes,
        sourceMapBytes,
        topInputs,
        topPackages,
        staticBuiltins: builtins,
        initMs: { median: plain.median, samples: plain.samples },
        initWithSourceMapsMs: { median: withMaps.median, samples: withMaps.samples },
        networkAtInit: {
          sockets: Math.max(plain.sockets, withMaps.sockets),
          fetches: Math.max(plain.fetches, withMaps.fetches),
        },
        initProfile,
      });
    }
  } finally {
    if (!options.keep) await rm(outDir, { recursive: true, force: true });
  }
  const builtinLoadMs: Record<string, number> = {};
  for (const name of [...new Set(results.flatMap((r) => r.staticBuiltins))].sort())
    builtinLoadMs[name] = await builtinLoadTime(name, 5);
  const makePayment = results.find((r) => r.name === 'makePayment');
  const largest = results.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  return {
    ...(options.keep ? { outDir } : {}),
    functions: results,
    builtinLoadMs,
    targets: [
      {
        name: 'every function bundle (minified)',
        target: '≤ 600 KiB',
        actual: `largest ${largest.name} ${(largest.bytes / 1024).toFixed(1)} KiB`,
        met: results.every((r) => r.bytes <= 600 * 1024),
      },
      {
        name: 'makePayment init (median, fresh process)',
        target: '≤ 60 ms',
        actual: makePayment
          ? `${makePayment.initMs.median.toFixed(1)} ms (${makePayment.initWithSourceMapsMs.median.toFixed(1)} ms with --enable-source-maps)`
          : 'not measured',
        met: makePayment !== undefined && makePayment.initMs.median <= 60,
      },
      {
        name: 'network calls during init',
        target: '0',
        actual: String(results.reduce((n, r) => n + r.networkAtInit.sockets + r.networkAtInit.fetches, 0)),
        met: results.every((r) => r.networkAtInit.sockets === 0 && r.networkAtInit.fetches === 0),
      },
    ],
  };
}
