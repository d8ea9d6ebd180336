/**
 * The Merchant API's TOKEN authorizer: a Bearer key → the merchant (looked up by the key's
 * SHA-256 only) and a policy API Gateway may cache for every merchant route; anything else →
 * "Unauthorized" (API Gateway's 401). And the merchant the handler reads back from that context.
 */
import { createHash } from 'node:crypto';
import type { APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { Merchant, MerchantStore } from '../../lambdas/core/ports.js';
import {
  UNAUTHORIZED,
  createMerchantAuthorizer,
  merchantRoutesArn,
} from '../../lambdas/handlers/merchant-authorizer/authorizer.js';
import {
  merchantFromEvent,
  toAuthorizerContext,
} from '../../lambdas/handlers/merchant-api/merchant-context.js';
import { RecordingLog } from '../support/three-ds-harness.js';
import { apiEvent } from '../support/merchant-api-harness.js';

const KEY = 'sk_test_0123456789abcdef';
const METHOD_ARN = 'arn:aws:execute-api:eu-north-1:123456789012:abc123/prod/POST/v1/payments/xyz/capture';
const merchant: Merchant = {
  merchantId: 'merchant-1',
  name: 'Sokker AS',
  merchantSerialNumbers: ['123456', '234567', '345678'],
  allowCreditCards: false,
  vippsApis: { '234567': 'epayment', '345678': 'epayment', '123456': 'psp-v3' },
};
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function setup(keys: Record<string, string> = { [KEY]: merchant.merchantId }) {
  const byHash = new Map(
    Object.entries(keys).map(([key, id]) => [sha256(key), { ...merchant, merchantId: id }]),
  );
  const lookups: string[] = [];
  const merchants: MerchantStore = {
    findByApiKeyHash: (hash) => {
      lookups.push(hash);
      return Promise.resolve(byHash.get(hash));
    },
    get: () => Promise.reject(new Error('not used')),
    put: () => Promise.reject(new Error('not used')),
  };
  const log = new RecordingLog();
  const authorize = createMerchantAuthorizer({ merchants, log });
  const call = (authorizationToken: string | undefined) =>
    authorize({ type: 'TOKEN', methodArn: METHOD_ARN, authorizationToken } as APIGatewayTokenAuthorizerEvent);
  return { call, lookups, log };
}

describe('merchant authorizer', () => {
  it('a known key allows every merchant route of this API and stage, as the merchant', async () => {
    const { call, lookups } = setup();
    expect(await call(`Bearer ${KEY}`)).toEqual({
      principalId: 'merchant-1',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Action: 'execute-api:Invoke',
            Effect: 'Allow',
            Resource: 'arn:aws:execute-api:eu-north-1:123456789012:abc123/prod/*/v1/*',
          },
        ],
      },
      context: {
        merchantId: 'merchant-1',
        merchantName: 'Sokker AS',
        merchantSerialNumbers: '123456,234567,345678',
        allowCreditCards: 'false',
        ePaymentSerialNumbers: '234567,345678',
      },
    });
    expect(lookups).toEqual([sha256(KEY)]);
  });

  it('the key is looked up by its hash only: the key itself never reaches the store or the log', async () => {
    const { call, lookups, log } = setup();
    await expect(call(`Bearer ${KEY}x`)).rejects.toThrow(UNAUTHORIZED);
    expect(lookups).toEqual([sha256(`${KEY}x`)]);
    expect(log.entries).toEqual([
      { level: 'warn', message: 'Merchant API call with an unknown key', extra: [] },
    ]);
    expect(log.text()).not.toContain(KEY);
  });

  it('accepts keys of 16 and 200 characters and any spacing after Bearer', async () => {
    const short = 'k'.repeat(16);
    const long = 'A1-_.~+/='.repeat(22).slice(0, 200);
    const { call } = setup({ [short]: 'm-short', [long]: 'm-long' });
    expect((await call(`Bearer ${short}`)).principalId).toBe('m-short');
    expect((await call(`Bearer   ${long}`)).principalId).toBe('m-long');
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['another scheme', `Basic ${KEY}`],
    ['no space after Bearer', `Bearer${KEY}`],
    ['a key of 15 characters', `Bearer ${'k'.repeat(15)}`],
    ['a key of 201 characters', `Bearer ${'k'.repeat(201)}`],
    ['characters outside the key alphabet', `Bearer ${KEY}!`],
    ['something after the key', `Bearer ${KEY} extra`],
    ['something before Bearer', `xBearer ${KEY}`],
  ])('%s → Unauthorized, without asking the store', async (_what, token) => {
    const { call, lookups, log } = setup();
    await expect(call(token)).rejects.toThrow(new Error(UNAUTHORIZED));
    expect(UNAUTHORIZED).toBe('Unauthorized');
    expect(lookups).toEqual([]);
    expect(log.entries).toEqual([
      { level: 'warn', message: 'Merchant API call without a well-formed Bearer key', extra: [] },
    ]);
  });

  it('merchantRoutesArn keeps API and stage and opens every /v1 route', () => {
    expect(merchantRoutesArn('arn:aws:execute-api:eu-north-1:1:api/dev/GET/v1/payments/p1')).toBe(
      'arn:aws:execute-api:eu-north-1:1:api/dev/*/v1/*',
    );
    expect(merchantRoutesArn('arn:aws:execute-api:eu-north-1:1:api')).toBe(
      'arn:aws:execute-api:eu-north-1:1:api/*/*/v1/*',
    );
  });
});

describe('the merchant in the authorizer context', () => {
  it('travels through API Gateway’s string context and back unchanged', () => {
    const event = apiEvent('GET', '/v1/webhook-endpoints', { merchant });
    expect(merchantFromEvent(event)).toEqual({
      ...merchant,
      vippsApis: { '234567': 'epayment', '345678': 'epayment' },
    });
  });

  it('a merchant with only PSP API sales units has no vippsApis', () => {
    const plain: Merchant = {
      merchantId: 'm',
      name: 'Plain',
      merchantSerialNumbers: ['123456'],
      allowCreditCards: true,
    };
    expect(toAuthorizerContext(plain)).toMatchObject({ ePaymentSerialNumbers: '', allowCreditCards: 'true' });
    expect(merchantFromEvent(apiEvent('GET', '/v1/events', { merchant: plain }))).toEqual(plain);
  });

  const withContext = (authorizer: unknown) =>
    ({ requestContext: { authorizer } }) as unknown as Parameters<typeof merchantFromEvent>[0];

  it('a context without merchant id or sales units is no merchant', () => {
    expect(merchantFromEvent(withContext(null))).toBeUndefined();
    expect(merchantFromEvent(withContext({ merchantSerialNumbers: '123456' }))).toBeUndefined();
    expect(merchantFromEvent(withContext({ merchantId: 'm' }))).toBeUndefined();
    expect(
      merchantFromEvent(withContext({ merchantId: 'm', merchantSerialNumbers: 123456 })),
    ).toBeUndefined();
    expect(merchantFromEvent({} as Parameters<typeof merchantFromEvent>[0])).toBeUndefined();
  });

  it('missing optional values read as none: no name, no sales units, no credit cards', () => {
    expect(merchantFromEvent(withContext({ merchantId: 'm', merchantSerialNumbers: '' }))).toEqual({
      merchantId: 'm',
      name: '',
      merchantSerialNumbers: [],
      allowCreditCards: false,
    });
    expect(
      merchantFromEvent(
        withContext({ merchantId: 'm', merchantSerialNumbers: '1,', allowCreditCards: 'TRUE' }),
      ),
    ).toMatchObject({ merchantSerialNumbers: ['1'], allowCreditCards: false });
  });
});
