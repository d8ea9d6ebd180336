import { describe, expect, it } from 'vitest';
import { parseStageConfig, readStageConfig, StageConfigError } from '../../lib/stage-config.js';
import { synthesizePsp } from './psp-template.js';

describe('stage configuration from CDK context', () => {
  it('sandbox: Vipps test environment and the sandbox acquirer by default', () => {
    expect(parseStageConfig({ stage: 'sandbox' })).toMatchObject({
      stage: 'sandbox',
      vippsBaseUrl: 'https://apitest.vipps.no',
      acquirer: 'sandbox',
      acquirerBudgetMs: 10_000,
      cardDataOaepHash: 'SHA_256',
      bodyLimitFirewall: true,
      authorizerCacheTtlSeconds: 300,
      throttle: { rateLimit: 20, burstLimit: 40 },
    });
  });

  it('production: Vipps production API and a real acquirer (clearhaus or adyen) with its settings (issue 13)', () => {
    expect(() => parseStageConfig({ stage: 'production' })).toThrow(
      /acquirer: production needs a real acquirer/,
    );
    expect(() => parseStageConfig({ stage: 'production', acquirer: 'clearhaus' })).toThrow(
      /clearhausBaseUrl: is required when acquirer is clearhaus/,
    );
    expect(() =>
      parseStageConfig({ stage: 'production', acquirer: 'adyen', adyenMerchantAccount: 'Psp' }),
    ).toThrow(/adyenLiveUrlPrefix: is required for Adyen LIVE/);
    expect(
      parseStageConfig({
        stage: 'production',
        threeDsBaseUrl: 'https://service.3dsecure.io',
        threeDsAcquirerBin: '438309',
        threeDsAcquirerMerchantId: 'psp-prod-mid',
        acquirer: 'clearhaus',
        clearhausBaseUrl: 'https://gateway.clearhaus.com/',
      }),
    ).toMatchObject({
      vippsBaseUrl: 'https://api.vipps.no',
      acquirer: 'clearhaus',
      clearhausBaseUrl: 'https://gateway.clearhaus.com',
    });
  });

  it('3-D Secure: the 3dsecure.io sandbox outside production; production names its server and AReq merchant data', () => {
    expect(parseStageConfig({ stage: 'sandbox' }).threeDsBaseUrl).toBe('https://service.sandbox.3dsecure.io');
    const production = { stage: 'production', acquirerBaseUrl: 'https://acq.example.com' };
    expect(() => parseStageConfig(production)).toThrow(/threeDsBaseUrl: is required for production/);
    expect(() => parseStageConfig({ ...production, threeDsBaseUrl: 'https://service.3dsecure.io' })).toThrow(
      /threeDsAcquirerBin and threeDsAcquirerMerchantId are required/,
    );
  });

  it('reads objects from cdk.json and JSON strings from -c, and strings for numbers and booleans', () => {
    const domain = {
      domainName: 'psp.example.no',
      certificateArn: 'arn:aws:acm:eu-north-1:123456789012:certificate/1',
    };
    expect(parseStageConfig({ stage: 'sandbox', customDomain: domain }).customDomain).toEqual(domain);
    expect(parseStageConfig({ stage: 'sandbox', customDomain: JSON.stringify(domain) }).customDomain).toEqual(
      domain,
    );
    expect(
      parseStageConfig({
        stage: 'sandbox',
        bodyLimitFirewall: 'false',
        acquirerBudgetMs: '8000',
        throttleRateLimit: '5',
      }),
    ).toMatchObject({
      bodyLimitFirewall: false,
      acquirerBudgetMs: 8000,
      throttle: { rateLimit: 5, burstLimit: 40 },
    });
  });

  it('names every bad key at once', () => {
    try {
      parseStageConfig({
        stage: 'staging',
        wafWebAclArn: 'arn:aws:wafv2:eu-west-1:123456789012:global/webacl/x/1',
        vippsBaseUrl: 'http://apitest.vipps.no',
        alarmEmail: 'not-an-email',
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(StageConfigError);
      const problems = (error as StageConfigError).problems.join('\n');
      for (const key of ['stage', 'wafWebAclArn', 'vippsBaseUrl', 'alarmEmail'])
        expect(problems).toContain(`${key}:`);
    }
  });

  it('an acquirer budget that would not fit Vipps’ 15 s is refused', () => {
    expect(() => parseStageConfig({ stage: 'sandbox', acquirerBudgetMs: 14_000 })).toThrow(
      /acquirerBudgetMs/,
    );
  });

  it('readStageConfig ignores empty context values', () => {
    const context: Record<string, unknown> = { stage: 'sandbox', vippsPspId: '', alarmEmail: null };
    expect(readStageConfig({ tryGetContext: (key) => context[key] })).toMatchObject({
      vippsPspId: undefined,
      alarmEmail: undefined,
    });
  });

  it('without vippsPspId the stack asks for it at deploy time instead of inventing one', () => {
    const psp = synthesizePsp({ stage: 'sandbox' });
    try {
      psp.template.hasParameter('VippsPspId', { Type: 'String', MinLength: 1 });
      const fn = psp.resources[psp.functionLogicalId('merchantApi')]!.Properties!;
      expect((fn.Environment as { Variables: Record<string, unknown> }).Variables.VIPPS_PSP_ID).toEqual({
        Ref: 'VippsPspId',
      });
    } finally {
      psp.dispose();
    }
  });

  it('ENCRYPTEDCARD is off unless the context turns it on; a BIN table path reaches the functions (issue 9)', () => {
    expect(parseStageConfig({ stage: 'sandbox' })).toMatchObject({ encryptedCardEnabled: false });
    const psp = synthesizePsp({
      stage: 'sandbox',
      vippsPspId: 'psp-test-id',
      encryptedCardEnabled: 'true',
      binTablePath: '/opt/bin-table/bins.csv',
    });
    try {
      const fn = psp.resources[psp.functionLogicalId('makePayment')]!.Properties!;
      expect((fn.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
        ENCRYPTED_CARD_ENABLED: 'true',
        BIN_TABLE_PATH: '/opt/bin-table/bins.csv',
      });
    } finally {
      psp.dispose();
    }
  });
});
