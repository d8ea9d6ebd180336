/**
 * Lambda entry: the SQS FIFO status queue → Vipps updatestatus (DESIGN.md "Status sync to Vipps").
 *
 * Why not Powertools' SqsFifoPartialProcessorAsync: it hands records to a per-record handler, so
 * a batch of 10 would become 10 updatestatus calls. Vipps' endpoint takes a list, and one call
 * per batch is the point. So the whole batch goes to the syncStatus use case in one go, and this
 * file builds `batchItemFailures` the way that processor does with `skipGroupOnError`: a failed
 * message AND every later message of the same MessageGroupId (= payment) fail, so one payment's
 * order holds, while other payments' messages that succeeded are deleted. With one call per
 * batch, a 5xx fails every message of that call.
 */
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import {
  StatusUpdateMessageError,
  parseStatusUpdateMessage,
  serializeStatusUpdate,
} from '../adapters/sqs/status-update-message.js';
import { type StatusMessage, type SyncStatusDeps, syncStatus } from '../core/use-cases/sync-status.js';
import { metricNames } from '../observability.js';
import { clock } from '../wiring/context.js';
import { deadLetterQueue } from '../wiring/queues.js';
import { transactions } from '../wiring/storage.js';
import { statusReporter } from '../wiring/epayment.js';
import { entryDependencies, lambdaEntry } from './lambda-entry.js';

export interface StatusUpdaterDeps extends SyncStatusDeps {
  metrics?: Pick<Metrics, 'addMetric'>;
}

export function createStatusUpdaterHandler(deps: StatusUpdaterDeps) {
  return async function statusUpdater(event: SQSEvent): Promise<SQSBatchResponse> {
    const failed = new Set<string>();
    const messages: StatusMessage[] = [];
    for (const record of event.Records) {
      const parsed = await parseRecord(record, deps);
      if (parsed === 'failed') failed.add(record.messageId);
      else if (parsed) messages.push(parsed);
    }

    const result = await syncStatus(messages, deps);
    for (const id of result.failedMessageIds) failed.add(id);

    if (deps.metrics) {
      // Always emitted (0 included): a batch whose updates were all sent ahead is normal, and an
      // empty EMF flush would log a warning on every such invocation.
      deps.metrics.addMetric(
        metricNames.statusUpdatesAcknowledged,
        MetricUnit.Count,
        result.acknowledged.length,
      );
      for (const { lagSeconds } of result.acknowledged) {
        if (lagSeconds !== undefined)
          deps.metrics.addMetric(metricNames.statusUpdateLag, MetricUnit.Seconds, lagSeconds);
      }
      if (result.rejected.length) {
        deps.metrics.addMetric(metricNames.statusUpdatesRejected, MetricUnit.Count, result.rejected.length);
      }
    }
    const batchItemFailures = fifoFailures(event.Records, failed, messages);
    deps.log.info('Status batch processed', {
      messages: event.Records.length,
      vippsCalls: result.vippsCalls,
      acknowledged: result.acknowledged.length,
      rejected: result.rejected.length,
      alreadyAcknowledged: result.alreadyAcknowledged.length,
      waitingBehindRejected: result.waiting.length,
      failed: batchItemFailures.length,
    });
    return { batchItemFailures };
  };
}

/** A parsed message; undefined when the body was poison and is now in the DLQ; 'failed' to retry. */
async function parseRecord(
  record: SQSRecord,
  deps: StatusUpdaterDeps,
): Promise<StatusMessage | undefined | 'failed'> {
  try {
    return { messageId: record.messageId, body: record.body, update: parseStatusUpdateMessage(record.body) };
  } catch (error) {
    if (!(error instanceof StatusUpdateMessageError)) throw error;
    const groupId = record.attributes.MessageGroupId ?? record.messageId;
    try {
      await deps.deadLetterQueue.send(record.body, error.message, groupId, record.messageId);
      deps.log.error('Unreadable status message moved to the dead-letter queue', {
        messageId: record.messageId,
        groupId,
        reason: error.message,
      });
      return undefined;
    } catch (sendError) {
      deps.log.error('Could not dead-letter an unreadable status message; will retry', {
        messageId: record.messageId,
        error: String(sendError),
      });
      return 'failed';
    }
  }
}

/** FIFO: once a message of a group fails, every later message of that group fails too. */
export function fifoFailures(
  records: ReadonlyArray<SQSRecord>,
  failed: ReadonlySet<string>,
  messages: ReadonlyArray<StatusMessage> = [],
): Array<{ itemIdentifier: string }> {
  const paymentOf = new Map(messages.map((m) => [m.messageId, m.update.pspTransactionId]));
  const blockedGroups = new Set<string>();
  const failures: Array<{ itemIdentifier: string }> = [];
  for (const record of records) {
    const group = record.attributes.MessageGroupId ?? paymentOf.get(record.messageId) ?? record.messageId;
    if (failed.has(record.messageId) || blockedGroups.has(group)) {
      blockedGroups.add(group);
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  return failures;
}

/**
 * Built on the first invocation rather than at import, so tests and the local stack can import
 * createStatusUpdaterHandler without a Lambda environment (a bad configuration still fails the
 * first invocation, naming the variable).
 */
let entry: ((event: SQSEvent, context: Context) => Promise<SQSBatchResponse>) | undefined;

export const handler = (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  if (!entry) {
    const deps = entryDependencies({
      transactions,
      vipps: statusReporter,
      deadLetterQueue,
      clock,
      formatMessage: () => serializeStatusUpdate,
    });
    entry = lambdaEntry(deps, createStatusUpdaterHandler(deps), { emitsMetrics: true });
  }
  return entry(event, context);
};
