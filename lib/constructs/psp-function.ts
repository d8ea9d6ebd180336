/**
 * One place for what every Lambda of the gateway has in common: Node.js 22 on arm64, an
 * esbuild bundle (local esbuild, never Docker) that ships the AWS SDK versions we test with,
 * source maps, X-Ray, JSON logs into an explicit log group with retention, and a role that starts
 * with nothing but writing to that log group. Everything else is granted from the function's
 * `access` in lambdas/routes.ts (see access.ts).
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { FunctionDefinition, FunctionName } from '../../lambdas/routes.js';
import { BUNDLE_TARGET, ESM_REQUIRE_BANNER, MAIN_FIELDS, aliasArgs } from '../bundling.js';

/** The repository root: handler entries in lambdas/routes.ts are relative to it. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface PspFunctionProps {
  name: FunctionName;
  definition: FunctionDefinition;
  environment: Record<string, string>;
  logRetention: logs.RetentionDays;
  /** Log groups of a production stack outlive it (audit trail); sandbox ones go with the stack. */
  logRemovalPolicy: RemovalPolicy;
}

export class PspFunction extends NodejsFunction {
  readonly logGroupRef: logs.LogGroup;
  readonly executionRole: iam.Role;
  readonly definition: FunctionDefinition;

  constructor(scope: Construct, id: string, props: PspFunctionProps) {
    const { definition } = props;
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    // Our own role instead of AWSLambdaBasicExecutionRole: that managed policy may write to any
    // log group in the account; this one writes to its own group only.
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the ${props.name} function`,
    });
    logGroup.grantWrite(role);

    super(scope, id, {
      entry: path.join(PROJECT_ROOT, definition.entry),
      handler: definition.handler,
      description: definition.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: definition.memoryMb,
      timeout: Duration.seconds(definition.timeoutSeconds),
      ...(definition.reservedConcurrency !== undefined
        ? { reservedConcurrentExecutions: definition.reservedConcurrency }
        : {}),
      tracing: lambda.Tracing.ACTIVE,
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      bundling: {
        forceDockerBundling: false,
        minify: true,
        sourceMap: true,
        // Line numbers are enough for stack traces; keeping sources out halves the asset.
        sourcesContent: false,
        target: BUNDLE_TARGET,
        format: OutputFormat.ESM,
        mainFields: MAIN_FIELDS,
        banner: ESM_REQUIRE_BANNER,
        // Bundle the AWS SDK instead of using the runtime's copy: we ship the versions we test.
        externalModules: [],
        metafile: true,
        // Lambda-only replacements (e.g. env-only AWS credentials): see lib/bundling.ts.
        esbuildArgs: aliasArgs(),
      },
    });
    this.logGroupRef = logGroup;
    this.executionRole = role;
    this.definition = definition;

    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords do not support ' +
        'resource-level permissions, so AWS requires Resource "*".',
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 is pinned on purpose: the bundle, Powertools and middy are tested on it, and ' +
        'nodejs22.x is supported until April 2027. Moving to Node 24 is a planned, tested upgrade.',
    });
  }
}
