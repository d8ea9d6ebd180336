/**
 * The Merchant API's idempotency table in memory, behind a real DynamoDBClient whose `send` is
 * answered here: Powertools' DynamoDBPersistenceLayer runs unchanged (its conditional put, the
 * ALL_OLD item on a lost condition, get, update, delete), only the network is gone. Unit tests
 * of createIdempotencyRunner use it; the same runner against dynalite is in the e2e tests.
 */
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';

type Item = Record<string, AttributeValue>;

export class InMemoryIdempotencyTable {
  readonly items = new Map<string, Item>();
  readonly client: DynamoDBClient;
  readonly tablesAsked = new Set<string>();

  constructor() {
    this.client = new DynamoDBClient({
      region: 'eu-north-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    (this.client as unknown as { send: (command: unknown) => Promise<unknown> }).send = (command) =>
      this.#answer(command);
  }

  /** Each stored record's status (INPROGRESS / COMPLETED). */
  statuses(): string[] {
    return [...this.items.values()].map((item) => item.status!.S!);
  }

  /** Everything stored, as one string (for "never kept" assertions). */
  text(): string {
    return JSON.stringify([...this.items.values()]);
  }

  #answer(command: unknown): Promise<unknown> {
    if (command instanceof PutItemCommand) return this.#put(command.input.Item!, command.input.TableName);
    if (command instanceof GetItemCommand) {
      const item = this.items.get(command.input.Key!.id!.S!);
      return Promise.resolve(item ? { Item: structuredClone(item) } : {});
    }
    if (command instanceof UpdateItemCommand) {
      const { Key, UpdateExpression, ExpressionAttributeNames, ExpressionAttributeValues } = command.input;
      const item = this.items.get(Key!.id!.S!) ?? { ...Key };
      for (const assignment of UpdateExpression!.replace(/^SET /, '').split(', ')) {
        const [name, value] = assignment.split(' = ');
        item[ExpressionAttributeNames![name!]!] = ExpressionAttributeValues![value!]!;
      }
      this.items.set(Key!.id!.S!, item);
      return Promise.resolve({});
    }
    if (command instanceof DeleteItemCommand) {
      this.items.delete(command.input.Key!.id!.S!);
      return Promise.resolve({});
    }
    return Promise.reject(new Error(`InMemoryIdempotencyTable does not answer ${String(command)}`));
  }

  /** Powertools' condition: no item, or it expired, or it is INPROGRESS past its in-progress expiry. */
  #put(item: Item, tableName: string | undefined): Promise<unknown> {
    if (tableName) this.tablesAsked.add(tableName);
    const id = item.id!.S!;
    const old = this.items.get(id);
    const now = Date.now();
    const free =
      !old ||
      Number(old.expiration!.N) < now / 1000 ||
      (old.status!.S === 'INPROGRESS' &&
        old.in_progress_expiration !== undefined &&
        Number(old.in_progress_expiration.N) < now);
    if (!free) {
      return Promise.reject(
        new ConditionalCheckFailedException({
          message: 'The conditional request failed',
          $metadata: {},
          Item: structuredClone(old),
        }),
      );
    }
    this.items.set(id, structuredClone(item));
    return Promise.resolve({});
  }
}
