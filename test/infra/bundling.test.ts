/**
 * The one synthesis that bundles for real (local esbuild): a handler entry that does not build
 * fails the suite here, long before a deploy would.
 */
import { isBuiltin } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { functions, type FunctionName } from '../../lambdas/routes.js';
import { SANDBOX_CONTEXT, synthesizePsp } from './psp-template.js';

const psp = synthesizePsp(SANDBOX_CONTEXT, { bundle: true });
afterAll(() => psp.dispose());

interface AssetManifest {
  files: Record<string, { source: { path: string; packaging?: string } }>;
}
const manifest = JSON.parse(
  readFileSync(path.join(psp.outdir, `${psp.stack.artifactId}.assets.json`), 'utf8'),
) as AssetManifest;

function bundleDir(name: FunctionName): string {
  const code = psp.resources[psp.functionLogicalId(name)]!.Properties!.Code as { S3Key: string };
  const hash = code.S3Key.replace(/\.zip$/, '');
  const asset = manifest.files[hash];
  if (!asset) throw new Error(`no asset ${hash} for ${name}`);
  return path.join(psp.outdir, asset.source.path);
}

interface Metafile {
  inputs: Record<string, unknown>;
  outputs: Record<string, { imports: { path: string; external?: boolean }[] }>;
}

describe.each(Object.keys(functions) as FunctionName[])('%s bundle', (name) => {
  const dir = bundleDir(name);
  const code = readFileSync(path.join(dir, 'index.mjs'), 'utf8');
  const meta = JSON.parse(readFileSync(path.join(dir, 'index.meta.json'), 'utf8')) as Metafile;
  const output = Object.entries(meta.outputs).find(([file]) => file.endsWith('index.mjs'))![1];

  it('is a minified ES module with a source map, built from its entry', () => {
    expect(existsSync(path.join(dir, 'index.mjs.map'))).toBe(true);
    expect(Object.keys(meta.inputs)).toContain(functions[name].entry);
    // Booleans, not the bundle itself, so a failure does not print half a megabyte.
    expect(code.startsWith("import { createRequire as __pspCreateRequire } from 'node:module';")).toBe(true);
    expect(/export\s*\{[^}]*\bhandler\b[^}]*\}/.test(code)).toBe(true);
    expect(code.includes('//# sourceMappingURL=index.mjs.map')).toBe(true);
    const lines = code.split('\n');
    expect(code.length / lines.length).toBeGreaterThan(1_000); // minified: few, very long lines
  });

  it('ships the AWS SDK it was tested with: nothing but Node built-ins stays external', () => {
    const externals = output.imports.filter((i) => i.external).map((i) => i.path);
    expect(externals.filter((p) => !p.startsWith('node:') && !isBuiltin(p))).toEqual([]);
    expect(Object.keys(meta.inputs).some((input) => input.includes('node_modules/@aws-sdk/'))).toBe(true);
  });

  it('takes AWS credentials from the environment only (the Lambda alias of lib/bundling.ts)', () => {
    const inputs = Object.keys(meta.inputs);
    expect(inputs).toContain('lambdas/bundling/lambda-credentials.ts');
    expect(inputs.some((input) => input.includes('credential-provider-ini'))).toBe(false);
    expect(inputs.some((input) => input.includes('credential-provider-sso'))).toBe(false);
  });
});
