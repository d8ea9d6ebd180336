/**
 * What ops look at and get paged for. cdk-monitoring-constructs builds the dashboard and the
 * standard alarms (Lambda errors/throttles, queue age, DLQ, API 5xx); the gateway's own metrics
 * (namespace VippsPsp, names from lambdas/observability.ts, emitted as EMF by Powertools Metrics)
 * get custom widgets and alarms. Every alarm notifies one encrypted SNS topic.
 *
 * Powertools Metrics adds the dimension `service` (POWERTOOLS_SERVICE_NAME) to every metric, so
 * the custom metrics are addressed with it.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import {
  DefaultDashboardFactory,
  MetricStatistic,
  MonitoringFacade,
  SnsAlarmActionStrategy,
  type CustomMetric,
  type MetricWithAlarmSupport,
} from 'cdk-monitoring-constructs';
import { Construct } from 'constructs';
import {
  METRICS_NAMESPACE,
  SERVICE_NAME,
  metricDimensions,
  metricNames,
} from '../../lambdas/observability.js';
import type { FunctionName } from '../../lambdas/routes.js';
import type { StageConfig } from '../stage-config.js';

/** Alarm thresholds, in one place so the runbook can quote them. */
export const alarmThresholds = {
  /** makePayment p99 (ms) well before Vipps' 15 s budget runs out. */
  makePaymentP99Ms: 5_000,
  /** Share of makePayment answers that are errorId 91 (internal error), percent. */
  error91RatePercent: 2,
  /** ePayment card callback p99 (ms): Vipps waits 15 s for it. */
  cardCallbackP99Ms: 10_000,
  /** Card callbacks refused as unauthenticated (401) per 5 minutes: any is a security event. */
  cardCallbackAuthFailures: 0,
  /** Oldest status update still waiting for Vipps (seconds). */
  statusQueueMaxAgeSeconds: 15 * 60,
  /** Share of API requests answered with 5xx. */
  api5xxRate: 0.01,
  /** Share of makePayment answers where the acquirer failed us (85 no answer + 91 error), percent. */
  acquirerErrorRatePercent: 5,
  /** Operations still waiting for the acquirer after an hour / lost authorisations it cannot find. */
  overdueOperations: 0,
  /**
   * Age of the newest stream record the event dispatcher has read (seconds): a merchant webhook
   * waits at least this long. Past a minute the sweep is handing events over instead.
   */
  eventStreamIteratorAgeSeconds: 60,
  /** Lambda errors / throttles per 5-minute period. */
  lambdaErrors: 0,
  lambdaThrottles: 0,
} as const;

/** Vipps stops waiting for makePaymentUrl after this long. */
const VIPPS_BUDGET_MS = 15_000;

export interface PspMonitoringProps {
  config: StageConfig;
  functions: Readonly<Record<FunctionName, lambda.IFunction>>;
  restApi: apigw.RestApi;
  apiStageName: string;
  statusQueue: sqs.IQueue;
  statusDeadLetterQueue: sqs.IQueue;
  paymentsTable: dynamodb.ITable;
  webhookQueues: { queue: sqs.IQueue; deadLetterQueue: sqs.IQueue };
  /** Encrypts the alarm topic; its policy lets CloudWatch publish. */
  topicKey: kms.IKey;
}

export class PspMonitoring extends Construct {
  readonly alarmTopic: sns.Topic;
  readonly facade: MonitoringFacade;

  constructor(scope: Construct, id: string, props: PspMonitoringProps) {
    super(scope, id);
    const { config, functions: fns } = props;
    const prefix = `VippsPsp-${config.stage}`;

    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `Vipps PSP ${config.stage} alarms`,
      masterKey: props.topicKey,
      enforceSSL: true,
    });
    if (config.alarmEmail) {
      this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(config.alarmEmail));
    }

    this.facade = new MonitoringFacade(this, 'Facade', {
      alarmFactoryDefaults: {
        alarmNamePrefix: prefix,
        actionsEnabled: true,
        action: new SnsAlarmActionStrategy({ onAlarmTopic: this.alarmTopic }),
        // Two bad 5-minute periods out of three: one blip does not page anyone.
        datapointsToAlarm: 2,
        evaluationPeriods: 3,
      },
      metricFactoryDefaults: { period: Duration.minutes(5) },
      dashboardFactory: new DefaultDashboardFactory(this, 'Dashboards', {
        dashboardNamePrefix: prefix,
        createDashboard: true,
        createSummaryDashboard: false,
        createAlarmDashboard: true,
      }),
    });
    const metrics = this.facade.createMetricFactory();
    const custom = (
      name: string,
      statistic: MetricStatistic,
      label: string,
      extra: Record<string, string> = {},
    ) =>
      metrics.createMetric(
        name,
        statistic,
        label,
        { service: SERVICE_NAME, ...extra },
        undefined,
        METRICS_NAMESPACE,
      );
    const makePaymentInvocations = fns.makePayment.metricInvocations({
      statistic: 'Sum',
      period: Duration.minutes(5),
    });

    // ── makePayment: the 15-second answer to Vipps ────────────────────────────────────────────
    const answers = (errorId: string) =>
      custom(metricNames.makePaymentAnswer, MetricStatistic.SUM, `errorId ${errorId}`, {
        [metricDimensions.errorId]: errorId,
      });
    const ratePercent = (id: string, label: string, count: MetricWithAlarmSupport): MetricWithAlarmSupport =>
      // Denominator: makePayment invocations (one answer each; 401s to impostors are counted too,
      // which only makes the rate look better — they are rare and never come from Vipps).
      metrics.createMetricMath(
        `IF(inv > 0, 100 * FILL(${id}, 0) / inv, 0)`,
        { [id]: count, inv: makePaymentInvocations },
        label,
      );

    this.facade.addLargeHeader(`Vipps PSP (${config.stage})`).monitorCustom({
      alarmFriendlyName: 'MakePayment',
      humanReadableName: 'makePayment (Vipps waits 15 s)',
      metricGroups: [
        {
          title: 'makePayment latency (ms)',
          horizontalAnnotations: [{ value: VIPPS_BUDGET_MS, label: 'Vipps budget 15 s', color: '#d62728' }],
          metrics: [
            custom(metricNames.makePaymentLatency, MetricStatistic.P50, 'p50'),
            {
              metric: custom(metricNames.makePaymentLatency, MetricStatistic.P99, 'p99'),
              alarmFriendlyName: 'MakePaymentLatencyP99',
              addAlarm: {
                Critical: {
                  threshold: alarmThresholds.makePaymentP99Ms,
                  comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                  treatMissingDataOverride: cloudwatch.TreatMissingData.NOT_BREACHING,
                  additionalDescription:
                    'makePayment p99 above 5 s: the acquirer or KMS is slow; Vipps gives up at 15 s.',
                },
              },
            },
            custom(metricNames.acquirerLatency, MetricStatistic.P99, 'acquirer p99'),
          ],
        },
        {
          title: 'Answers by errorId',
          metrics: [
            {
              searchQuery: metricNames.makePaymentAnswer,
              namespace: METRICS_NAMESPACE,
              dimensionsMap: {
                service: SERVICE_NAME,
                [metricDimensions.errorId]: undefined as unknown as string,
              },
              statistic: MetricStatistic.SUM,
            },
          ] satisfies CustomMetric[],
        },
        {
          title: 'Soft-decline and error-91 rate (%)',
          metrics: [
            ratePercent('softDeclines', 'soft decline (1036) %', answers('1036')),
            {
              metric: ratePercent('internalErrors', 'internal error (91) %', answers('91')),
              alarmFriendlyName: 'MakePaymentError91Rate',
              addAlarm: {
                Critical: {
                  threshold: alarmThresholds.error91RatePercent,
                  comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                  treatMissingDataOverride: cloudwatch.TreatMissingData.NOT_BREACHING,
                  additionalDescription:
                    'More than 2 % of makePayment answers are errorId 91 (internal error).',
                },
              },
            },
          ],
        },
        {
          title: 'Acquirer error rate (85 + 91, %)',
          metrics: [
            {
              metric: metrics.createMetricMath(
                'IF(inv > 0, 100 * (FILL(e85, 0) + FILL(e91, 0)) / inv, 0)',
                { e85: answers('85'), e91: answers('91'), inv: makePaymentInvocations },
                'acquirer errors %',
              ),
              alarmFriendlyName: 'AcquirerErrorRate',
              addAlarm: {
                Critical: {
                  threshold: alarmThresholds.acquirerErrorRatePercent,
                  comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                  treatMissingDataOverride: cloudwatch.TreatMissingData.NOT_BREACHING,
                  additionalDescription:
                    'More than 5 % of makePayment answers are 85 (acquirer silent) or 91 (acquirer error).',
                },
              },
            },
          ],
        },
        {
          title: 'Acquirer operations needing ops',
          metrics: [
            {
              metric: metrics.createMetricMath(
                'FILL(overdue, 0) + FILL(impossible, 0)',
                {
                  overdue: custom(metricNames.reconcilerAction, MetricStatistic.SUM, 'overdue', {
                    [metricDimensions.action]: 'operationOverdue',
                  }),
                  impossible: custom(metricNames.reconcilerAction, MetricStatistic.SUM, 'not reversible', {
                    [metricDimensions.action]: 'reversalImpossible',
                  }),
                },
                'operations pending > 1 h or lost authorisations to void by hand',
              ),
              alarmFriendlyName: 'AcquirerOperationsOverdue',
              addAlarm: {
                Critical: {
                  threshold: alarmThresholds.overdueOperations,
                  comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                  treatMissingDataOverride: cloudwatch.TreatMissingData.NOT_BREACHING,
                  additionalDescription:
                    'A capture/refund/cancel has waited over an hour for the acquirer (Adyen webhook), or an ' +
                    'authorisation with an unknown outcome cannot be looked up (Clearhaus): see the reconciler ' +
                    'logs for the pspTransactionId and the acquirer reference.',
                },
              },
            },
          ],
        },
        {
          title: '3-D Secure',
          metrics: [
            metrics.createMetricMath(
              'IF(started > 0, 100 * FILL(success, 0) / started, 0)',
              {
                started: custom(metricNames.threeDsSession, MetricStatistic.SUM, 'started', {
                  result: 'started',
                }),
                success: custom(metricNames.threeDsSession, MetricStatistic.SUM, 'success', {
                  result: 'success',
                }),
              },
              'completion %',
            ),
          ],
        },
        {
          title: '3-D Secure authentications',
          metrics: (['frictionless', 'challenged', 'failed'] as const).map((outcome) =>
            custom(metricNames.threeDsAuthentication, MetricStatistic.SUM, outcome, {
              [metricDimensions.outcome]: outcome,
            }),
          ),
        },
        {
          title: '3DS server latency (ms)',
          metrics: (['/preauth', '/auth', '/postauth'] as const).map((endpoint) =>
            custom(metricNames.threeDsServerLatency, MetricStatistic.P99, `${endpoint} p99`, {
              [metricDimensions.endpoint]: endpoint,
            }),
          ),
        },
      ],
    });

    // ── ePayment card callback: the 15-second answer, and who may call it ─────────────────────
    const alarm = (threshold: number, description: string) => ({
      Critical: {
        threshold,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingDataOverride: cloudwatch.TreatMissingData.NOT_BREACHING,
        additionalDescription: description,
      },
    });
    this.facade.monitorCustom({
      alarmFriendlyName: 'CardCallback',
      humanReadableName: 'ePayment card callback (Vipps waits 15 s)',
      metricGroups: [
        {
          title: 'card callback latency (ms)',
          horizontalAnnotations: [{ value: VIPPS_BUDGET_MS, label: 'Vipps budget 15 s', color: '#d62728' }],
          metrics: [
            custom(metricNames.cardCallbackLatency, MetricStatistic.P50, 'p50'),
            {
              metric: custom(metricNames.cardCallbackLatency, MetricStatistic.P99, 'p99'),
              alarmFriendlyName: 'CardCallbackLatencyP99',
              addAlarm: alarm(
                alarmThresholds.cardCallbackP99Ms,
                'Card callback p99 above 10 s: the acquirer or KMS is slow; Vipps gives up at 15 s.',
              ),
            },
          ],
        },
        {
          title: 'card callback authentication failures (401)',
          metrics: [
            {
              metric: custom(metricNames.cardCallbackAnswer, MetricStatistic.SUM, '401', {
                [metricDimensions.result]: '401',
              }),
              alarmFriendlyName: 'CardCallbackAuthFailures',
              addAlarm: alarm(
                alarmThresholds.cardCallbackAuthFailures,
                'Card callbacks refused as unauthenticated: a wrong client secret after a rotation, a wrong PUBLIC_BASE_URL, or someone probing the callback.',
              ),
            },
          ],
        },
      ],
    });

    // ── Status sync to Vipps ──────────────────────────────────────────────────────────────────
    this.facade
      .addLargeHeader('Status updates to Vipps')
      .monitorCustom({
        alarmFriendlyName: 'StatusSync',
        humanReadableName: 'Status sync',
        metricGroups: [
          {
            title: 'Lag from state change to Vipps acknowledgement (s)',
            metrics: [
              custom(metricNames.statusUpdateLag, MetricStatistic.P50, 'p50'),
              custom(metricNames.statusUpdateLag, MetricStatistic.P99, 'p99'),
              custom(metricNames.statusUpdateLag, MetricStatistic.MAX, 'max'),
            ],
          },
          {
            title: 'Acknowledged / rejected by Vipps',
            metrics: [
              custom(metricNames.statusUpdatesAcknowledged, MetricStatistic.SUM, 'acknowledged'),
              custom(metricNames.statusUpdatesRejected, MetricStatistic.SUM, 'rejected (4xx → DLQ)'),
            ],
          },
        ],
      })
      .monitorSqsQueueWithDlq({
        queue: props.statusQueue,
        deadLetterQueue: props.statusDeadLetterQueue,
        alarmFriendlyName: 'StatusQueue',
        humanReadableName: 'Status queue (FIFO) and its DLQ',
        addQueueMaxMessageAgeAlarm: {
          Critical: {
            maxAgeInSeconds: alarmThresholds.statusQueueMaxAgeSeconds,
            treatMissingDataOverride: cloudwatch.TreatMissingData.NOT_BREACHING,
            datapointsToAlarm: 1,
            evaluationPeriods: 1,
          },
        },
        addDeadLetterQueueMaxSizeAlarm: {
          Critical: {
            maxMessageCount: 0,
            // An idle queue stops publishing metrics; no data means nothing is dead-lettered.
            treatMissingDataOverride: cloudwatch.TreatMissingData.NOT_BREACHING,
            datapointsToAlarm: 1,
            evaluationPeriods: 1,
          },
        },
      });

    this.addWebhookAlarms(props);

    // ── Lambda, API Gateway, DynamoDB ─────────────────────────────────────────────────────────
    this.facade.addLargeHeader('Functions');
    for (const [name, fn] of Object.entries(fns) as [FunctionName, lambda.IFunction][]) {
      this.facade.monitorLambdaFunction({
        lambdaFunction: fn,
        alarmFriendlyName: name,
        humanReadableName: name,
        addFaultCountAlarm: { Critical: { maxErrorCount: alarmThresholds.lambdaErrors } },
        addThrottlesCountAlarm: { Critical: { maxErrorCount: alarmThresholds.lambdaThrottles } },
      });
    }

    this.facade
      .addLargeHeader('API and storage')
      .monitorApiGateway({
        api: props.restApi,
        apiStage: props.apiStageName,
        alarmFriendlyName: 'Api',
        humanReadableName: 'REST API',
        add5XXFaultRateAlarm: { Critical: { maxErrorRate: alarmThresholds.api5xxRate } },
      })
      .monitorDynamoTable({
        table: props.paymentsTable,
        alarmFriendlyName: 'PaymentsTable',
        humanReadableName: 'Payments table',
      });
  }

  /**
   * Merchant webhooks: an alarm when deliveries have failed in every 5-minute period for an hour
   * (some receiver is down or refusing us; the merchant should hear before the 3-day schedule
   * runs out), and one on the delivery DLQ (our own delivery function failing).
   */
  private addWebhookAlarms(props: PspMonitoringProps): void {
    const action = new cloudwatchActions.SnsAction(this.alarmTopic);
    const failures = new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: metricNames.webhookDeliveryFailures,
      dimensionsMap: { service: SERVICE_NAME },
      statistic: 'Sum',
      period: Duration.minutes(5),
    });
    new cloudwatch.Alarm(this, 'WebhookEndpointsFailingForAnHour', {
      alarmName: `VippsPsp-${props.config.stage}-WebhookEndpointsFailingForAnHour`,
      alarmDescription: 'Merchant webhook deliveries failed in every 5-minute period for an hour',
      // As metric math, like every alarm the monitoring facade makes (one shape for the tests).
      metric: new cloudwatch.MathExpression({
        expression: 'failures',
        usingMetrics: { failures },
        period: Duration.minutes(5),
        label: 'webhook delivery failures',
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 12,
      datapointsToAlarm: 12,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(action);
    new cloudwatch.Alarm(this, 'WebhookDeadLetters', {
      alarmName: `VippsPsp-${props.config.stage}-WebhookDeadLetters`,
      alarmDescription: 'Merchant webhook delivery tasks our delivery function could not process',
      metric: new cloudwatch.MathExpression({
        expression: 'visible',
        usingMetrics: {
          visible: props.webhookQueues.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period: Duration.minutes(5),
          }),
        },
        period: Duration.minutes(5),
        label: 'webhook DLQ messages',
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(action);
    // The stream's relay falling behind (or retrying a failing batch): webhooks are late, and
    // records the mapping gives up on are left to the reconciler's sweep.
    new cloudwatch.Alarm(this, 'EventStreamIteratorAge', {
      alarmName: `VippsPsp-${props.config.stage}-EventStreamIteratorAge`,
      alarmDescription:
        'The event dispatcher is behind on the payments table stream: merchant webhooks are late',
      metric: new cloudwatch.MathExpression({
        expression: 'age',
        usingMetrics: {
          age: props.functions.eventDispatcher.metric('IteratorAge', {
            statistic: 'Maximum',
            period: Duration.minutes(1),
          }),
        },
        period: Duration.minutes(1),
        label: 'stream iterator age (ms)',
      }),
      threshold: alarmThresholds.eventStreamIteratorAgeSeconds * 1000,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(action);
  }
}
