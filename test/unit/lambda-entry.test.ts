/**
 * What every Lambda entry point shares (handlers/lambda-entry.ts), as ops see it in CloudWatch:
 * each log line carries the invocation's request id (and the API Gateway request id as the
 * correlation id), and functions that emit business metrics flush them as EMF after each call.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  apiGatewayRequestId,
  entryDependencies,
  lambdaEntry,
  withSettings,
} from '../../lambdas/handlers/lambda-entry.js';
import { lambdaContext } from '../support/lambda-context.js';

const context = (awsRequestId: string) => lambdaContext({ awsRequestId, remainingMs: 10_000 });

/** The JSON lines the function wrote (Powertools logs and EMF go to stdout, warnings to stderr). */
function captureOutput() {
  const lines: Array<Record<string, unknown>> = [];
  const capture = (chunk: string | Uint8Array) => {
    for (const line of String(chunk).split('\n').filter(Boolean)) {
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a JSON line of ours
      }
    }
    return true;
  };
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(capture),
    vi.spyOn(process.stderr, 'write').mockImplementation(capture),
  ];
  return { lines, restore: () => spies.forEach((spy) => spy.mockRestore()) };
}

describe('a Lambda entry point', () => {
  let out: ReturnType<typeof captureOutput>;
  beforeEach(() => {
    out = captureOutput();
  });
  afterEach(() => {
    out.restore();
    vi.unstubAllEnvs();
  });

  const logLine = (message: string) => out.lines.filter((l) => l.message === message);

  it('logs every line with the invocation’s request id and the API Gateway request id', async () => {
    const deps = entryDependencies({});
    const entry = lambdaEntry(
      deps,
      (event: { requestContext?: { requestId?: string } }) => {
        deps.log.warn('handling');
        return Promise.resolve(event.requestContext?.requestId ?? 'none');
      },
      { correlationId: apiGatewayRequestId },
    );

    expect(await entry({ requestContext: { requestId: 'apigw-1' } }, context('lambda-1'))).toBe('apigw-1');
    expect(await entry({}, context('lambda-2'))).toBe('none');

    const [first, second] = logLine('handling');
    expect(first).toMatchObject({
      service: 'vipps-psp-gateway',
      function_request_id: 'lambda-1',
      correlation_id: 'apigw-1',
    });
    expect(second).toMatchObject({ function_request_id: 'lambda-2' });
    expect(second).not.toHaveProperty('correlation_id');
  });

  it('without a correlation id rule, log lines carry none', async () => {
    const deps = entryDependencies({});
    const entry = lambdaEntry(deps, () => Promise.resolve(void deps.log.warn('handling')));
    await entry({ requestContext: { requestId: 'apigw-1' } }, context('lambda-1'));
    expect(logLine('handling')[0]).not.toHaveProperty('correlation_id');
  });

  it('a function that emits metrics flushes them (and the cold start) as EMF after the call', async () => {
    vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand'); // as in Lambda: Powertools counts cold starts
    const deps = entryDependencies({});
    const entry = lambdaEntry(
      deps,
      () => Promise.resolve(void deps.metrics.addMetric('WebhookDeliveries', MetricUnit.Count, 1)),
      { emitsMetrics: true },
    );
    await entry({}, context('lambda-1'));

    const emf = out.lines.filter((l) => '_aws' in l);
    const names = emf.flatMap((l) =>
      (
        l._aws as { CloudWatchMetrics: Array<{ Metrics: Array<{ Name: string }> }> }
      ).CloudWatchMetrics.flatMap((m) => m.Metrics.map((metric) => metric.Name)),
    );
    expect(names).toEqual(expect.arrayContaining(['WebhookDeliveries', 'ColdStart']));
    expect(emf.find((l) => 'WebhookDeliveries' in l)).toMatchObject({ WebhookDeliveries: 1 });
  });

  it('a function that does not emit metrics writes no EMF, not even the cold start', async () => {
    vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
    const deps = entryDependencies({});
    const entry = lambdaEntry(deps, () => Promise.resolve('done'));
    await entry({}, context('lambda-1'));
    expect(out.lines.filter((l) => '_aws' in l)).toEqual([]);
  });
});

describe('entry dependencies', () => {
  it('builds a dependency only when it is first read', () => {
    const make = vi.fn(() => ({ name: 'table' }));
    const unused = vi.fn(() => 'never');
    const deps = entryDependencies({ table: make, unused });
    expect(make).not.toHaveBeenCalled();
    expect(deps.table).toEqual({ name: 'table' });
    expect(unused).not.toHaveBeenCalled();
    expect(typeof deps.log.info).toBe('function');
    expect(typeof deps.metrics.addMetric).toBe('function');
  });

  it('settings are layered over the dependencies without building them', () => {
    const make = vi.fn(() => 'built');
    const deps = entryDependencies({ table: make });
    const withKey = withSettings(deps, { hmacKey: 'k' });
    expect(withKey.hmacKey).toBe('k');
    expect(make).not.toHaveBeenCalled();
    expect(withKey.table).toBe('built');
  });

  it('the correlation id is the API Gateway request id, when there is one', () => {
    expect(apiGatewayRequestId({ requestContext: { requestId: 'r-1' } })).toBe('r-1');
    expect(apiGatewayRequestId({})).toBeUndefined();
  });
});
