/**
 * makePayment's settings from the configuration, each read when first used (the entry's lazy
 * wiring), so the entry stays wiring only and the settings can be checked without AWS.
 */
import type { Config } from '../../config.js';
import { routes } from '../../routes.js';

export function makePaymentSettings(config: () => Config) {
  const maxBodyBytes = routes.find((r) => r.function === 'makePayment')!.maxBodyBytes;
  return {
    acquirerBudgetMs: () => config().ACQUIRER_BUDGET_MS,
    threeDsSessionTtlSeconds: () => config().THREE_DS_SESSION_TTL_SECONDS,
    // Only the local stage's simulator has http operations URLs (on 127.0.0.1).
    allowHttpOnLoopback: () => config().STAGE === 'local',
    maxBodyBytes: () => maxBodyBytes,
  };
}
