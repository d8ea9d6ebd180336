/**
 * WebhookStore on DynamoDB (payments table, see table-design.ts):
 *   MERCHANT#<merchantId> / WEBHOOK#<endpointId>          an endpoint (secrets sealed, never plain)
 *   MERCHANT#<merchantId> / EVENT#<eventId>               the merchant's event log (ids sort by time)
 *   EVENT#<eventId>       / DELIVERY#<at>#<endpoint>#<n>  one delivery attempt
 * Every read is under the merchant's partition, so one merchant can never reach another's.
 */
import { PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Transaction } from '../../core/transaction.js';
import type { PaymentEvent } from '../../core/webhooks/payment-events.js';
import type {
  DeliveryAttempt,
  EventOutbox,
  EventPage,
  WebhookEndpoint,
  WebhookStore,
} from '../../core/webhooks/ports.js';
import { dynamoCall, getItem } from './dynamo-call.js';
import { DUE_AT, DUE_PARTITION, DUE_PK, PK, SK, transactionKey, withoutUndefined } from './item-mapping.js';

const merchantPk = (merchantId: string) => `MERCHANT#${merchantId}`;
const endpointKey = (merchantId: string, endpointId: string) => ({
  [PK]: merchantPk(merchantId),
  [SK]: `WEBHOOK#${endpointId}`,
});
const eventKey = (merchantId: string, eventId: string) => ({
  [PK]: merchantPk(merchantId),
  [SK]: `EVENT#${eventId}`,
});

function without<T>(item: Record<string, unknown>): T {
  const { [PK]: _pk, [SK]: _sk, deletedAt: _deleted, ...rest } = item;
  return rest as T;
}

export interface DynamoWebhookStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

export class DynamoWebhookStore implements WebhookStore, EventOutbox {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor({ client, tableName }: DynamoWebhookStoreOptions) {
    this.client = client;
    this.tableName = tableName;
  }

  async putEndpoint(endpoint: WebhookEndpoint): Promise<void> {
    await this.put({
      ...withoutUndefined(endpoint),
      ...endpointKey(endpoint.merchantId, endpoint.endpointId),
    });
  }

  async getEndpoint(merchantId: string, endpointId: string): Promise<WebhookEndpoint | undefined> {
    const item = await getItem(this.client, this.tableName, endpointKey(merchantId, endpointId), {
      consistent: true,
    });
    return item && !item.deletedAt ? without<WebhookEndpoint>(item) : undefined;
  }

  async listEndpoints(merchantId: string): Promise<WebhookEndpoint[]> {
    const items = await this.queryAll(merchantPk(merchantId), 'WEBHOOK#');
    return items.filter((item) => !item.deletedAt).map((item) => without<WebhookEndpoint>(item));
  }

  async deleteEndpoint(merchantId: string, endpointId: string): Promise<boolean> {
    // Marked, not deleted: items of the payments table are never deleted (no DeleteItem grant).
    const update = new UpdateCommand({
      TableName: this.tableName,
      Key: endpointKey(merchantId, endpointId),
      UpdateExpression: 'SET #deletedAt = :at',
      ConditionExpression: 'attribute_exists(#pk) AND attribute_not_exists(#deletedAt)',
      ExpressionAttributeNames: { '#pk': PK, '#deletedAt': 'deletedAt' },
      ExpressionAttributeValues: { ':at': new Date().toISOString() },
    });
    return dynamoCall(
      'UpdateItem',
      async () => {
        await this.client.send(update);
        return true;
      },
      () => false,
    );
  }

  async putEvent(event: PaymentEvent): Promise<void> {
    await this.put({ ...withoutUndefined(event), ...eventKey(event.merchantId, event.id) });
  }

  async getEvent(merchantId: string, eventId: string): Promise<PaymentEvent | undefined> {
    const item = await getItem(this.client, this.tableName, eventKey(merchantId, eventId), {
      consistent: true,
    });
    return item ? without<PaymentEvent>(item) : undefined;
  }

  async listEvents(
    merchantId: string,
    query: { after?: string; pspTransactionId?: string; limit: number },
  ): Promise<EventPage> {
    const events: PaymentEvent[] = [];
    let startKey: Record<string, unknown> | undefined = query.after
      ? eventKey(merchantId, query.after)
      : undefined;
    // A filtered page may hold fewer than Limit: read on until the page is full or the log ends.
    do {
      const page = await dynamoCall('Query', () =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
            ...(query.pspTransactionId ? { FilterExpression: '#payment = :payment' } : {}),
            ExpressionAttributeNames: {
              '#pk': PK,
              '#sk': SK,
              ...(query.pspTransactionId ? { '#payment': 'pspTransactionId' } : {}),
            },
            ExpressionAttributeValues: {
              ':pk': merchantPk(merchantId),
              ':prefix': 'EVENT#',
              ...(query.pspTransactionId ? { ':payment': query.pspTransactionId } : {}),
            },
            Limit: query.limit - events.length,
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      events.push(...(page.Items ?? []).map((item) => without<PaymentEvent>(item)));
      startKey = page.LastEvaluatedKey;
    } while (startKey && events.length < query.limit);
    const last = events.at(-1);
    return { events, ...(startKey && last ? { next: last.id } : {}) };
  }

  async recordAttempt(attempt: DeliveryAttempt): Promise<void> {
    await this.put({
      ...withoutUndefined(attempt),
      [PK]: `EVENT#${attempt.eventId}`,
      [SK]: `DELIVERY#${attempt.at}#${attempt.endpointId}#${attempt.attempt}`,
    });
  }

  async listAttempts(eventId: string): Promise<DeliveryAttempt[]> {
    const items = await this.queryAll(`EVENT#${eventId}`, 'DELIVERY#');
    return items.map((item) => without<DeliveryAttempt>(item));
  }

  async markDispatched(tx: Transaction, count: number, dueAt: string | undefined): Promise<void> {
    // Never a version bump: handing events over must not make a merchant's capture lose its race.
    const names = {
      '#dispatched': 'eventsDispatched',
      '#version': 'version',
      '#dueAt': DUE_AT,
      '#duePk': DUE_PK,
    };
    const withDue = new UpdateCommand({
      TableName: this.tableName,
      Key: transactionKey(tx.pspTransactionId),
      UpdateExpression: dueAt
        ? 'SET #dispatched = :count, #dueAt = :dueAt, #duePk = :due'
        : 'SET #dispatched = :count REMOVE #dueAt, #duePk',
      ConditionExpression: '#version = :version',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: {
        ':count': count,
        ':version': tx.version,
        ...(dueAt ? { ':dueAt': dueAt, ':due': DUE_PARTITION } : {}),
      },
    });
    const done = await dynamoCall(
      'UpdateItem',
      async () => {
        await this.client.send(withDue);
        return true;
      },
      () => false,
    );
    if (done) return;
    // A later write won: its dueAt stands; only raise the count.
    const raise = new UpdateCommand({
      TableName: this.tableName,
      Key: transactionKey(tx.pspTransactionId),
      UpdateExpression: 'SET #dispatched = :count',
      ConditionExpression:
        'attribute_exists(#version) AND (attribute_not_exists(#dispatched) OR #dispatched < :count)',
      ExpressionAttributeNames: { '#dispatched': 'eventsDispatched', '#version': 'version' },
      ExpressionAttributeValues: { ':count': count },
    });
    await dynamoCall(
      'UpdateItem',
      () => this.client.send(raise),
      () => undefined,
    );
  }

  private async put(item: Record<string, unknown>): Promise<void> {
    await dynamoCall('PutItem', () =>
      this.client.send(new PutCommand({ TableName: this.tableName, Item: item })),
    );
  }

  private async queryAll(pk: string, prefix: string): Promise<Array<Record<string, unknown>>> {
    const items: Array<Record<string, unknown>> = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await dynamoCall('Query', () =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
            ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
            ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }
}
