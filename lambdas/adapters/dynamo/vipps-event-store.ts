/**
 * Vipps webhook events in the payments table, beside their payment: `TX#<reference>` /
 * `EVENT#<eventKey>`, written with one conditional PutItem so a redelivered event is stored once.
 * No card data is in an event (reference, name, amount, time).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { StoredVippsEvent, VippsEventStore } from '../../core/vipps-events.js';
import { dynamoCall } from './dynamo-call.js';
import { PK, SK, transactionKey } from './item-mapping.js';

export class DynamoVippsEventStore implements VippsEventStore {
  constructor(private readonly options: { client: DynamoDBDocumentClient; tableName: string }) {}

  async record(event: StoredVippsEvent): Promise<boolean> {
    const key = { ...transactionKey(event.reference), [SK]: `EVENT#${event.eventKey}` };
    const put = new PutCommand({
      TableName: this.options.tableName,
      Item: { ...withoutAbsent(event), ...key },
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': PK },
    });
    return dynamoCall(
      'PutItem',
      async () => {
        await this.options.client.send(put);
        return true;
      },
      () => false,
    );
  }
}

function withoutAbsent(event: StoredVippsEvent): Record<string, unknown> {
  return Object.fromEntries(Object.entries(event).filter(([, v]) => v !== undefined));
}
