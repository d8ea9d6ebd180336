import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// Mutation testing (npm run mutation) runs the unit tests only: they drive every branch of the
// core and the handlers' pure parts in seconds. With the integration tests (dynalite, the
// emulators) Stryker's instrumented initial run took over 5 minutes on two cores, and each
// mutant would pay for them again. Tests of the local stack's scheduler and the bench tools
// mutate nothing in lambdas/ and are timing-sensitive, so they stay out.
// Not mergeConfig: it would concatenate `include` with the base's test/**, running everything.
export default defineConfig({
  test: {
    ...base.test,
    include: ['test/unit/**/*.test.ts'],
    exclude: ['test/unit/scheduler.test.ts', 'test/unit/bench-stats.test.ts'],
    coverage: { enabled: false },
  },
});
