/**
 * The CDK app: `npx cdk synth` (offline, no account) or `npx cdk deploy -c stage=production …`.
 * Configuration comes from CDK context only (lib/stage-config.ts lists the keys); the stack is
 * environment-agnostic, so nothing is looked up in an AWS account. cdk-nag's AwsSolutions pack runs
 * on every synth: an unacknowledged error stops it.
 */
import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SERVICE_NAME } from '../lambdas/observability.js';
import { PspStack } from '../lib/psp-stack.js';
import { readStageConfig, StageConfigError, type StageConfig } from '../lib/stage-config.js';

const app = new App();
let config: StageConfig;
try {
  config = readStageConfig(app.node);
} catch (error) {
  if (!(error instanceof StageConfigError)) throw error;
  // A readable list of bad context keys instead of a stack trace.
  console.error(error.message);
  process.exit(1);
}

new PspStack(app, `VippsPsp-${config.stage}`, {
  config,
  description: `Vipps PSP gateway (${config.stage}): API Gateway, Lambda, DynamoDB, SQS FIFO, KMS`,
});
Tags.of(app).add('project', SERVICE_NAME);
Tags.of(app).add('stage', config.stage);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
