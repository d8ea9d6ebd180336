/**
 * The local 3-D Secure providers: a 3DS server speaking 3dsecure.io's API and an issuer ACS, each
 * on its own 127.0.0.1 origin (like the real ones, so the page's frame-src/form-action lists are
 * exercised). The production adapter talks to them unchanged.
 */
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleAcs } from './acs.js';
import type { Scenario } from './scenarios.js';
import { handleServer } from './server.js';
import { type Endpoint, type Fault, SimState, type SimTransaction } from './state.js';

export type { Scenario } from './scenarios.js';

export interface ThreeDsSimulator {
  /** The 3DS server's base URL (THREE_DS_BASE_URL). */
  serverUrl: string;
  acsUrl: string;
  apiKey: string;
  /** Override the scenario of every new transaction (undefined: back to the card's own). */
  setScenario(scenario: Partial<Scenario> | undefined): void;
  /** The next call to `endpoint` fails this way. */
  failNext(endpoint: Endpoint, fault: Fault): void;
  /** What the simulator saw (AReq, CReq, …), newest last. */
  transactions(): SimTransaction[];
  close(): Promise<void>;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function startThreeDsSimulator(options: { apiKey?: string } = {}): Promise<ThreeDsSimulator> {
  const state = new SimState();
  const apiKey = options.apiKey ?? 'local-3dsecureio-api-key';
  const acs = createServer((request, response) => {
    handleAcs(state, request, response).catch(() => {
      if (!response.headersSent) response.writeHead(400);
      response.end();
    });
  });
  const acsUrl = await listen(acs);
  const server = createServer((request, response) => {
    handleServer({ state, apiKey, acsBaseUrl: acsUrl }, request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  const serverUrl = await listen(server);
  const close = (s: Server) =>
    new Promise<void>((done) => {
      s.closeAllConnections();
      s.close(() => done());
    });
  return {
    serverUrl,
    acsUrl,
    apiKey,
    setScenario: (scenario) => {
      state.scenario = scenario;
    },
    failNext: (endpoint, fault) => {
      state.faults.set(endpoint, fault);
    },
    transactions: () => [...state.transactions.values()],
    close: async () => {
      await Promise.all([close(acs), close(server)]);
    },
  };
}
