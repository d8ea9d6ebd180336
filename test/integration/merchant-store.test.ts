import { createHash, randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoMerchantStore } from '../../lambdas/adapters/dynamo/merchant-store.js';
import type { Merchant } from '../../lambdas/core/ports.js';
import { type TestDynamo, startTestDynamo } from '../support/dynalite.js';

let dynamo: TestDynamo;
let store: DynamoMerchantStore;

beforeAll(async () => {
  dynamo = await startTestDynamo();
  store = new DynamoMerchantStore({ client: dynamo.documentClient, tableName: dynamo.tables.payments });
});
afterAll(() => dynamo?.close());

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function newMerchant(overrides: Partial<Merchant> = {}): Merchant {
  return {
    merchantId: randomUUID(),
    name: 'Sokkebutikken AS',
    merchantSerialNumbers: ['123456', '234567'],
    allowCreditCards: false,
    ...overrides,
  };
}

describe('DynamoMerchantStore', () => {
  it('finds a merchant by the hash of its API key and by its id', async () => {
    const merchant = newMerchant();
    const apiKey = `key-${randomUUID()}`;
    await store.put(merchant, sha256(apiKey));

    expect(await store.findByApiKeyHash(sha256(apiKey))).toEqual(merchant);
    expect(await store.get(merchant.merchantId)).toEqual(merchant);
  });

  it('knows nothing of an unknown key or merchant', async () => {
    expect(await store.findByApiKeyHash(sha256('nobody'))).toBeUndefined();
    expect(await store.get(randomUUID())).toBeUndefined();
  });

  it('stores the key only as its hash', async () => {
    const merchant = newMerchant();
    const apiKey = `secret-${randomUUID()}`;
    await store.put(merchant, sha256(apiKey));
    const { Item } = await dynamo.documentClient.send(
      new GetCommand({
        TableName: dynamo.tables.payments,
        Key: { pk: `APIKEY#${sha256(apiKey)}`, sk: 'APIKEY' },
      }),
    );
    expect(Item).toBeDefined();
    expect(JSON.stringify(Item)).not.toContain(apiKey);
  });

  it('replaces a merchant and serves the new snapshot under a re-registered key', async () => {
    const merchant = newMerchant();
    const keyHash = sha256(`key-${randomUUID()}`);
    await store.put(merchant, keyHash);
    const changed = { ...merchant, merchantSerialNumbers: ['999999'], allowCreditCards: true };
    await store.put(changed, keyHash);

    expect(await store.findByApiKeyHash(keyHash)).toEqual(changed);
    expect(await store.get(merchant.merchantId)).toEqual(changed);
  });

  it('keeps several keys of one merchant apart from other merchants', async () => {
    const a = newMerchant({ name: 'A' });
    const b = newMerchant({ name: 'B', merchantSerialNumbers: ['555555'] });
    const [a1, a2, b1] = ['a1', 'a2', 'b1'].map((k) => sha256(`${k}-${randomUUID()}`)) as [
      string,
      string,
      string,
    ];
    await store.put(a, a1);
    await store.put(a, a2);
    await store.put(b, b1);

    expect((await store.findByApiKeyHash(a1))?.merchantId).toBe(a.merchantId);
    expect((await store.findByApiKeyHash(a2))?.merchantId).toBe(a.merchantId);
    expect(await store.findByApiKeyHash(b1)).toEqual(b);
  });
});
