/** What the simulated 3DS server and ACS share: the transactions and the on-demand controls. */
import type { Scenario, SimVersion } from './scenarios.js';

export interface SimTransaction {
  threeDSServerTransID: string;
  acctNumber: string;
  scenario: Scenario;
  preauthAt: number;
  /** Set by /auth. */
  areq?: Record<string, unknown>;
  messageVersion?: SimVersion;
  acsTransID?: string;
  dsTransID?: string;
  /** The CReq the ACS received (challengeWindowSize, …) and the session data to echo. */
  creq?: Record<string, unknown>;
  threeDSSessionData?: string;
  methodServed?: boolean;
  /** The RReq the ACS sent once the challenge ended; /postauth returns it. */
  rreq?: Record<string, unknown>;
}

export type Fault = 'erro' | 'http500' | 'garbage' | 'timeout' | 'wrong-transaction';
export type Endpoint = '/preauth' | '/auth' | '/postauth';

export class SimState {
  readonly transactions = new Map<string, SimTransaction>();
  scenario: Partial<Scenario> | undefined;
  readonly faults = new Map<Endpoint, Fault>();
  /** How long a 'timeout' fault holds the answer (ms). */
  timeoutMs = 15_000;

  byAcsTransId(acsTransID: string): SimTransaction | undefined {
    for (const tx of this.transactions.values()) if (tx.acsTransID === acsTransID) return tx;
    return undefined;
  }
}
