/**
 * Every Lambda of the gateway, built by iterating lambdas/routes.ts (`functions`): settings,
 * permissions (from `access`) and triggers (from `trigger`) all come from that one table, which the
 * local stack reads too.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { paymentsTable } from '../../lambdas/adapters/dynamo/table-design.js';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../lambdas/observability.js';
import { functions, type FunctionDefinition, type FunctionName } from '../../lambdas/routes.js';
import type { StageConfig } from '../stage-config.js';
import { grantAccess, type AccessTargets } from './access.js';
import { PspFunction } from './psp-function.js';

/** What makePayment needs after the acquirer's budget to store the outcome and answer Vipps. */
export const MAKE_PAYMENT_ANSWER_MARGIN_MS = 2_000;
/** Vipps stops waiting for makePaymentUrl after 15 s. */
export const VIPPS_MAKE_PAYMENT_BUDGET_MS = 15_000;

export interface PspFunctionsProps {
  config: StageConfig;
  /** Literal from context, or a CloudFormation parameter token. */
  vippsPspId: string;
  /** The base our makePaymentUrl and url3dSecure are built from (custom domain or the API's URL). */
  publicBaseUrl: string;
  targets: AccessTargets;
}

export class PspFunctions extends Construct {
  readonly byName: Readonly<Record<FunctionName, PspFunction>>;

  constructor(scope: Construct, id: string, props: PspFunctionsProps) {
    super(scope, id);
    const { config, targets } = props;
    checkMakePaymentBudget(functions.makePayment, config.acquirerBudgetMs);

    // Every handler validates the same configuration at cold start (lambdas/config.ts), so all
    // get the same variables; what a function may *do* with a table, key or secret is IAM's job.
    // Only identifiers go here: the Vipps credentials stay in Secrets Manager.
    const environment: Record<string, string> = {
      STAGE: config.stage,
      TABLE_NAME: targets.tables.payments.tableName,
      IDEMPOTENCY_TABLE_NAME: targets.tables.idempotency.tableName,
      STATUS_QUEUE_URL: targets.queues.queue.queueUrl,
      STATUS_DLQ_URL: targets.queues.deadLetterQueue.queueUrl,
      WEBHOOK_QUEUE_URL: targets.webhookQueues.queue.queueUrl,
      CARD_DATA_KEY_ID: targets.keys.cardDataKey.keyArn,
      CARD_DATA_OAEP_HASH: config.cardDataOaepHash,
      ENCRYPTED_CARD_ENABLED: String(config.encryptedCardEnabled),
      ...(config.binTablePath ? { BIN_TABLE_PATH: config.binTablePath } : {}),
      ENVELOPE_KEY_ID: targets.keys.envelopeKey.keyArn,
      PUBLIC_BASE_URL: props.publicBaseUrl,
      VIPPS_BASE_URL: config.vippsBaseUrl,
      VIPPS_PSP_ID: props.vippsPspId,
      VIPPS_CREDENTIALS_SECRET_ID: targets.vippsCredentials.secretArn,
      ACQUIRER: config.acquirer,
      ACQUIRER_BUDGET_MS: String(config.acquirerBudgetMs),
      ...acquirerEnvironment(config, targets.acquirerKeys?.secretArn),
      // Deployed stages talk to 3dsecure.io (its sandbox host unless threeDsBaseUrl says otherwise).
      THREE_DS_SERVER: '3dsecureio',
      THREE_DS_BASE_URL: config.threeDsBaseUrl,
      THREE_DS_API_KEY_SECRET_ID: targets.threeDsApiKey.secretArn,
      ...(config.threeDsAcquirerBin ? { THREE_DS_ACQUIRER_BIN: config.threeDsAcquirerBin } : {}),
      ...(config.threeDsAcquirerMerchantId
        ? { THREE_DS_ACQUIRER_MERCHANT_ID: config.threeDsAcquirerMerchantId }
        : {}),
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    };

    const production = config.stage === 'production';
    const built = {} as Record<FunctionName, PspFunction>;
    for (const [name, definition] of Object.entries(functions) as [FunctionName, FunctionDefinition][]) {
      const fn = new PspFunction(this, constructId(name), {
        name,
        definition,
        environment,
        // PCI DSS 10.5.1 asks for a year of audit history in production.
        logRetention: production ? logs.RetentionDays.ONE_YEAR : logs.RetentionDays.ONE_MONTH,
        logRemovalPolicy: production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      });
      grantAccess(fn.executionRole, definition.access, targets);
      this.addTrigger(fn, definition, targets);
      built[name] = fn;
    }
    this.byName = built;
  }

  private addTrigger(fn: PspFunction, definition: FunctionDefinition, targets: AccessTargets): void {
    const trigger = definition.trigger;
    if (!trigger) return;
    if (trigger.kind === 'statusQueue') {
      // A plain mapping (not SqsEventSource) so the role gets only the consume actions that
      // access.ts grants. FIFO: no batching window; partial failures are reported per message.
      new lambda.EventSourceMapping(this, `${fn.node.id}StatusQueue`, {
        target: fn,
        eventSourceArn: targets.queues.queue.queueArn,
        batchSize: trigger.batchSize,
        reportBatchItemFailures: true,
        // Never poll faster than the reserved concurrency lets the function run: throttled
        // batches go back to the queue and count towards maxReceiveCount.
        ...(definition.reservedConcurrency !== undefined
          ? { maxConcurrency: Math.max(2, definition.reservedConcurrency) }
          : {}),
      });
    } else if (trigger.kind === 'webhookQueue') {
      new lambda.EventSourceMapping(this, `${fn.node.id}WebhookQueue`, {
        target: fn,
        eventSourceArn: targets.webhookQueues.queue.queueArn,
        batchSize: trigger.batchSize,
        reportBatchItemFailures: true,
        ...(definition.reservedConcurrency !== undefined
          ? { maxConcurrency: Math.max(2, definition.reservedConcurrency) }
          : {}),
      });
    } else if (trigger.kind === 'paymentsStream') {
      addPaymentsStream(this, fn, trigger, targets);
    } else {
      new events.Rule(this, `${fn.node.id}Schedule`, {
        description: `Runs ${fn.node.id} every ${trigger.everyMinutes} minute(s)`,
        schedule: events.Schedule.rate(Duration.minutes(trigger.everyMinutes)),
        targets: [
          new eventsTargets.LambdaFunction(fn, { retryAttempts: 2, maxEventAge: Duration.minutes(2) }),
        ],
      });
      // A sweep that could not start is replaced by the next one: do not queue stale sweeps.
      fn.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.minutes(2) });
    }
  }
}

type StreamTrigger = Extract<NonNullable<FunctionDefinition['trigger']>, { kind: 'paymentsStream' }>;

/**
 * The payments table's stream → the event dispatcher (the outbox's relay).
 * - LATEST, not TRIM_HORIZON: a new or re-created mapping would otherwise replay up to 24 h of
 *   images and re-send webhooks merchants already have; what LATEST skips at creation is still
 *   undispatched in its item, and the reconciler's sweep hands it over within a minute or two.
 * - Only payment items (sk = TX) that were written, not removed, invoke it (filter criteria):
 *   the event log, endpoints, merchants and 3-D Secure sessions share the table.
 * - Partial batch responses name the failing record's SequenceNumber: the retry starts there;
 *   bisecting isolates a record that fails the whole invocation; after `retryAttempts` the
 *   mapping moves on and the sweep covers the skipped records (the IteratorAge alarm shows it).
 */
function addPaymentsStream(
  scope: Construct,
  fn: PspFunction,
  trigger: StreamTrigger,
  targets: AccessTargets,
): void {
  const streamArn = targets.tables.payments.tableStreamArn;
  if (!streamArn) throw new Error('the payments table has no stream');
  new lambda.EventSourceMapping(scope, `${fn.node.id}PaymentsStream`, {
    target: fn,
    eventSourceArn: streamArn,
    startingPosition: lambda.StartingPosition.LATEST,
    batchSize: trigger.batchSize,
    parallelizationFactor: trigger.parallelizationFactor,
    bisectBatchOnError: true,
    retryAttempts: trigger.retryAttempts,
    maxRecordAge: Duration.hours(1),
    reportBatchItemFailures: true,
    filters: [
      lambda.FilterCriteria.filter({
        eventName: lambda.FilterRule.or('INSERT', 'MODIFY'),
        dynamodb: {
          Keys: { [paymentsTable.sortKey]: { S: lambda.FilterRule.isEqual(trigger.itemSortKey) } },
        },
      }),
    ],
  });
}

/** makePayment must answer inside Vipps' 15 s even when the acquirer uses its whole budget. */
export function checkMakePaymentBudget(makePayment: FunctionDefinition, acquirerBudgetMs: number): void {
  const timeoutMs = makePayment.timeoutSeconds * 1000;
  if (timeoutMs >= VIPPS_MAKE_PAYMENT_BUDGET_MS) {
    throw new Error(
      `makePayment timeout ${timeoutMs} ms must stay under Vipps' ${VIPPS_MAKE_PAYMENT_BUDGET_MS} ms`,
    );
  }
  if (acquirerBudgetMs + MAKE_PAYMENT_ANSWER_MARGIN_MS > timeoutMs) {
    throw new Error(
      `acquirerBudgetMs ${acquirerBudgetMs} leaves less than ${MAKE_PAYMENT_ANSWER_MARGIN_MS} ms before ` +
        `the makePayment timeout (${timeoutMs} ms)`,
    );
  }
}

const constructId = (name: string): string => name.charAt(0).toUpperCase() + name.slice(1);

/** The selected acquirer's settings; its keys only as the secret's ARN. */
function acquirerEnvironment(config: StageConfig, secretArn: string | undefined): Record<string, string> {
  switch (config.acquirer) {
    case 'clearhaus':
      return {
        CLEARHAUS_BASE_URL: config.clearhausBaseUrl!,
        ...(secretArn ? { CLEARHAUS_SECRET_ID: secretArn } : {}),
      };
    case 'adyen':
      return {
        ADYEN_MERCHANT_ACCOUNT: config.adyenMerchantAccount!,
        ADYEN_ENVIRONMENT: config.adyenEnvironment,
        ...(config.adyenLiveUrlPrefix ? { ADYEN_LIVE_URL_PREFIX: config.adyenLiveUrlPrefix } : {}),
        ...(secretArn ? { ADYEN_SECRET_ID: secretArn } : {}),
      };
    case 'sandbox':
      return {};
  }
}
