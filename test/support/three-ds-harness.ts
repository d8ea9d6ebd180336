/**
 * Test harness for the 3-D Secure pages: dynalite and the KMS emulator on ephemeral ports, reached
 * through the real SDK clients, with the production session store and envelope vault. Sessions are
 * seeded exactly as makePayment creates them on a soft decline (token sealed with context
 * {pspTransactionId, sessionId}), and the simulated 3DS server + ACS that the production 3dsecure.io
 * adapter talks to (threeDsServer()). Also builds API Gateway REST proxy events for direct handler
 * calls, and a log that records everything so tests can prove no card data was written.
 */
import type { KMSClient } from '@aws-sdk/client-kms';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { createKmsClient } from '../../lambdas/adapters/kms/kms-client.js';
import { DynamoThreeDsSessionStore } from '../../lambdas/adapters/dynamo/three-ds-session-store.js';
import { KmsEnvelopeVault } from '../../lambdas/adapters/kms/kms-envelope-vault.js';
import type { Clock, Log } from '../../lambdas/core/ports.js';
import type { ThreeDsSession } from '../../lambdas/core/three-ds-session.js';
import { type KmsEmulator, startKmsEmulator } from '../../local/kms-emulator.js';
import { type TestDynamo, startTestDynamo } from './dynalite.js';
import { pendingThreeDsSession, threeDsEvent } from './in-memory-three-ds.js';
import { ThreeDSecureIoServer } from '../../lambdas/adapters/three-ds/threedsecureio/threedsecureio-server.js';
import { type ThreeDsSimulator, startThreeDsSimulator } from '../../local/simulators/three-ds/index.js';

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  extra: unknown[];
}

export class RecordingLog implements Log {
  readonly entries: LogEntry[] = [];
  debug(message: string, ...extra: unknown[]) {
    this.entries.push({ level: 'debug', message, extra });
  }
  info(message: string, ...extra: unknown[]) {
    this.entries.push({ level: 'info', message, extra });
  }
  warn(message: string, ...extra: unknown[]) {
    this.entries.push({ level: 'warn', message, extra });
  }
  error(message: string, ...extra: unknown[]) {
    this.entries.push({ level: 'error', message, extra });
  }
  /** Everything logged so far, as one string (for "never logged" assertions). */
  text(): string {
    return JSON.stringify(this.entries, (_k, v: unknown) =>
      v instanceof Error ? { name: v.name, message: v.message } : v,
    );
  }
}

/** A clock tests move by hand. */
export class TestClock implements Clock {
  constructor(private current = new Date()) {}
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export interface ThreeDsHarness {
  dynamo: TestDynamo;
  kms: KmsEmulator;
  kmsClient: KMSClient;
  vault: KmsEnvelopeVault;
  store: DynamoThreeDsSessionStore;
  /** The simulated 3DS server and ACS (3dsecure.io's API). */
  sim: ThreeDsSimulator;
  /** The production adapter pointed at the simulator. */
  threeDsServer(options?: { timeoutMs?: number; apiKey?: string }): ThreeDSecureIoServer;
  /** A PENDING session as makePayment creates it; stored unless `store: false`. */
  seedSession(
    overrides?: Partial<ThreeDsSession>,
    options?: { store?: boolean; token?: object; now?: Date },
  ): Promise<ThreeDsSession>;
  /** The raw DynamoDB item (keys and all). */
  rawItem(sessionId: string): Promise<Record<string, unknown> | undefined>;
  close(): Promise<void>;
}

export async function startThreeDsHarness(): Promise<ThreeDsHarness> {
  const dynamo = await startTestDynamo();
  const kms = await startKmsEmulator({
    keys: [{ keySpec: 'SYMMETRIC_DEFAULT', aliases: ['alias/envelope'] }],
  });
  const kmsClient = createKmsClient({ endpoint: kms.endpoint, counter: false });
  const vault = new KmsEnvelopeVault({ client: kmsClient, keyId: 'alias/envelope' });
  const store = new DynamoThreeDsSessionStore({
    client: dynamo.documentClient,
    tableName: dynamo.tables.payments,
    vault,
  });
  const sim = await startThreeDsSimulator();

  return {
    dynamo,
    kms,
    kmsClient,
    vault,
    store,
    sim,
    threeDsServer: (options = {}) =>
      new ThreeDSecureIoServer({
        baseUrl: sim.serverUrl,
        apiKey: () => Promise.resolve(options.apiKey ?? sim.apiKey),
        merchant: {
          acquirerBin: '438309',
          acquirerMerchantId: 'psp-merchant-1',
          mcc: '5999',
          countryCode: '578',
          requestorUrl: 'https://psp.example',
        },
        timeoutMs: options.timeoutMs ?? 2_000,
      }),
    async seedSession(overrides = {}, options = {}) {
      const session = await pendingThreeDsSession(vault, options.now ?? new Date(), overrides, options.token);
      if (options.store !== false) await store.create(session);
      return session;
    },
    async rawItem(sessionId) {
      const { Item } = await dynamo.documentClient.send(
        new GetCommand({
          TableName: dynamo.tables.payments,
          Key: { pk: `3DS#${sessionId}`, sk: '3DS' },
          ConsistentRead: true,
        }),
      );
      return Item;
    },
    async close() {
      kmsClient.destroy();
      await Promise.all([dynamo.close(), kms.close(), sim.close()]);
    },
  };
}

/** An API Gateway REST proxy event from a phone's web view, as the local host and API Gateway build them. */
export const gatewayEvent = (options: {
  method: string;
  sessionId: string;
  body?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  /** A notification route: POST /3ds/{sessionId}/method or /challenge. */
  route?: 'method' | 'challenge';
}): APIGatewayProxyEvent =>
  threeDsEvent({
    ...options,
    headers: {
      Accept: 'text/html,application/xhtml+xml',
      'User-Agent': 'Mozilla/5.0 (Linux; Android 14) VippsTest',
      ...options.headers,
    },
    sourceIp: '127.0.0.1',
  });

export const formBody = (fields: Record<string, string>): string => new URLSearchParams(fields).toString();
