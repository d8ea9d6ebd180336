/**
 * The status-updater Lambda's own work, on in-memory ports: SQS records in, batchItemFailures out
 * (FIFO: a failed message fails the later ones of its payment), unreadable bodies to the DLQ with
 * the reason, and the metrics and summary log ops watch. What syncStatus decides is covered in
 * sync-status.test.ts; the real queue in test/integration/status-updater.test.ts.
 */
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { VippsRejectedError, VippsUnavailableError } from '../../lambdas/core/errors.js';
import { type StatusUpdate, type Transaction, capture, reserve } from '../../lambdas/core/transaction.js';
import { metricNames } from '../../lambdas/observability.js';
import {
  type StatusUpdaterDeps,
  createStatusUpdaterHandler,
  fifoFailures,
} from '../../lambdas/handlers/status-updater.js';
import { statusUpdatesToSend } from '../../lambdas/core/status-sync.js';
import { InMemoryTransactionStore } from '../support/in-memory-transaction-store.js';
import { RecordingLog } from '../support/three-ds-harness.js';
import { applied, initiatedPayment } from '../support/transactions.js';

const NOW = new Date('2026-11-24T11:00:30.000Z');
const A = 'aa'.padEnd(32, '0');
const B = 'bb'.padEnd(32, '0');

/** Reserved at 11:00:00 (seq 1), then captured `captures` times (seq 2, …), nothing acknowledged. */
function payment(id: string, captures: number[] = [], msn = '123456'): Transaction {
  let tx = initiatedPayment({ pspTransactionId: id, merchantSerialNumber: msn });
  tx = applied(tx, reserve(tx, { at: '2026-11-24T11:00:00.000Z', acquirerReference: 'ref' }));
  for (const amount of captures) tx = applied(tx, capture(tx, amount, { at: '2026-11-24T11:00:10.000Z' }));
  return tx;
}

let counter = 0;
function record(body: string, groupId?: string): SQSRecord {
  return {
    messageId: `m${++counter}`,
    body,
    attributes: groupId ? { MessageGroupId: groupId } : {},
  } as unknown as SQSRecord;
}
const recordsOf = (tx: Transaction) =>
  statusUpdatesToSend(tx).map((u) => record(JSON.stringify(u), tx.pspTransactionId));

type Answer = 'ok' | 'reject' | 'unavailable';

function setup(txs: Transaction[], options: { answers?: Record<string, Answer>; dlqFails?: boolean } = {}) {
  const transactions = new InMemoryTransactionStore(txs);
  const calls: Array<{ msn: string; seqs: string[] }> = [];
  const dlq: Array<{ body: string; reason: string; groupId: string; sourceMessageId?: string }> = [];
  const metrics: Array<{ name: string; unit: string; value: number }> = [];
  const log = new RecordingLog();
  const deps: StatusUpdaterDeps = {
    transactions,
    vipps: {
      updateStatus(msn: string, updates: ReadonlyArray<StatusUpdate>) {
        calls.push({ msn, seqs: updates.map((u) => `${u.pspTransactionId.slice(0, 2)}:${u.seq}`) });
        const answer = options.answers?.[msn] ?? 'ok';
        if (answer === 'reject')
          return Promise.reject(
            new VippsRejectedError(400, [{ errorCode: '21', errorMessage: 'Not active' }]),
          );
        if (answer === 'unavailable') return Promise.reject(new VippsUnavailableError('HTTP 503'));
        return Promise.resolve();
      },
    },
    deadLetterQueue: {
      send(body, reason, groupId, sourceMessageId) {
        if (options.dlqFails) return Promise.reject(new Error('SQS unavailable'));
        dlq.push({ body, reason, groupId, ...(sourceMessageId ? { sourceMessageId } : {}) });
        return Promise.resolve();
      },
    },
    clock: { now: () => NOW },
    log,
    metrics: {
      addMetric: (name: string, unit: string, value: number) => void metrics.push({ name, unit, value }),
    } as unknown as StatusUpdaterDeps['metrics'],
  };
  const handle = createStatusUpdaterHandler(deps);
  const run = (records: SQSRecord[]) => handle({ Records: records } as SQSEvent);
  const summary = () => log.entries.find((e) => e.message === 'Status batch processed')?.extra[0];
  return { transactions, calls, dlq, metrics, log, deps, run, summary };
}

describe('status-updater handler', () => {
  it('sends a batch in one call, fails nothing, and reports the acknowledgements and their lag', async () => {
    const { run, calls, metrics, summary, transactions } = setup([payment(A, [3_000]), payment(B)]);
    const records = [...recordsOf(payment(A, [3_000])), ...recordsOf(payment(B))];
    await expect(run(records)).resolves.toEqual({ batchItemFailures: [] });
    expect(calls).toEqual([{ msn: '123456', seqs: ['aa:1', 'aa:2', 'bb:1'] }]);
    expect(transactions.peek(A)!.vippsSync.acknowledgedSeq).toBe(2);
    expect(metrics).toEqual([
      { name: metricNames.statusUpdatesAcknowledged, unit: 'Count', value: 3 },
      { name: metricNames.statusUpdateLag, unit: 'Seconds', value: 30 },
      { name: metricNames.statusUpdateLag, unit: 'Seconds', value: 20 },
      { name: metricNames.statusUpdateLag, unit: 'Seconds', value: 30 },
    ]);
    expect(summary()).toEqual({
      messages: 3,
      vippsCalls: 1,
      acknowledged: 3,
      rejected: 0,
      alreadyAcknowledged: 0,
      waitingBehindRejected: 0,
      failed: 0,
    });
  });

  it('reports zero acknowledged when every message was a redelivery of what Vipps already has', async () => {
    const tx = { ...payment(A), vippsSync: { acknowledgedSeq: 1 } };
    const { run, calls, metrics, summary } = setup([tx]);
    await expect(run(recordsOf(payment(A)))).resolves.toEqual({ batchItemFailures: [] });
    expect(calls).toEqual([]);
    expect(metrics).toEqual([{ name: metricNames.statusUpdatesAcknowledged, unit: 'Count', value: 0 }]);
    expect(summary()).toMatchObject({ messages: 1, vippsCalls: 0, acknowledged: 0, alreadyAcknowledged: 1 });
  });

  it('counts a rejected update and the one waiting behind it; neither message is retried', async () => {
    const { run, metrics, summary, dlq } = setup([payment(A, [3_000])], { answers: { '123456': 'reject' } });
    await expect(run(recordsOf(payment(A, [3_000])))).resolves.toEqual({ batchItemFailures: [] });
    expect(metrics).toContainEqual({ name: metricNames.statusUpdatesRejected, unit: 'Count', value: 1 });
    expect(dlq.map((d) => d.groupId)).toEqual([A, A]);
    expect(summary()).toMatchObject({ rejected: 1, waitingBehindRejected: 1, failed: 0 });
  });

  it('Vipps unavailable for one sales unit fails only that unit’s messages', async () => {
    const { run, summary } = setup([payment(A, [3_000], '111111'), payment(B, [], '222222')], {
      answers: { '111111': 'unavailable' },
    });
    const aRecords = recordsOf(payment(A, [3_000], '111111'));
    const bRecords = recordsOf(payment(B, [], '222222'));
    const result = await run([aRecords[0]!, bRecords[0]!, aRecords[1]!]);
    expect(result.batchItemFailures).toEqual([
      { itemIdentifier: aRecords[0]!.messageId },
      { itemIdentifier: aRecords[1]!.messageId },
    ]);
    expect(summary()).toMatchObject({ messages: 3, vippsCalls: 2, acknowledged: 1, failed: 2 });
  });

  it('dead-letters an unreadable body with the reason under its message group, and sends the rest', async () => {
    const { run, dlq, calls, log } = setup([payment(A)]);
    const poison = record('{"not":"an update"}', 'group-1');
    const result = await run([poison, ...recordsOf(payment(A))]);
    expect(result.batchItemFailures).toEqual([]);
    expect(dlq).toEqual([
      {
        body: '{"not":"an update"}',
        reason: expect.stringMatching(/^Not a status update message: /) as string,
        groupId: 'group-1',
        sourceMessageId: poison.messageId,
      },
    ]);
    expect(calls).toHaveLength(1);
    expect(log.entries).toContainEqual({
      level: 'error',
      message: 'Unreadable status message moved to the dead-letter queue',
      extra: [{ messageId: poison.messageId, groupId: 'group-1', reason: dlq[0]!.reason }],
    });
  });

  it('an unreadable body without a message group is dead-lettered under its own message id', async () => {
    const { run, dlq } = setup([]);
    const poison = record('not json');
    await run([poison]);
    expect(dlq).toEqual([
      {
        body: 'not json',
        reason: 'Not a status update message: the body is not JSON',
        groupId: poison.messageId,
        sourceMessageId: poison.messageId,
      },
    ]);
  });

  it('an unreadable body that cannot be dead-lettered is retried, with the later messages of its group', async () => {
    const { run, log, summary } = setup([payment(A)], { dlqFails: true });
    const poison = record('not json', A);
    const later = recordsOf(payment(A));
    const other = record('also not json', 'other');
    const result = await run([poison, ...later]);
    expect(result.batchItemFailures).toEqual([
      { itemIdentifier: poison.messageId },
      { itemIdentifier: later[0]!.messageId },
    ]);
    expect(log.entries).toContainEqual({
      level: 'error',
      message: 'Could not dead-letter an unreadable status message; will retry',
      extra: [{ messageId: poison.messageId, error: 'Error: SQS unavailable' }],
    });
    expect(summary()).toMatchObject({ messages: 2, failed: 2 });
    await expect(run([other])).resolves.toEqual({ batchItemFailures: [{ itemIdentifier: other.messageId }] });
  });

  it('works without metrics (the local stack), still answering the batch', async () => {
    const { deps } = setup([payment(A)]);
    const handle = createStatusUpdaterHandler({ ...deps, metrics: undefined });
    await expect(handle({ Records: recordsOf(payment(A)) } as SQSEvent)).resolves.toEqual({
      batchItemFailures: [],
    });
  });
});

describe('fifoFailures', () => {
  const update = (id: string): StatusUpdate => ({
    ...statusUpdatesToSend(payment(id))[0]!,
    pspTransactionId: id,
  });

  it('fails a failed message and every later message of its group, not the earlier ones nor other groups', () => {
    const records = [
      record('1', 'g1'),
      record('2', 'g2'),
      record('3', 'g1'),
      record('4', 'g1'),
      record('5', 'g2'),
    ];
    const failures = fifoFailures(records, new Set([records[2]!.messageId]));
    expect(failures).toEqual([
      { itemIdentifier: records[2]!.messageId },
      { itemIdentifier: records[3]!.messageId },
    ]);
  });

  it('without a MessageGroupId groups by the payment of the parsed message, else by the message itself', () => {
    const records = [record('a1'), record('b1'), record('a2'), record('x')];
    const messages = [
      { messageId: records[0]!.messageId, body: '', update: update(A) },
      { messageId: records[1]!.messageId, body: '', update: update(B) },
      { messageId: records[2]!.messageId, body: '', update: update(A) },
    ];
    const failed = new Set([records[0]!.messageId, records[3]!.messageId]);
    expect(fifoFailures(records, failed, messages)).toEqual([
      { itemIdentifier: records[0]!.messageId },
      { itemIdentifier: records[2]!.messageId },
      { itemIdentifier: records[3]!.messageId },
    ]);
    expect(fifoFailures(records, new Set([records[3]!.messageId]))).toEqual([
      { itemIdentifier: records[3]!.messageId },
    ]);
  });
});
