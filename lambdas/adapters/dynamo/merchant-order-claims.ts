/**
 * The order-key item `ORDER#<msn>#<merchantOrderId>` / `ORDER`: one conditional PutItem decides
 * which create owns an order id. A query of the byMerchantOrder index cannot: it is eventually
 * consistent in AWS, so two concurrent creates could both see "no such order" and both proceed.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { ConcurrentUpdateError } from '../../core/errors.js';
import type { MerchantOrderClaim } from '../../core/ports.js';
import { dynamoCall, getItem } from './dynamo-call.js';
import { PK, SK, merchantOrderKey } from './item-mapping.js';

const CLAIM_FIELDS = [
  'merchantSerialNumber',
  'merchantOrderId',
  'pspTransactionId',
  'requestHash',
  'claimedAt',
] as const satisfies ReadonlyArray<keyof MerchantOrderClaim>;

const merchantOrderItemKey = (merchantSerialNumber: string, merchantOrderId: string) => ({
  [PK]: `ORDER#${merchantOrderKey(merchantSerialNumber, merchantOrderId)}`,
  [SK]: 'ORDER',
});

export async function claimMerchantOrder(
  client: DynamoDBDocumentClient,
  tableName: string,
  claim: MerchantOrderClaim,
): Promise<MerchantOrderClaim> {
  const key = merchantOrderItemKey(claim.merchantSerialNumber, claim.merchantOrderId);
  const put = new PutCommand({
    TableName: tableName,
    Item: { ...key, ...pick(claim) },
    ConditionExpression: 'attribute_not_exists(#pk)',
    ExpressionAttributeNames: { '#pk': PK },
  });
  const won = await dynamoCall(
    'PutItem',
    async () => {
      await client.send(put);
      return true;
    },
    () => false,
  );
  if (won) return claim;
  // Consistent: the item was just written (or written long ago); either way it never changes.
  const holder = await getItem(client, tableName, key, { consistent: true });
  if (!holder) throw new ConcurrentUpdateError(key[PK]);
  return pick(holder as unknown as MerchantOrderClaim);
}

function pick(claim: MerchantOrderClaim): MerchantOrderClaim {
  return Object.fromEntries(CLAIM_FIELDS.map((name) => [name, claim[name]])) as unknown as MerchantOrderClaim;
}
