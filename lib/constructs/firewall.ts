/**
 * Request body limits for the REST API, enforced before any Lambda runs.
 *
 * API Gateway REST APIs have no "max body size" setting (only the fixed 10 MB quota), and a JSON
 * schema model cannot bound a body's byte size (draft 4 has no limit on property names, and
 * maxLength applies to strings only). Models would also answer Vipps' makePayment with HTTP 400
 * where the contract demands HTTP 200 with errorId 71, and the 3-D Secure form is not JSON.
 * The honest edge control is an AWS WAF SizeConstraint on the body, so this construct builds a
 * small regional web ACL from lambdas/routes.ts: one rule per (method, maxBodyBytes), matching
 * the route paths with or without the stage prefix (execute-api URLs carry `/<stage>`, a custom
 * domain mapped at the root does not). Bodies larger than the inspection limit count as a match
 * (oversize handling MATCH), so the limit holds for any size. The handlers check the size again.
 */
import { Aws } from 'aws-cdk-lib';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { RouteDefinition } from '../../lambdas/routes.js';

/** WAF body inspection limits for API Gateway (16 KB is included in the base price). */
const INSPECTION_LIMITS = [
  { bytes: 16 * 1024, setting: 'KB_16' },
  { bytes: 32 * 1024, setting: 'KB_32' },
  { bytes: 48 * 1024, setting: 'KB_48' },
  { bytes: 64 * 1024, setting: 'KB_64' },
] as const;

export interface BodyLimitFirewallProps {
  name: string;
  stageName: string;
  /** ARN of the API Gateway stage to protect. */
  stageArn: string;
  routes: readonly RouteDefinition[];
}

export class BodyLimitFirewall extends Construct {
  readonly webAcl: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: BodyLimitFirewallProps) {
    super(scope, id);
    const largest = Math.max(...props.routes.map((r) => r.maxBodyBytes));
    const inspection = INSPECTION_LIMITS.find((l) => l.bytes >= largest);
    if (!inspection) throw new Error(`maxBodyBytes ${largest} exceeds what AWS WAF can inspect (64 KB)`);

    const rules = groupByLimit(props.routes).map(({ method, maxBodyBytes, paths }, priority) => {
      const name = `${props.name}-${method}-body-over-${maxBodyBytes}`;
      return {
        name,
        priority,
        action: { block: {} },
        statement: {
          andStatement: {
            statements: [
              {
                byteMatchStatement: {
                  fieldToMatch: { method: {} },
                  positionalConstraint: 'EXACTLY',
                  searchString: method,
                  textTransformations: [{ priority: 0, type: 'NONE' }],
                },
              },
              {
                regexMatchStatement: {
                  fieldToMatch: { uriPath: {} },
                  regexString: pathRegex(props.stageName, paths),
                  textTransformations: [{ priority: 0, type: 'NONE' }],
                },
              },
              {
                sizeConstraintStatement: {
                  fieldToMatch: { body: { oversizeHandling: 'MATCH' } },
                  comparisonOperator: 'GT',
                  size: maxBodyBytes,
                  textTransformations: [{ priority: 0, type: 'NONE' }],
                },
              },
            ],
          },
        },
        visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: name, sampledRequestsEnabled: false },
      };
    });

    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name: props.name,
      description: 'Per-route request body limits from lambdas/routes.ts',
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      rules,
      associationConfig: { requestBody: { API_GATEWAY: { defaultSizeInspectionLimit: inspection.setting } } },
      // Sampled requests would keep request headers (Authorization) in the WAF console: off.
      visibilityConfig: {
        cloudWatchMetricsEnabled: true,
        metricName: props.name,
        sampledRequestsEnabled: false,
      },
    });

    new wafv2.CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.stageArn,
      webAclArn: this.webAcl.attrArn,
    });
  }
}

/** The API Gateway stage ARN that WAF associations take. */
export const stageArnFor = (restApiId: string, stageName: string): string =>
  `arn:${Aws.PARTITION}:apigateway:${Aws.REGION}::/restapis/${restApiId}/stages/${stageName}`;

interface LimitGroup {
  method: string;
  maxBodyBytes: number;
  paths: string[];
}

function groupByLimit(routes: readonly RouteDefinition[]): LimitGroup[] {
  const groups = new Map<string, LimitGroup>();
  for (const route of routes) {
    const key = `${route.method} ${route.maxBodyBytes}`;
    const group = groups.get(key) ?? { method: route.method, maxBodyBytes: route.maxBodyBytes, paths: [] };
    group.paths.push(route.path);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/** `/v1/payments/{id}/capture` → `^(/<stage>)?(/v1/payments/[^/]+/capture)$`. */
export function pathRegex(stageName: string, paths: readonly string[]): string {
  const alternatives = paths.map((p) =>
    p
      .split(/(\{[^}]+\})/)
      .map((part) => (part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
      .join(''),
  );
  return `^(/${stageName})?(${alternatives.join('|')})$`;
}
