/**
 * Vitest globalSetup for `npm run test:moto` (vitest.moto.config.ts): starts moto_server on a free
 * loopback port and points the suites' DynamoDB and SQS at it (test/support/test-aws.ts), so the
 * integration and e2e suites cross-check dynalite and our SQS emulator against an independent
 * emulator. KMS stays ours: moto's RSA decrypt is not KMS-compatible.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitUntilUp(endpoint: string, moto: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (moto.exitCode !== null) throw new Error(`moto_server exited (${moto.exitCode}):\n${output()}`);
    try {
      await fetch(`${endpoint}/moto-api/`);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`moto_server did not answer on ${endpoint} within 30 s:\n${output()}`);
}

export default async function setup(): Promise<() => Promise<void>> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  let log = '';
  const moto = spawn(process.env.MOTO_SERVER ?? 'moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  };
  moto.stdout!.on('data', keep);
  moto.stderr!.on('data', keep);
  const spawnFailed = new Promise<never>((_, reject) =>
    moto.once('error', (e) =>
      reject(new Error(`cannot start moto_server (pip install 'moto[server]'): ${e.message}`)),
    ),
  );
  await Promise.race([waitUntilUp(endpoint, moto, () => log), spawnFailed]);
  process.env.TEST_AWS_ENDPOINT_URL_DYNAMODB = endpoint;
  process.env.TEST_AWS_ENDPOINT_URL_SQS = endpoint;
  console.log(`moto_server ${endpoint}: DynamoDB and SQS for this run (KMS stays our emulator)`);
  return async () => {
    if (moto.exitCode !== null) return;
    const exited = new Promise((resolve) => moto.once('exit', resolve));
    moto.kill('SIGTERM');
    await exited;
  };
}
