/**
 * Which Vipps and which AWS services the local stack talks to. By default every part is embedded
 * (the Vipps simulator, dynalite, the SQS and KMS emulators); the variables DESIGN.md names swap
 * one for another — Vipps' test environment through a tunnel, a real AWS account, or another
 * emulator such as moto. Read once by `npm start` (bin/local.ts): the stack itself writes the same
 * variables into process.env for the handlers, so it must never read them back.
 */
/** A Vipps other than the embedded simulator: every Vipps call goes here. */
export interface ExternalVipps {
  baseUrl: string;
  pspId: string;
  clientId: string;
  clientSecret: string;
  subscriptionKey: string;
}

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** AWS services to use instead of the embedded ones; an absent endpoint keeps that one embedded. */
export interface ExternalAws {
  dynamodb?: string;
  sqs?: string;
  kms?: string;
  region: string;
  /** Absent: the SDK's default chain (profile, SSO, instance role). */
  credentials?: AwsCredentials;
}

export interface ExternalServices {
  vipps?: ExternalVipps;
  /** The base Vipps is told to call back (makePaymentUrl, url3dSecure), e.g. a tunnel's URL. */
  publicBaseUrl?: string;
  aws?: ExternalAws;
  /** Prefix for the tables and queues the stack creates (keeps a shared account tidy). */
  resourcePrefix?: string;
}

const VIPPS_SETTINGS = {
  pspId: 'VIPPS_PSP_ID',
  clientId: 'VIPPS_CLIENT_ID',
  clientSecret: 'VIPPS_CLIENT_SECRET',
  subscriptionKey: 'VIPPS_SUBSCRIPTION_KEY',
} as const;

function httpUrl(name: string, value: string): string {
  let protocol = '';
  try {
    protocol = new URL(value).protocol;
  } catch {
    // reported below
  }
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new Error(`${name} must be an http(s) URL, got "${value}"`);
  }
  return value.replace(/\/+$/, '');
}

/** Throws an error naming the variable when a setting is incomplete or malformed. */
export function externalServicesFromEnv(env: NodeJS.ProcessEnv): ExternalServices {
  const selection: ExternalServices = {};
  const vipps = vippsFromEnv(env);
  if (vipps) selection.vipps = vipps;
  if (env.PUBLIC_BASE_URL) selection.publicBaseUrl = httpUrl('PUBLIC_BASE_URL', env.PUBLIC_BASE_URL);
  const aws = awsFromEnv(env);
  if (aws) selection.aws = aws;
  if (env.LOCAL_RESOURCE_PREFIX) selection.resourcePrefix = env.LOCAL_RESOURCE_PREFIX;
  return selection;
}

function vippsFromEnv(env: NodeJS.ProcessEnv): ExternalVipps | undefined {
  if (!env.VIPPS_BASE_URL) {
    const stray = Object.values(VIPPS_SETTINGS).filter((name) => env[name]);
    if (stray.length > 0) {
      throw new Error(`${stray.join(', ')} set without VIPPS_BASE_URL: set it to the Vipps these belong to`);
    }
    return undefined;
  }
  const missing = Object.values(VIPPS_SETTINGS).filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new Error(
      `VIPPS_BASE_URL is set, so ${missing.join(', ')} must be set too (that Vipps' credentials)`,
    );
  }
  const setting = (key: keyof typeof VIPPS_SETTINGS) => env[VIPPS_SETTINGS[key]]!;
  return {
    baseUrl: httpUrl('VIPPS_BASE_URL', env.VIPPS_BASE_URL),
    pspId: setting('pspId'),
    clientId: setting('clientId'),
    clientSecret: setting('clientSecret'),
    subscriptionKey: setting('subscriptionKey'),
  };
}

function awsFromEnv(env: NodeJS.ProcessEnv): ExternalAws | undefined {
  const endpoints = {
    dynamodb: env.AWS_ENDPOINT_URL_DYNAMODB,
    sqs: env.AWS_ENDPOINT_URL_SQS,
    kms: env.AWS_ENDPOINT_URL_KMS,
  };
  const chosen = Object.entries(endpoints).filter(([, url]) => url);
  if (chosen.length === 0) return undefined;
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new Error('AWS_ENDPOINT_URL_* is set, so AWS_REGION must be set too');
  if (Boolean(env.AWS_ACCESS_KEY_ID) !== Boolean(env.AWS_SECRET_ACCESS_KEY)) {
    throw new Error('set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither (the default chain)');
  }
  const aws: ExternalAws = { region };
  for (const [service, url] of chosen) {
    aws[service as 'dynamodb' | 'sqs' | 'kms'] = httpUrl(`AWS_ENDPOINT_URL_${service.toUpperCase()}`, url!);
  }
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    aws.credentials = {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    };
  }
  return aws;
}
