/**
 * What each function cost during a phase, from the worker host (local/lambda-workers): CPU time
 * per invocation, measured in the worker around the handler — what Lambda bills — and the AWS
 * SDK commands its invocations sent.
 */
import type { AwsCallCounts, AwsService } from '../../lambdas/adapters/aws-clients.js';
import type { FunctionName } from '../../lambdas/routes.js';
import type { FunctionStats } from '../../local/lambda-workers/function-workers.js';
import { type LatencySummary, summarize } from './stats.js';

export interface FunctionCost {
  invocations: number;
  coldStarts: number;
  timeouts: number;
  cpuMsPerInvocation?: LatencySummary;
  /** Per wire command, e.g. `{ 'dynamodb:UpdateItemCommand': 2000 }`. */
  awsCallsByCommand: Record<string, number>;
}

export type FunctionCosts = Partial<Record<FunctionName, FunctionCost>>;

/** The functions that ran (invocations or cold starts) and what they cost. */
export function functionCosts(stats: Partial<Record<FunctionName, FunctionStats>>): FunctionCosts {
  const costs: FunctionCosts = {};
  for (const [name, s] of Object.entries(stats) as Array<[FunctionName, FunctionStats]>) {
    if (s.invocations === 0 && s.coldStarts === 0) continue;
    costs[name] = {
      invocations: s.invocations,
      coldStarts: s.coldStarts,
      timeouts: s.timeouts,
      ...(s.cpuMs.length > 0 ? { cpuMsPerInvocation: summarize(s.cpuMs) } : {}),
      awsCallsByCommand: s.awsCalls,
    };
  }
  return costs;
}

/** Commands per service, summed over the given functions' `service:Command` counts. */
export function awsCallTotals(costs: FunctionCosts): {
  total: AwsCallCounts;
  byCommand: Record<string, number>;
} {
  const total: AwsCallCounts = { dynamodb: 0, sqs: 0, kms: 0, secretsManager: 0 };
  const byCommand: Record<string, number> = {};
  for (const cost of Object.values(costs)) {
    for (const [command, n] of Object.entries(cost.awsCallsByCommand)) {
      byCommand[command] = (byCommand[command] ?? 0) + n;
      const service = command.split(':')[0] as AwsService;
      if (service in total) total[service] += n;
    }
  }
  return {
    total,
    byCommand: Object.fromEntries(Object.entries(byCommand).sort(([a], [b]) => a.localeCompare(b))),
  };
}
