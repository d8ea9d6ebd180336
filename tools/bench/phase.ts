/**
 * One measured phase of a request bench (makePayment, the ePayment card callback): send the
 * prepared requests at a concurrency, time each one server-side at the API host and in the client,
 * and read each function's CPU and AWS calls from its workers.
 */
import type { AwsCallCounts } from '../../lambdas/adapters/aws-clients.js';
import type { LocalStack } from '../../local/stack.js';
import { type FunctionCosts, functionCosts } from './function-cost.js';
import { runPool, timed } from './pool.js';
import { gatewayRouteLabel, recordServerTiming } from './server-timing.js';
import { type LatencySummary, perRequest, summarize } from './stats.js';

export interface TargetCheck {
  name: string;
  target: string;
  actual: string;
  met: boolean;
}

export interface PhaseResult {
  requests: number;
  concurrency: number;
  durationMs: number;
  requestsPerSecond: number;
  /** CPU time of this whole process (stack, its workers, the client) during the phase, in % of one core. */
  processCpuPercent: number;
  /** Per function that ran: CPU ms per invocation (in its worker) and its AWS calls. */
  functions: FunctionCosts;
  /** API host: request headers parsed → response finished. */
  serverLatencyMs: LatencySummary;
  /** Client in this process: fetch() called → body read. */
  clientLatencyMs: LatencySummary;
  outcomes: Record<string, number>;
  ok: number;
}

/** How one kind of request is sent, told apart and judged. */
export interface RequestKind<Prepared, Outcome> {
  /** The route label server-timing.ts gives the measured route. */
  route: string;
  send(request: Prepared): Promise<Outcome>;
  outcomeKey(outcome: Outcome): string;
  ok(outcome: Outcome): boolean;
}

export async function measurePhase<Prepared, Outcome>(
  stack: LocalStack,
  kind: RequestKind<Prepared, Outcome>,
  requests: readonly Prepared[],
  concurrency: number,
): Promise<PhaseResult> {
  const timing = recordServerTiming(Number(new URL(stack.baseUrl).port), gatewayRouteLabel);
  stack.resetFunctionStats();
  const clientMs: number[] = [];
  const cpuBefore = process.cpuUsage();
  const phase = await timed(() =>
    runPool(requests.length, concurrency, async (i) => {
      const { value, ms } = await timed(() => kind.send(requests[i]!));
      clientMs.push(ms);
      return value;
    }),
  );
  const cpu = process.cpuUsage(cpuBefore);
  timing.stop();
  const outcomes: Record<string, number> = {};
  for (const o of phase.value) outcomes[kind.outcomeKey(o)] = (outcomes[kind.outcomeKey(o)] ?? 0) + 1;
  return {
    requests: requests.length,
    concurrency,
    durationMs: phase.ms,
    requestsPerSecond: requests.length / (phase.ms / 1000),
    processCpuPercent: (cpu.user + cpu.system) / 10 / phase.ms,
    functions: functionCosts(stack.functionStats()),
    serverLatencyMs: summarize(timing.samples().get(kind.route) ?? []),
    clientLatencyMs: summarize(clientMs),
    outcomes,
    ok: phase.value.filter((o) => kind.ok(o)).length,
  };
}

/**
 * How long the status queue holds what the measured phases send: long enough that they cannot
 * outrun it (3× the warm-up's pace, +10 s), at most SQS's 900 s.
 */
export function holdDelaySeconds(warm: { requests: number; ms: number }, heldRequests: number): number {
  const warmPerMs = warm.requests / Math.max(1, warm.ms);
  return Math.min(900, Math.ceil((3 * heldRequests) / Math.max(warmPerMs, 1e-3) / 1000) + 10);
}

/** AWS calls per measured request, per service. */
export function callsPerRequest(counts: AwsCallCounts, requests: number): AwsCallCounts {
  return {
    dynamodb: perRequest(counts.dynamodb, requests),
    sqs: perRequest(counts.sqs, requests),
    kms: perRequest(counts.kms, requests),
    secretsManager: perRequest(counts.secretsManager, requests),
  };
}

/**
 * The targets every answer-path bench shares (makePayment's, which the card callback is held
 * to): p99 at the concurrency, CPU per invocation, the concurrency ratio, 3 DynamoDB + 1 SQS.
 */
export function answerPathTargets(input: {
  /** e.g. 'makePayment', 'card callback' */
  subject: string;
  /** Appended to the latency and CPU targets, e.g. ' (as makePayment)'. */
  goalNote?: string;
  concurrency: number;
  measured: PhaseResult;
  sequential?: PhaseResult;
  cpu?: LatencySummary;
  perRequest: AwsCallCounts;
}): TargetCheck[] {
  const { subject, concurrency, cpu, perRequest: perReq } = input;
  const note = input.goalNote ?? '';
  const p99 = input.measured.serverLatencyMs.p99;
  const sequentialP99 = input.sequential?.serverLatencyMs.p99;
  return [
    {
      name: `${subject} p99 at concurrency ${concurrency} (server side)`,
      target: `≤ 25 ms${note}`,
      actual: `${p99.toFixed(1)} ms`,
      met: p99 <= 25,
    },
    {
      name: `${subject} CPU time per invocation (mean, in its worker around the handler)`,
      target: `≤ 2 ms${note}`,
      actual: cpu
        ? `${cpu.mean.toFixed(2)} ms (p50 ${cpu.p50.toFixed(2)}, p99 ${cpu.p99.toFixed(2)})`
        : 'not measured',
      met: cpu !== undefined && cpu.mean <= 2,
    },
    ...(sequentialP99 !== undefined
      ? [
          {
            name: `${subject} p99 at concurrency ${concurrency} vs concurrency 1 (server side)`,
            target: `≤ 3 × ${sequentialP99.toFixed(1)} = ${(3 * sequentialP99).toFixed(1)} ms`,
            actual: `${p99.toFixed(1)} ms (${(p99 / sequentialP99).toFixed(2)} ×)`,
            met: p99 <= 3 * sequentialP99,
          },
        ]
      : []),
    {
      name: `DynamoDB calls per TOKEN ${subject}`,
      target: '≤ 3',
      actual: String(perReq.dynamodb),
      met: perReq.dynamodb <= 3,
    },
    {
      name: `SQS sends per TOKEN ${subject}`,
      target: '1',
      actual: String(perReq.sqs),
      met: perReq.sqs === 1,
    },
  ];
}
