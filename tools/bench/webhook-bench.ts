/**
 * `npx tsx tools/bench/webhook-bench.ts [payments] [capturesPerPayment]`: merchant-webhook
 * delivery on the embedded local stack. A receiver on 127.0.0.1 answers 204 at once and verifies
 * every request with `standardwebhooks`; payments are reserved, then captured in small steps, and
 * each event's delay is measured from its state change (the event's `timestamp`, the write's
 * time) to its arrival. Prints events per second delivered and the p50/p99 delay (goal: p99 < 2 s).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { startLocalStack } from '../../local/stack.js';
import { percentile } from './stats.js';

const payments = Number(process.argv[2] ?? 50);
const capturesPerPayment = Number(process.argv[3] ?? 4);

async function main(): Promise<void> {
  // As in `npm run bench`: INFO lines written to a terminal would measure the terminal. The
  // reconciler's sweep is off, so every event travels the payments stream → eventDispatcher path.
  const stack = await startLocalStack({ reconcilerEveryMs: 0, env: { POWERTOOLS_LOG_LEVEL: 'WARN' } });
  const delays: number[] = [];
  let secret = '';
  let bad = 0;
  let first = 0;
  let last = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const now = Date.now();
      try {
        const event = new Webhook(secret).verify(body, req.headers as Record<string, string>) as {
          timestamp: string;
        };
        delays.push(now - Date.parse(event.timestamp));
        first ||= now;
        last = now;
      } catch {
        bad++;
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const headers = {
    Authorization: `Bearer ${stack.merchantApiKey}`,
    'Content-Type': 'application/json',
  };
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${stack.baseUrl}${path}`, {
      method: 'POST',
      headers: { ...headers, 'Idempotency-Key': `bench-${Math.random().toString(36).slice(2)}` },
      body: JSON.stringify(body),
    });
    return (await res.json()) as Record<string, string>;
  };
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
    secret = (await post('/v1/webhook-endpoints', { url })).secret!;
    const expected = payments * (1 + capturesPerPayment);
    await Promise.all(
      Array.from({ length: payments }, async (_, n) => {
        const created = await post('/v1/payments', {
          merchantSerialNumber: stack.merchantSerialNumber,
          merchantOrderId: `bench-${Date.now().toString(36)}-${n}`,
          amount: 10_000,
          currency: 'NOK',
          paymentText: 'bench',
          redirectUrl: 'https://shop.example/thanks',
        });
        await stack.vipps.approve(created.pspTransactionId!);
        for (let c = 0; c < capturesPerPayment; c++) {
          await post(`/v1/payments/${created.pspTransactionId}/capture`, { amount: 100 });
        }
      }),
    );
    const until = Date.now() + 30_000;
    while (delays.length + bad < expected && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    const sorted = [...delays].sort((a, b) => a - b);
    const seconds = Math.max(1, last - first) / 1000;
    console.log(
      JSON.stringify(
        {
          events: expected,
          delivered: delays.length,
          badSignatures: bad,
          eventsPerSecond: Math.round(delays.length / seconds),
          delayMs: { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) },
          goal: 'p99 < 2000 ms',
        },
        null,
        2,
      ),
    );
  } finally {
    server.closeAllConnections();
    server.close();
    await stack.stop();
  }
}

await main();
