/**
 * Issue 3: makePaymentUrl under load on the local stack, sandbox acquirer at zero delay.
 *
 * 1. Create warm-up + measured payments through the Merchant API (not measured).
 * 2. Build each makePayment call as Vipps would send it (token by amount, raw makePaymentToken),
 *    so the Vipps simulator is not in the measured path.
 * 3. Warm up, let the status updater drain, then hold the status queue (DelaySeconds) so the
 *    updater cannot run while we measure — see status-queue.ts.
 * 4. Measure at concurrency 1 (the handler's own latency, no queueing) and at the target
 *    concurrency; reset the AWS call counter before the latter and read it, and the queue, right
 *    after its last answer.
 * Latency is taken server-side at the API host (server-timing.ts) and, for comparison, by the
 * client in this process (loopback HTTP, includes the client's own work).
 */
import type { AwsCallCounts } from '../../lambdas/adapters/aws-clients.js';
import { MAKE_PAYMENT_PATH } from '../../lambdas/routes.js';
import type { LocalStack } from '../../local/stack.js';
import { merchantHttp } from '../checklist/merchant-http.js';
import { type CpuBreakdown, type Profile, breakdown, startCpuProfile } from './cpu-profile.js';
import { awsCallTotals } from './function-cost.js';
import {
  type MakePaymentOutcome,
  type PreparedMakePayment,
  prepareMakePayment,
  sendMakePayment,
} from './make-payment-request.js';
import {
  type PhaseResult,
  type RequestKind,
  type TargetCheck,
  answerPathTargets,
  callsPerRequest,
  holdDelaySeconds,
  measurePhase,
} from './phase.js';
import { runPool, timed } from './pool.js';
import { type QueueCounts, statusQueueControl } from './status-queue.js';

export interface MakePaymentBenchOptions {
  requests: number;
  warmup: number;
  concurrency: number;
  /** Requests of the extra concurrency-1 phase (0 skips it). */
  sequentialRequests?: number;
  /** Amount in øre; the default 10000 gets Vipps' default Visa test token, which the sandbox approves. */
  amount?: number;
  /** Take a V8 CPU profile of the measured phase (it slows the phase down a little). */
  cpuProfile?: boolean;
  log?: (line: string) => void;
}

export interface MakePaymentBenchResult {
  amount: number;
  warmupRequests: number;
  sequential?: PhaseResult;
  measured: PhaseResult;
  awsCalls: { total: AwsCallCounts; perRequest: AwsCallCounts; byCommand: Record<string, number> };
  isolation: {
    queueDelaySeconds: number;
    queueAfterPhase: QueueCounts;
    updateStatusCallsDuringPhase: number;
    /** True when every status message of the phases was still delayed and Vipps got no update. */
    updaterHeldOff: boolean;
  };
  /** The main thread: API host, emulators, simulator, client. */
  cpuProfile?: CpuBreakdown;
  /** makePayment's workers: where the handler's CPU time goes. */
  makePaymentCpuProfile?: CpuBreakdown;
  targets: TargetCheck[];
}

const outcomeKey = (o: MakePaymentOutcome) =>
  `HTTP ${o.httpStatus} ${o.status ?? '?'}${o.errorId ? ` ${o.errorId}` : ''}`;

const makePaymentKind: RequestKind<PreparedMakePayment, MakePaymentOutcome> = {
  route: 'makePayment',
  send: sendMakePayment,
  outcomeKey,
  ok: (o) => o.httpStatus === 200 && o.status === 'OK',
};

export async function runMakePaymentBench(
  stack: LocalStack,
  options: MakePaymentBenchOptions,
): Promise<MakePaymentBenchResult> {
  const log = options.log ?? (() => undefined);
  const amount = options.amount ?? 10_000;
  const sequentialCount = options.sequentialRequests ?? 0;
  const total = options.warmup + sequentialCount + options.requests;
  const merchant = merchantHttp({
    baseUrl: stack.baseUrl,
    apiKey: stack.merchantApiKey,
    merchantSerialNumber: stack.merchantSerialNumber,
  });
  const run = Date.now().toString(36);

  log(`creating ${total} payments through the Merchant API (not measured) …`);
  const prepared: PreparedMakePayment[] = await runPool(total, options.concurrency, async (i) => {
    const created = await merchant.createPayment({ merchantOrderId: `bench-mp-${run}-${i}`, amount });
    if (created.status !== 201)
      throw new Error(`create payment failed: HTTP ${created.status} ${created.text}`);
    const id = created.body.pspTransactionId;
    const token = stack.vipps.makePaymentToken(id);
    if (!token) throw new Error(`the simulator has no makePaymentToken for ${id}`);
    return prepareMakePayment({
      makePaymentUrl: `${stack.baseUrl}${MAKE_PAYMENT_PATH}`,
      vippsBaseUrl: stack.vipps.baseUrl,
      pspTransactionId: id,
      merchantSerialNumber: stack.merchantSerialNumber,
      amount,
      makePaymentToken: token,
    });
  });
  const warmup = prepared.slice(0, options.warmup);
  const sequential = prepared.slice(options.warmup, options.warmup + sequentialCount);
  const measured = prepared.slice(options.warmup + sequentialCount);

  log(`warm-up: ${warmup.length} makePayment requests at concurrency ${options.concurrency} …`);
  const warm = await timed(() =>
    runPool(warmup.length, options.concurrency, (i) => sendMakePayment(warmup[i]!)),
  );
  const notOk = warm.value.filter((o) => o.status !== 'OK');
  if (notOk.length > 0) throw new Error(`warm-up answers were not all OK: ${outcomeKey(notOk[0]!)}`);
  const queue = statusQueueControl(stack);
  await queue.waitIdle(120_000);

  // Long enough that the phases cannot outrun it: 3× the warm-up's pace, +10 s.
  const delaySeconds = holdDelaySeconds(
    { requests: warmup.length, ms: warm.ms },
    sequential.length + measured.length,
  );
  await queue.setDelaySeconds(delaySeconds);
  const updateCallsBefore = stack.vipps.updateStatusCalls;

  let sequentialResult: PhaseResult | undefined;
  if (sequential.length > 0) {
    log(`measuring: ${sequential.length} makePayment requests at concurrency 1 …`);
    sequentialResult = await measurePhase(stack, makePaymentKind, sequential, 1);
  }
  log(`measuring: ${measured.length} makePayment requests at concurrency ${options.concurrency} …`);
  const profiler = options.cpuProfile ? await startCpuProfile() : undefined;
  const workersProfiler = options.cpuProfile ? await stack.profileFunction('makePayment') : undefined;
  const result = await measurePhase(stack, makePaymentKind, measured, options.concurrency);
  // Counted in the workers, per invocation: the answering function only (the table stream's
  // eventDispatcher hands webhook events over after the answer, off its path).
  const { total: counts, byCommand } = awsCallTotals({ makePayment: result.functions.makePayment });
  const cpuProfile = await profiler?.stop();
  const workerProfiles = (await workersProfiler?.stop()) as Profile[] | undefined;
  const makePaymentCpuProfile = workerProfiles ? breakdown(workerProfiles) : undefined;
  const queueAfterPhase = await queue.counts();
  const updateStatusCallsDuringPhase = stack.vipps.updateStatusCalls - updateCallsBefore;

  await queue.setDelaySeconds(0);
  log(`releasing the held status updates (they become visible within ${delaySeconds} s) …`);
  await queue.waitIdle(delaySeconds * 1000 + 120_000);

  const perReq = callsPerRequest(counts, measured.length);
  const okHeld = result.ok + (sequentialResult?.ok ?? 0);
  const updaterHeldOff =
    updateStatusCallsDuringPhase === 0 &&
    queueAfterPhase.inFlight === 0 &&
    queueAfterPhase.visible === 0 &&
    queueAfterPhase.delayed === okHeld;

  return {
    amount,
    warmupRequests: warmup.length,
    ...(sequentialResult ? { sequential: sequentialResult } : {}),
    measured: result,
    awsCalls: { total: counts, perRequest: perReq, byCommand },
    isolation: {
      queueDelaySeconds: delaySeconds,
      queueAfterPhase,
      updateStatusCallsDuringPhase,
      updaterHeldOff,
    },
    ...(cpuProfile ? { cpuProfile } : {}),
    ...(makePaymentCpuProfile ? { makePaymentCpuProfile } : {}),
    targets: [
      ...answerPathTargets({
        subject: 'makePayment',
        concurrency: options.concurrency,
        measured: result,
        ...(sequentialResult ? { sequential: sequentialResult } : {}),
        ...(result.functions.makePayment ? { cpu: result.functions.makePayment.cpuMsPerInvocation } : {}),
        perRequest: perReq,
      }),
      {
        name: 'measured answers that were HTTP 200 OK',
        target: String(measured.length),
        actual: String(result.ok),
        met: result.ok === measured.length,
      },
      {
        name: 'status updater held off during the counted phase',
        target: 'yes',
        actual: updaterHeldOff ? 'yes' : 'no',
        met: updaterHeldOff,
      },
    ],
  };
}
