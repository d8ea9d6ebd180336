/**
 * `npm run checklist [-- options]`: boots the embedded local stack unless --target names our
 * deployed API, runs every checklist item through the real HTTP routes, shows progress, writes
 * checklist-report.md/.json, and exits 0 only when nothing failed (1 on a failure, 2 on bad
 * arguments or configuration). Everything the local run touches listens on 127.0.0.1.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalStack } from '../../local/stack.js';
import { targetEPaymentFrom } from './epayment-driver.js';
import { localDriver } from './local-driver.js';
import { writeReports } from './report.js';
import {
  type ChecklistReport,
  checklistScenarios,
  exitCodeFor,
  runChecklist,
  selectScenarios,
} from './runner.js';
import { TargetConfigError, parseTargetConfig } from './target-config.js';
import { targetDriver } from './target-driver.js';
import type { ChecklistDriver, ItemResult } from './types.js';

export const CHECKLIST_USAGE = `Usage: npm run checklist -- [options]
  Without --target: boots the embedded local stack (ACQUIRER_BUDGET_MS=1500 so error 85 is quick).
  --target <url>              our deployed API's base URL (https). Environment:
                                MERCHANT_API_KEY, MERCHANT_SERIAL_NUMBER (required);
                                VIPPS_TEST_PHONE to approve with Vipps' force-approve, which then needs
                                VIPPS_CLIENT_ID, VIPPS_CLIENT_SECRET, VIPPS_SUBSCRIPTION_KEY, VIPPS_PSP_ID
                                (VIPPS_BASE_URL defaults to https://apitest.vipps.no).
                              Without VIPPS_TEST_PHONE the links to approve are printed and the run waits.
                              EPAYMENT_MERCHANT_SERIAL_NUMBER (with VIPPS_TEST_PHONE): the merchant's ePayment
                                sales unit; the ePayment checklist (EP-*) runs on it, else it is skipped.
  --only <ids>                comma-separated item IDs (see --list)
  --out <dir>                 where checklist-report.md and .json go (default: current directory)
  --approval-timeout <s>      target: wait this long for each approval (default 300)
  --sync-timeout <s>          target: wait this long for Vipps to acknowledge status updates (default 180)
  --reconcile-timeout <s>     target: wait this long for the scheduled reconciler (default 300)
  --acquirer-budget-ms <ms>   target: the deployed ACQUIRER_BUDGET_MS (default 10000)
  --no-manual                 target: skip items that need a person in the Vipps app
  --verbose                   local: show the handlers' logs
  --list                      list the item IDs and exit
  --help`;

/** The budget the embedded stack runs with: error 85 takes this long. */
export const LOCAL_ACQUIRER_BUDGET_MS = 1_500;

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

const consoleIo: CliIo = { out: (l) => console.log(l), err: (l) => console.error(l) };

class UsageError extends Error {}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      strict: true,
      options: {
        target: { type: 'string' },
        only: { type: 'string' },
        out: { type: 'string', default: '.' },
        'approval-timeout': { type: 'string', default: '300' },
        'sync-timeout': { type: 'string', default: '180' },
        'reconcile-timeout': { type: 'string', default: '300' },
        'acquirer-budget-ms': { type: 'string', default: '10000' },
        'no-manual': { type: 'boolean', default: false },
        verbose: { type: 'boolean', default: false },
        list: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function progressLine(item: ItemResult, index: number, total: number): string {
  const n = String(index + 1).padStart(String(total).length);
  const mark = item.verdict === 'PASS' ? 'PASS' : item.verdict === 'FAIL' ? 'FAIL' : 'SKIP';
  const lines = [
    `[${n}/${total}] ${mark}  ${item.id.padEnd(26)} ${item.title}  (${Math.round(item.durationMs)} ms)`,
  ];
  if (item.verdict === 'FAIL')
    for (const c of item.checks.filter((c) => !c.pass))
      lines.push(`          ✘ ${c.name}${c.detail ? ` — ${c.detail}` : ''}`);
  if (item.verdict === 'SKIP' && item.note) lines.push(`          (${item.note})`);
  return lines.join('\n');
}

export function summaryLines(report: ChecklistReport, files: { markdown: string; json: string }): string[] {
  const s = report.summary;
  return [
    '',
    `Checklist ${s.failed === 0 ? 'PASSED' : 'FAILED'}: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped of ${s.total} (${(report.durationMs / 1000).toFixed(1)} s)`,
    `  ${files.markdown}`,
    `  ${files.json}`,
  ];
}

async function runWith(
  driver: ChecklistDriver,
  only: string[] | undefined,
  outDir: string,
  io: CliIo,
): Promise<number> {
  const scenarios = selectScenarios(checklistScenarios(), only);
  io.out(`Running ${scenarios.length} checklist items against ${driver.description}\n`);
  const report = await runChecklist(driver, scenarios, {
    onItem: (item, index, total) => io.out(progressLine(item, index, total)),
  });
  const files = await writeReports(report, resolve(outDir));
  for (const line of summaryLines(report, files)) io.out(line);
  return exitCodeFor(report);
}

export async function main(
  argv: string[],
  env: Record<string, string | undefined> = process.env,
  io: CliIo = consoleIo,
): Promise<number> {
  let values: ReturnType<typeof parse>;
  try {
    values = parse(argv);
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${CHECKLIST_USAGE}`);
    return 2;
  }
  if (values.help) {
    io.out(CHECKLIST_USAGE);
    return 0;
  }
  if (values.list) {
    for (const s of checklistScenarios()) io.out(`${s.id.padEnd(26)} ${s.title}`);
    return 0;
  }
  const only = values.only
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  try {
    selectScenarios(checklistScenarios(), only);
  } catch (error) {
    io.err((error as Error).message);
    return 2;
  }

  if (values.target !== undefined) {
    let config;
    try {
      config = parseTargetConfig(
        {
          target: values.target,
          approvalTimeoutSeconds: Number(values['approval-timeout']),
          syncTimeoutSeconds: Number(values['sync-timeout']),
          reconcileTimeoutSeconds: Number(values['reconcile-timeout']),
          acquirerBudgetMs: Number(values['acquirer-budget-ms']),
          manual: !values['no-manual'],
        },
        env,
      );
    } catch (error) {
      if (!(error instanceof TargetConfigError)) throw error;
      io.err(error.message);
      return 2;
    }
    const driver = targetDriver(config, { say: io.out });
    const ePayment = targetEPaymentFrom(config, env);
    return runWith(ePayment ? { ...driver, ePayment } : driver, only, values.out, io);
  }

  io.out('Booting the embedded local stack …');
  const stack = await startLocalStack({
    reconcilerEveryMs: 0,
    env: {
      ACQUIRER_BUDGET_MS: String(LOCAL_ACQUIRER_BUDGET_MS),
      POWERTOOLS_LOG_LEVEL: values.verbose ? 'INFO' : 'ERROR',
    },
  });
  try {
    return await runWith(
      localDriver(stack, { acquirerBudgetMs: LOCAL_ACQUIRER_BUDGET_MS }),
      only,
      values.out,
      io,
    );
  } finally {
    await stack.stop();
  }
}
