/**
 * Issue 10 item 3: `npm start` (bin/local.ts, as a child process) with VIPPS_BASE_URL and the
 * VIPPS_* credentials talks to that Vipps — here a second simulator on another port standing in
 * for Vipps' test environment — and never starts its own. PUBLIC_BASE_URL is a tunnel stand-in
 * (a forwarding HTTP server), so Vipps' makePayment call must come back through it.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { type Server, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type VippsSimulator, startVippsSimulator } from '../../local/vipps-simulator/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const API_KEY = 'demo_external_vipps_test_key_0123456789';
const CREDENTIALS = { clientId: 'mt-client', clientSecret: 'mt-secret', subscriptionKey: 'mt-subscription' };
const PSP_ID = 'mt-psp-id';
/** A sales unit the external Vipps knows, not the embedded default 123456. */
const MSN = '777001';

let externalVipps: VippsSimulator;
let tunnel: { server: Server; baseUrl: string; paths: string[]; target?: string };
let child: ChildProcess;
let banner = '';
let stackUrl: string;

/** A tunnel stand-in: forwards every request to `target` once the stack's port is known. */
async function startTunnel() {
  const t: typeof tunnel = { server: createServer(), baseUrl: '', paths: [] };
  t.server.on('request', (req, res) => {
    t.paths.push(`${req.method} ${req.url}`);
    const upstream = request(`${t.target}${req.url}`, { method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => t.server.listen(0, '127.0.0.1', resolve));
  t.baseUrl = `http://127.0.0.1:${(t.server.address() as AddressInfo).port}`;
  return t;
}

function startNpmStart(env: Record<string, string>): Promise<void> {
  child = spawn(process.execPath, [path.join(repoRoot, 'node_modules/tsx/dist/cli.mjs'), 'bin/local.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      PORT: '0',
      RECONCILER_EVERY_SECONDS: '3600',
      LOCAL_MERCHANT_API_KEY: API_KEY,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not come up:\n${banner}`)), 50_000);
    const collect = (chunk: Buffer) => {
      banner += chunk.toString();
      if (banner.includes('Press Ctrl-C')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    child.once('exit', (code) => reject(new Error(`npm start exited (${code}):\n${banner}`)));
  });
}

beforeAll(async () => {
  externalVipps = await startVippsSimulator({
    merchants: [MSN],
    credentials: CREDENTIALS,
    pspId: PSP_ID,
  });
  tunnel = await startTunnel();
  await startNpmStart({
    VIPPS_BASE_URL: externalVipps.baseUrl,
    VIPPS_CLIENT_ID: CREDENTIALS.clientId,
    VIPPS_CLIENT_SECRET: CREDENTIALS.clientSecret,
    VIPPS_SUBSCRIPTION_KEY: CREDENTIALS.subscriptionKey,
    VIPPS_PSP_ID: PSP_ID,
    PUBLIC_BASE_URL: tunnel.baseUrl,
    LOCAL_MERCHANT_SERIAL_NUMBER: MSN,
  });
  stackUrl = /Merchant API\s+(http:\/\/\S+)\/v1\/payments/.exec(banner)![1]!;
  tunnel.target = stackUrl;
}, 60_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  tunnel?.server.close();
  await externalVipps?.close();
});

async function createPayment() {
  const response = await fetch(`${stackUrl}/v1/payments`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${API_KEY}`,
      'Content-Type': 'application/json',
      'Idempotency-Key': 'ext-1',
    },
    body: JSON.stringify({
      merchantSerialNumber: MSN,
      merchantOrderId: 'ext-order-1',
      amount: 10_000,
      currency: 'NOK',
      paymentText: 'One pair of socks',
      redirectUrl: 'https://shop.example/thanks',
    }),
  });
  return { status: response.status, body: (await response.json()) as { pspTransactionId: string } };
}

describe('npm start with VIPPS_BASE_URL and PUBLIC_BASE_URL', () => {
  it('says in its banner which Vipps is in use, and that the simulator is not running', () => {
    expect(banner).toContain(`Vipps             EXTERNAL ${externalVipps.baseUrl}`);
    expect(banner).toContain('the simulator is not running');
    expect(banner).toContain(`makePaymentUrl    ${tunnel.baseUrl}/vipps/make-payment`);
    expect(banner).toContain(`MSN ${MSN}`);
    expect(banner).not.toContain(CREDENTIALS.clientSecret);
    expect(banner).not.toContain(CREDENTIALS.subscriptionKey);
  });

  it('sends every Vipps call there, and Vipps calls back through PUBLIC_BASE_URL', async () => {
    const created = await createPayment();
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.pspTransactionId;
    const initiated = externalVipps.payments.get(id);
    expect(initiated?.makePaymentUrl).toBe(`${tunnel.baseUrl}/vipps/make-payment`);

    const approval = await externalVipps.approve(id);
    expect(approval.outcome).toBe('OK');
    expect(tunnel.paths).toContain('POST /vipps/make-payment');

    // The status updater reports the reservation to the same Vipps.
    await expect
      .poll(() => externalVipps.payments.get(id)?.reportedStatus, { timeout: 15_000 })
      .toBe('RESERVED');
    const paths = externalVipps.requests.map((r) => `${r.method} ${r.path}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^POST \/accesstoken\/get/),
        expect.stringMatching(/^POST \/psp\/v3\/psppayments\/init/),
        expect.stringMatching(/^POST \/psp\/v3\/psppayments\/updatestatus/),
      ]),
    );
  });
});

describe('npm start with an incomplete Vipps setting', () => {
  it('stops at once (exit 2) naming what is missing, before starting anything', () => {
    const run = spawnSync(
      process.execPath,
      [path.join(repoRoot, 'node_modules/tsx/dist/cli.mjs'), 'bin/local.ts'],
      {
        cwd: repoRoot,
        env: { ...process.env, PORT: '0', VIPPS_BASE_URL: 'https://apitest.vipps.no', VIPPS_CLIENT_ID: 'id' },
        encoding: 'utf8',
        timeout: 20_000,
      },
    );
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('VIPPS_PSP_ID, VIPPS_CLIENT_SECRET, VIPPS_SUBSCRIPTION_KEY must be set too');
    expect(run.stdout).not.toContain('local stack is up');
  });
});
