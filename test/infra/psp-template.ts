/**
 * Synthesizes the PSP stack for the infra tests and offers small, typed readers over the
 * resulting CloudFormation template. Each test file synthesizes once at module level; asset
 * bundling is skipped (context `aws:cdk:bundling-stacks: []`) except where a test asks for it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Validations, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import type { FunctionName } from '../../lambdas/routes.js';
import { PspStack } from '../../lib/psp-stack.js';
import { readStageConfig } from '../../lib/stage-config.js';

export interface CfnResourceJson {
  Type: string;
  Properties?: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  DependsOn?: string | string[];
}

export interface PolicyStatementJson {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

export interface SynthesizedPsp {
  app: App;
  stack: PspStack;
  template: Template;
  resources: Record<string, CfnResourceJson>;
  /** The logical id CloudFormation gives a construct (its default child when it is an L2). */
  logicalId(construct: IConstruct): string;
  functionLogicalId(name: FunctionName): string;
  roleLogicalId(name: FunctionName): string;
  outdir: string;
  /** Remove the cloud assembly directory. */
  dispose(): void;
}

export const SANDBOX_CONTEXT = { stage: 'sandbox', vippsPspId: 'psp-test-id' } as const;

export function synthesizePsp(
  context: Record<string, unknown> = SANDBOX_CONTEXT,
  options: { bundle?: boolean; nag?: boolean; cfnValidation?: boolean } = {},
): SynthesizedPsp {
  const outdir = mkdtempSync(path.join(tmpdir(), 'psp-infra-'));
  const app = new App({
    outdir,
    // CDK's built-in CloudFormation schema validation costs seconds per synth; the nag and
    // bundling tests keep it on (as `cdk synth` does), the assertion tests leave it off.
    builtinCloudFormationValidation: options.cfnValidation ?? false,
    context: { ...context, ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) },
  });
  const config = readStageConfig(app.node);
  const stack = new PspStack(app, `VippsPsp-${config.stage}`, { config });
  if (options.nag) {
    // As bin/app.ts does: synthesis fails on any unacknowledged AwsSolutions error.
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    app.synth();
  }
  const template = Template.fromStack(stack);
  const resources = template.toJSON().Resources as Record<string, CfnResourceJson>;
  const logicalId = (construct: IConstruct): string => {
    const element = (construct.node.defaultChild ?? construct) as CfnElement;
    return stack.getLogicalId(element);
  };
  return {
    app,
    stack,
    template,
    resources,
    logicalId,
    functionLogicalId: (name) => logicalId(stack.functions.byName[name]),
    roleLogicalId: (name) => logicalId(stack.functions.byName[name].executionRole),
    outdir,
    dispose: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

export const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** True when a CloudFormation value is, or contains, a Ref/GetAtt of `logicalId`. */
export const refersTo = (value: unknown, logicalId: string): boolean =>
  JSON.stringify(value ?? null).includes(`"${logicalId}"`);

/** Does the IAM action pattern `pattern` (may contain * and ?) cover `action`? */
export function actionCovers(pattern: string, action: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
  return regex.test(action);
}

export function resourcesOfType(
  resources: Record<string, CfnResourceJson>,
  type: string,
): [string, CfnResourceJson][] {
  return Object.entries(resources).filter(([, r]) => r.Type === type);
}

/** Identity-policy statements attached to a role (AWS::IAM::Policy resources naming it). */
export function roleStatements(
  resources: Record<string, CfnResourceJson>,
  roleId: string,
): PolicyStatementJson[] {
  return resourcesOfType(resources, 'AWS::IAM::Policy')
    .filter(([, p]) => asArray(p.Properties?.Roles as unknown[]).some((r) => refersTo(r, roleId)))
    .flatMap(([, p]) => (p.Properties?.PolicyDocument as { Statement: PolicyStatementJson[] }).Statement);
}

/** Statements of a KMS key's key policy. */
export function keyPolicyStatements(
  resources: Record<string, CfnResourceJson>,
  keyId: string,
): PolicyStatementJson[] {
  const key = resources[keyId];
  if (key?.Type !== 'AWS::KMS::Key') throw new Error(`${keyId} is not a KMS key`);
  return (key.Properties?.KeyPolicy as { Statement: PolicyStatementJson[] }).Statement;
}

export const allows = (statement: PolicyStatementJson, action: string): boolean =>
  statement.Effect === 'Allow' && asArray(statement.Action).some((pattern) => actionCovers(pattern, action));
