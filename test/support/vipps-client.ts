import { type VippsClient, createVippsClient } from '../../lambdas/adapters/vipps/vipps-client.js';
import type { VippsSimulator } from '../../local/vipps-simulator/index.js';

/**
 * The production Vipps client pointed at a simulator with its default test credentials. Two tries
 * per call: a single 5xx is absorbed by the client, two in a row reach the caller.
 */
export function simulatorVippsClient(simulator: VippsSimulator, systemName: string): VippsClient {
  return createVippsClient({
    baseUrl: simulator.baseUrl,
    pspId: 'psp-test',
    credentials: () => Promise.resolve({ clientId: 'id', clientSecret: 'secret', subscriptionKey: 'sub' }),
    systemName,
    systemVersion: '1',
    timeoutMs: 2_000,
    retry: { attempts: 2, baseDelayMs: 5 },
  });
}
