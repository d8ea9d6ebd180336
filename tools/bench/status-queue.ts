/**
 * The benchmark's handle on the local status queue, through the real SQS protocol with an
 * uncounted client (its calls must not show up in the per-request counts).
 *
 * Why hold the queue: the phase's AWS call counts sum every function that ran (each counts in its
 * own workers), and the status updater would also compete for the machine's cores and the
 * emulators while makePayment is measured. Setting the queue's DelaySeconds before the measured
 * phase keeps every status message it produces invisible, so the updater cannot run during it:
 * the counts and the latencies are makePayment's alone. The queue attributes afterwards prove it
 * (every message still delayed, none received).
 */
import { GetQueueAttributesCommand, SetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { createSqsClient } from '../../lambdas/adapters/aws-clients.js';
import type { LocalStack } from '../../local/stack.js';

export interface QueueCounts {
  visible: number;
  inFlight: number;
  delayed: number;
}

export interface StatusQueueControl {
  setDelaySeconds(seconds: number): Promise<void>;
  counts(): Promise<QueueCounts>;
  /** statusQueueIdle() until it resolves (it gives up after 30 s each time) or `timeoutMs` passes. */
  waitIdle(timeoutMs: number): Promise<void>;
}

export function statusQueueControl(
  stack: LocalStack,
  sqs: SQSClient = uncountedSqs(stack),
): StatusQueueControl {
  return {
    async setDelaySeconds(seconds) {
      await sqs.send(
        new SetQueueAttributesCommand({
          QueueUrl: stack.statusQueueUrl,
          Attributes: { DelaySeconds: String(seconds) },
        }),
      );
    },
    async counts() {
      const out = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: stack.statusQueueUrl,
          AttributeNames: [
            'ApproximateNumberOfMessages',
            'ApproximateNumberOfMessagesNotVisible',
            'ApproximateNumberOfMessagesDelayed',
          ],
        }),
      );
      const a = out.Attributes ?? {};
      return {
        visible: Number(a.ApproximateNumberOfMessages ?? 0),
        inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
        delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
      };
    },
    async waitIdle(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        try {
          await stack.statusQueueIdle();
          return;
        } catch (error) {
          if (Date.now() > deadline) throw error;
        }
      }
    },
  };
}

function uncountedSqs(stack: LocalStack): SQSClient {
  return createSqsClient({ endpoint: stack.endpoints.sqs, counter: false });
}
