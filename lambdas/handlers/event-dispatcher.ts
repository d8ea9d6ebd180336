/**
 * Lambda entry: the payments table's DynamoDB Stream (NEW_IMAGE) → merchant-webhook hand-over
 * (DESIGN.md "Merchant webhooks"). The write that changes a payment also writes its events into
 * the item (the outbox); this function hands them to delivery off the answer path. Records that
 * are not payment items, or whose events were all handed over, are skipped without a call.
 * A failure reports that record's SequenceNumber in `batchItemFailures`: the mapping retries from
 * there, so a payment's later changes never overtake it. What the mapping gives up on, the
 * reconciler's sweep (dueAt) hands over.
 */
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { fromTransactionItem, transactionKey } from '../adapters/dynamo/item-mapping.js';
import { fromStreamImage } from '../adapters/dynamo/stream-image.js';
import type { Log } from '../core/ports.js';
import { type PaymentChange, type StreamDispatchDeps, dispatchChanges } from '../core/webhooks/dispatch.js';
import { undispatchedEvents } from '../core/webhooks/payment-events.js';
import { transactions } from '../wiring/storage.js';
import { eventDispatch } from '../wiring/webhooks.js';
import { entryDependencies, lambdaEntry } from './lambda-entry.js';

const TX_SORT_KEY = transactionKey('').sk;

/** The slice of a stream record this function reads (aws-lambda's DynamoDBRecord). */
const recordSchema = z.object({
  eventName: z.enum(['INSERT', 'MODIFY', 'REMOVE']),
  dynamodb: z.object({
    SequenceNumber: z.string().check(z.minLength(1)),
    Keys: z.looseObject({ sk: z.optional(z.object({ S: z.string() })) }),
    NewImage: z.optional(z.record(z.string(), z.unknown())),
  }),
});
const eventSchema = z.object({ Records: z.array(z.unknown()) });

type Parsed = { kind: 'change'; change: PaymentChange } | { kind: 'skip' } | { kind: 'unreadable' };

/** A payment item's new image with events still to hand over; anything else is skipped. */
function toChange(raw: unknown): Parsed {
  const parsed = recordSchema.safeParse(raw);
  if (!parsed.success) return { kind: 'unreadable' };
  const { eventName, dynamodb } = parsed.data;
  if (eventName === 'REMOVE' || dynamodb.Keys.sk?.S !== TX_SORT_KEY || !dynamodb.NewImage) {
    return { kind: 'skip' };
  }
  let tx;
  try {
    tx = fromTransactionItem(fromStreamImage(dynamodb.NewImage));
  } catch {
    return { kind: 'unreadable' };
  }
  if (undispatchedEvents(tx).length === 0) return { kind: 'skip' };
  return { kind: 'change', change: { position: dynamodb.SequenceNumber, tx } };
}

export function createEventDispatcherHandler(
  deps: StreamDispatchDeps & { log: Pick<Log, 'error' | 'warn'> },
) {
  return async function eventDispatcher(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
    const { Records } = eventSchema.parse(event);
    const changes: PaymentChange[] = [];
    for (const record of Records) {
      const parsed = toChange(record);
      // Never becomes readable: retrying it would only hold the shard up. The sweep has the item.
      if (parsed.kind === 'unreadable') deps.log.warn('Unreadable stream record skipped');
      if (parsed.kind === 'change') changes.push(parsed.change);
    }
    const { failedAt, error } = await dispatchChanges(changes, deps);
    if (failedAt === undefined) return { batchItemFailures: [] };
    deps.log.error('Webhook hand-over failed; the stream retries from this record', {
      sequenceNumber: failedAt,
      error: error instanceof Error ? error.message : String(error),
    });
    return { batchItemFailures: [{ itemIdentifier: failedAt }] };
  };
}

let entry: ((event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse>) | undefined;

export const handler = (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> => {
  if (!entry) {
    const deps = entryDependencies({
      webhooks: () => eventDispatch().webhooks,
      deliveries: () => eventDispatch().deliveries,
      outbox: () => eventDispatch().outbox,
      clock: () => eventDispatch().clock,
      transactions,
    });
    entry = lambdaEntry(deps, createEventDispatcherHandler(deps));
  }
  return entry(event, context);
};
