/** Reading esbuild's metafile: what fills a bundle, and what it loads from Node. */
import { builtinModules } from 'node:module';
import { resolve } from 'node:path';
import type { Metafile } from 'esbuild';

export interface BundleInput {
  path: string;
  bytes: number;
}

/** Where an input's bytes belong: its (innermost, if nested) npm package, or our own code. */
export function packageOf(inputPath: string): string {
  const matches = [...inputPath.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)];
  return matches.at(-1)?.[1] ?? '(our code)';
}

export function largestInputs(
  metafile: Metafile,
  outfile: string,
  count: number,
): { topInputs: BundleInput[]; topPackages: BundleInput[] } {
  const output = Object.entries(metafile.outputs).find(([path]) => resolve(path) === resolve(outfile));
  if (!output) throw new Error(`metafile has no output ${outfile}`);
  const inputs = Object.entries(output[1].inputs).map(([path, v]) => ({ path, bytes: v.bytesInOutput }));
  const byPackage = new Map<string, number>();
  for (const i of inputs) byPackage.set(packageOf(i.path), (byPackage.get(packageOf(i.path)) ?? 0) + i.bytes);
  return {
    topInputs: inputs.sort((a, b) => b.bytes - a.bytes).slice(0, count),
    topPackages: [...byPackage]
      .map(([path, bytes]) => ({ path, bytes }))
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, count),
  };
}

/** Node built-ins pulled in by `import` statements (hoisted, so loaded at link time). */
export function staticBuiltins(metafile: Metafile): string[] {
  const found = new Set<string>();
  for (const input of Object.values(metafile.inputs))
    for (const imp of input.imports)
      if (imp.external && imp.kind === 'import-statement') {
        const name = imp.path.replace(/^node:/, '');
        if (builtinModules.includes(name)) found.add(name);
      }
  return [...found].sort();
}
