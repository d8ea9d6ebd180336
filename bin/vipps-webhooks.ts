/**
 * `npm run vipps-webhooks -- register [url] | list | delete <id>`: manages the PSP's ePayment
 * webhook registration at Vipps (one registration covers every sales unit).
 *
 *   VIPPS_BASE_URL (default https://apitest.vipps.no), VIPPS_PSP_ID, VIPPS_CLIENT_ID,
 *   VIPPS_CLIENT_SECRET, VIPPS_SUBSCRIPTION_KEY     the PSP's Vipps credentials
 *   PUBLIC_BASE_URL                                  register's default URL: <PUBLIC_BASE_URL>/vipps/webhooks
 *
 * register prints the secret Vipps shows only once: store it as `webhookSecret` in the Vipps
 * credentials secret (or VIPPS_WEBHOOK_SECRET locally); /vipps/webhooks refuses events until then.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEPaymentClient } from '../lambdas/adapters/vipps/epayment/epayment-client.js';
import type { VippsWebhooksApi } from '../lambdas/core/epayment-port.js';
import { VIPPS_WEBHOOKS_PATH } from '../lambdas/routes.js';

/** The events we act on or keep: every ePayment payment event. */
export const WEBHOOK_EVENTS = [
  'created',
  'aborted',
  'expired',
  'cancelled',
  'captured',
  'refunded',
  'authorized',
  'terminated',
].map((name) => `epayments.payment.${name}.v1`);

export const USAGE = 'Usage: npm run vipps-webhooks -- register [url] | list | delete <id>';

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

export async function run(
  args: string[],
  api: VippsWebhooksApi,
  env: Record<string, string | undefined>,
  io: Io,
): Promise<number> {
  const [command, argument] = args;
  if (command === 'list') {
    for (const r of await api.list()) io.out(`${r.id}  ${r.url}  ${r.events.join(',')}`);
    return 0;
  }
  if (command === 'register') {
    const url =
      argument ??
      (env.PUBLIC_BASE_URL ? `${env.PUBLIC_BASE_URL.replace(/\/+$/, '')}${VIPPS_WEBHOOKS_PATH}` : '');
    if (!url) {
      io.err('register needs a URL, or PUBLIC_BASE_URL');
      return 2;
    }
    const { id, secret } = await api.register(url, WEBHOOK_EVENTS);
    io.out(`registered ${id} for ${url}`);
    io.out(`secret (shown once; store it as webhookSecret in the Vipps credentials secret): ${secret}`);
    return 0;
  }
  if (command === 'delete' && argument) {
    await api.delete(argument);
    io.out(`deleted ${argument}`);
    return 0;
  }
  io.err(USAGE);
  return 2;
}

function clientFromEnv(env: Record<string, string | undefined>): VippsWebhooksApi {
  const missing = ['VIPPS_PSP_ID', 'VIPPS_CLIENT_ID', 'VIPPS_CLIENT_SECRET', 'VIPPS_SUBSCRIPTION_KEY'].filter(
    (name) => !env[name],
  );
  if (missing.length) throw new Error(`missing ${missing.join(', ')}`);
  return createEPaymentClient({
    baseUrl: env.VIPPS_BASE_URL ?? 'https://apitest.vipps.no',
    pspId: env.VIPPS_PSP_ID!,
    credentials: async () => ({
      clientId: env.VIPPS_CLIENT_ID!,
      clientSecret: env.VIPPS_CLIENT_SECRET!,
      subscriptionKey: env.VIPPS_SUBSCRIPTION_KEY!,
    }),
    systemName: 'vipps-psp-gateway',
    systemVersion: '0.1.0',
    timeoutMs: 15_000,
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const io: Io = { out: (l) => console.log(l), err: (l) => console.error(l) };
  try {
    process.exitCode = await run(process.argv.slice(2), clientFromEnv(process.env), process.env, io);
  } catch (error) {
    io.err(String((error as Error).message ?? error));
    process.exitCode = 1;
  }
}
