/**
 * How a simulated authentication goes. As on 3dsecure.io's sandbox (docs: sandbox.rst), the last
 * four digits of the card number choose it when they follow the sandbox's pattern: first digit the
 * message versions (0: 2.1–2.2, 1: 2.1, 2: 2.2), second the 3DS Method (0 present, 1 missing,
 * 2 timing out), third the ARes (0 Y, 1 N, 2 A, 3 R, 5 U, 6 DS timeout, 7 challenge) and, for a
 * challenge, fourth its kind (0 passes, 1 fails, 2 manual). Any other card (every Vipps test
 * token) behaves as our sandbox always has: a soft decline mandates a challenge, so the default is
 * a manual challenge (code 1234 authenticates, any other code fails, Cancel cancels) after a 3DS
 * Method. Tests override it on demand (ThreeDsSimulator.setScenario).
 */

export type SimVersion = '2.1.0' | '2.2.0' | '2.3.1';

export interface Scenario {
  /** The ACS's protocol range. */
  versions: { start: SimVersion; end: SimVersion };
  method: 'present' | 'absent' | 'timeout';
  /** The ARes: a frictionless transStatus, C for a challenge, or the DS not answering. */
  ares: 'Y' | 'N' | 'A' | 'R' | 'U' | 'C' | 'DS_TIMEOUT';
  challenge: 'pass' | 'fail' | 'manual';
  /** Where the ARes sends the challenge (an unreachable ACS, say); the simulated ACS by default. */
  acsUrl?: string;
}

export const DEFAULT_SCENARIO: Scenario = {
  versions: { start: '2.1.0', end: '2.2.0' },
  method: 'present',
  ares: 'C',
  challenge: 'manual',
};

const VERSIONS: Record<string, Scenario['versions']> = {
  '0': { start: '2.1.0', end: '2.2.0' },
  '1': { start: '2.1.0', end: '2.1.0' },
  '2': { start: '2.2.0', end: '2.2.0' },
};
const METHODS: Record<string, Scenario['method']> = { '0': 'present', '1': 'absent', '2': 'timeout' };
const ARES: Record<string, Scenario['ares']> = {
  '0': 'Y',
  '1': 'N',
  '2': 'A',
  '3': 'R',
  '5': 'U',
  '6': 'DS_TIMEOUT',
  '7': 'C',
};
const CHALLENGES: Record<string, Scenario['challenge']> = { '0': 'pass', '1': 'fail', '2': 'manual' };

/** The scenario the card number's last four digits choose, if they follow the sandbox's pattern. */
export function scenarioForCard(cardNumber: string): Scenario | undefined {
  const [v, m, a, c] = cardNumber.slice(-4).split('');
  const versions = VERSIONS[v ?? ''];
  const method = METHODS[m ?? ''];
  const ares = ARES[a ?? ''];
  if (!versions || !method || !ares) return undefined;
  if (ares === 'C') {
    const challenge = CHALLENGES[c ?? ''];
    return challenge ? { versions, method, ares, challenge } : undefined;
  }
  return c === '3' ? { versions, method, ares, challenge: 'manual' } : undefined;
}
