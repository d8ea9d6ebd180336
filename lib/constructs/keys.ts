/**
 * The KMS keys. Two hold payment secrets and name, in their own key policies, the only function
 * roles that may use them; the third encrypts data at rest (tables, alarm topic).
 *
 * Why the payment keys do not use CDK's default key policy: that policy gives the account root
 * `kms:*`, which lets any IAM principal in the account that has an identity policy for the key
 * decrypt card data. Here the account keeps only administration (so CloudFormation can update the
 * policy, and every such change is audited), while Decrypt / GenerateDataKey are granted in the key
 * policy to named roles only — see {@link PspKeys.allowCardDataDecrypt} and friends.
 *
 * Both stages RETAIN the keys: data encrypted under a deleted key is gone for good, and the sandbox
 * RSA public key is registered with Vipps' test environment.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { StageConfig } from '../stage-config.js';

/** Key administration without any cryptographic use (no Decrypt/Encrypt/GenerateDataKey/CreateGrant). */
const KEY_ADMIN_ACTIONS = [
  'kms:DescribeKey',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:GetPublicKey',
  'kms:ListResourceTags',
  'kms:ListKeyPolicies',
  'kms:ListGrants',
  'kms:PutKeyPolicy',
  'kms:EnableKey',
  'kms:DisableKey',
  'kms:EnableKeyRotation',
  'kms:DisableKeyRotation',
  'kms:RotateKeyOnDemand',
  'kms:UpdateKeyDescription',
  'kms:CreateAlias',
  'kms:UpdateAlias',
  'kms:DeleteAlias',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:RevokeGrant',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
];

export interface PspKeysProps {
  config: StageConfig;
}

export class PspKeys extends Construct {
  /** RSA_2048 ENCRYPT_DECRYPT: Vipps encrypts legacy ENCRYPTEDCARD cardData with its public key. */
  readonly cardDataKey: kms.Key;
  /** Symmetric: data keys that envelope-encrypt the network token kept for a 3-D Secure step-up. */
  readonly envelopeKey: kms.Key;
  /** Symmetric: encryption at rest for the tables and the alarm topic. */
  readonly storageKey: kms.Key;
  private readonly cardDataAlgorithm: string;

  constructor(scope: Construct, id: string, props: PspKeysProps) {
    super(scope, id);
    const { stage, cardDataOaepHash } = props.config;
    this.cardDataAlgorithm = `RSAES_OAEP_${cardDataOaepHash}`;

    this.cardDataKey = new kms.Key(this, 'CardDataKey', {
      alias: `vipps-psp-${stage}/card-data`,
      description: 'Vipps ENCRYPTEDCARD: RSA-OAEP private key; only makePayment may decrypt',
      keySpec: kms.KeySpec.RSA_2048,
      keyUsage: kms.KeyUsage.ENCRYPT_DECRYPT,
      policy: adminOnlyPolicy(),
      pendingWindow: Duration.days(30),
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.envelopeKey = new kms.Key(this, 'EnvelopeKey', {
      alias: `vipps-psp-${stage}/envelope`,
      description: '3-D Secure session secrets: envelope encryption data keys',
      enableKeyRotation: true,
      policy: adminOnlyPolicy(),
      pendingWindow: Duration.days(30),
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Data at rest is used through AWS services (DynamoDB, SNS) on the caller's behalf, so this key
    // keeps CDK's default policy (delegate to IAM); the functions' IAM grants are scoped with
    // kms:ViaService. CloudWatch alarms publish to the encrypted topic as a service principal.
    this.storageKey = new kms.Key(this, 'StorageKey', {
      alias: `vipps-psp-${stage}/storage`,
      description: 'Vipps PSP tables and alarm topic: encryption at rest',
      enableKeyRotation: true,
      pendingWindow: Duration.days(30),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.storageKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublishToEncryptedTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
  }

  /** makePayment: decrypt ENCRYPTEDCARD with the configured OAEP hash only, and read the public key. */
  allowCardDataDecrypt(role: iam.IRole): void {
    grantInKeyPolicy(this.cardDataKey, role, ['kms:Decrypt'], {
      StringEquals: { 'kms:EncryptionAlgorithm': this.cardDataAlgorithm },
    });
    grantInKeyPolicy(this.cardDataKey, role, ['kms:GetPublicKey']);
  }

  allowEnvelopeGenerateDataKey(role: iam.IRole): void {
    grantInKeyPolicy(this.envelopeKey, role, ['kms:GenerateDataKey']);
  }

  allowEnvelopeDecrypt(role: iam.IRole): void {
    grantInKeyPolicy(this.envelopeKey, role, ['kms:Decrypt']);
  }
}

function adminOnlyPolicy(): iam.PolicyDocument {
  return new iam.PolicyDocument({
    statements: [
      new iam.PolicyStatement({
        sid: 'AccountAdministersButDoesNotUseTheKey',
        principals: [new iam.AccountRootPrincipal()],
        actions: KEY_ADMIN_ACTIONS,
        resources: ['*'],
      }),
    ],
  });
}

/**
 * The key policy alone authorises a principal it names, so the grant lives there; the same
 * statement is mirrored into the role's identity policy so the role's permissions read completely.
 */
function grantInKeyPolicy(
  key: kms.Key,
  role: iam.IRole,
  actions: string[],
  conditions?: Record<string, Record<string, string>>,
): void {
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      principals: [new iam.ArnPrincipal(role.roleArn)],
      actions,
      resources: ['*'],
      ...(conditions ? { conditions } : {}),
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions, resources: [key.keyArn], ...(conditions ? { conditions } : {}) }),
  );
}
