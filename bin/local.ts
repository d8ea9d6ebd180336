/**
 * `npm start`: the whole system on this machine — dynalite, the SQS/KMS emulators, the Vipps
 * simulator, the sandbox acquirer and the real Lambda handlers behind a local API Gateway.
 *   PORT (default 3000) · LOCAL_MERCHANT_API_KEY (else one is generated and printed)
 *   LOCAL_DATA_DIR (keep DynamoDB data between runs; in memory by default)
 *   RECONCILER_EVERY_SECONDS (default 60)
 * Another Vipps instead of the simulator (README: "Run against Vipps' test environment"):
 *   VIPPS_BASE_URL + VIPPS_CLIENT_ID, VIPPS_CLIENT_SECRET, VIPPS_SUBSCRIPTION_KEY, VIPPS_PSP_ID;
 *   PUBLIC_BASE_URL (the tunnel Vipps calls back through); LOCAL_MERCHANT_SERIAL_NUMBER (the demo
 *   merchant's MSN, default 123456: use the test sales unit Vipps gave you)
 * Another DynamoDB / SQS / KMS instead of the embedded one (a real account, moto, …):
 *   AWS_ENDPOINT_URL_DYNAMODB / _SQS / _KMS + AWS_REGION (+ AWS_ACCESS_KEY_ID/SECRET, or the
 *   default chain); LOCAL_RESOURCE_PREFIX names the tables and queues created there
 */
import { type ExternalServices, externalServicesFromEnv } from '../local/external-services.js';
import { startLocalStack } from '../local/stack.js';

const port = Number(process.env.PORT ?? 3000);
const reconcilerEverySeconds = Number(process.env.RECONCILER_EVERY_SECONDS ?? 60);
let external: ExternalServices;
try {
  external = externalServicesFromEnv(process.env);
} catch (error) {
  console.error(`npm start: ${(error as Error).message}`);
  process.exit(2);
}

const stack = await startLocalStack({
  port,
  reconcilerEveryMs: reconcilerEverySeconds * 1000,
  external,
  demoShop: true,
  ...(process.env.LOCAL_MERCHANT_SERIAL_NUMBER
    ? { merchantSerialNumber: process.env.LOCAL_MERCHANT_SERIAL_NUMBER }
    : {}),
  ...(process.env.LOCAL_MERCHANT_API_KEY ? { merchantApiKey: process.env.LOCAL_MERCHANT_API_KEY } : {}),
  ...(process.env.LOCAL_DATA_DIR ? { dataDir: process.env.LOCAL_DATA_DIR } : {}),
});

console.log('\nVipps PSP gateway — local stack is up\n');
for (const line of stack.describe()) console.log(`  ${line}`);
console.log('\nConfiguration used by the handlers:');
for (const [name, value] of Object.entries(stack.environment)) {
  console.log(`  ${name}=${/SECRET|TOKEN|KEY$/.test(name) && !name.endsWith('_KEY_ID') ? '(set)' : value}`);
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
