/**
 * Issue 5: N payments through reserve → capture → refund on the local stack at a fixed
 * concurrency, each payment's steps in sequence (create through the Merchant API; reserve by the
 * Vipps simulator's approval, which calls our makePaymentUrl over HTTP exactly as Vipps does;
 * then full capture and full refund through the Merchant API). Afterwards we wait for the status
 * queue to drain and check, from what the simulator recorded, that Vipps received exactly 3
 * entries per payment — RESERVED, CAPTURED, REFUNDED, none duplicated, in order — and how many
 * updatestatus calls carried them.
 */
import type { AwsCallCounts } from '../../lambdas/adapters/aws-clients.js';
import type { LocalStack } from '../../local/stack.js';
import { merchantHttp } from '../checklist/merchant-http.js';
import type { TargetCheck } from './phase.js';
import { awsCallTotals, functionCosts } from './function-cost.js';
import { runPool, timed } from './pool.js';
import { gatewayRouteLabel, recordServerTiming } from './server-timing.js';
import { type LatencySummary, perRequest, summarize } from './stats.js';
import { type StatusVerification, type ExpectedUpdate, verifyStatusUpdates } from './status-verification.js';
import { statusQueueControl } from './status-queue.js';

export interface LifecycleBenchOptions {
  payments: number;
  concurrency: number;
  amount?: number;
  log?: (line: string) => void;
}

export interface LifecycleBenchResult {
  payments: number;
  concurrency: number;
  amount: number;
  /** First create → last refund answered. */
  durationMs: number;
  paymentsPerSecond: number;
  /** First create → Vipps has every status update (queue drained). */
  durationUntilSyncedMs: number;
  failures: string[];
  /** Server side, at the API host. */
  serverLatencyMs: Record<'createPayment' | 'makePayment' | 'capture' | 'refund', LatencySummary | undefined>;
  /** What the simulator measured for its makePayment calls (its HTTP round trip). */
  makePaymentAsSeenByVippsMs: LatencySummary;
  statusUpdates: StatusVerification & {
    updateStatusCalls: number;
    updateStatusRequests: number;
    entriesPerCall: number;
  };
  /** All functions together (Merchant API, authorizer, makePayment, updater), per payment. */
  awsCallsPerPayment: AwsCallCounts;
  targets: TargetCheck[];
}

const optionalSummary = (samples: number[] | undefined) =>
  samples && samples.length > 0 ? summarize(samples) : undefined;

export async function runLifecycleBench(
  stack: LocalStack,
  options: LifecycleBenchOptions,
): Promise<LifecycleBenchResult> {
  const log = options.log ?? (() => undefined);
  const amount = options.amount ?? 10_000;
  const merchant = merchantHttp({
    baseUrl: stack.baseUrl,
    apiKey: stack.merchantApiKey,
    merchantSerialNumber: stack.merchantSerialNumber,
  });
  const queue = statusQueueControl(stack);
  await queue.waitIdle(120_000);
  stack.vipps.clearRecords();
  stack.resetFunctionStats();
  const run = Date.now().toString(36);
  const timing = recordServerTiming(Number(new URL(stack.baseUrl).port), gatewayRouteLabel);
  const vippsSaw: number[] = [];
  const failures: string[] = [];
  const ids: string[] = [];
  let done = 0;

  log(
    `${options.payments} payments: create → reserve (Vipps approves) → capture → refund, concurrency ${options.concurrency} …`,
  );
  const started = performance.now();
  await runPool(options.payments, options.concurrency, async (i) => {
    const created = await merchant.createPayment({ merchantOrderId: `bench-lc-${run}-${i}`, amount });
    if (created.status !== 201) return void failures.push(`create: HTTP ${created.status}`);
    const id = created.body.pspTransactionId;
    ids.push(id);
    const approval = await stack.vipps.approve(id);
    for (const e of approval.makePaymentExchanges) vippsSaw.push(e.durationMs);
    if (approval.outcome !== 'OK') return void failures.push(`${id} reserve: ${approval.outcome}`);
    const captured = await merchant.capture(id, amount);
    if (captured.status !== 200) return void failures.push(`${id} capture: HTTP ${captured.status}`);
    const refunded = await merchant.refund(id, amount);
    if (refunded.status !== 200) return void failures.push(`${id} refund: HTTP ${refunded.status}`);
    done += 1;
    if (done % 250 === 0) log(`  ${done} payments done`);
  });
  const durationMs = performance.now() - started;
  timing.stop();

  log('waiting until Vipps has every status update …');
  const synced = await timed(() => queue.waitIdle(300_000));
  const durationUntilSyncedMs = durationMs + synced.ms;
  const counts = awsCallTotals(functionCosts(stack.functionStats())).total;

  const expected = new Map<string, ExpectedUpdate[]>(
    ids.map((id) => [
      id,
      [
        { status: 'RESERVED', amount },
        { status: 'CAPTURED', amount },
        { status: 'REFUNDED', amount },
      ],
    ]),
  );
  const verification = verifyStatusUpdates(stack.vipps.statusUpdates, expected);
  const updateStatusCalls = stack.vipps.updateStatusCalls;
  const updateStatusRequests = stack.vipps.requests.filter((r) => r.endpoint === 'updatestatus').length;
  const entriesPerCall = updateStatusCalls === 0 ? 0 : verification.receivedEntries / updateStatusCalls;
  const samples = timing.samples();
  const serverLatencyMs = {
    createPayment: optionalSummary(samples.get('createPayment')),
    makePayment: optionalSummary(samples.get('makePayment')),
    capture: optionalSummary(samples.get('capture')),
    refund: optionalSummary(samples.get('refund')),
  };
  const expectedEntries = options.payments * 3;

  return {
    payments: options.payments,
    concurrency: options.concurrency,
    amount,
    durationMs,
    paymentsPerSecond: options.payments / (durationMs / 1000),
    durationUntilSyncedMs,
    failures: failures.slice(0, 10),
    serverLatencyMs,
    makePaymentAsSeenByVippsMs: summarize(vippsSaw.length > 0 ? vippsSaw : [0]),
    statusUpdates: { ...verification, updateStatusCalls, updateStatusRequests, entriesPerCall },
    awsCallsPerPayment: {
      dynamodb: perRequest(counts.dynamodb, options.payments),
      sqs: perRequest(counts.sqs, options.payments),
      kms: perRequest(counts.kms, options.payments),
      secretsManager: perRequest(counts.secretsManager, options.payments),
    },
    targets: [
      {
        name: 'payments completed (reserve, capture, refund all OK)',
        target: String(options.payments),
        actual: String(done),
        met: done === options.payments,
      },
      {
        name: 'status entries Vipps received, none duplicated, in order per payment',
        target: `exactly ${expectedEntries}`,
        actual: `${verification.receivedEntries} received, ${verification.duplicates} duplicated, ${verification.outOfOrderOrWrong} payments out of order/wrong`,
        met: verification.ok && verification.receivedEntries === expectedEntries,
      },
      {
        name: `updatestatus calls for those ${expectedEntries} entries`,
        target: `≤ ${Math.ceil(expectedEntries / 10)} (≥ 10 entries per call)`,
        actual: `${updateStatusCalls} (${entriesPerCall.toFixed(2)} entries per call)`,
        met: updateStatusCalls <= Math.ceil(expectedEntries / 10),
      },
    ],
  };
}
