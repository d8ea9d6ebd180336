import { afterAll, describe, expect, it } from 'vitest';
import { functions, type FunctionName } from '../../lambdas/routes.js';
import {
  allows,
  asArray,
  keyPolicyStatements,
  refersTo,
  resourcesOfType,
  roleStatements,
  synthesizePsp,
  type PolicyStatementJson,
} from './psp-template.js';

const psp = synthesizePsp();
afterAll(() => psp.dispose());

const { stack, resources } = psp;
const names = Object.keys(functions) as FunctionName[];
const id = {
  cardDataKey: psp.logicalId(stack.keys.cardDataKey),
  envelopeKey: psp.logicalId(stack.keys.envelopeKey),
  storageKey: psp.logicalId(stack.keys.storageKey),
  payments: psp.logicalId(stack.tables.payments),
  idempotency: psp.logicalId(stack.tables.idempotency),
  queue: psp.logicalId(stack.statusQueues.queue),
  dlq: psp.logicalId(stack.statusQueues.deadLetterQueue),
  secret: psp.logicalId(stack.vippsCredentials.secret),
};

const identity = (name: FunctionName) => roleStatements(resources, psp.roleLogicalId(name));
const onResource = (s: PolicyStatementJson, logicalId: string) =>
  asArray(s.Resource).some((r) => r === '*' || refersTo(r, logicalId));

/** Functions whose role may perform `action` on the resource, through IAM or the key's own policy. */
function whoMay(action: string, logicalId: string): FunctionName[] {
  const viaIdentity = names.filter((n) =>
    identity(n).some((s) => allows(s, action) && onResource(s, logicalId)),
  );
  const viaKeyPolicy =
    resources[logicalId]?.Type === 'AWS::KMS::Key'
      ? names.filter((n) =>
          keyPolicyStatements(resources, logicalId).some(
            (s) => allows(s, action) && refersTo(s.Principal, psp.roleLogicalId(n)),
          ),
        )
      : [];
  return [...new Set([...viaIdentity, ...viaKeyPolicy])].sort();
}

describe('payment keys: the key policy names the only roles that may use them', () => {
  it('only makePayment can decrypt with the card-data (RSA) key, and only with the configured OAEP hash', () => {
    expect(whoMay('kms:Decrypt', id.cardDataKey)).toEqual(['makePayment']);
    const decrypt = keyPolicyStatements(resources, id.cardDataKey).find((s) => allows(s, 'kms:Decrypt'))!;
    expect(decrypt.Condition).toEqual({ StringEquals: { 'kms:EncryptionAlgorithm': 'RSAES_OAEP_SHA_256' } });
  });

  it('only makePayment reads the card-data public key through its role', () => {
    expect(whoMay('kms:GetPublicKey', id.cardDataKey)).toEqual(['makePayment']);
  });

  it('envelope data keys: exactly the functions whose `access.envelopeKey` lists the operation', () => {
    const declaring = (op: 'generateDataKey' | 'decrypt') =>
      names.filter((n) => functions[n].access.envelopeKey?.includes(op)).sort();
    expect(whoMay('kms:GenerateDataKey', id.envelopeKey)).toEqual(declaring('generateDataKey'));
    expect(whoMay('kms:Decrypt', id.envelopeKey)).toEqual(declaring('decrypt'));
    // Functions that never hold a network token or CAVV cannot touch the key at all.
    for (const name of ['merchantAuthorizer', 'statusUpdater', 'reconciler'] as const) {
      expect(whoMay('kms:GenerateDataKey', id.envelopeKey)).not.toContain(name);
      expect(whoMay('kms:Decrypt', id.envelopeKey)).not.toContain(name);
    }
    // The Merchant API seals new webhook signing secrets but can never open a sealed secret.
    expect(whoMay('kms:Decrypt', id.envelopeKey)).not.toContain('merchantApi');
  });

  it.each([
    ['card-data', id.cardDataKey],
    ['envelope', id.envelopeKey],
  ])('the %s key policy gives the account administration only, no cryptographic use', (_name, keyId) => {
    const crypto = [
      'kms:Decrypt',
      'kms:Encrypt',
      'kms:GenerateDataKey',
      'kms:ReEncryptFrom',
      'kms:CreateGrant',
    ];
    for (const statement of keyPolicyStatements(resources, keyId)) {
      const principal = JSON.stringify(statement.Principal);
      if (principal.includes(':root') || principal.includes('"*"')) {
        for (const action of crypto)
          expect(allows(statement, action), `${action} for ${principal}`).toBe(false);
      }
    }
  });
});

describe('tables', () => {
  it('the authorizer cannot write to any table', () => {
    for (const action of ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'PartiQLUpdate']) {
      for (const table of [id.payments, id.idempotency]) {
        expect(whoMay(`dynamodb:${action}`, table)).not.toContain('merchantAuthorizer');
      }
    }
    expect(whoMay('dynamodb:GetItem', id.payments)).toContain('merchantAuthorizer');
  });

  it('no function has wildcard actions, Scan, or access to a table through Resource "*"', () => {
    for (const name of names) {
      for (const statement of identity(name)) {
        const touchesTable = onResource(statement, id.payments) || onResource(statement, id.idempotency);
        for (const action of asArray(statement.Action)) {
          if (action.startsWith('dynamodb:')) {
            expect(action, name).not.toMatch(/\*/);
            expect(action, name).not.toBe('dynamodb:Scan');
            // ListStreams names no resource (IAM allows only "*"); it reads no item.
            if (action !== 'dynamodb:ListStreams') expect(statement.Resource, name).not.toBe('*');
          }
        }
        if (touchesTable)
          expect(
            asArray(statement.Action).every((a) => !a.includes('*')),
            name,
          ).toBe(true);
      }
    }
  });

  it('only the event dispatcher reads the payments stream, and only that stream', () => {
    const streamArn = { 'Fn::GetAtt': [id.payments, 'StreamArn'] };
    const readers = names.filter((n) =>
      identity(n).some((s) => allows(s, 'dynamodb:GetRecords') && refersTo(s.Resource, id.payments)),
    );
    expect(readers).toEqual(['eventDispatcher']);
    const read = identity('eventDispatcher').find((s) => allows(s, 'dynamodb:GetRecords'))!;
    expect(read.Resource).toEqual(streamArn);
    expect(asArray(read.Action).sort()).toEqual([
      'dynamodb:DescribeStream',
      'dynamodb:GetRecords',
      'dynamodb:GetShardIterator',
    ]);
  });

  it('write access follows `access.table` in lambdas/routes.ts', () => {
    const writers = names.filter((n) => functions[n].access.table === 'readWrite').sort();
    const readers = names.filter((n) => functions[n].access.table !== undefined).sort();
    expect(whoMay('dynamodb:UpdateItem', id.payments)).toEqual(writers);
    expect(whoMay('dynamodb:PutItem', id.payments)).toEqual(writers);
    expect(whoMay('dynamodb:GetItem', id.payments)).toEqual(readers);
    expect(whoMay('dynamodb:Query', id.payments)).toEqual(readers);
  });

  it('queries may use the GSIs, item writes only the table', () => {
    const statements = identity('reconciler');
    const query = statements.find((s) => allows(s, 'dynamodb:Query'))!;
    const indexes = asArray(query.Resource).map((r) => JSON.stringify(r));
    expect(indexes.some((r) => r.endsWith('/index/byDue"]]}'))).toBe(true);
    expect(indexes.some((r) => r.endsWith('/index/byMerchantOrder"]]}'))).toBe(true);
    const put = statements.find((s) => allows(s, 'dynamodb:PutItem'))!;
    expect(put.Resource).toEqual({ 'Fn::GetAtt': [id.payments, 'Arn'] });
  });

  it('only the Merchant API touches the idempotency table', () => {
    for (const action of ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem']) {
      expect(whoMay(`dynamodb:${action}`, id.idempotency)).toEqual(['merchantApi']);
    }
  });

  it('the storage key is usable only through DynamoDB', () => {
    for (const name of names) {
      for (const statement of identity(name).filter(
        (s) => onResource(s, id.storageKey) && s.Resource !== '*',
      )) {
        expect(JSON.stringify(statement.Condition)).toContain('dynamodb.');
      }
    }
    expect(whoMay('kms:Encrypt', id.storageKey)).not.toContain('merchantAuthorizer');
  });
});

describe('queues and secrets', () => {
  it('producers send, only the status updater consumes, and it alone may dead-letter', () => {
    const producers = names.filter((n) => functions[n].access.statusQueue === 'send').sort();
    expect(whoMay('sqs:SendMessage', id.queue)).toEqual(producers);
    expect(whoMay('sqs:ReceiveMessage', id.queue)).toEqual(['statusUpdater']);
    expect(whoMay('sqs:DeleteMessage', id.queue)).toEqual(['statusUpdater']);
    expect(whoMay('sqs:SendMessage', id.dlq)).toEqual(['statusUpdater']);
  });

  it('only the functions that call Vipps can read its credentials', () => {
    const readers = names.filter((n) => functions[n].access.vippsCredentials === 'read').sort();
    expect(whoMay('secretsmanager:GetSecretValue', id.secret)).toEqual(readers);
    expect(readers).not.toContain('makePayment');
    expect(readers).not.toContain('merchantAuthorizer');
  });

  it('only the 3-D Secure pages can read the 3dsecure.io API key', () => {
    const [keyId] = Object.entries(resources).find(
      ([, r]) =>
        r.Type === 'AWS::SecretsManager::Secret' && /3dsecure\.io/.test(String(r.Properties?.Description)),
    )!;
    expect(whoMay('secretsmanager:GetSecretValue', keyId)).toEqual(['threeDs']);
  });

  it('no role gets an AWS managed policy; Resource "*" is only for X-Ray', () => {
    for (const name of names) {
      const role = resources[psp.roleLogicalId(name)]!;
      expect(role.Properties!.ManagedPolicyArns).toBeUndefined();
      for (const statement of identity(name).filter((s) => s.Resource === '*')) {
        const allowed = (a: string) =>
          a.startsWith('xray:') || (a === 'dynamodb:ListStreams' && functions[name].access.tableStream);
        expect(asArray(statement.Action).every(allowed)).toBe(true);
      }
    }
  });

  it('each role writes only to its own log group', () => {
    for (const name of names) {
      const logGroupId = psp.logicalId(stack.functions.byName[name].logGroupRef);
      const logs = identity(name).filter((s) => allows(s, 'logs:PutLogEvents'));
      expect(logs).toHaveLength(1);
      expect(logs[0]!.Resource).toEqual({ 'Fn::GetAtt': [logGroupId, 'Arn'] });
    }
  });

  it('every role belongs to exactly one function', () => {
    const roleIds = resourcesOfType(resources, 'AWS::Lambda::Function').map(([, f]) =>
      JSON.stringify(f.Properties!.Role),
    );
    expect(new Set(roleIds).size).toBe(roleIds.length);
  });
});
