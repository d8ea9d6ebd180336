/**
 * Issue 11 item 9: the CDK stack has the ePayment routes (card callback, webhooks) on their own
 * functions, the Vipps secret readable by both (client secret = callback HMAC key; webhookSecret),
 * and alarms on card-callback p99 latency (> 10 s) and callback authentication failures.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { metricNames } from '../../lambdas/observability.js';
import { functions } from '../../lambdas/routes.js';
import { resourcesOfType, synthesizePsp } from './psp-template.js';

const psp = synthesizePsp({ stage: 'sandbox', vippsPspId: 'psp-test-id', alarmEmail: 'ops@example.com' });
afterAll(() => psp.dispose());

interface AlarmJson {
  ComparisonOperator: string;
  Threshold: number;
  Metrics: Array<{
    MetricStat?: {
      Stat: string;
      Metric: { MetricName: string; Dimensions: Array<{ Name: string; Value: unknown }> };
    };
  }>;
}
const alarms = resourcesOfType(psp.resources, 'AWS::CloudWatch::Alarm').map(
  ([, a]) => a.Properties as unknown as AlarmJson,
);
const alarmOn = (metricName: string) =>
  alarms.filter((a) => a.Metrics.some((m) => m.MetricStat?.Metric.MetricName === metricName));

describe('ePayment in the CDK stack', () => {
  it('routes POST /vipps/card-callback and POST /vipps/webhooks without a merchant authorizer', () => {
    const methods = resourcesOfType(psp.resources, 'AWS::ApiGateway::Method').map(
      ([, m]) => m.Properties as { HttpMethod: string; AuthorizationType: string },
    );
    const resources = resourcesOfType(psp.resources, 'AWS::ApiGateway::Resource').map(
      ([, r]) => (r.Properties as { PathPart: string }).PathPart,
    );
    expect(resources).toEqual(expect.arrayContaining(['card-callback', 'webhooks']));
    expect(
      methods.filter((m) => m.HttpMethod === 'POST' && m.AuthorizationType === 'NONE').length,
    ).toBeGreaterThanOrEqual(3);
  });

  it('both functions may read the Vipps credentials secret (client secret and webhookSecret)', () => {
    expect(functions.cardCallback.access.vippsCredentials).toBe('read');
    expect(functions.vippsWebhooks.access.vippsCredentials).toBe('read');
    const policies = JSON.stringify(resourcesOfType(psp.resources, 'AWS::IAM::Policy'));
    expect(policies.match(/secretsmanager:GetSecretValue/g)?.length ?? 0).toBeGreaterThanOrEqual(5);
  });

  it('alarms when the card callback p99 is above 10 s', () => {
    const [alarm] = alarmOn(metricNames.cardCallbackLatency);
    expect(alarm).toMatchObject({ ComparisonOperator: 'GreaterThanThreshold', Threshold: 10_000 });
    expect(alarm!.Metrics[0]!.MetricStat!.Stat).toBe('p99');
  });

  it('alarms on any card callback refused as unauthenticated', () => {
    const [alarm] = alarmOn(metricNames.cardCallbackAnswer);
    expect(alarm).toMatchObject({ ComparisonOperator: 'GreaterThanThreshold', Threshold: 0 });
    expect(alarm!.Metrics[0]!.MetricStat!.Metric.Dimensions).toContainEqual({ Name: 'result', Value: '401' });
  });
});
