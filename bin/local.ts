/**
 * `npm start`: the whole system on this machine — dynalite, the SQS/KMS emulators, the Vipps
 * simulator, the sandbox acquirer and the real Lambda handlers behind a local API Gateway.
 *   PORT (default 3000) · LOCAL_MERCHANT_API_KEY (else one is generated and printed)
 *   LOCAL_DATA_DIR (keep DynamoDB data between runs; in memory by default)
 *   RECONCILER_EVERY_SECONDS (default 60)
 */
import { startLocalStack } from '../local/stack.js';

const port = Number(process.env.PORT ?? 3000);
const reconcilerEverySeconds = Number(process.env.RECONCILER_EVERY_SECONDS ?? 60);

const stack = await startLocalStack({
  port,
  reconcilerEveryMs: reconcilerEverySeconds * 1000,
  ...(process.env.LOCAL_MERCHANT_API_KEY ? { merchantApiKey: process.env.LOCAL_MERCHANT_API_KEY } : {}),
  ...(process.env.LOCAL_DATA_DIR ? { dataDir: process.env.LOCAL_DATA_DIR } : {}),
});

console.log('\nVipps PSP gateway — local stack is up\n');
for (const line of stack.describe()) console.log(`  ${line}`);
console.log('\nConfiguration used by the handlers:');
for (const [name, value] of Object.entries(stack.environment)) {
  console.log(`  ${name}=${/SECRET|KEY$/.test(name) && !name.endsWith('_KEY_ID') ? '(set)' : value}`);
}
console.log('\nPress Ctrl-C to stop.\n');

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping…`);
  stack
    .stop()
    .then(() => process.exit(0))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
