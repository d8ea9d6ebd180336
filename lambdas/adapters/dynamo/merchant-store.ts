/**
 * MerchantStore on DynamoDB (payments table, see table-design.ts):
 *   MERCHANT#<merchantId> / MERCHANT   the merchant
 *   APIKEY#<sha256 hex>   / APIKEY     a snapshot of the merchant, so the authorizer needs one GetItem
 * Keys are only ever stored as their SHA-256. A snapshot is refreshed when put() is called with
 * that key's hash: after changing a merchant, put it again with each of its keys.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Merchant, MerchantStore } from '../../core/ports.js';
import { dynamoCall, getItem } from './dynamo-call.js';
import { PK, SK } from './item-mapping.js';

const merchantKey = (merchantId: string) => ({ [PK]: `MERCHANT#${merchantId}`, [SK]: 'MERCHANT' });
const apiKeyKey = (apiKeyHash: string) => ({ [PK]: `APIKEY#${apiKeyHash}`, [SK]: 'APIKEY' });

/** Only the Merchant's own fields, whatever else the object or item carries. */
function merchantFields(source: Record<string, unknown> | Merchant): Merchant {
  const { merchantId, name, merchantSerialNumbers, allowCreditCards, vippsApis } = source as Merchant;
  return {
    merchantId,
    name,
    merchantSerialNumbers: [...merchantSerialNumbers],
    allowCreditCards,
    ...(vippsApis && Object.keys(vippsApis).length ? { vippsApis: { ...vippsApis } } : {}),
  };
}

export interface DynamoMerchantStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

export class DynamoMerchantStore implements MerchantStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor({ client, tableName }: DynamoMerchantStoreOptions) {
    this.client = client;
    this.tableName = tableName;
  }

  findByApiKeyHash(apiKeyHash: string): Promise<Merchant | undefined> {
    return this.read(apiKeyKey(apiKeyHash));
  }

  get(merchantId: string): Promise<Merchant | undefined> {
    return this.read(merchantKey(merchantId));
  }

  async put(merchant: Merchant, apiKeyHash: string): Promise<void> {
    const fields = merchantFields(merchant);
    // Merchant first: a key item never points at a merchant that was not written.
    for (const key of [merchantKey(fields.merchantId), apiKeyKey(apiKeyHash)]) {
      const put = new PutCommand({ TableName: this.tableName, Item: { ...fields, ...key } });
      await dynamoCall('PutItem', () => this.client.send(put));
    }
  }

  private async read(key: Record<string, string>): Promise<Merchant | undefined> {
    // Eventually consistent: merchants change rarely, and the authorizer's answer is cached anyway.
    const item = await getItem(this.client, this.tableName, key, { consistent: false });
    return item ? merchantFields(item) : undefined;
  }
}
