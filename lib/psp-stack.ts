/**
 * The Vipps PSP gateway in one environment-agnostic stack, composed of constructs named after what
 * they hold. One stack rather than stateful/stateless stacks: the card-data and envelope keys name
 * the function roles in their key policies, and a key in another stack than the roles would make
 * the two stacks depend on each other. The stateful parts are protected instead: tables, keys and
 * the credentials secret are RETAINed (tables also deletion-protected) in every stage.
 */
import { CfnOutput, CfnParameter, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { functions } from '../lambdas/routes.js';
import { PspApi } from './constructs/api.js';
import { PspFunctions } from './constructs/functions.js';
import { PspKeys } from './constructs/keys.js';
import { PspMonitoring } from './constructs/monitoring.js';
import { AcquirerKeys, ThreeDsApiKey, VippsCredentials } from './constructs/secrets.js';
import { StatusQueues, WebhookQueues } from './constructs/status-sync.js';
import { PaymentTables } from './constructs/storage.js';
import type { StageConfig } from './stage-config.js';

export interface PspStackProps extends StackProps {
  config: StageConfig;
}

export class PspStack extends Stack {
  readonly keys: PspKeys;
  readonly tables: PaymentTables;
  readonly statusQueues: StatusQueues;
  readonly vippsCredentials: VippsCredentials;
  readonly api: PspApi;
  readonly functions: PspFunctions;
  readonly monitoring: PspMonitoring;

  constructor(scope: Construct, id: string, props: PspStackProps) {
    super(scope, id, props);
    const { config } = props;

    // No made-up default: without context the PSP id becomes a required deploy-time parameter.
    const vippsPspId =
      config.vippsPspId ??
      new CfnParameter(this, 'VippsPspId', {
        type: 'String',
        minLength: 1,
        description: 'Our PSP id at Vipps (or set the vippsPspId context value at synth time)',
      }).valueAsString;

    this.keys = new PspKeys(this, 'Keys', { config });
    this.tables = new PaymentTables(this, 'Storage', { encryptionKey: this.keys.storageKey });
    this.statusQueues = new StatusQueues(this, 'StatusSync', {
      stage: config.stage,
      consumerTimeout: statusQueueConsumerTimeout(),
    });
    const webhookQueues = new WebhookQueues(this, 'Webhooks', {
      stage: config.stage,
      consumerTimeout: Duration.seconds(functions.webhookDelivery.timeoutSeconds),
    });
    this.vippsCredentials = new VippsCredentials(this, 'VippsCredentials', { stage: config.stage });
    const threeDsApiKey = new ThreeDsApiKey(this, 'ThreeDsApiKey', { stage: config.stage });
    const acquirerKeys =
      config.acquirer === 'sandbox'
        ? undefined
        : new AcquirerKeys(this, 'AcquirerKeys', { stage: config.stage, acquirer: config.acquirer });
    this.api = new PspApi(this, 'Api', { config });
    this.functions = new PspFunctions(this, 'Functions', {
      config,
      vippsPspId,
      publicBaseUrl: this.api.publicBaseUrl,
      targets: {
        tables: this.tables,
        queues: this.statusQueues,
        webhookQueues,
        keys: this.keys,
        vippsCredentials: this.vippsCredentials.secret,
        threeDsApiKey: threeDsApiKey.secret,
        ...(acquirerKeys ? { acquirerKeys: acquirerKeys.secret } : {}),
      },
    });
    this.api.addRoutes(this.functions.byName, Duration.seconds(config.authorizerCacheTtlSeconds));
    this.monitoring = new PspMonitoring(this, 'Monitoring', {
      config,
      functions: this.functions.byName,
      restApi: this.api.restApi,
      apiStageName: this.api.stageName,
      statusQueue: this.statusQueues.queue,
      statusDeadLetterQueue: this.statusQueues.deadLetterQueue,
      webhookQueues,
      paymentsTable: this.tables.payments,
      topicKey: this.keys.storageKey,
    });

    new CfnOutput(this, 'TableName', { value: this.tables.payments.tableName });
    new CfnOutput(this, 'StatusQueueUrl', { value: this.statusQueues.queue.queueUrl });
    new CfnOutput(this, 'StatusDeadLetterQueueUrl', { value: this.statusQueues.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'CardDataKeyArn', {
      description: 'npm run public-key reads the RSA public key Vipps needs from this key',
      value: this.keys.cardDataKey.keyArn,
    });
    new CfnOutput(this, 'VippsCredentialsSecretArn', {
      description: 'Put {clientId, clientSecret, subscriptionKey} from the Vipps portal here',
      value: this.vippsCredentials.secret.secretArn,
    });
    new CfnOutput(this, 'ThreeDsApiKeySecretArn', {
      description: 'Put the 3dsecure.io API key here (a plain string)',
      value: threeDsApiKey.secret.secretArn,
    });
    if (acquirerKeys)
      new CfnOutput(this, 'AcquirerKeysSecretArn', {
        description: `Put the ${config.acquirer} keys here (see README: connecting an acquirer)`,
        value: acquirerKeys.secret.secretArn,
      });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.alarmTopic.topicArn });
  }
}

/** The status queue's visibility timeout follows the timeout of the function it triggers. */
function statusQueueConsumerTimeout(): Duration {
  const consumers = Object.values(functions).filter((f) => f.trigger?.kind === 'statusQueue');
  if (consumers.length === 0) throw new Error('lambdas/routes.ts: no function consumes the status queue');
  return Duration.seconds(Math.max(...consumers.map((f) => f.timeoutSeconds)));
}
