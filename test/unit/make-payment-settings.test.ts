/**
 * The makePayment Lambda's settings, as its entry wires them from the configuration: the
 * acquirer budget and 3-D Secure session lifetime it is configured with, plain-http operations
 * URLs only on the local stage (the simulator), and the route's body limit.
 */
import { describe, expect, it } from 'vitest';
import { type Config, loadConfig } from '../../lambdas/config.js';
import { makePaymentSettings } from '../../lambdas/handlers/make-payment/settings.js';
import { routes } from '../../lambdas/routes.js';
import { sandboxConfig } from '../support/stage-config.js';

const env = sandboxConfig;
const settings = (overrides: Record<string, string> = {}) => {
  const config = loadConfig({ ...env, ...overrides });
  return makePaymentSettings(() => config);
};

describe('makePayment settings', () => {
  it('the acquirer budget and the 3-D Secure session lifetime are the configured ones', () => {
    const s = settings({ ACQUIRER_BUDGET_MS: '7500', THREE_DS_SESSION_TTL_SECONDS: '300' });
    expect(s.acquirerBudgetMs()).toBe(7_500);
    expect(s.threeDsSessionTtlSeconds()).toBe(300);
  });

  it.each([
    ['local', true],
    ['sandbox', false],
  ])('on the %s stage plain-http loopback operations URLs are allowed: %s', (STAGE, allowed) => {
    expect(settings({ STAGE }).allowHttpOnLoopback()).toBe(allowed);
  });

  it('the body limit is the makePayment route’s (16 KiB), not another route’s', () => {
    const limit = routes.find((r) => r.function === 'makePayment')!.maxBodyBytes;
    expect(settings().maxBodyBytes()).toBe(limit);
    expect(limit).toBe(16 * 1024);
  });

  it('nothing is read from the configuration until a setting is used', () => {
    const unread = makePaymentSettings((): Config => {
      throw new Error('configuration read too early');
    });
    expect(() => unread.acquirerBudgetMs()).toThrow('configuration read too early');
  });
});
