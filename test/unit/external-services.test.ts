import { describe, expect, it } from 'vitest';
import { externalServicesFromEnv } from '../../local/external-services.js';

const VIPPS = {
  VIPPS_BASE_URL: 'https://apitest.vipps.no/',
  VIPPS_CLIENT_ID: 'id',
  VIPPS_CLIENT_SECRET: 'secret',
  VIPPS_SUBSCRIPTION_KEY: 'sub',
  VIPPS_PSP_ID: 'psp',
};

describe('npm start: which Vipps and AWS to use (externalServicesFromEnv)', () => {
  it('keeps everything embedded when nothing is set', () => {
    expect(externalServicesFromEnv({})).toEqual({});
  });

  it('takes VIPPS_BASE_URL with its credentials and PUBLIC_BASE_URL, without trailing slashes', () => {
    expect(externalServicesFromEnv({ ...VIPPS, PUBLIC_BASE_URL: 'https://abc.trycloudflare.com/' })).toEqual({
      vipps: {
        baseUrl: 'https://apitest.vipps.no',
        clientId: 'id',
        clientSecret: 'secret',
        subscriptionKey: 'sub',
        pspId: 'psp',
      },
      publicBaseUrl: 'https://abc.trycloudflare.com',
    });
  });

  it('refuses VIPPS_BASE_URL without the credentials, naming the missing ones', () => {
    expect(() =>
      externalServicesFromEnv({ VIPPS_BASE_URL: 'https://apitest.vipps.no', VIPPS_CLIENT_ID: 'id' }),
    ).toThrow('VIPPS_PSP_ID, VIPPS_CLIENT_SECRET, VIPPS_SUBSCRIPTION_KEY must be set too');
  });

  it('refuses Vipps credentials without VIPPS_BASE_URL (they would silently go unused)', () => {
    expect(() => externalServicesFromEnv({ VIPPS_CLIENT_SECRET: 's' })).toThrow(
      'VIPPS_CLIENT_SECRET set without VIPPS_BASE_URL',
    );
  });

  it('refuses a URL that is not http(s), naming the variable', () => {
    expect(() => externalServicesFromEnv({ ...VIPPS, VIPPS_BASE_URL: 'apitest.vipps.no' })).toThrow(
      'VIPPS_BASE_URL must be an http(s) URL',
    );
    expect(() => externalServicesFromEnv({ PUBLIC_BASE_URL: 'ftp://x' })).toThrow('PUBLIC_BASE_URL');
  });

  it('takes AWS_ENDPOINT_URL_DYNAMODB/_SQS/_KMS with region and credentials; the rest stay embedded', () => {
    expect(
      externalServicesFromEnv({
        AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:5000',
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'AKIA',
        AWS_SECRET_ACCESS_KEY: 'shh',
        LOCAL_RESOURCE_PREFIX: 'dev-',
      }),
    ).toEqual({
      aws: {
        sqs: 'http://127.0.0.1:5000',
        region: 'eu-west-1',
        credentials: { accessKeyId: 'AKIA', secretAccessKey: 'shh' },
      },
      resourcePrefix: 'dev-',
    });
  });

  it('leaves credentials to the default chain when none are given, but wants a region', () => {
    expect(
      externalServicesFromEnv({
        AWS_ENDPOINT_URL_DYNAMODB: 'https://dynamodb.eu-north-1.amazonaws.com',
        AWS_REGION: 'eu-north-1',
      }),
    ).toEqual({ aws: { dynamodb: 'https://dynamodb.eu-north-1.amazonaws.com', region: 'eu-north-1' } });
    expect(() => externalServicesFromEnv({ AWS_ENDPOINT_URL_KMS: 'http://127.0.0.1:1' })).toThrow(
      'AWS_REGION must be set',
    );
    expect(() =>
      externalServicesFromEnv({
        AWS_ENDPOINT_URL_KMS: 'http://127.0.0.1:1',
        AWS_REGION: 'x',
        AWS_ACCESS_KEY_ID: 'a',
      }),
    ).toThrow('AWS_SECRET_ACCESS_KEY');
  });
});
