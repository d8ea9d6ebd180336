import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ConcurrentUpdateError } from '../../core/errors.js';
import { PK } from './item-mapping.js';

/**
 * SDK errors stop at the adapter: a failed ConditionExpression means something to the domain
 * (a lost race, an already-recorded ack), so each call says what it becomes; every other failure
 * becomes a StoreError naming the operation, with the SDK error kept as `cause` for the logs.
 */
export class StoreError extends Error {
  constructor(operation: string, cause: unknown) {
    const detail = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super(`DynamoDB ${operation} failed (${detail})`, { cause });
    this.name = 'StoreError';
  }
}

export function isConditionalCheckFailed(err: unknown): boolean {
  // By name, not instanceof: a second copy of the SDK in a bundle would defeat instanceof.
  return err instanceof Error && err.name === 'ConditionalCheckFailedException';
}

export async function dynamoCall<T, F = never>(
  operation: string,
  call: () => Promise<T>,
  onConditionFailed?: () => F,
): Promise<T | F> {
  try {
    return await call();
  } catch (err) {
    if (onConditionFailed && isConditionalCheckFailed(err)) return onConditionFailed();
    throw new StoreError(operation, err);
  }
}

/** PutItem only if no item has this key yet; an existing one is a ConcurrentUpdateError. */
export async function putNew(
  client: DynamoDBDocumentClient,
  tableName: string,
  item: Record<string, unknown>,
  conflictKey: string,
): Promise<void> {
  const put = new PutCommand({
    TableName: tableName,
    Item: item,
    ConditionExpression: 'attribute_not_exists(#pk)',
    ExpressionAttributeNames: { '#pk': PK },
  });
  await dynamoCall(
    'PutItem',
    () => client.send(put),
    () => {
      throw new ConcurrentUpdateError(conflictKey);
    },
  );
}

/** GetItem → the item or undefined. `consistent` for items read, decided on and written conditionally. */
export async function getItem(
  client: DynamoDBDocumentClient,
  tableName: string,
  key: Record<string, unknown>,
  options: { consistent: boolean },
): Promise<Record<string, unknown> | undefined> {
  const get = new GetCommand({ TableName: tableName, Key: key, ConsistentRead: options.consistent });
  const { Item } = await dynamoCall('GetItem', () => client.send(get));
  return Item;
}
