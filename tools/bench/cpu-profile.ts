/**
 * Where the CPU goes during a measured phase: V8 CPU profiles of makePayment's workers (where its
 * handler runs) and of the main thread (API host, emulators, client), self time grouped by
 * package / repository folder and by kind (our Lambda code, the AWS SDK, the local emulators,
 * Node's HTTP machinery …).
 */
import { Session } from 'node:inspector/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
}
export interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface CpuBreakdown {
  /** Sampled time that was not idle (ms). */
  busyMs: number;
  byKind: Array<{ kind: string; ms: number; percentOfBusy: number }>;
  top: Array<{ source: string; ms: number; percentOfBusy: number }>;
}

export interface CpuProfiler {
  stop(): Promise<CpuBreakdown>;
}

export async function startCpuProfile(): Promise<CpuProfiler> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop() {
      const { profile } = (await session.post('Profiler.stop')) as { profile: Profile };
      session.disconnect();
      return breakdown(profile);
    },
  };
}

/** A stable name for a frame's source: the npm package, the repo folder, or the Node internal. */
export function sourceOf(url: string, functionName: string): string {
  if (!url) {
    if (functionName === '(idle)') return '(idle)';
    if (functionName === '(garbage collector)') return '(garbage collector)';
    return functionName === '(program)' ? '(program)' : `(native) ${functionName}`;
  }
  const pkg = [...url.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)].at(-1);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return url;
  const repo = /\/(lambdas|local|tools|test)\/((?:[^/]+\/)?)/.exec(url);
  if (repo) return `${repo[1]}/${repo[2] ?? ''}`;
  return url;
}

const EMULATOR_PACKAGES =
  /^(dynalite|level|abstract-level|level-transcoder|memory-level|classic-level|memdown|leveldown|levelup|encoding-down|deferred-leveldown|sublevel|subleveldown|lazy|big\.js|buffer-crc32|functional-red-black-tree|module-error|queue-microtask|once|async|lock)/;

export function kindOf(source: string): string {
  if (source === '(idle)') return 'idle';
  if (source === '(garbage collector)') return 'garbage collector';
  if (source.startsWith('lambdas/')) return 'our Lambda code (lambdas/)';
  if (/^@(aws-sdk|smithy|aws-crypto)\//.test(source)) return 'AWS SDK v3';
  if (/^(@aws-lambda-powertools\/|@middy\/|zod)/.test(source)) return 'Powertools, middy, zod';
  if (EMULATOR_PACKAGES.test(source) || /^local\/(sqs-emulator|kms-emulator)/.test(source))
    return 'local AWS emulators (dynalite, SQS, KMS)';
  if (source.startsWith('local/')) return 'local stack (API host, poller, simulator)';
  if (source.startsWith('tools/') || source.startsWith('test/')) return 'benchmark client';
  if (source.startsWith('node:') || source.startsWith('(native)'))
    return 'Node runtime (HTTP, streams, crypto)';
  return 'other';
}

/** One profile, or several (one per worker of a function) added together. */
export function breakdown(profiles: Profile | Profile[]): CpuBreakdown {
  const bySource = new Map<string, number>();
  for (const profile of Array.isArray(profiles) ? profiles : [profiles]) {
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    profile.samples.forEach((nodeId, i) => {
      const node = byId.get(nodeId);
      if (!node) return;
      const source = sourceOf(node.callFrame.url, node.callFrame.functionName);
      bySource.set(source, (bySource.get(source) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
    });
  }
  // A worker reports no idle state to its profiler: its waits show under the inspector session
  // that runs the profile. Neither is work of the stack.
  const notWork = (source: string) => source === '(idle)' || source === 'node:inspector';
  const busyMs = [...bySource].filter(([s]) => !notWork(s)).reduce((sum, [, ms]) => sum + ms, 0);
  const byKindMap = new Map<string, number>();
  for (const [source, ms] of bySource) {
    const kind = kindOf(source);
    if (kind !== 'idle' && !notWork(source)) byKindMap.set(kind, (byKindMap.get(kind) ?? 0) + ms);
  }
  const pct = (ms: number) => Math.round((1000 * ms) / Math.max(busyMs, 1e-9)) / 10;
  return {
    busyMs,
    byKind: [...byKindMap]
      .sort((a, b) => b[1] - a[1])
      .map(([kind, ms]) => ({ kind, ms, percentOfBusy: pct(ms) })),
    top: [...bySource]
      .filter(([s]) => !notWork(s))
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([source, ms]) => ({ source, ms, percentOfBusy: pct(ms) })),
  };
}
