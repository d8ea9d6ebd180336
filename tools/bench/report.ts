/** The benchmark's printed report (the JSON file holds the same data, unrounded). */
import type { BundleBenchResult } from './bundle-bench.js';
import type { CardCallbackBenchResult } from './card-callback-bench.js';
import type { CpuBreakdown } from './cpu-profile.js';
import type { LifecycleBenchResult } from './lifecycle-bench.js';
import { type MachineInfo, describeMachine } from './machine.js';
import type { MakePaymentBenchResult } from './make-payment-bench.js';
import type { PhaseResult, TargetCheck } from './phase.js';
import { type LatencySummary, formatKiB } from './stats.js';
import type { ThreeDsBenchResult } from './three-ds-bench.js';

export interface BenchReport {
  startedAt: string;
  durationMs: number;
  machine: MachineInfo;
  /** 1/5/15-minute load averages at start and end: other work on the machine skews latency. */
  loadAverage: { start: number[]; end: number[] };
  makePayment?: MakePaymentBenchResult;
  cardCallback?: CardCallbackBenchResult;
  threeDs?: ThreeDsBenchResult;
  lifecycle?: LifecycleBenchResult;
  bundles?: BundleBenchResult;
}

const ms = (v: number) => v.toFixed(1);
const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);

function latencyLine(label: string, l: LatencySummary | undefined): string {
  if (!l) return `  ${pad(label, 34)} (no samples)`;
  return `  ${pad(label, 34)} p50 ${lpad(ms(l.p50), 6)}  p95 ${lpad(ms(l.p95), 6)}  p99 ${lpad(ms(l.p99), 6)}  max ${lpad(ms(l.max), 6)} ms  (n=${l.count})`;
}

function targetLines(targets: TargetCheck[]): string[] {
  return targets.map((t) => `  ${t.met ? '✔' : '✘'} ${t.name}: ${t.actual} (target ${t.target})`);
}

function phaseLines(title: string, p: PhaseResult): string[] {
  return [
    `${title}: ${p.requests} requests at concurrency ${p.concurrency}, ${ms(p.durationMs / 1000)} s, ${p.requestsPerSecond.toFixed(0)} req/s, process CPU ${p.processCpuPercent.toFixed(0)} % of one core`,
    latencyLine('server side (API host)', p.serverLatencyMs),
    latencyLine('client side (fetch, same process)', p.clientLatencyMs),
    ...Object.entries(p.functions).map(([name, f]) =>
      f.cpuMsPerInvocation
        ? `  ${pad(`CPU per invocation: ${name}`, 34)} mean ${lpad(f.cpuMsPerInvocation.mean.toFixed(2), 6)}  p50 ${lpad(f.cpuMsPerInvocation.p50.toFixed(2), 6)}  p99 ${lpad(f.cpuMsPerInvocation.p99.toFixed(2), 6)}  max ${lpad(f.cpuMsPerInvocation.max.toFixed(2), 6)} ms  (n=${f.invocations}, cold starts ${f.coldStarts})`
        : `  ${pad(`CPU per invocation: ${name}`, 34)} (no invocations; cold starts ${f.coldStarts})`,
    ),
    `  answers: ${Object.entries(p.outcomes)
      .map(([k, n]) => `${n} × ${k}`)
      .join(', ')}`,
  ];
}

function makePaymentSection(r: MakePaymentBenchResult): string[] {
  const c = r.awsCalls;
  const lines = [
    '(a) makePaymentUrl — issue 3',
    `  TOKEN payments of ${r.amount} øre (Vipps' default Visa test token), sandbox acquirer at 0 ms; ${r.warmupRequests} warm-up requests first.`,
    '  Measured: server side = at our API host, from request headers parsed to response finished (API Gateway',
    "  stand-in + Lambda handler, incl. its DynamoDB/SQS calls to the emulators); client side = the benchmark's",
    '  own fetch round trip. Each function runs in its own worker threads, one invocation per worker (a Lambda',
    '  execution environment), up to the concurrency; the API host, dynalite, the SQS/KMS emulators, the Vipps',
    '  simulator and this client share the main thread. CPU per invocation = thread CPU time in the worker',
    '  around the handler (what Lambda bills); it excludes the emulators that stand in for AWS.',
  ];
  if (r.sequential) lines.push(...phaseLines('  concurrency 1', r.sequential));
  lines.push(...phaseLines(`  concurrency ${r.measured.concurrency}`, r.measured));
  lines.push(
    `  AWS SDK calls per makePayment (counted at the SDK client in the workers, ${r.measured.requests} requests): DynamoDB ${c.perRequest.dynamodb}, SQS ${c.perRequest.sqs}, KMS ${c.perRequest.kms}, Secrets Manager ${c.perRequest.secretsManager}`,
    `    by command: ${Object.entries(c.byCommand)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
    `  isolation: status queue held with DelaySeconds=${r.isolation.queueDelaySeconds} during the measured phases → afterwards ${r.isolation.queueAfterPhase.delayed} messages still delayed, ${r.isolation.queueAfterPhase.visible} visible, ${r.isolation.queueAfterPhase.inFlight} in flight, ${r.isolation.updateStatusCallsDuringPhase} updatestatus calls: the status updater ${r.isolation.updaterHeldOff ? 'did not run, so the counts are makePayment’s alone' : 'MAY HAVE RUN — counts may include its calls'}`,
  );
  const profiles: Array<[string, CpuBreakdown | undefined]> = [
    ['main thread (API host, emulators, simulator, client)', r.cpuProfile],
    ['makePayment workers (the handler)', r.makePaymentCpuProfile],
  ];
  for (const [where, profile] of profiles) {
    if (!profile) continue;
    lines.push(
      `  CPU profile of the concurrency-${r.measured.concurrency} phase, ${where} (${ms(profile.busyMs)} ms busy):`,
    );
    for (const k of profile.byKind) lines.push(`    ${lpad(k.percentOfBusy.toFixed(1), 5)} %  ${k.kind}`);
    lines.push(
      `    top sources: ${profile.top
        .slice(0, 8)
        .map((t) => `${t.source} ${t.percentOfBusy.toFixed(1)} %`)
        .join(', ')}`,
    );
  }
  lines.push(...targetLines(r.targets));
  return lines;
}

function cardCallbackSection(r: CardCallbackBenchResult): string[] {
  const c = r.awsCalls;
  const q = r.isolation.queueAfterPhase;
  const lines = [
    '(d) ePayment card callback — issue 11',
    `  TOKEN card callbacks of ${r.amount} øre on the ePayment MSN ${r.merchantSerialNumber}, signed with the client secret (HMAC) as Vipps does,`,
    `  sandbox acquirer at 0 ms; ${r.warmupRequests} warm-up callbacks first. Measured as in (a): server side at our API host,`,
    '  CPU per invocation in the cardCallback worker, AWS SDK calls counted in the workers; status queue held.',
  ];
  if (r.sequential) lines.push(...phaseLines('  concurrency 1', r.sequential));
  lines.push(...phaseLines(`  concurrency ${r.measured.concurrency}`, r.measured));
  lines.push(
    `  AWS SDK calls per card callback (${r.measured.requests} requests): DynamoDB ${c.perRequest.dynamodb}, SQS ${c.perRequest.sqs}, KMS ${c.perRequest.kms}, Secrets Manager ${c.perRequest.secretsManager}`,
    `    by command: ${Object.entries(c.byCommand)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
    `  isolation: status queue held with DelaySeconds=${r.isolation.queueDelaySeconds} → afterwards ${q.delayed} delayed, ${q.visible} visible, ${q.inFlight} in flight`,
    ...targetLines(r.targets),
  );
  return lines;
}

function threeDsSection(r: ThreeDsBenchResult): string[] {
  const t = r.roundTripsToUs;
  return [
    '(e) 3-D Secure frictionless in headless Chromium — issue 12',
    `  ${r.runs} runs (after one untimed): 3DS simulator scenario method absent + ARes Y (no 3DS Method wait); a fresh page`,
    "  in a phone-shaped context, page.goto(url3dSecure) → the browser at Vipps' operations URL.",
    latencyLine('page open → redirect (browser)', r.pageToRedirectMs),
    latencyLine('our /3ds/ requests (server side)', r.serverLatencyMs),
    `  round trips to us per run: ${t.min === t.max ? t.max : `${t.min}–${t.max}`} (${t.example.join(', ')})`,
    `  ended: ${Object.entries(r.outcomes)
      .map(([k, n]) => `${n} × ${k}`)
      .join(', ')}`,
    ...targetLines(r.targets),
  ];
}

function lifecycleSection(r: LifecycleBenchResult): string[] {
  const s = r.statusUpdates;
  return [
    '(b) reserve → capture → refund — issue 5',
    `  ${r.payments} payments of ${r.amount} øre at concurrency ${r.concurrency}; reserve = the Vipps simulator approving (it calls our makePaymentUrl over HTTP).`,
    `  ${ms(r.durationMs / 1000)} s → ${r.paymentsPerSecond.toFixed(1)} payments/s (${(r.paymentsPerSecond * 4).toFixed(0)} API calls/s); all status updates at Vipps after ${ms(r.durationUntilSyncedMs / 1000)} s`,
    latencyLine('createPayment (server side)', r.serverLatencyMs.createPayment),
    latencyLine('makePayment (server side)', r.serverLatencyMs.makePayment),
    latencyLine('makePayment (as Vipps saw it)', r.makePaymentAsSeenByVippsMs),
    latencyLine('capture (server side)', r.serverLatencyMs.capture),
    latencyLine('refund (server side)', r.serverLatencyMs.refund),
    `  Vipps received ${s.receivedEntries} of ${s.expectedEntries} expected status entries; duplicated ${s.duplicates}; payments out of order or wrong ${s.outOfOrderOrWrong}; not applied ${s.notApplied}; flagged by the simulator ${s.withProblems}`,
    `  updatestatus: ${s.updateStatusCalls} calls processed (${s.updateStatusRequests} requests incl. retries/rejections), ${s.entriesPerCall.toFixed(2)} entries per call`,
    ...s.examples.map((e) => `    e.g. ${e}`),
    ...r.failures.map((f) => `  failure: ${f}`),
    `  AWS SDK calls per payment, all functions (authorizer, Merchant API, makePayment, updater): DynamoDB ${r.awsCallsPerPayment.dynamodb}, SQS ${r.awsCallsPerPayment.sqs}, KMS ${r.awsCallsPerPayment.kms}`,
    ...targetLines(r.targets),
  ];
}

function bundleSection(r: BundleBenchResult): string[] {
  const lines = [
    '(c) bundles and init — issue 6',
    "  esbuild with the CDK stack's options (minify, source map without sources, node22, ESM + require banner,",
    "  everything bundled); init = `await import(bundle)` in a fresh Node process with the function's environment,",
    '  median of the timed loads after one untimed load; "+maps" = with NODE_OPTIONS=--enable-source-maps as deployed.',
    `  ${pad('function', 20)}${lpad('minified', 12)}${lpad('init', 10)}${lpad('+maps', 10)}  largest packages in the bundle`,
  ];
  for (const f of r.functions) {
    lines.push(
      `  ${pad(f.name, 20)}${lpad(formatKiB(f.bytes), 12)}${lpad(ms(f.initMs.median), 7)} ms${lpad(ms(f.initWithSourceMapsMs.median), 7)} ms  ${f.topPackages
        .map((p) => `${p.path} ${formatKiB(p.bytes)}`)
        .join(', ')}`,
    );
  }
  lines.push('  top 5 inputs by bytes in the bundle:');
  for (const f of r.functions)
    lines.push(
      `    ${pad(f.name, 18)} ${f.topInputs.map((i) => `${i.path.replace(/^node_modules\//, '')} ${formatKiB(i.bytes)}`).join(', ')}`,
    );
  lines.push('  where init time goes (one profiled load; ms):');
  for (const f of r.functions)
    lines.push(
      `    ${pad(f.name, 18)} ${ms(f.initProfile.totalMs)} ms: ${f.initProfile.top.map((t) => `${t.source} ${ms(t.ms)}`).join(', ')}`,
    );
  lines.push(
    `  Node built-ins imported statically (loaded before any bundle code runs), ms to load each alone: ${Object.entries(
      r.builtinLoadMs,
    )
      .map(([k, v]) => `${k} ${ms(v)}`)
      .join(', ')}`,
  );
  lines.push(...targetLines(r.targets));
  return lines;
}

export function formatBenchReport(report: BenchReport): string {
  const lines = [
    `Benchmark ${report.startedAt} — ${describeMachine(report.machine)}`,
    `load average at start ${report.loadAverage.start.map((v) => v.toFixed(2)).join(' ')}, at end ${report.loadAverage.end.map((v) => v.toFixed(2)).join(' ')}; total ${ms(report.durationMs / 1000)} s`,
    '',
  ];
  if (report.makePayment) lines.push(...makePaymentSection(report.makePayment), '');
  if (report.cardCallback) lines.push(...cardCallbackSection(report.cardCallback), '');
  if (report.threeDs) lines.push(...threeDsSection(report.threeDs), '');
  if (report.lifecycle) lines.push(...lifecycleSection(report.lifecycle), '');
  if (report.bundles) lines.push(...bundleSection(report.bundles), '');
  return lines.join('\n');
}
