/**
 * Issue 10 item 2: a test file that needs ../shared fails under CI=true when it is missing, and
 * elsewhere skips with a loud note. Runs the real conformance file in a child Vitest.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function runConformance(env: Record<string, string>) {
  // The child is a fresh Vitest: drop this run's VITEST_* variables so it does not think it is a worker.
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST')));
  const result = spawnSync(
    process.execPath,
    [
      path.join(repoRoot, 'node_modules/vitest/vitest.mjs'),
      'run',
      'test/integration/vipps-openapi-conformance.test.ts',
    ],
    { cwd: repoRoot, env: { ...base, CI: '', ...env }, encoding: 'utf8', timeout: 60_000 },
  );
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('tests that need ../shared, when it is missing', () => {
  it('fail under CI=true, naming the missing file', () => {
    const run = runConformance({ CI: 'true', SHARED_DIR: '/nonexistent-shared' });
    expect(run.status).not.toBe(0);
    expect(run.output).toMatch(/CI=true and missing .*psp-api-v3\.openapi\.yaml/);
  });

  it('elsewhere skip and say so loudly', () => {
    const run = runConformance({ SHARED_DIR: '/nonexistent-shared' });
    expect(run.status).toBe(0);
    expect(run.output).toMatch(/SKIPPED: tests that need \.\.\/shared/);
    expect(run.output).toMatch(/skipped/);
  });
});
