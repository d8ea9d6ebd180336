import { afterAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { functions, routes } from '../../lambdas/routes.js';
import { pathRegex } from '../../lib/constructs/firewall.js';
import {
  asArray,
  refersTo,
  resourcesOfType,
  synthesizePsp,
  type CfnResourceJson,
  type SynthesizedPsp,
} from './psp-template.js';

const sandbox = synthesizePsp();
const production = synthesizePsp({
  stage: 'production',
  vippsPspId: 'psp-prod',
  threeDsBaseUrl: 'https://service.3dsecure.io',
  threeDsAcquirerBin: '438309',
  threeDsAcquirerMerchantId: 'psp-prod-mid',
  acquirer: 'clearhaus',
  clearhausBaseUrl: 'https://gateway.clearhaus.com',
  customDomain: JSON.stringify({
    domainName: 'psp.example.no',
    certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc',
  }),
  wafWebAclArn: 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/ops-acl/1234',
});
afterAll(() => {
  sandbox.dispose();
  production.dispose();
});

/** "POST /v1/payments" → the AWS::ApiGateway::Method resource, by walking the resource tree. */
function methodsByRoute(psp: SynthesizedPsp): Map<string, CfnResourceJson> {
  const apiResources = Object.fromEntries(resourcesOfType(psp.resources, 'AWS::ApiGateway::Resource'));
  const pathOf = (resourceId: unknown): string => {
    const ref = (resourceId as { Ref?: string }).Ref;
    if (!ref) return ''; // GetAtt RootResourceId
    const resource = apiResources[ref]!;
    return `${pathOf(resource.Properties!.ParentId)}/${String(resource.Properties!.PathPart)}`;
  };
  return new Map(
    resourcesOfType(psp.resources, 'AWS::ApiGateway::Method').map(([, m]) => [
      `${String(m.Properties!.HttpMethod)} ${pathOf(m.Properties!.ResourceId)}`,
      m,
    ]),
  );
}

const stageOf = (psp: SynthesizedPsp) => {
  const stages = resourcesOfType(psp.resources, 'AWS::ApiGateway::Stage');
  expect(stages).toHaveLength(1);
  return stages[0]![1].Properties!;
};

describe('routes', () => {
  const methods = methodsByRoute(sandbox);
  const [authorizerId, authorizer] = resourcesOfType(sandbox.resources, 'AWS::ApiGateway::Authorizer')[0]!;

  it('has exactly the routes of lambdas/routes.ts', () => {
    expect([...methods.keys()].sort()).toEqual(routes.map((r) => `${r.method} ${r.path}`).sort());
  });

  it.each(routes.map((r) => [`${r.method} ${r.path}`, r] as const))(
    '%s invokes its function',
    (key, route) => {
      const method = methods.get(key)!;
      const integration = method.Properties!.Integration as {
        Type: string;
        Uri: unknown;
        TimeoutInMillis: number;
      };
      expect(integration.Type).toBe('AWS_PROXY');
      expect(refersTo(integration.Uri, sandbox.functionLogicalId(route.function))).toBe(true);
      // API Gateway gives up shortly after the function would, never before it.
      expect(integration.TimeoutInMillis).toBeGreaterThan(functions[route.function].timeoutSeconds * 1000);
    },
  );

  it.each(routes.filter((r) => r.auth === 'merchant').map((r) => `${r.method} ${r.path}`))(
    '%s requires the cached merchant authorizer',
    (key) => {
      const props = methods.get(key)!.Properties!;
      expect(props.AuthorizationType).toBe('CUSTOM');
      expect(props.AuthorizerId).toEqual({ Ref: authorizerId });
      expect(props.RequestParameters).toMatchObject({ 'method.request.header.Authorization': true });
    },
  );

  it.each(routes.filter((r) => r.auth === 'none').map((r) => `${r.method} ${r.path}`))(
    '%s (Vipps-facing) has no authorizer',
    (key) => {
      const props = methods.get(key)!.Properties!;
      expect(props.AuthorizationType).toBe('NONE');
      expect(props.AuthorizerId).toBeUndefined();
    },
  );

  it('the authorizer is a TOKEN authorizer on Authorization, cached, backed by merchantAuthorizer', () => {
    const props = authorizer.Properties!;
    expect(props.Type).toBe('TOKEN');
    expect(props.IdentitySource).toBe('method.request.header.Authorization');
    expect(props.AuthorizerResultTtlInSeconds).toBe(300);
    expect(refersTo(props.AuthorizerUri, sandbox.functionLogicalId('merchantAuthorizer'))).toBe(true);
    const pattern = new RegExp(String(props.IdentityValidationExpression));
    expect(pattern.test('Bearer 3q2-7wAAAAEx_example-key.v1')).toBe(true);
    expect(pattern.test('Basic dXNlcjpwYXNz')).toBe(false);
  });

  it('the makePayment integration answers inside Vipps’ 15 s', () => {
    const integration = methods.get('POST /vipps/make-payment')!.Properties!.Integration as {
      TimeoutInMillis: number;
    };
    expect(integration.TimeoutInMillis).toBeLessThan(15_000);
  });

  it('lets API Gateway invoke each function only from its own API', () => {
    const apiId = sandbox.logicalId(sandbox.stack.api.restApi);
    const permissions = resourcesOfType(sandbox.resources, 'AWS::Lambda::Permission').filter(
      ([, p]) => p.Properties!.Principal === 'apigateway.amazonaws.com',
    );
    expect(permissions.length).toBe(routes.length + 1); // one per method + the authorizer
    for (const [, p] of permissions) expect(refersTo(p.Properties!.SourceArn, apiId)).toBe(true);
  });
});

describe('stage', () => {
  const stage = stageOf(sandbox);

  it('writes JSON access logs keyed by request and trace id, without paths or bodies', () => {
    const settings = stage.AccessLogSetting as { DestinationArn: unknown; Format: string };
    expect(refersTo(settings.DestinationArn, sandbox.logicalId(sandbox.stack.api.accessLogs))).toBe(true);
    const format = JSON.parse(settings.Format) as Record<string, string>;
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      xrayTraceId: '$context.xrayTraceId',
      resourcePath: '$context.resourcePath',
      status: '$context.status',
    });
    // $context.path would log 3-D Secure session ids; bodies and headers never belong here.
    expect(settings.Format).not.toMatch(/\$context\.path|\$input|requestOverride|header/i);
  });

  it('throttles per method, logs errors only (no data trace), traces with X-Ray', () => {
    expect(stage.TracingEnabled).toBe(true);
    expect(stage.MethodSettings).toEqual([
      expect.objectContaining({
        HttpMethod: '*',
        ResourcePath: '/*',
        LoggingLevel: 'ERROR',
        DataTraceEnabled: false,
        MetricsEnabled: true,
        ThrottlingRateLimit: 20,
        ThrottlingBurstLimit: 40,
      }),
    ]);
  });

  it('the access log group has a retention', () => {
    const logGroup = sandbox.resources[sandbox.logicalId(sandbox.stack.api.accessLogs)]!;
    expect(logGroup.Properties!.RetentionInDays).toBe(30);
  });

  it('the execution log group exists before the stage, with a retention', () => {
    const [id, logGroup] = resourcesOfType(sandbox.resources, 'AWS::Logs::LogGroup').find(([, g]) =>
      JSON.stringify(g.Properties!.LogGroupName ?? '').includes('API-Gateway-Execution-Logs_'),
    )!;
    expect(JSON.stringify(logGroup.Properties!.LogGroupName)).toContain('/sandbox');
    expect(logGroup.Properties!.RetentionInDays).toBe(30);
    const [, stageResource] = resourcesOfType(sandbox.resources, 'AWS::ApiGateway::Stage')[0]!;
    expect(asArray(stageResource.DependsOn)).toContain(id);
  });

  it('PUBLIC_BASE_URL is the API’s own URL when there is no custom domain', () => {
    const env = (
      sandbox.resources[sandbox.functionLogicalId('makePayment')]!.Properties!.Environment as {
        Variables: Record<string, unknown>;
      }
    ).Variables;
    expect(JSON.stringify(env.PUBLIC_BASE_URL)).toContain('.execute-api.');
    expect(JSON.stringify(env.PUBLIC_BASE_URL)).toContain('/sandbox');
  });
});

describe('request body limits', () => {
  const acls = resourcesOfType(sandbox.resources, 'AWS::WAFv2::WebACL');

  it('without an operator web ACL, a stack-owned one is associated with the stage', () => {
    expect(acls).toHaveLength(1);
    const [aclId] = acls[0]!;
    const associations = resourcesOfType(sandbox.resources, 'AWS::WAFv2::WebACLAssociation');
    expect(associations).toHaveLength(1);
    const association = associations[0]![1].Properties!;
    expect(refersTo(association.WebACLArn, aclId)).toBe(true);
    expect(refersTo(association.ResourceArn, sandbox.logicalId(sandbox.stack.api.restApi))).toBe(true);
    expect(JSON.stringify(association.ResourceArn)).toContain('/stages/sandbox');
  });

  interface Rule {
    Action: { Block?: object };
    Statement: { AndStatement: { Statements: Record<string, Record<string, unknown>>[] } };
  }
  const rules = (acls[0]![1].Properties!.Rules as Rule[]).map((rule) => {
    const parts = rule.Statement.AndStatement.Statements;
    const find = (kind: string) => parts.find((p) => kind in p)![kind]!;
    return {
      blocks: rule.Action.Block !== undefined,
      method: find('ByteMatchStatement').SearchString as string,
      path: new RegExp(find('RegexMatchStatement').RegexString as string),
      size: find('SizeConstraintStatement') as {
        ComparisonOperator: string;
        Size: number;
        FieldToMatch: { Body: { OversizeHandling: string } };
      },
    };
  });

  it('leaves makePaymentUrl to its handler: Vipps must get HTTP 200 + FAIL 71, never a gateway 413', () => {
    for (const route of routes.filter((r) => r.bodyLimitAt === 'handler')) {
      expect(rules.filter((r) => r.method === route.method && r.path.test(route.path))).toEqual([]);
    }
  });

  it.each(
    routes.filter((r) => r.bodyLimitAt === 'gateway').map((r) => [`${r.method} ${r.path}`, r] as const),
  )('%s: bodies over its maxBodyBytes are blocked', (_key, route) => {
    const concrete = route.path.replace(/\{[^}]+\}/g, 'abc123');
    for (const uri of [concrete, `/sandbox${concrete}`]) {
      const matching = rules.filter((r) => r.method === route.method && r.path.test(uri));
      expect(matching, uri).toHaveLength(1);
      const rule = matching[0]!;
      expect(rule.blocks).toBe(true);
      expect(rule.size.ComparisonOperator).toBe('GT');
      expect(rule.size.Size).toBe(route.maxBodyBytes);
      // Bodies beyond what WAF inspects count as too large, whatever their size.
      expect(rule.size.FieldToMatch.Body.OversizeHandling).toBe('MATCH');
    }
  });

  it('inspects as much body as the largest limit needs', () => {
    expect(acls[0]![1].Properties!.AssociationConfig).toEqual({
      RequestBody: { API_GATEWAY: { DefaultSizeInspectionLimit: 'KB_16' } },
    });
  });

  it('the path patterns do not leak onto other paths', () => {
    const regex = new RegExp(pathRegex('sandbox', ['/v1/payments/{id}/capture']));
    expect(regex.test('/v1/payments/abc/capture')).toBe(true);
    expect(regex.test('/sandbox/v1/payments/abc/capture')).toBe(true);
    expect(regex.test('/v1/payments/abc/refund')).toBe(false);
    expect(regex.test('/v1/payments/a/b/capture')).toBe(false);
    expect(regex.test('/other/v1/payments/abc/capture')).toBe(false);
  });
});

describe('production: custom domain and operator WAF', () => {
  it('maps the custom domain (TLS 1.2, regional) and builds PUBLIC_BASE_URL from it', () => {
    production.template.hasResourceProperties('AWS::ApiGateway::DomainName', {
      DomainName: 'psp.example.no',
      RegionalCertificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc',
      EndpointConfiguration: { Types: ['REGIONAL'] },
      SecurityPolicy: 'TLS_1_2',
    });
    production.template.resourceCountIs('AWS::ApiGateway::BasePathMapping', 1);
    for (const name of Object.keys(functions) as (keyof typeof functions)[]) {
      const env = (
        production.resources[production.functionLogicalId(name)]!.Properties!.Environment as {
          Variables: Record<string, unknown>;
        }
      ).Variables;
      expect(env.PUBLIC_BASE_URL).toBe('https://psp.example.no');
    }
  });

  it('associates the operator’s web ACL and creates none of its own', () => {
    production.template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    const associations = resourcesOfType(production.resources, 'AWS::WAFv2::WebACLAssociation');
    expect(associations).toHaveLength(1);
    expect(associations[0]![1].Properties!.WebACLArn).toBe(
      'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/ops-acl/1234',
    );
  });

  it('uses the production throttling defaults', () => {
    expect(asArray(stageOf(production).MethodSettings as object[])[0]).toMatchObject({
      ThrottlingRateLimit: 200,
      ThrottlingBurstLimit: 400,
    });
  });
});

describe('gateway responses', () => {
  it.each([
    ['UNAUTHORIZED', '401', '/problems/unauthorized'],
    ['ACCESS_DENIED', '403', '/problems/forbidden'],
  ])(
    'the authorizer’s %s is problem+json like every other Merchant API error',
    (type, status, problemType) => {
      sandbox.template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: type,
        StatusCode: status,
        ResponseParameters: { 'gatewayresponse.header.Content-Type': "'application/problem+json'" },
        ResponseTemplates: { 'application/json': Match.stringLikeRegexp(problemType) },
      });
    },
  );
});
