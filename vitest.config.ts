import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores here and in CI: keep parallelism modest so timing-sensitive tests stay honest.
    maxWorkers: 2,
    env: { POWERTOOLS_DEV: 'false', POWERTOOLS_LOG_LEVEL: 'WARN' },
    coverage: {
      provider: 'v8',
      reportOnFailure: true,
      // What ships to Lambda. The local stack, simulators and tools are exercised by the tests
      // but are not the product, so they do not count towards the gate.
      include: ['lambdas/**/*.ts'],
      reporter: ['text-summary', 'json-summary', 'html'],
      // The gate `npm test` enforces (issue 10): a change that leaves code untested fails CI.
      thresholds: { lines: 92, branches: 85 },
    },
  },
});
