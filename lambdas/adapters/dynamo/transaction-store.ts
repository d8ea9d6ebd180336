/**
 * TransactionStore on DynamoDB: one item per payment (item-mapping.ts). Every state change is ONE
 * conditional UpdateItem on `version`, so of two concurrent writers exactly one wins and the other
 * gets ConcurrentUpdateError (re-read, re-decide). No transactions and no TTL: dynalite runs the
 * same code locally and supports neither.
 */
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConcurrentUpdateError, PaymentNotFoundError } from '../../core/errors.js';
import type { MerchantOrderClaim, TransactionStore } from '../../core/ports.js';
import type { StatusBatch, Transaction, Transition } from '../../core/transaction.js';
import { dynamoCall, getItem, putNew } from './dynamo-call.js';
import {
  DUE_AT,
  DUE_PARTITION,
  DUE_PK,
  GSI1PK,
  fromTransactionItem,
  isTransactionField,
  merchantOrderKey,
  toTransactionItem,
  transactionKey,
  withoutUndefined,
} from './item-mapping.js';
import { claimMerchantOrder } from './merchant-order-claims.js';

/** Fields no transition may set or remove: identity, the lock, the append-only log. */
const IMMUTABLE: ReadonlySet<string> = new Set(['pspTransactionId', 'version', 'history']);

export interface DynamoTransactionStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

export class DynamoTransactionStore implements TransactionStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor({ client, tableName }: DynamoTransactionStoreOptions) {
    this.client = client;
    this.tableName = tableName;
  }

  async create(tx: Transaction): Promise<void> {
    await putNew(this.client, this.tableName, toTransactionItem(tx), tx.pspTransactionId);
  }

  async get(pspTransactionId: string): Promise<Transaction | undefined> {
    // Consistent: callers read, decide and write conditionally; a stale read only costs a retry,
    // but a consistent one avoids most of them.
    const item = await getItem(this.client, this.tableName, transactionKey(pspTransactionId), {
      consistent: true,
    });
    return item ? fromTransactionItem(item) : undefined;
  }

  async findByMerchantOrder(
    merchantSerialNumber: string,
    merchantOrderId: string,
  ): Promise<Transaction | undefined> {
    const query = new QueryCommand({
      TableName: this.tableName,
      IndexName: 'byMerchantOrder',
      KeyConditionExpression: '#gsi1pk = :key',
      ExpressionAttributeNames: { '#gsi1pk': GSI1PK },
      ExpressionAttributeValues: { ':key': merchantOrderKey(merchantSerialNumber, merchantOrderId) },
    });
    const { Items = [] } = await dynamoCall('Query', () => this.client.send(query));
    // Normally one; should a duplicate ever exist, the first created is the answer, every time.
    const [first] = Items.map(fromTransactionItem).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    return first;
  }

  claimMerchantOrder(claim: MerchantOrderClaim): Promise<MerchantOrderClaim> {
    return claimMerchantOrder(this.client, this.tableName, claim);
  }

  async apply(
    current: Transaction,
    transition: Pick<Transition, 'changes' | 'history'>,
    remove: ReadonlyArray<keyof Transaction> = [],
  ): Promise<Transaction> {
    const update = new UpdateCommand({
      TableName: this.tableName,
      Key: transactionKey(current.pspTransactionId),
      ...applyExpression(current, transition, remove),
      ReturnValues: 'ALL_NEW',
    });
    const { Attributes } = await dynamoCall(
      'UpdateItem',
      () => this.client.send(update),
      () => {
        throw new ConcurrentUpdateError(current.pspTransactionId);
      },
    );
    return fromTransactionItem(Attributes ?? {});
  }

  async listDue(now: Date, limit: number): Promise<Transaction[]> {
    const due: Transaction[] = [];
    let startKey: Record<string, unknown> | undefined;
    // A page may stop short of Limit (1 MB cap), so keep reading until we have enough or none are left.
    while (due.length < limit) {
      const query = new QueryCommand({
        TableName: this.tableName,
        IndexName: 'byDue',
        KeyConditionExpression: '#duePk = :due AND #dueAt <= :now',
        ExpressionAttributeNames: { '#duePk': DUE_PK, '#dueAt': DUE_AT },
        ExpressionAttributeValues: { ':due': DUE_PARTITION, ':now': now.toISOString() },
        ScanIndexForward: true,
        Limit: limit - due.length,
        ExclusiveStartKey: startKey,
      });
      const page = await dynamoCall('Query', () => this.client.send(query));
      due.push(...(page.Items ?? []).map(fromTransactionItem));
      startKey = page.LastEvaluatedKey;
      if (!startKey) break;
    }
    return due;
  }

  async recordVippsAck(pspTransactionId: string, seq: number, at: string): Promise<boolean> {
    // Not a version bump: the status updater must never make a merchant's capture lose its race.
    const update = new UpdateCommand({
      TableName: this.tableName,
      Key: transactionKey(pspTransactionId),
      UpdateExpression: 'SET #vippsSync.#acknowledgedSeq = :seq, #vippsSync.#lastSyncAt = :at',
      ConditionExpression: '#vippsSync.#acknowledgedSeq < :seq',
      ExpressionAttributeNames: placeholders('vippsSync', 'acknowledgedSeq', 'lastSyncAt'),
      ExpressionAttributeValues: { ':seq': seq, ':at': at },
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

  async recordVippsSending(pspTransactionId: string, batch: StatusBatch): Promise<void> {
    const update = new UpdateCommand({
      TableName: this.tableName,
      Key: transactionKey(pspTransactionId),
      UpdateExpression: 'SET #vippsSync.#sending = :batch',
      ConditionExpression: 'attribute_exists(#vippsSync)',
      ExpressionAttributeNames: placeholders('vippsSync', 'sending'),
      ExpressionAttributeValues: { ':batch': withoutUndefined(batch) },
    });
    await dynamoCall(
      'UpdateItem',
      () => this.client.send(update),
      () => {
        throw new PaymentNotFoundError(pspTransactionId);
      },
    );
  }

  /**
   * Never touches acknowledgedSeq: a rejected update is still owed. The first rejection of a
   * sequence appends {seq, reason, at} to vippsSync.rejected and raises rejectedSeq, in one
   * conditional write; a repeated one (a redrive or re-send rejected again) only removes the
   * stored call. Updates are rejected in sequence order (later ones wait), so rejectedSeq is
   * what makes "first rejection of this sequence" checkable in a condition.
   */
  async recordVippsRejection(
    pspTransactionId: string,
    seq: number,
    reason: string,
    at: string,
  ): Promise<void> {
    const common = { TableName: this.tableName, Key: transactionKey(pspTransactionId) };
    const first = new UpdateCommand({
      ...common,
      UpdateExpression:
        'SET #vippsSync.#rejected = list_append(if_not_exists(#vippsSync.#rejected, :none), :entry), ' +
        '#vippsSync.#rejectedSeq = :seq REMOVE #vippsSync.#sending',
      ConditionExpression:
        'attribute_exists(#vippsSync) AND (attribute_not_exists(#vippsSync.#rejectedSeq) OR #vippsSync.#rejectedSeq < :seq)',
      ExpressionAttributeNames: placeholders('vippsSync', 'rejected', 'rejectedSeq', 'sending'),
      ExpressionAttributeValues: { ':entry': [{ seq, reason, at }], ':none': [], ':seq': seq },
    });
    const appended = await dynamoCall(
      'UpdateItem',
      async () => {
        await this.client.send(first);
        return true;
      },
      () => false,
    );
    if (appended) return;
    const again = new UpdateCommand({
      ...common,
      UpdateExpression: 'REMOVE #vippsSync.#sending',
      ConditionExpression: 'attribute_exists(#vippsSync)',
      ExpressionAttributeNames: placeholders('vippsSync', 'sending'),
    });
    await dynamoCall(
      'UpdateItem',
      () => this.client.send(again),
      () => {
        throw new PaymentNotFoundError(pspTransactionId);
      },
    );
  }
}

/** `#name` → name for each attribute an expression uses (DynamoDB rejects unused placeholders). */
function placeholders(...attributes: string[]): Record<string, string> {
  return Object.fromEntries(attributes.map((name) => [`#${name}`, name]));
}

/**
 * The one UpdateItem of a transition, built from named fragments: SET each change, append the
 * history, bump the version, REMOVE the removed fields, keep the index keys in step — all under
 * `#version = :expectedVersion`. Attribute names always go through placeholders (`status` is a
 * reserved word).
 */
function applyExpression(
  current: Transaction,
  { changes, history }: Pick<Transition, 'changes' | 'history'>,
  remove: ReadonlyArray<keyof Transaction>,
) {
  const names: Record<string, string> = { '#version': 'version', '#history': 'history' };
  const values: Record<string, unknown> = {
    ':expectedVersion': current.version,
    ':one': 1,
    ':newHistory': withoutUndefined(history),
  };
  const set = ['#history = list_append(#history, :newHistory)', '#version = #version + :one'];
  const removed: string[] = [];
  const setAttribute = (name: string, value: unknown) => {
    names[`#${name}`] = name;
    values[`:${name}`] = withoutUndefined(value);
    set.push(`#${name} = :${name}`);
  };
  const removeAttribute = (name: string) => {
    names[`#${name}`] = name;
    removed.push(`#${name}`);
  };

  // An undefined value means "not changed", never "remove": removal is explicit.
  const changed = Object.entries(changes).filter(([, value]) => value !== undefined);
  for (const [name, value] of changed) {
    if (!isTransactionField(name) || IMMUTABLE.has(name)) throw new Error(`apply cannot set '${name}'`);
    setAttribute(name, value);
  }
  for (const name of remove) {
    if (IMMUTABLE.has(name) || `#${name}` in names) throw new Error(`apply cannot remove '${name}'`);
    removeAttribute(name);
  }

  // Derived keys: the sparse due index holds exactly the payments that have a dueAt.
  if (changes.dueAt !== undefined) setAttribute(DUE_PK, DUE_PARTITION);
  if (remove.includes('dueAt')) removeAttribute(DUE_PK);
  if (changes.merchantSerialNumber !== undefined || changes.merchantOrderId !== undefined) {
    const next = { ...current, ...withoutUndefined(changes) };
    setAttribute(GSI1PK, merchantOrderKey(next.merchantSerialNumber, next.merchantOrderId));
  }

  return {
    UpdateExpression: [
      `SET ${set.join(', ')}`,
      ...(removed.length ? [`REMOVE ${removed.join(', ')}`] : []),
    ].join(' '),
    ConditionExpression: '#version = :expectedVersion',
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}
