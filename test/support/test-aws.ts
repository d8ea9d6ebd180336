/**
 * Which DynamoDB and SQS the integration and e2e suites use. Normally the embedded ones (dynalite,
 * our SQS emulator); under `npm run test:moto` test/support/moto-global-setup.ts starts moto_server
 * and sets TEST_AWS_ENDPOINT_URL_DYNAMODB / _SQS, so the same suites cross-check our emulators
 * against an independent one. (Not AWS_ENDPOINT_URL_*: the local stack writes those itself.)
 */
import { randomUUID } from 'node:crypto';
import type { ExternalAws } from '../../local/external-services.js';

export const MOTO_REGION = 'eu-north-1';

export function testAws(env: NodeJS.ProcessEnv = process.env): ExternalAws | undefined {
  const dynamodb = env.TEST_AWS_ENDPOINT_URL_DYNAMODB;
  const sqs = env.TEST_AWS_ENDPOINT_URL_SQS;
  if (!dynamodb && !sqs) return undefined;
  return {
    ...(dynamodb ? { dynamodb } : {}),
    ...(sqs ? { sqs } : {}),
    region: MOTO_REGION,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
}

/** Test files share one moto server: each names its tables and queues apart. */
export const uniqueResourcePrefix = () => `t${randomUUID().slice(0, 8)}-`;

/**
 * Under `npm run test:moto`, a test that meets a documented moto disagreement (README, "Tests")
 * is skipped with the reason in its title instead of failing the cross-check run.
 * TEST_MOTO_DISAGREEMENTS=1 runs them anyway (to see whether a newer moto still disagrees).
 */
export function motoDisagreement(reason: string): { skip: boolean; reason: string; note: string } {
  const onMoto = Boolean(testAws()) && !process.env.TEST_MOTO_DISAGREEMENTS;
  const why = `moto disagrees with AWS: ${reason} (README, Tests)`;
  return { skip: onMoto, reason: why, note: onMoto ? ` [skipped: ${why}]` : '' };
}
