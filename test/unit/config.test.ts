import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../lambdas/config.js';
import { sandboxConfig } from '../support/stage-config.js';

const valid = sandboxConfig;

const problemsOf = (env: Record<string, string | undefined>): string[] => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('configuration', () => {
  it('parses a valid environment with defaults and a normalised base URL', () => {
    const config = loadConfig(valid);
    expect(config).toMatchObject({
      PUBLIC_BASE_URL: 'https://psp.example.com',
      ACQUIRER: 'sandbox',
      ACQUIRER_BUDGET_MS: 10_000,
      CARD_DATA_OAEP_HASH: 'SHA_256',
      PAYMENT_TTL_SECONDS: 900,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names a missing variable', () => {
    expect(problemsOf({ ...valid, TABLE_NAME: undefined })).toEqual(['TABLE_NAME: is required but not set']);
  });

  it.each([
    ['STAGE', 'staging', 'STAGE'],
    ['PUBLIC_BASE_URL', 'ftp://x', 'PUBLIC_BASE_URL: must be an http(s) URL'],
    ['ACQUIRER_BUDGET_MS', '14000', 'ACQUIRER_BUDGET_MS: must leave room inside Vipps’ 15 s'],
    ['ACQUIRER_BUDGET_MS', 'soon', 'ACQUIRER_BUDGET_MS'],
    ['CARD_DATA_OAEP_HASH', 'MD5', 'CARD_DATA_OAEP_HASH'],
  ])('names a malformed %s', (name, value, expected) => {
    const problems = problemsOf({ ...valid, [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(expected);
  });

  it('wants Vipps credentials from Secrets Manager or all three plain variables', () => {
    const env = { ...valid, VIPPS_CREDENTIALS_SECRET_ID: undefined, VIPPS_CLIENT_ID: 'id' };
    expect(problemsOf(env)[0]).toMatch(/^VIPPS_CREDENTIALS_SECRET_ID: set VIPPS_CREDENTIALS_SECRET_ID, or/);
  });

  it('refuses the sandbox acquirer in production: production needs Clearhaus or Adyen (issue 13)', () => {
    expect(problemsOf({ ...valid, STAGE: 'production' })).toContain(
      'ACQUIRER: production must use a real acquirer (clearhaus or adyen), never the sandbox',
    );
    expect(problemsOf({ ...valid, ACQUIRER: 'http' })[0]).toMatch(/^ACQUIRER:/);
  });

  it('checks the selected acquirer’s settings at start, naming each missing one (issue 13)', () => {
    expect(problemsOf({ ...valid, ACQUIRER: 'clearhaus' })).toEqual([
      'CLEARHAUS_BASE_URL: is required when ACQUIRER=clearhaus',
      'CLEARHAUS_SECRET_ID: set CLEARHAUS_SECRET_ID, or CLEARHAUS_API_KEY + CLEARHAUS_SIGNING_API_KEY + CLEARHAUS_SIGNING_PRIVATE_KEY (local only)',
    ]);
    expect(problemsOf({ ...valid, ACQUIRER: 'adyen', ADYEN_ENVIRONMENT: 'LIVE' })).toEqual([
      'ADYEN_MERCHANT_ACCOUNT: is required when ACQUIRER=adyen',
      'ADYEN_SECRET_ID: set ADYEN_SECRET_ID, or ADYEN_API_KEY + ADYEN_HMAC_KEY (local only)',
      'ADYEN_LIVE_URL_PREFIX: is required when ADYEN_ENVIRONMENT=LIVE',
    ]);
    const clearhaus = {
      ...valid,
      ACQUIRER: 'clearhaus',
      CLEARHAUS_BASE_URL: 'https://gateway.test.clearhaus.com/',
      CLEARHAUS_SECRET_ID: 'arn:aws:secretsmanager:eu-north-1:123456789012:secret:clearhaus',
    };
    expect(loadConfig(clearhaus).CLEARHAUS_BASE_URL).toBe('https://gateway.test.clearhaus.com');
    expect(problemsOf({ ...clearhaus, CLEARHAUS_BASE_URL: 'gateway' })).toEqual([
      'CLEARHAUS_BASE_URL: must be an http(s) URL',
    ]);
  });

  it('acquirer keys in plain variables are for the local stage only (Secrets Manager elsewhere)', () => {
    const plain = {
      ...valid,
      ACQUIRER: 'adyen',
      ADYEN_MERCHANT_ACCOUNT: 'PspAccount',
      ADYEN_API_KEY: 'key',
      ADYEN_HMAC_KEY: '00ff',
    };
    expect(problemsOf(plain)).toEqual([
      'ACQUIRER: acquirer keys come from Secrets Manager outside the local stage (use *_SECRET_ID)',
    ]);
    expect(problemsOf({ ...plain, STAGE: 'local' })).toEqual([]);
  });

  it('production refuses every sandbox adapter, naming each setting (issue 9 item 13)', () => {
    const problems = problemsOf({ ...valid, STAGE: 'production' });
    expect(problems.map((p) => p.split(':')[0])).toEqual([
      'THREE_DS_BASE_URL',
      'THREE_DS_API_KEY_SECRET_ID',
      'THREE_DS_ACQUIRER_BIN',
      'ACQUIRER',
      'THREE_DS_SERVER',
      'BIN_TABLE_PATH',
    ]);
  });

  it('ENCRYPTED_CARD_ENABLED is off by default and only true/false are accepted (issue 9 item 12)', () => {
    expect(loadConfig(valid).ENCRYPTED_CARD_ENABLED).toBe(false);
    expect(loadConfig({ ...valid, ENCRYPTED_CARD_ENABLED: 'true' }).ENCRYPTED_CARD_ENABLED).toBe(true);
    expect(problemsOf({ ...valid, ENCRYPTED_CARD_ENABLED: '1' })).toEqual([
      'ENCRYPTED_CARD_ENABLED: must be true or false',
    ]);
  });
});

describe('the 3DS server (3dsecure.io)', () => {
  const production = {
    ...valid,
    STAGE: 'production',
    ACQUIRER: 'clearhaus',
    CLEARHAUS_BASE_URL: 'https://gateway.clearhaus.com',
    CLEARHAUS_SECRET_ID: 'arn:aws:secretsmanager:eu-north-1:123456789012:secret:clearhaus',
    THREE_DS_SERVER: '3dsecureio',
    BIN_TABLE_PATH: '/opt/bin-table.csv',
  };

  it('production refuses to start without a configured 3DS server and its API key secret', () => {
    expect(problemsOf(production)).toEqual([
      'THREE_DS_BASE_URL: production needs the 3DS server (3dsecure.io) as an https URL',
      'THREE_DS_API_KEY_SECRET_ID: production reads the 3dsecure.io API key from Secrets Manager (not THREE_DS_API_KEY)',
      'THREE_DS_ACQUIRER_BIN: production needs THREE_DS_ACQUIRER_BIN and THREE_DS_ACQUIRER_MERCHANT_ID for the AReq',
    ]);
    // The local simulator (plain http) or a key in a plain variable is refused too.
    expect(
      problemsOf({ ...production, THREE_DS_BASE_URL: 'http://127.0.0.1:4000', THREE_DS_API_KEY: 'k' }),
    ).toHaveLength(3);
    expect(
      problemsOf({
        ...production,
        THREE_DS_BASE_URL: 'https://service.3dsecure.io',
        THREE_DS_API_KEY_SECRET_ID: 'arn:aws:secretsmanager:eu-north-1:1:secret:3dsecureio',
        THREE_DS_ACQUIRER_BIN: '438309',
        THREE_DS_ACQUIRER_MERCHANT_ID: 'psp-1',
      }),
    ).toEqual([]);
  });

  it('other stages may point it at the simulator with a plain key', () => {
    const config = loadConfig({
      ...valid,
      THREE_DS_BASE_URL: 'http://127.0.0.1:4000/',
      THREE_DS_API_KEY: 'k',
    });
    expect(config.THREE_DS_BASE_URL).toBe('http://127.0.0.1:4000');
    expect(config.THREE_DS_MERCHANT_COUNTRY).toBe('578');
  });
});

describe('FRAME_ANCESTORS (who may frame the 3-D Secure pages)', () => {
  it('is unset by default (the pages then allow themselves and Vipps) and reads a list of origins', () => {
    expect(loadConfig(valid).FRAME_ANCESTORS).toBeUndefined();
    const config = loadConfig({
      ...valid,
      FRAME_ANCESTORS: "'self' https://*.vipps.no, https://app.example.com:8443",
    });
    expect(config.FRAME_ANCESTORS).toEqual(["'self'", 'https://*.vipps.no', 'https://app.example.com:8443']);
    expect(loadConfig({ ...valid, FRAME_ANCESTORS: "'none'" }).FRAME_ANCESTORS).toEqual(["'none'"]);
  });

  it('refuses anything that would let any site frame the page, naming the variable', () => {
    for (const bad of [
      '*',
      'https:',
      'https://*',
      "'self' *",
      'https://*.no',
      'javascript:x',
      "'none' 'self'",
      ' ',
    ]) {
      expect(problemsOf({ ...valid, FRAME_ANCESTORS: bad }), bad).toEqual([
        expect.stringMatching(/^FRAME_ANCESTORS: must be 'none' or a list/),
      ]);
    }
  });

  it('allows http origins on loopback in the local stage only', () => {
    const local = { ...valid, STAGE: 'local', FRAME_ANCESTORS: "'self' http://127.0.0.1:5173" };
    expect(loadConfig(local).FRAME_ANCESTORS).toEqual(["'self'", 'http://127.0.0.1:5173']);
    expect(problemsOf({ ...local, STAGE: 'sandbox' })).toEqual([
      'FRAME_ANCESTORS: http origins are for the local stage only',
    ]);
    expect(problemsOf({ ...local, FRAME_ANCESTORS: 'http://shop.example' })[0]).toMatch(/^FRAME_ANCESTORS/);
  });
});

describe('production reaches only real parties over https', () => {
  const production = {
    ...valid,
    STAGE: 'production',
    ACQUIRER: 'clearhaus',
    CLEARHAUS_BASE_URL: 'https://gateway.clearhaus.com',
    CLEARHAUS_SECRET_ID: 'arn:aws:secretsmanager:eu-north-1:123456789012:secret:clearhaus',
    THREE_DS_SERVER: '3dsecureio',
    THREE_DS_BASE_URL: 'https://service.3dsecure.io',
    THREE_DS_API_KEY_SECRET_ID: 'arn:aws:secretsmanager:eu-north-1:1:secret:3dsecureio',
    THREE_DS_ACQUIRER_BIN: '438309',
    THREE_DS_ACQUIRER_MERCHANT_ID: 'psp-1',
    BIN_TABLE_PATH: '/opt/bin-table.csv',
  };

  it('accepts a production configuration of real services', () => {
    expect(problemsOf(production)).toEqual([]);
  });

  it('refuses a simulator or stand-in on plain http, naming each setting', () => {
    const problems = problemsOf({
      ...production,
      VIPPS_BASE_URL: 'http://127.0.0.1:4010',
      PUBLIC_BASE_URL: 'http://127.0.0.1:3000',
      CLEARHAUS_BASE_URL: 'http://127.0.0.1:4020',
      CHECKOUT_BUTTON_SCRIPT_URL: 'http://127.0.0.1:3000/button-stand-in.js',
    });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'CHECKOUT_BUTTON_SCRIPT_URL',
      'CLEARHAUS_BASE_URL',
      'PUBLIC_BASE_URL',
      'VIPPS_BASE_URL',
    ]);
  });

  it('refuses Vipps credentials in plain variables (they come from Secrets Manager)', () => {
    const { VIPPS_CREDENTIALS_SECRET_ID: _secret, ...withoutSecret } = production;
    expect(
      problemsOf({
        ...withoutSecret,
        VIPPS_CLIENT_ID: 'id',
        VIPPS_CLIENT_SECRET: 'secret',
        VIPPS_SUBSCRIPTION_KEY: 'key',
      }),
    ).toEqual([
      'VIPPS_CREDENTIALS_SECRET_ID: production reads the Vipps credentials from Secrets Manager (not VIPPS_CLIENT_*)',
    ]);
  });
});
