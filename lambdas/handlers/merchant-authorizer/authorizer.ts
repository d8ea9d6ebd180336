/**
 * API Gateway TOKEN authorizer for the Merchant API: `Authorization: Bearer <key>` → the
 * merchant (keys are stored as SHA-256 only). API Gateway caches the answer per key, so the
 * policy allows every merchant route, not just the one being called.
 */
import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import type { Log, MerchantStore } from '../../core/ports.js';
import { sha256Hex } from '../../core/secrets.js';
import { toAuthorizerContext } from '../merchant-api/merchant-context.js';

/** API Gateway turns exactly this error message into a 401. */
export const UNAUTHORIZED = 'Unauthorized';

const BEARER = /^Bearer\s+([A-Za-z0-9_\-.~+/=]{16,200})$/;

export function merchantRoutesArn(methodArn: string): string {
  // arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path…}
  // Stryker disable next-line StringLiteral: split always yields a first element, so the default of `api` is never used
  const [api = '', stage = '*'] = methodArn.split('/');
  return `${api}/${stage}/*/v1/*`;
}

export function createMerchantAuthorizer(deps: { merchants: MerchantStore; log: Log }) {
  return async function authorize(
    event: APIGatewayTokenAuthorizerEvent,
  ): Promise<APIGatewayAuthorizerResult> {
    // Stryker disable next-line StringLiteral: any stand-in without "Bearer <key>" is refused exactly like the empty string
    const key = BEARER.exec(event.authorizationToken ?? '')?.[1];
    if (!key) {
      deps.log.warn('Merchant API call without a well-formed Bearer key');
      throw new Error(UNAUTHORIZED);
    }
    // The lookup is by hash: a wrong key finds nothing, and no key is compared character by character.
    const merchant = await deps.merchants.findByApiKeyHash(sha256Hex(key));
    if (!merchant) {
      deps.log.warn('Merchant API call with an unknown key');
      throw new Error(UNAUTHORIZED);
    }
    return {
      principalId: merchant.merchantId,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [
          { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: merchantRoutesArn(event.methodArn) },
        ],
      },
      context: { ...toAuthorizerContext(merchant) },
    };
  };
}
