import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, describe, expect, it } from 'vitest';
import { PspStack } from '../../lib/psp-stack.js';
import { parseStageConfig } from '../../lib/stage-config.js';
import { SANDBOX_CONTEXT, synthesizePsp } from './psp-template.js';

// synthesizePsp({…}, { nag: true }) registers the AwsSolutions pack and synthesizes, which throws
// on any unacknowledged *error*; validateScope below also reports *warnings*.
const variants = {
  sandbox: synthesizePsp(SANDBOX_CONTEXT, { nag: true, cfnValidation: true }),
  'production with custom domain and operator WAF': synthesizePsp(
    {
      stage: 'production',
      vippsPspId: 'psp-prod',
      threeDsBaseUrl: 'https://service.3dsecure.io',
      threeDsAcquirerBin: '438309',
      threeDsAcquirerMerchantId: 'psp-prod-mid',
      acquirer: 'clearhaus',
      clearhausBaseUrl: 'https://gateway.clearhaus.com',
      alarmEmail: 'ops@example.com',
      customDomain: {
        domainName: 'psp.example.no',
        certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/x',
      },
      wafWebAclArn: 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/ops/1',
    },
    { nag: true },
  ),
  'sandbox without any WAF': synthesizePsp({ ...SANDBOX_CONTEXT, bodyLimitFirewall: 'false' }, { nag: true }),
};
afterAll(() => Object.values(variants).forEach((v) => v.dispose()));

function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({
          path: c.node.path,
          id,
          reason,
        })),
      ),
  );
}

describe.each(Object.entries(variants))('%s', (_name, psp) => {
  it('has no unacknowledged AwsSolutions finding, error or warning', () => {
    const { violations } = new AwsSolutionsChecks().validateScope(psp.app);
    expect(
      violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(', ')}`),
    ).toEqual([]);
  });

  it('every acknowledgement names an AwsSolutions rule and says why', () => {
    const acks = acknowledgements(psp.app);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.id, ack.path).toMatch(/^(Annotation::)?AwsSolutions-[A-Z]+\d+(\[.+\])?$/i);
      expect(ack.reason.length, `${ack.id} on ${ack.path}`).toBeGreaterThanOrEqual(40);
    }
  });
});

describe('CloudFormation schema validation (built into CDK, on for `cdk synth`)', () => {
  it('finds nothing in the sandbox template', () => {
    const report = JSON.parse(
      readFileSync(path.join(variants.sandbox.outdir, 'validation-report.json'), 'utf8'),
    ) as {
      pluginReports: { pluginName: string; violations?: unknown[] }[];
    };
    expect(report.pluginReports.flatMap((r) => r.violations ?? [])).toEqual([]);
  });
});

describe('the check is live', () => {
  it('an unacknowledged finding added to the stack is reported and stops synthesis', () => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'psp-nag-probe-'));
    const app = new App({
      outdir,
      builtinCloudFormationValidation: false,
      context: { 'aws:cdk:bundling-stacks': [] },
    });
    const stack = new PspStack(app, 'Probe', { config: parseStageConfig({ ...SANDBOX_CONTEXT }) });
    new sqs.Queue(stack, 'UnprotectedQueue');
    const { violations } = new AwsSolutionsChecks().validateScope(app);
    expect(violations.map((v) => v.ruleName).sort()).toEqual(['AwsSolutions-SQS3', 'AwsSolutions-SQS4']);
    expect(violations.flatMap((v) => v.violatingResources.map((r) => r.constructPath))).toEqual([
      'Probe/UnprotectedQueue/Resource',
      'Probe/UnprotectedQueue/Resource',
    ]);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    try {
      expect(() => app.synth()).toThrow(/AwsSolutions-SQS4/);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
