/**
 * Vipps API credentials. The stack creates the secret with a placeholder shape and no real value;
 * operators put the credentials from Vipps' portal into it after the first deploy:
 *
 *   aws secretsmanager put-secret-value --secret-id <VippsCredentialsSecretArn output> \
 *     --secret-string '{"clientId":"…","clientSecret":"…","subscriptionKey":"…"}'
 *
 * Functions get only the secret's ARN (VIPPS_CREDENTIALS_SECRET_ID) and read it at run time with
 * caching; the value never appears in an environment variable or a template.
 */
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { Stage } from '../stage-config.js';

export interface VippsCredentialsProps {
  stage: Stage;
}

export class VippsCredentials extends Construct {
  readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: VippsCredentialsProps) {
    super(scope, id);
    this.secret = new secretsmanager.Secret(this, 'Secret', {
      description: `Vipps PSP API credentials (${props.stage}): JSON {clientId, clientSecret, subscriptionKey}`,
      // Secrets Manager generates a random clientSecret so the secret exists from the first deploy;
      // the empty clientId fails the functions' validation until operators set the real value.
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ clientId: '', subscriptionKey: '' }),
        generateStringKey: 'clientSecret',
        excludePunctuation: true,
      },
      // Credentials issued by Vipps cannot be recreated by a redeploy.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Vipps issues these credentials in its portal; no rotation Lambda can create new ones. ' +
        'Operators rotate them in the portal and put the new value into this secret.',
    });
  }
}

/**
 * The 3dsecure.io API key (a plain string), created with a random placeholder that 3dsecure.io
 * refuses until operators put the real key in (3-D Secure then ends in 3dsfailure, never a 500):
 *
 *   aws secretsmanager put-secret-value --secret-id <ThreeDsApiKeySecretArn output> --secret-string '<key>'
 */
export class ThreeDsApiKey extends Construct {
  readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: { stage: Stage }) {
    super(scope, id);
    this.secret = new secretsmanager.Secret(this, 'Secret', {
      description: `3dsecure.io API key (${props.stage}), sent as the APIKey header`,
      generateSecretString: { excludePunctuation: true, passwordLength: 36 },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        '3dsecure.io issues the API key; no rotation Lambda can create a new one. Operators rotate it ' +
        'with 3dsecure.io and put the new value into this secret.',
    });
  }
}

export interface AcquirerKeysProps {
  stage: Stage;
  acquirer: 'clearhaus' | 'adyen';
}

const acquirerSecretShapes = {
  clearhaus: '{apiKey, signingApiKey, signingPrivateKey (PEM)}',
  adyen: '{apiKey, hmacKey (hex)}',
} as const;

/**
 * The selected acquirer's keys (Clearhaus: API key + signing key; Adyen: API key + webhook HMAC
 * key), put in by operators after the first deploy like the Vipps credentials. Only the functions
 * whose access says `acquirerKeys: 'read'` may read it.
 */
export class AcquirerKeys extends Construct {
  readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: AcquirerKeysProps) {
    super(scope, id);
    this.secret = new secretsmanager.Secret(this, 'Secret', {
      description: `${props.acquirer} keys (${props.stage}): JSON ${acquirerSecretShapes[props.acquirer]}`,
      // A random apiKey so the secret exists; the functions refuse it until operators set the real JSON.
      generateSecretString: {
        secretStringTemplate: JSON.stringify({}),
        generateStringKey: 'placeholder',
        excludePunctuation: true,
      },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The acquirer issues these keys in its own portal; operators rotate them there and put them here.',
    });
  }
}
