import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { METRICS_NAMESPACE, metricNames } from '../../lambdas/observability.js';
import { functions, type FunctionName } from '../../lambdas/routes.js';
import { refersTo, resourcesOfType, synthesizePsp } from './psp-template.js';

const psp = synthesizePsp({ stage: 'sandbox', vippsPspId: 'psp-test-id', alarmEmail: 'ops@example.com' });
afterAll(() => psp.dispose());

interface MetricStatJson {
  Metric: { MetricName: string; Namespace: string; Dimensions: { Name: string; Value: unknown }[] };
  Stat: string;
}
interface AlarmJson {
  AlarmName: string;
  AlarmActions: unknown[];
  ComparisonOperator: string;
  Threshold: number;
  TreatMissingData: string;
  Metrics: { Id: string; Expression?: string; MetricStat?: MetricStatJson; ReturnData?: boolean }[];
}

const alarms = resourcesOfType(psp.resources, 'AWS::CloudWatch::Alarm').map(
  ([, a]) => a.Properties as unknown as AlarmJson,
);
const topicId = psp.logicalId(psp.stack.monitoring.alarmTopic);
const stats = (alarm: AlarmJson) => alarm.Metrics.flatMap((m) => (m.MetricStat ? [m.MetricStat] : []));

/** Alarms with a metric called `metricName` (in any of their math inputs) matching `dimension`. */
function alarmsOn(
  metricName: string,
  dimension?: (d: { Name: string; Value: unknown }) => boolean,
): AlarmJson[] {
  return alarms.filter((a) =>
    stats(a).some(
      (s) => s.Metric.MetricName === metricName && (!dimension || s.Metric.Dimensions.some(dimension)),
    ),
  );
}
const only = (found: AlarmJson[]): AlarmJson => {
  expect(found).toHaveLength(1);
  return found[0]!;
};

describe('alarms', () => {
  it('every alarm notifies the one alarm topic', () => {
    expect(alarms.length).toBeGreaterThan(0);
    for (const alarm of alarms) expect(alarm.AlarmActions, alarm.AlarmName).toEqual([{ Ref: topicId }]);
  });

  it('merchant webhook deliveries failing in every 5 minutes for an hour', () => {
    const alarm = only(alarmsOn(metricNames.webhookDeliveryFailures)) as AlarmJson & {
      EvaluationPeriods: number;
      DatapointsToAlarm: number;
    };
    expect(alarm).toMatchObject({
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      EvaluationPeriods: 12,
      DatapointsToAlarm: 12,
      TreatMissingData: 'notBreaching',
    });
    expect(stats(alarm)[0]).toMatchObject({ Stat: 'Sum', Metric: { Namespace: METRICS_NAMESPACE } });
  });

  it('the event dispatcher falling behind on the payments stream (IteratorAge over a minute)', () => {
    const dispatcherId = psp.functionLogicalId('eventDispatcher');
    const alarm = only(alarmsOn('IteratorAge', (d) => refersTo(d.Value, dispatcherId)));
    expect(alarm).toMatchObject({
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 60_000,
      TreatMissingData: 'notBreaching',
    });
    expect(stats(alarm)[0]).toMatchObject({ Stat: 'Maximum', Metric: { Namespace: 'AWS/Lambda' } });
  });

  it('DLQ not empty (no data from an idle DLQ is not breaching)', () => {
    const dlqId = psp.logicalId(psp.stack.statusQueues.deadLetterQueue);
    const alarm = only(alarmsOn('ApproximateNumberOfMessagesVisible', (d) => refersTo(d.Value, dlqId)));
    expect(alarm).toMatchObject({
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      TreatMissingData: 'notBreaching',
    });
  });

  it('oldest status update older than 15 minutes', () => {
    const queueId = psp.logicalId(psp.stack.statusQueues.queue);
    const alarm = only(alarmsOn('ApproximateAgeOfOldestMessage', (d) => refersTo(d.Value, queueId)));
    expect(alarm).toMatchObject({ ComparisonOperator: 'GreaterThanThreshold', Threshold: 900 });
    expect(stats(alarm)[0]!.Stat).toBe('Maximum');
  });

  it('makePayment p99 above 5 s, on the handler’s own latency metric', () => {
    const alarm = only(alarmsOn(metricNames.makePaymentLatency));
    const stat = stats(alarm)[0]!;
    expect(stat.Stat).toBe('p99');
    expect(stat.Metric.Namespace).toBe(METRICS_NAMESPACE);
    expect(stat.Metric.Dimensions).toEqual([{ Name: 'service', Value: 'vipps-psp-gateway' }]);
    expect(alarm).toMatchObject({ ComparisonOperator: 'GreaterThanThreshold', Threshold: 5000 });
  });

  it('errorId 91 rate: 91 answers over makePayment invocations, in percent', () => {
    const on85 = alarmsOn(metricNames.makePaymentAnswer, (d) => d.Name === 'errorId' && d.Value === '85');
    const alarm = only(
      alarmsOn(metricNames.makePaymentAnswer, (d) => d.Name === 'errorId' && d.Value === '91').filter(
        (a) => !on85.includes(a),
      ),
    );
    const expression = alarm.Metrics.find((m) => m.Expression)!;
    expect(expression.ReturnData).not.toBe(false);
    const invocations = stats(alarm).find((s) => s.Metric.MetricName === 'Invocations')!;
    expect(refersTo(invocations.Metric.Dimensions, psp.functionLogicalId('makePayment'))).toBe(true);
    expect(alarm).toMatchObject({ ComparisonOperator: 'GreaterThanThreshold', Threshold: 2 });
  });

  it('acquirer error rate: 85 + 91 answers over makePayment invocations (issue 13)', () => {
    const alarm = only(
      alarmsOn(metricNames.makePaymentAnswer, (d) => d.Name === 'errorId' && d.Value === '85'),
    );
    expect(stats(alarm).some((s) => s.Metric.Dimensions.some((d) => d.Value === '91'))).toBe(true);
    expect(alarm).toMatchObject({ ComparisonOperator: 'GreaterThanThreshold', Threshold: 5 });
  });

  it('operations pending over an hour, or lost authorisations the acquirer cannot look up (issue 13)', () => {
    const alarm = only(
      alarmsOn(metricNames.reconcilerAction, (d) => d.Name === 'action' && d.Value === 'operationOverdue'),
    );
    expect(stats(alarm).some((s) => s.Metric.Dimensions.some((d) => d.Value === 'reversalImpossible'))).toBe(
      true,
    );
    expect(alarm).toMatchObject({ ComparisonOperator: 'GreaterThanThreshold', Threshold: 0 });
  });

  it('API 5xx rate', () => {
    const alarm = only(alarmsOn('5XXError'));
    expect(stats(alarm)[0]!.Stat).toBe('Average');
    expect(stats(alarm)[0]!.Metric.Dimensions).toEqual([
      { Name: 'ApiName', Value: 'vipps-psp-sandbox' },
      { Name: 'Stage', Value: 'sandbox' },
    ]);
    expect(alarm.Threshold).toBeLessThanOrEqual(0.05);
  });

  it.each(Object.keys(functions) as FunctionName[])('%s: errors and throttles', (name) => {
    const fnId = psp.functionLogicalId(name);
    for (const metric of ['Errors', 'Throttles']) {
      const alarm = only(alarmsOn(metric, (d) => d.Name === 'FunctionName' && refersTo(d.Value, fnId)));
      expect(alarm).toMatchObject({ ComparisonOperator: 'GreaterThanThreshold', Threshold: 0 });
    }
  });
});

describe('alarm topic', () => {
  it('is encrypted with a key CloudWatch may use, refuses plain HTTP, and mails ops', () => {
    const topic = psp.resources[topicId]!.Properties!;
    const keyId = psp.logicalId(psp.stack.keys.storageKey);
    expect(refersTo(topic.KmsMasterKeyId, keyId)).toBe(true);
    psp.template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: expectArrayContaining({
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        }),
      },
    });
    psp.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: expectArrayContaining({
          Effect: 'Deny',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      },
    });
    psp.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: { Ref: topicId },
    });
  });
});

describe('dashboard', () => {
  const dashboards = resourcesOfType(psp.resources, 'AWS::CloudWatch::Dashboard').map(([, d]) =>
    JSON.stringify(d.Properties!.DashboardBody),
  );
  const body = dashboards.join('\n');

  it('exists, with the alarms dashboard beside it', () => {
    expect(dashboards.length).toBe(2);
  });

  it.each([
    ['makePayment latency against the 15 s budget', [metricNames.makePaymentLatency, 'p50', 'p99', '15000']],
    ['outcomes by errorId', ['SEARCH(', metricNames.makePaymentAnswer, 'errorId']],
    ['soft-decline rate', ['1036']],
    ['3-D Secure completion', [metricNames.threeDsSession, 'completion']],
    [
      '3-D Secure outcomes and 3DS server latency',
      [
        metricNames.threeDsAuthentication,
        'frictionless',
        'challenged',
        'failed',
        metricNames.threeDsServerLatency,
        '/postauth p99',
      ],
    ],
    ['status-update lag and DLQ depth', [metricNames.statusUpdateLag, 'ApproximateNumberOfMessagesVisible']],
    ['Lambda errors and throttles', ['Errors', 'Throttles']],
    ['API 4xx and 5xx', ['4XXError', '5XXError']],
  ])('shows %s', (_what, needles) => {
    for (const needle of needles) expect(body).toContain(needle);
  });
});

/** A statement list containing one statement like `x` (CDK assertion matchers). */
const expectArrayContaining = (x: Record<string, unknown>) => Match.arrayWith([Match.objectLike(x)]);
