import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

// Mutation testing (npm run mutation) runs the fast layers only: unit and integration tests
// cover the core and handlers without booting the whole local stack for every mutant.
export default mergeConfig(
  base,
  defineConfig({
    test: {
      include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
      exclude: ['test/integration/public-key-cli.test.ts'],
    },
  }),
);
