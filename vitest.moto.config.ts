/**
 * `npm run test:moto`: the integration and e2e suites with DynamoDB and SQS on moto_server instead
 * of dynalite and our SQS emulator (test/support/moto-global-setup.ts starts it).
 */
import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

export default mergeConfig(
  base,
  defineConfig({
    // The suites are chosen on the command line (package.json): test/integration test/e2e.
    test: {
      globalSetup: ['test/support/moto-global-setup.ts'],
    },
  }),
);
