/**
 * What a function's init time is spent on. The bundle is built a second time with the same
 * options but whitespace kept (identifiers and syntax still minified, so the code that runs is
 * practically the same), so every statement has its own line; that copy is loaded once in a fresh
 * Node process under `--cpu-prof`. Only samples taken while `import()` ran count, split into:
 *   - "compile bundle": V8 parsing/compiling the bundle's source (grows with its size);
 *   - "load Node built-ins": node:http, node:crypto, … that the bundle imports;
 *   - per npm package (or "(our code)"): the bundle's top-level code, mapped line by line
 *     (V8's per-line ticks) through the source map to the original file;
 *   - garbage collection and the rest of Node's module loader.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { SourceMap } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { packageOf } from './metafile.js';
import { lambdaBundleOptions } from './bundle-options.js';

const run = promisify(execFile);

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
  hitCount?: number;
  positionTicks?: Array<{ line: number; ticks: number }>;
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface InitProfile {
  /** Sampled time inside import() (profiling slows it a little). */
  totalMs: number;
  top: Array<{ source: string; ms: number }>;
}

const COMPILE = /^(compileSourceTextModule|compileFunction|compileSourceTextModuleJob)$/;
const BUILTINS =
  /^(builtinStrategy|requireBuiltin|loadBuiltinModule|compileForPublicLoader|compileForInternalLoader)$/;

async function cpuProfileOfImport(bundle: string, env: Record<string, string>, dir: string) {
  const { stdout } = await run(
    process.execPath,
    [
      '--cpu-prof',
      '--cpu-prof-interval',
      '100',
      '--cpu-prof-dir',
      dir,
      '--input-type=module',
      '-e',
      // hrtime in µs: the clock V8 stamps profile samples with.
      `const a = process.hrtime.bigint() / 1000n; await import(${JSON.stringify(pathToFileURL(bundle).href)}); const b = process.hrtime.bigint() / 1000n; console.log(JSON.stringify({ from: String(a), to: String(b) }));`,
    ],
    { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 },
  );
  const file = (await readdir(dir)).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('node wrote no CPU profile');
  const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as Profile;
  const window = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { from: string; to: string };
  return { profile, from: Number(window.from), to: Number(window.to) };
}

export async function profileInit(entry: string, env: Record<string, string>, top = 6): Promise<InitProfile> {
  const dir = await mkdtemp(join(tmpdir(), 'psp-init-prof-'));
  try {
    const bundle = join(dir, 'index.mjs');
    await build({
      ...lambdaBundleOptions(entry, bundle),
      minify: false,
      minifySyntax: true,
      minifyIdentifiers: true,
    });
    const { profile, from, to } = await cpuProfileOfImport(bundle, env, dir);
    const lines = (await readFile(bundle, 'utf8')).split('\n');
    const map = new SourceMap(JSON.parse(await readFile(`${bundle}.map`, 'utf8')) as never);
    const bundleUrl = pathToFileURL(bundle).href;
    const packageAt = (line: number, column?: number): string => {
      const text = lines[line] ?? '';
      const col = column ?? Math.max(0, text.search(/\S/));
      const found = map.findEntry(line, col) as { originalSource?: string };
      return found.originalSource ? packageOf(found.originalSource) : '(bundle, unmapped)';
    };

    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const totals = new Map<string, number>();
    const add = (source: string, ms: number) => totals.set(source, (totals.get(source) ?? 0) + ms);
    const bundleSelf = new Map<number, number>();
    let totalMs = 0;

    let at = profile.startTime;
    profile.samples.forEach((id, i) => {
      const delta = profile.timeDeltas[i] ?? 0;
      at += delta;
      const node = byId.get(id);
      if (!node || at < from || at > to || node.callFrame.functionName === '(idle)') return;
      const ms = delta / 1000;
      totalMs += ms;
      if (node.callFrame.url === bundleUrl) {
        bundleSelf.set(node.id, (bundleSelf.get(node.id) ?? 0) + ms);
        return;
      }
      if (node.callFrame.functionName === '(garbage collector)') return add('(garbage collector)', ms);
      for (let up: ProfileNode | undefined = node; up; up = byId.get(parent.get(up.id) ?? -1)) {
        const name = up.callFrame.functionName;
        if (COMPILE.test(name)) return add('compile bundle', ms);
        if (BUILTINS.test(name)) return add('load Node built-ins', ms);
        if (up.callFrame.url === bundleUrl) {
          const source = packageAt(up.callFrame.lineNumber, up.callFrame.columnNumber);
          return add(`${source} (in Node APIs)`, ms);
        }
      }
      add('Node module loader, other', ms);
    });
    // Self time in bundle code: split each function's time over its lines by V8's line ticks.
    for (const [nodeId, ms] of bundleSelf) {
      const node = byId.get(nodeId)!;
      const ticks = node.positionTicks ?? [];
      const sum = ticks.reduce((n, t) => n + t.ticks, 0);
      if (sum === 0) {
        add(packageAt(node.callFrame.lineNumber, node.callFrame.columnNumber), ms);
        continue;
      }
      // positionTicks lines are 1-based; source-map lines 0-based.
      for (const t of ticks) add(packageAt(t.line - 1), (ms * t.ticks) / sum);
    }
    return {
      totalMs,
      top: [...totals]
        .sort((a, b) => b[1] - a[1])
        .slice(0, top)
        .map(([source, ms]) => ({ source, ms: Math.round(ms * 10) / 10 })),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
