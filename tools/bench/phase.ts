/**
 * One measured phase of a request bench (makePayment, the ePayment card callback): send the
 * prepared requests at a concurrency, time each one server-side at the API host and in the client,
 * and read each function's CPU and AWS calls from its workers.
 */
import type { LocalStack } from '../../local/stack.js';
import { type FunctionCosts, functionCosts } from './function-cost.js';
import { runPool, timed } from './pool.js';
import { gatewayRouteLabel, recordServerTiming } from './server-timing.js';
import { type LatencySummary, summarize } from './stats.js';

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
