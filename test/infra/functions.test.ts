import { afterAll, describe, expect, it } from 'vitest';
import { configVariables, loadConfig } from '../../lambdas/config.js';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../lambdas/observability.js';
import { functions, type FunctionName } from '../../lambdas/routes.js';
import { checkMakePaymentBudget } from '../../lib/constructs/functions.js';
import { resourcesOfType, synthesizePsp, type CfnResourceJson } from './psp-template.js';

const psp = synthesizePsp();
afterAll(() => psp.dispose());

const names = Object.keys(functions) as FunctionName[];
const fnProps = (name: FunctionName) => psp.resources[psp.functionLogicalId(name)]!.Properties!;
const envOf = (name: FunctionName) =>
  (fnProps(name).Environment as { Variables: Record<string, unknown> }).Variables;

describe.each(names)('%s', (name) => {
  const definition = functions[name];
  const props = fnProps(name);

  it('runs Node.js 22 on arm64 with X-Ray active tracing', () => {
    expect(props.Runtime).toBe('nodejs22.x');
    expect(props.Architectures).toEqual(['arm64']);
    expect(props.TracingConfig).toEqual({ Mode: 'Active' });
    expect(props.Handler).toBe('index.handler'); // ESM bundle: index.mjs
  });

  it('has the timeout, memory and reserved concurrency of lambdas/routes.ts', () => {
    expect(props.Timeout).toBe(definition.timeoutSeconds);
    expect(props.MemorySize).toBe(definition.memoryMb);
    expect(props.ReservedConcurrentExecutions).toBe(definition.reservedConcurrency);
  });

  it('logs JSON into its own log group with a retention', () => {
    const logging = props.LoggingConfig as { LogFormat: string; LogGroup: { Ref: string } };
    expect(logging.LogFormat).toBe('JSON');
    const logGroup = psp.resources[logging.LogGroup.Ref]!;
    expect(logGroup.Type).toBe('AWS::Logs::LogGroup');
    expect(logGroup.Properties!.RetentionInDays).toBe(30);
  });

  it('maps stack traces through source maps and names its metrics', () => {
    expect(envOf(name)).toMatchObject({
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    });
  });
});

describe('environment', () => {
  const env = envOf('makePayment');
  const secretId = psp.logicalId(psp.stack.vippsCredentials.secret);

  it('every variable is one lambdas/config.ts reads (or a documented extra)', () => {
    const extras = [
      'STATUS_DLQ_URL',
      'POWERTOOLS_SERVICE_NAME',
      'POWERTOOLS_METRICS_NAMESPACE',
      'NODE_OPTIONS',
    ];
    for (const key of Object.keys(env)) expect([...configVariables, ...extras]).toContain(key);
  });

  it('satisfies the handlers’ configuration schema once CloudFormation resolves it', () => {
    const resolved = Object.fromEntries(
      Object.entries(env).map(([key, value]) => [
        key,
        typeof value === 'string' ? value : `https://resolved.example.com/${key.toLowerCase()}`,
      ]),
    );
    const config = loadConfig(resolved);
    expect(config).toMatchObject({
      STAGE: 'sandbox',
      ACQUIRER: 'sandbox',
      VIPPS_BASE_URL: 'https://apitest.vipps.no',
    });
    expect(config.VIPPS_PSP_ID).toBe('psp-test-id');
  });

  it('carries the secret’s ARN, never Vipps credentials', () => {
    expect(env.VIPPS_CREDENTIALS_SECRET_ID).toEqual({ Ref: secretId });
    for (const name of names) {
      const variables = envOf(name);
      for (const key of ['VIPPS_CLIENT_ID', 'VIPPS_CLIENT_SECRET', 'VIPPS_SUBSCRIPTION_KEY']) {
        expect(variables).not.toHaveProperty(key);
      }
      // No value resolves the secret (dynamic references are how a template would leak it).
      expect(JSON.stringify(variables)).not.toMatch(/resolve:secretsmanager|SecretString/);
    }
  });

  it('the secret has no literal value in the template', () => {
    const secret = psp.resources[secretId]!.Properties!;
    expect(secret.SecretString).toBeUndefined();
    expect(secret.GenerateSecretString).toMatchObject({ GenerateStringKey: 'clientSecret' });
  });
});

describe('triggers', () => {
  it('the status updater consumes the status queue in batches of 10 with partial failures', () => {
    const mappings = resourcesOfType(psp.resources, 'AWS::Lambda::EventSourceMapping').filter(
      ([, m]) =>
        JSON.stringify(m.Properties!.FunctionName) ===
        JSON.stringify({ Ref: psp.functionLogicalId('statusUpdater') }),
    );
    expect(mappings).toHaveLength(1);
    const props = mappings[0]![1].Properties!;
    expect(props.EventSourceArn).toEqual({
      'Fn::GetAtt': [psp.logicalId(psp.stack.statusQueues.queue), 'Arn'],
    });
    expect(props.BatchSize).toBe(10);
    expect(props.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(props.MaximumBatchingWindowInSeconds).toBeUndefined(); // not allowed on FIFO
    // Never poll more batches at once than the reserved concurrency can run.
    expect((props.ScalingConfig as { MaximumConcurrency: number }).MaximumConcurrency).toBeLessThanOrEqual(
      Math.max(2, functions.statusUpdater.reservedConcurrency!),
    );
  });

  it('the webhook delivery function consumes its own queue, with partial failures, capped by its concurrency', () => {
    const mappings = resourcesOfType(psp.resources, 'AWS::Lambda::EventSourceMapping').filter(
      ([, m]) =>
        JSON.stringify(m.Properties!.FunctionName) ===
        JSON.stringify({ Ref: psp.functionLogicalId('webhookDelivery') }),
    );
    expect(mappings).toHaveLength(1);
    const props = mappings[0]![1].Properties!;
    expect(JSON.stringify(props.EventSourceArn)).toContain('Webhooks');
    expect(props.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect((props.ScalingConfig as { MaximumConcurrency: number }).MaximumConcurrency).toBeLessThanOrEqual(
      Math.max(2, functions.webhookDelivery.reservedConcurrency!),
    );
  });

  it('the event dispatcher reads the payments table stream (new images): payment items only, from LATEST, retried from the failing record', () => {
    const table = psp.resources[psp.logicalId(psp.stack.tables.payments)]!.Properties!;
    expect(table.StreamSpecification).toEqual({ StreamViewType: 'NEW_IMAGE' });
    const mappings = resourcesOfType(psp.resources, 'AWS::Lambda::EventSourceMapping').filter(
      ([, m]) =>
        JSON.stringify(m.Properties!.FunctionName) ===
        JSON.stringify({ Ref: psp.functionLogicalId('eventDispatcher') }),
    );
    expect(mappings).toHaveLength(1);
    const props = mappings[0]![1].Properties!;
    expect(props.EventSourceArn).toEqual({
      'Fn::GetAtt': [psp.logicalId(psp.stack.tables.payments), 'StreamArn'],
    });
    expect(props).toMatchObject({
      StartingPosition: 'LATEST',
      BatchSize: 10,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const patterns = (props.FilterCriteria as { Filters: { Pattern: string }[] }).Filters.map(
      (f) => JSON.parse(f.Pattern) as unknown,
    );
    expect(patterns).toEqual([
      { eventName: ['INSERT', 'MODIFY'], dynamodb: { Keys: { sk: { S: ['TX'] } } } },
    ]);
  });

  it('only the event dispatcher, the reconciler (sweep) and the Merchant API (redeliver) send to the webhook queue', () => {
    const senders = names.filter((n) => functions[n].access.webhookQueue === 'send').sort();
    expect(senders).toEqual(['eventDispatcher', 'merchantApi', 'reconciler']);
  });

  it('the reconciler runs every minute, and stale sweeps are dropped', () => {
    const rules = resourcesOfType(psp.resources, 'AWS::Events::Rule');
    expect(rules).toHaveLength(1);
    const rule = rules[0]![1].Properties!;
    expect(rule.ScheduleExpression).toBe('rate(1 minute)');
    const targets = rule.Targets as { Arn: unknown }[];
    expect(targets.map((t) => t.Arn)).toEqual([
      { 'Fn::GetAtt': [psp.functionLogicalId('reconciler'), 'Arn'] },
    ]);
    psp.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: psp.functionLogicalId('reconciler') },
      MaximumRetryAttempts: 0,
    });
  });

  it('functions without a trigger are only invoked by API Gateway', () => {
    const invokers = (id: string) =>
      resourcesOfType(psp.resources, 'AWS::Lambda::Permission')
        .filter(([, p]) => JSON.stringify(p.Properties!.FunctionName).includes(id))
        .map(([, p]: [string, CfnResourceJson]) => p.Properties!.Principal);
    for (const name of ['merchantApi', 'makePayment', 'threeDs', 'merchantAuthorizer'] as const) {
      expect(new Set(invokers(psp.functionLogicalId(name)))).toEqual(new Set(['apigateway.amazonaws.com']));
    }
  });
});

describe('makePayment budget', () => {
  it('refuses an acquirer budget that leaves no time to answer Vipps', () => {
    expect(() => checkMakePaymentBudget(functions.makePayment, 10_000)).not.toThrow();
    expect(() => checkMakePaymentBudget(functions.makePayment, 12_000)).toThrow(/acquirerBudgetMs/);
    expect(() => checkMakePaymentBudget({ ...functions.makePayment, timeoutSeconds: 15 }, 1_000)).toThrow(
      /15000/,
    );
  });
});
