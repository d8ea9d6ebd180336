/**
 * The local stand-in for a Lambda event source mapping on a DynamoDB Stream (AWS: "Using AWS
 * Lambda with Amazon DynamoDB"): records are spread over shards by item key, so one item's
 * records stay in one shard, in order; each shard invokes the function with one batch at a time
 * (up to `batchSize` records, no batching window) and
 *   - on success moves past the batch, or, with `batchItemFailures` (ReportBatchItemFailures),
 *     retries from the named SequenceNumber — the records before it are done;
 *   - if the function throws, times out or answers with an itemIdentifier that is not a
 *     SequenceNumber of the batch, retries the whole batch;
 *   - after `retryAttempts` retries of a batch gives it up (AWS then skips it too, or sends it to
 *     an on-failure destination); the items' events are still in their outbox, for the sweep.
 * Delivery is at least once: a retried batch repeats records the function may have handled.
 */
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';

export interface StreamMappingOptions {
  /** Invoke the function; resolves with its answer, rejects when the invocation failed. */
  invoke(event: DynamoDBStreamEvent): Promise<unknown>;
  batchSize: number;
  retryAttempts: number;
  /** Shards (parallel batches); default 4. */
  shards?: number;
  /** Filter criteria: records it refuses are dropped, as AWS drops them before invoking. */
  accept?: (record: DynamoDBRecord) => boolean;
  /** Pause before retry n (1-based), ms; default 100·2^(n−1), at most 2 s. */
  retryDelayMs?: (attempt: number) => number;
  onInvokeError?: (error: unknown) => void;
  /** A batch given up after its retries: its first and last SequenceNumber. */
  onGiveUp?: (records: DynamoDBRecord[]) => void;
}

export interface StreamMapping {
  push(record: DynamoDBRecord): void;
  /** Resolves when every shard is empty and no invocation runs; rejects after `timeoutMs`. */
  idle(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

interface Shard {
  records: DynamoDBRecord[];
  running?: Promise<void>;
}

export function startStreamMapping(options: StreamMappingOptions): StreamMapping {
  const shards: Shard[] = Array.from({ length: options.shards ?? 4 }, () => ({ records: [] }));
  const retryDelay = options.retryDelayMs ?? ((n: number) => Math.min(2000, 100 * 2 ** (n - 1)));
  const onInvokeError =
    options.onInvokeError ??
    ((e: unknown) =>
      console.warn('[dynamodb-streams] invocation failed:', e instanceof Error ? e.message : e));
  const onGiveUp =
    options.onGiveUp ??
    ((records: DynamoDBRecord[]) =>
      console.warn(
        `[dynamodb-streams] gave up ${records.length} record(s) after ${options.retryAttempts} retries; the reconciler's sweep hands their events over`,
      ));
  let stopped = false;
  let stop: () => void = () => undefined;
  const stopping = new Promise<void>((r) => (stop = r));

  function shardOf(record: DynamoDBRecord): Shard {
    const key = JSON.stringify(record.dynamodb?.Keys ?? {});
    let hash = 0;
    for (let i = 0; i < key.length; i++) hash = (hash * 31 + key.charCodeAt(i)) | 0;
    return shards[Math.abs(hash) % shards.length]!;
  }

  /** How many records of the batch are done: all, or those before the first reported failure. */
  function doneCount(response: unknown, batch: DynamoDBRecord[]): number {
    const failures = (response as DynamoDBBatchResponse | undefined)?.batchItemFailures ?? [];
    if (failures.length === 0) return batch.length;
    const positions = failures.map((f) =>
      batch.findIndex((r) => r.dynamodb?.SequenceNumber === f.itemIdentifier),
    );
    if (positions.some((p) => p < 0)) return 0;
    return Math.min(...positions);
  }

  async function drain(shard: Shard): Promise<void> {
    let attempts = 0;
    while (!stopped && shard.records.length > 0) {
      const batch = shard.records.slice(0, options.batchSize);
      let done: number;
      try {
        done = doneCount(await options.invoke({ Records: batch }), batch);
      } catch (error) {
        onInvokeError(error);
        done = 0;
      }
      if (done === batch.length) {
        shard.records.splice(0, batch.length);
        attempts = 0;
        continue;
      }
      shard.records.splice(0, done);
      attempts = done > 0 ? 1 : attempts + 1;
      if (attempts > options.retryAttempts) {
        onGiveUp(shard.records.splice(0, batch.length - done));
        attempts = 0;
        continue;
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([new Promise((r) => (timer = setTimeout(r, retryDelay(attempts)))), stopping]);
      clearTimeout(timer);
    }
  }

  function wake(shard: Shard): void {
    if (shard.running || stopped) return;
    // Started on the next turn: records pushed together go out in one batch.
    shard.running = new Promise<void>((r) => setImmediate(r))
      .then(() => drain(shard))
      .finally(() => {
        shard.running = undefined;
        if (shard.records.length > 0) wake(shard);
      });
  }

  return {
    push(record) {
      if (stopped || (options.accept && !options.accept(record))) return;
      const shard = shardOf(record);
      shard.records.push(record);
      wake(shard);
    },
    async idle(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (shards.some((s) => s.running !== undefined || s.records.length > 0)) {
        if (Date.now() > deadline) throw new Error(`DynamoDB stream mapping not idle after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop() {
      stopped = true;
      stop();
      await Promise.all(shards.map((s) => s.running));
    },
  };
}
