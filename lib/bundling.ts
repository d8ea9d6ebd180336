/**
 * How every Lambda is bundled: the CDK stack (NodejsFunction) and the benchmark (bin/bench.ts)
 * both read these, so the bench measures exactly what is deployed.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const BUNDLE_TARGET = 'node22';

/** ESM packages first: the SDK's dist-es tree-shakes, its dist-cjs does not (≈ 800 → 520 KB). */
export const MAIN_FIELDS = ['module', 'main'];

/**
 * ESM output still meets CommonJS inside some dependencies (`require` of Node built-ins in
 * Powertools' dependency tree); define it once at the top of the bundle.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __pspCreateRequire } from 'node:module'; const require = __pspCreateRequire(import.meta.url);";

/** Package → replacement, applied only when bundling for Lambda. */
export const LAMBDA_ALIASES: Record<string, string> = {
  '@aws-sdk/credential-provider-node': path.join(repoRoot, 'lambdas/bundling/lambda-credentials.ts'),
};

/** The same aliases as esbuild CLI arguments, for NodejsFunction's `esbuildArgs`. */
export function aliasArgs(): Record<string, string> {
  return Object.fromEntries(Object.entries(LAMBDA_ALIASES).map(([pkg, to]) => [`--alias:${pkg}`, to]));
}

/** The esbuild build options for one Lambda entry (used by the benchmark). */
export function esbuildOptions(entry: string, outfile: string) {
  return {
    entryPoints: [path.resolve(repoRoot, entry)],
    outfile,
    bundle: true,
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    platform: 'node' as const,
    target: BUNDLE_TARGET,
    format: 'esm' as const,
    mainFields: MAIN_FIELDS,
    banner: { js: ESM_REQUIRE_BANNER },
    alias: LAMBDA_ALIASES,
    metafile: true,
  };
}
