/**
 * The REST API: Vipps-facing routes (makePaymentUrl, the 3-D Secure page and its return) and the
 * Merchant API behind a cached Lambda authorizer, all taken from lambdas/routes.ts (`routes`).
 *
 * Built in two steps because the functions need the API's URL (PUBLIC_BASE_URL) and the routes
 * need the functions: the constructor creates the API and its stage, `addRoutes` the methods.
 * The URL is composed from the API id and the literal stage name, not from the Stage resource,
 * which would make every function depend on the deployment that depends on it (a cycle).
 */
import { Aws, CfnOutput, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { functions, routes, type FunctionName, type RouteDefinition } from '../../lambdas/routes.js';
import type { StageConfig } from '../stage-config.js';
import { BodyLimitFirewall, stageArnFor } from './firewall.js';

/** API Gateway's own cap on an integration's wait (REST, without a quota increase). */
const MAX_INTEGRATION_TIMEOUT_SECONDS = 29;

/**
 * The same shape the authorizer accepts (lambdas/handlers/merchant-authorizer/authorizer.ts):
 * malformed headers get 401 from API Gateway before the authorizer runs or anything is cached.
 */
export const MERCHANT_AUTHORIZATION_PATTERN = '^Bearer\\s+[A-Za-z0-9_.~+/=-]{16,200}$';

export interface PspApiProps {
  config: StageConfig;
}

export class PspApi extends Construct {
  readonly restApi: apigw.RestApi;
  readonly stageName: string;
  /** https://<custom domain> or https://<api id>.execute-api.<region>.<suffix>/<stage>. */
  readonly publicBaseUrl: string;
  readonly accessLogs: logs.LogGroup;
  readonly firewall?: BodyLimitFirewall;

  constructor(scope: Construct, id: string, props: PspApiProps) {
    super(scope, id);
    const { config } = props;
    const production = config.stage === 'production';
    this.stageName = config.stage;

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: production ? logs.RetentionDays.ONE_YEAR : logs.RetentionDays.ONE_MONTH,
      removalPolicy: production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    this.restApi = new apigw.RestApi(this, 'RestApi', {
      restApiName: `vipps-psp-${config.stage}`,
      description: 'Vipps PSP gateway: makePaymentUrl, 3-D Secure pages and the Merchant API',
      endpointTypes: [apigw.EndpointType.REGIONAL],
      // Execution logging (errors only) needs API Gateway's account-level CloudWatch role.
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: this.stageName,
        accessLogDestination: new apigw.LogGroupLogDestination(this.accessLogs),
        accessLogFormat: accessLogFormat(),
        // ERROR, never INFO with data trace: request bodies carry network tokens and cryptograms.
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        // Per-method metrics feed the dashboard and the 5xx alarm.
        metricsEnabled: true,
        tracingEnabled: true,
        // Stage defaults apply to each method separately, so a merchant flood cannot use up
        // makePayment's allowance.
        throttlingRateLimit: config.throttle.rateLimit,
        throttlingBurstLimit: config.throttle.burstLimit,
      },
    });

    // API Gateway creates its execution log group on first use, without a retention; create it
    // first, under the name API Gateway will use, so the retention applies.
    const executionLogs = new logs.LogGroup(this, 'ExecutionLogs', {
      logGroupName: `API-Gateway-Execution-Logs_${this.restApi.restApiId}/${this.stageName}`,
      retention: production ? logs.RetentionDays.ONE_YEAR : logs.RetentionDays.ONE_MONTH,
      removalPolicy: production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.restApi.deploymentStage.node.addDependency(executionLogs);

    Validations.of(this.restApi).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        'The account-level role API Gateway uses to write execution logs; AWS publishes this managed ' +
        'policy for exactly that purpose and it only allows writing to CloudWatch Logs.',
    });

    if (config.customDomain) {
      const domain = this.restApi.addDomainName('CustomDomain', {
        domainName: config.customDomain.domainName,
        certificate: acm.Certificate.fromCertificateArn(
          this,
          'Certificate',
          config.customDomain.certificateArn,
        ),
        endpointType: apigw.EndpointType.REGIONAL,
        securityPolicy: apigw.SecurityPolicy.TLS_1_2,
      });
      new CfnOutput(this, 'CustomDomainTarget', {
        description: `Point ${config.customDomain.domainName} (CNAME or alias) at this regional name`,
        value: domain.domainNameAliasDomainName,
      });
      this.publicBaseUrl = `https://${config.customDomain.domainName}`;
    } else {
      this.publicBaseUrl = `https://${this.restApi.restApiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}/${this.stageName}`;
    }

    const stageArn = stageArnFor(this.restApi.restApiId, this.stageName);
    if (config.wafWebAclArn) {
      new wafv2.CfnWebACLAssociation(this, 'WebAclAssociation', {
        resourceArn: stageArn,
        webAclArn: config.wafWebAclArn,
      });
    } else if (config.bodyLimitFirewall) {
      this.firewall = new BodyLimitFirewall(this, 'BodyLimits', {
        name: `vipps-psp-${config.stage}-body-limits`,
        stageName: this.stageName,
        stageArn,
        routes: routes.filter((r) => r.bodyLimitAt === 'gateway'),
      });
      // Our web ACL only blocks oversized bodies, so say so instead of a bare 403.
      this.restApi.addGatewayResponse('BodyTooLarge', {
        type: apigw.ResponseType.WAF_FILTERED,
        statusCode: '413',
        templates: { 'application/json': '{"message":"Request body too large"}' },
      });
    } else {
      Validations.of(this.restApi.deploymentStage).acknowledge({
        id: 'AwsSolutions-APIG3',
        reason: 'bodyLimitFirewall was switched off in context and no wafWebAclArn was given.',
      });
    }

    // The authorizer's refusals in the Merchant API's own problem+json shape (as the local host answers).
    const problemJson = (status: number, slug: string, title: string) => ({
      'application/json': JSON.stringify({ type: `/problems/${slug}`, title, status }),
    });
    this.restApi.addGatewayResponse('Unauthorized', {
      type: apigw.ResponseType.UNAUTHORIZED,
      statusCode: '401',
      responseHeaders: { 'Content-Type': "'application/problem+json'" },
      templates: problemJson(401, 'unauthorized', 'Missing or invalid API key'),
    });
    this.restApi.addGatewayResponse('AccessDenied', {
      type: apigw.ResponseType.ACCESS_DENIED,
      statusCode: '403',
      responseHeaders: { 'Content-Type': "'application/problem+json'" },
      templates: problemJson(403, 'forbidden', 'Not allowed'),
    });

    new CfnOutput(this, 'PublicBaseUrl', { value: this.publicBaseUrl });
    new CfnOutput(this, 'MakePaymentUrl', { value: `${this.publicBaseUrl}/vipps/make-payment` });
  }

  /** Add every route of lambdas/routes.ts, with the merchant authorizer where `auth` says so. */
  addRoutes(fns: Readonly<Record<FunctionName, lambda.IFunction>>, authorizerCacheTtl: Duration): void {
    const authorizer = new apigw.TokenAuthorizer(this, 'MerchantAuthorizer', {
      authorizerName: 'merchant-api-key',
      handler: fns.merchantAuthorizer,
      identitySource: apigw.IdentitySource.header('Authorization'),
      validationRegex: MERCHANT_AUTHORIZATION_PATTERN,
      // The cached policy is reused for every merchant route, so the authorizer must allow the
      // whole Merchant API (not just the method that triggered it). Revoking a key takes up to
      // this long to bite.
      resultsCacheTtl: authorizerCacheTtl,
    });

    // Parameters only: body validation is deliberately not done with models (see firewall.ts).
    const validator = new apigw.RequestValidator(this, 'ParameterValidator', {
      restApi: this.restApi,
      requestValidatorName: 'required-parameters',
      validateRequestParameters: true,
      validateRequestBody: false,
    });
    Validations.of(this.restApi).acknowledge({
      id: 'AwsSolutions-APIG2',
      reason:
        'Request parameters are validated here; bodies are not validated by API Gateway models on ' +
        'purpose: Vipps must get HTTP 200 + errorId 71 for an invalid makePayment body, the 3DS ' +
        'return is a form post, and the handlers validate JSON with the same zod schemas the local ' +
        'stack uses. Body size is limited by WAF (firewall.ts).',
    });

    const integrations = new Map<FunctionName, apigw.LambdaIntegration>();
    const integrationFor = (name: FunctionName): apigw.LambdaIntegration => {
      let integration = integrations.get(name);
      if (!integration) {
        integration = new apigw.LambdaIntegration(fns[name], {
          // Answer (504) just after the function's own timeout rather than after 29 s.
          timeout: Duration.seconds(
            Math.min(MAX_INTEGRATION_TIMEOUT_SECONDS, functions[name].timeoutSeconds + 1),
          ),
          allowTestInvoke: false,
        });
        integrations.set(name, integration);
      }
      return integration;
    };

    for (const route of routes) {
      const resource = this.restApi.root.resourceForPath(route.path);
      const method = resource.addMethod(route.method, integrationFor(route.function), {
        requestValidator: validator,
        requestParameters: requiredParameters(route),
        ...(route.auth === 'merchant'
          ? { authorizer, authorizationType: apigw.AuthorizationType.CUSTOM }
          : { authorizationType: apigw.AuthorizationType.NONE }),
      });
      if (route.auth === 'merchant') {
        Validations.of(method).acknowledge({
          id: 'AwsSolutions-COG4',
          reason: 'Merchant back ends authenticate with API keys, checked by the Lambda authorizer.',
        });
      } else {
        const why =
          route.function === 'makePayment'
            ? 'Vipps calls makePaymentUrl with the per-payment token in Authorization; the handler ' +
              'checks it against the stored SHA-256 (no AWS identity can express that).'
            : 'The Vipps app opens the 3-D Secure page for the cardholder; the unguessable, short-lived ' +
              'session id in the path is the capability, and the form post is CSRF-protected.';
        Validations.of(method).acknowledge({ id: 'AwsSolutions-APIG4', reason: why });
        Validations.of(method).acknowledge({ id: 'AwsSolutions-COG4', reason: why });
      }
    }
  }
}

function requiredParameters(route: RouteDefinition): Record<string, boolean> {
  const params: Record<string, boolean> = {};
  for (const match of route.path.matchAll(/\{([^}]+)\}/g)) params[`method.request.path.${match[1]}`] = true;
  if (route.auth === 'merchant') params['method.request.header.Authorization'] = true;
  return params;
}

/**
 * One JSON line per request, keyed by request id and X-Ray trace id so it joins the functions'
 * structured logs. The resource *template* is logged, not the path (3DS session ids stay out),
 * and never a body or header value.
 */
function accessLogFormat(): apigw.AccessLogFormat {
  const f = apigw.AccessLogField;
  return apigw.AccessLogFormat.custom(
    JSON.stringify({
      requestId: f.contextRequestId(),
      extendedRequestId: f.contextExtendedRequestId(),
      xrayTraceId: f.contextXrayTraceId(),
      requestTime: f.contextRequestTimeEpoch(),
      sourceIp: f.contextIdentitySourceIp(),
      userAgent: f.contextIdentityUserAgent(),
      httpMethod: f.contextHttpMethod(),
      resourcePath: f.contextResourcePath(),
      status: f.contextStatus(),
      responseLength: f.contextResponseLength(),
      responseLatency: f.contextResponseLatency(),
      integrationLatency: f.contextIntegrationLatency(),
      integrationStatus: f.contextIntegrationStatus(),
      authorizerStatus: f.contextAuthorizerStatus(),
      authorizerLatency: f.contextAuthorizerLatency(),
      authorizerError: f.contextAuthorizerError(),
      merchantId: f.contextAuthorizer('merchantId'),
      wafStatus: f.contextWafResponseCode(),
      errorMessage: f.contextErrorMessage(),
      errorType: f.contextErrorResponseType(),
    }),
  );
}
