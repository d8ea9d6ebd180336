/**
 * Issue 5, the checklist runner: every go-live scenario through the real HTTP routes of the local
 * stack must pass, with an ID per item, the table Vipps asks for and an applicability line per
 * errorId; a wrong expectation must turn into a FAIL and a non-zero exit code. The --target flow
 * (our deployed API + Vipps' force-approve) is driven against the same local stack, whose
 * simulator speaks Vipps' API, and its configuration is validated before anything is sent.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalScenario } from '../../tools/checklist/approval-scenario.js';
import { LOCAL_ACQUIRER_BUDGET_MS } from '../../tools/checklist/cli.js';
import { localDriver } from '../../tools/checklist/local-driver.js';
import { writeReports } from '../../tools/checklist/report.js';
import {
  type ChecklistReport,
  checklistScenarios,
  exitCodeFor,
  runChecklist,
  selectScenarios,
} from '../../tools/checklist/runner.js';
import {
  TargetConfigError,
  type TargetFlags,
  parseTargetConfig,
} from '../../tools/checklist/target-config.js';
import { targetDriver } from '../../tools/checklist/target-driver.js';
import type { Scenario } from '../../tools/checklist/types.js';
import { type LocalStack, bootLocalStack } from '../support/local-stack.js';

const run = promisify(execFile);
let stack: LocalStack;
let outDir: string;
let report: ChecklistReport;

beforeAll(async () => {
  stack = await bootLocalStack({
    env: { ACQUIRER_BUDGET_MS: String(LOCAL_ACQUIRER_BUDGET_MS), POWERTOOLS_LOG_LEVEL: 'ERROR' },
  });
  outDir = await mkdtemp(join(tmpdir(), 'checklist-e2e-'));
  report = await runChecklist(
    localDriver(stack, { acquirerBudgetMs: LOCAL_ACQUIRER_BUDGET_MS }),
    checklistScenarios(),
  );
}, 120_000);
afterAll(async () => {
  await stack?.stop();
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

describe('the full checklist on the local stack', () => {
  it('passes every item, each with its own ID, payment and order id', () => {
    const failed = report.items.filter((i) => i.verdict !== 'PASS');
    expect(failed.map((i) => ({ id: i.id, failing: i.checks.filter((c) => !c.pass) }))).toEqual([]);
    expect(report.summary).toMatchObject({ failed: 0, skipped: 0, passed: report.items.length });
    expect(exitCodeFor(report)).toBe(0);
    const ids = report.items.map((i) => i.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const item of report.items) {
      expect(item.id).toMatch(/^[A-Z0-9-_]+$/);
      expect(item.pspTransactionId).toMatch(/^\S+$/);
      expect(item.merchantOrderId).toMatch(/^[A-Za-z0-9-]{1,50}$/);
      expect(item.checks.length).toBeGreaterThan(2);
    }
  });

  it('covers the lifecycles, every errorId Vipps lists (93 three ways) and the 3-D Secure loop', () => {
    const ids = report.items.map((i) => i.id);
    expect(ids).toEqual(expect.arrayContaining(['LIFECYCLE-CAPTURE-REFUND', 'LIFECYCLE-CANCEL']));
    expect(ids).toEqual(expect.arrayContaining(['3DS-LOOP-10036', '3DS-LOOP-MASTERCARD-ECI06']));
    const errorIds = report.items.map((i) => i.errorId).filter(Boolean);
    for (const code of ['71', '72', '81', '82', '83', '84', '85', '86', '87', '88', '89', '91', '92', '94'])
      expect(errorIds).toContain(code);
    expect(errorIds.filter((e) => e === '93')).toHaveLength(3);
  });

  it('shows that Vipps received the lifecycle updates in order, with their amounts', () => {
    const lifecycle = report.items.find((i) => i.id === 'LIFECYCLE-CAPTURE-REFUND')!;
    expect(lifecycle.observed).toContain(
      'Vipps received RESERVED 10000, CAPTURED 4000, CAPTURED 6000, REFUNDED 2500',
    );
    const updates = stack.vipps.statusUpdates
      .filter((u) => u.transaction.pspTransactionId === lifecycle.pspTransactionId)
      .map((u) => [u.transaction.status, u.transaction.amount]);
    expect(updates).toEqual([
      ['RESERVED', 10_000],
      ['CAPTURED', 4_000],
      ['CAPTURED', 6_000],
      ['REFUNDED', 2_500],
    ]);
  });

  it('proves the reversal behind 85: the customer is left with nothing held or charged', () => {
    const item = report.items.find((i) => i.id === 'ERR-85')!;
    expect(item.checks.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        'the reconciler reversed the authorisation (REVERSE in our history)',
        'the acquirer released the hold: nothing held or charged',
      ]),
    );
    expect(stack.ledger.netCharged(item.pspTransactionId!)).toBe(0);
  });

  it('writes the Markdown table and JSON Vipps asks for, with an applicability line per errorId', async () => {
    const files = await writeReports(report, outDir);
    const markdown = await readFile(files.markdown, 'utf8');
    expect(markdown).toContain(
      '| ID | Scenario | pspTransactionId | merchantOrderId | Expected | Observed | Result |',
    );
    for (const item of report.items) {
      expect(markdown).toContain(`| ${item.id} | `);
      expect(markdown).toContain(`| ${item.pspTransactionId} | ${item.merchantOrderId} |`);
    }
    for (const code of [
      '71',
      '72',
      '81',
      '82',
      '83',
      '84',
      '85',
      '86',
      '87',
      '88',
      '89',
      '91',
      '92',
      '93',
      '94',
    ])
      expect(markdown).toMatch(new RegExp(`^- \\*\\*${code} .*applies`, 'm'));
    expect(markdown).toMatch(
      /\*\*83 Suspected fraud\*\* — applies conditionally: depends on the acquirer’s codes: Clearhaus 40412\/40414/,
    );
    expect(markdown).toMatch(
      /\*\*92 Unable to decrypt\*\* — applies conditionally: only for the legacy ENCRYPTEDCARD/,
    );
    const json = JSON.parse(await readFile(files.json, 'utf8')) as ChecklistReport;
    expect(json.items).toHaveLength(report.items.length);
    expect(json.applicability.map((a) => a.errorId)).toContain('93');
  });
});

describe('a failure is reported, never hidden', () => {
  it('marks an item FAIL when the outcome differs from the expectation, and exits non-zero', async () => {
    const broken = approvalScenario({
      id: 'BROKEN-EXPECTS-83-FOR-10082',
      title: 'deliberately wrong expectation',
      errorId: '83',
      amount: 10_082,
      plan: { forceApprovable: true },
      answers: [{ status: 'FAIL', errorId: '83', errorText: 'Suspected fraud' }],
      state: 'FAILED',
      updates: [],
    });
    const throwing: Scenario = {
      id: 'BROKEN-THROWS',
      title: 'a scenario that crashes',
      run: () => Promise.reject(new Error('boom')),
    };
    const seen: string[] = [];
    const result = await runChecklist(
      localDriver(stack),
      [...selectScenarios(checklistScenarios(), ['ERR-82']), broken, throwing],
      { onItem: (item) => seen.push(`${item.id} ${item.verdict}`) },
    );
    expect(seen).toEqual(['ERR-82 PASS', 'BROKEN-EXPECTS-83-FOR-10082 FAIL', 'BROKEN-THROWS FAIL']);
    expect(result.summary).toMatchObject({ passed: 1, failed: 2 });
    expect(exitCodeFor(result)).toBe(1);
    const item = result.items[1]!;
    expect(item.observed).toContain('FAIL 82 "Refused by Issuer"');
    expect(item.checks.filter((c) => !c.pass).map((c) => c.name)).toContain(
      'answer is HTTP 200 FAIL 83 "Suspected fraud"',
    );
    const files = await writeReports(result, join(outDir, 'broken'));
    const markdown = await readFile(files.markdown, 'utf8');
    expect(markdown).toContain('Result: **FAIL** — 1 passed, 2 failed');
    expect(markdown).toMatch(/\| BROKEN-EXPECTS-83-FOR-10082 \|.*\| \*\*FAIL\*\* \|/);
    expect(markdown).toContain('✘ the scenario ran to the end — boom');
  });
});

describe('--target: our deployed API and Vipps force-approve (here: the local stack and its simulator)', () => {
  const flags = (over: Partial<TargetFlags> = {}): TargetFlags => ({
    target: stack.baseUrl,
    approvalTimeoutSeconds: 20,
    syncTimeoutSeconds: 20,
    reconcileTimeoutSeconds: 5,
    acquirerBudgetMs: 10_000,
    manual: false,
    ...over,
  });
  const vippsEnv = () => ({
    MERCHANT_API_KEY: stack.merchantApiKey,
    MERCHANT_SERIAL_NUMBER: stack.merchantSerialNumber,
    VIPPS_TEST_PHONE: '91234567',
    VIPPS_BASE_URL: stack.vipps.baseUrl,
    VIPPS_CLIENT_ID: stack.environment.VIPPS_CLIENT_ID,
    VIPPS_CLIENT_SECRET: stack.environment.VIPPS_CLIENT_SECRET,
    VIPPS_SUBSCRIPTION_KEY: stack.environment.VIPPS_SUBSCRIPTION_KEY,
    VIPPS_PSP_ID: stack.environment.VIPPS_PSP_ID,
  });

  it('runs the same scenarios through our API, approving with force-approve, and skips what needs a person', async () => {
    const driver = targetDriver(parseTargetConfig(flags(), vippsEnv()), { pollMs: 50, say: () => undefined });
    const result = await runChecklist(
      driver,
      selectScenarios(checklistScenarios(), [
        'LIFECYCLE-CAPTURE-REFUND',
        'ERR-71',
        'ERR-82',
        'ERR-93-USER_CANCEL',
      ]),
    );
    const verdicts = Object.fromEntries(result.items.map((i) => [i.id, i.verdict]));
    expect(verdicts).toEqual({
      'LIFECYCLE-CAPTURE-REFUND': 'PASS',
      'ERR-71': 'PASS',
      'ERR-82': 'PASS',
      'ERR-93-USER_CANCEL': 'SKIP',
    });
    expect(result.items[0]!.observed).toContain(
      'RESERVED 10000, CAPTURED 4000, CAPTURED 6000, REFUNDED 2500 (our record',
    );
    expect(result.items[3]!.note).toContain('needs a person in the Vipps app');
    expect(exitCodeFor(result)).toBe(0);
    // Vipps' force-approve was really used: the simulator saw the approve calls.
    expect(stack.vipps.requests.filter((r) => r.endpoint === 'approve').length).toBeGreaterThanOrEqual(2);
  });

  it('prints the landing link and waits for a person when no test phone is configured', async () => {
    const said: string[] = [];
    const env = {
      MERCHANT_API_KEY: stack.merchantApiKey,
      MERCHANT_SERIAL_NUMBER: stack.merchantSerialNumber,
    };
    const driver = targetDriver(parseTargetConfig(flags({ manual: true }), env), {
      pollMs: 50,
      say: (line) => {
        said.push(line);
        // "The person" approves from the printed link, as the landing page's button would.
        const url = /https?:\/\/\S+landing\?token=\S+/.exec(line)?.[0];
        if (url)
          void stack.vipps.approve(
            stack.vipps.payments.list().find((p) => p.vippsRedirectUrl === url)!.pspTransactionId,
          );
      },
    });
    const result = await runChecklist(driver, selectScenarios(checklistScenarios(), ['ERR-86']));
    expect(result.items[0]!.verdict).toBe('PASS');
    expect(said.join('\n')).toMatch(/\[ERR-86\] approve the payment in the Vipps app with the test user/);
  });

  it('validates flags and environment before sending anything, naming each problem', () => {
    const problems = (f: TargetFlags, env: Record<string, string | undefined>) => {
      try {
        parseTargetConfig(f, env);
        return [];
      } catch (error) {
        expect(error).toBeInstanceOf(TargetConfigError);
        return (error as TargetConfigError).problems;
      }
    };
    expect(problems(flags({ target: 'http://psp.example.com' }), {})).toEqual([
      '--target: must be an https URL (http only on 127.0.0.1/localhost), without credentials or query',
      'MERCHANT_API_KEY: is required but not set',
      'MERCHANT_SERIAL_NUMBER: is required but not set',
    ]);
    const { VIPPS_CLIENT_SECRET: _secret, ...withoutSecret } = vippsEnv();
    expect(problems(flags(), withoutSecret)).toEqual([
      'VIPPS_CLIENT_SECRET: is required but not set (needed for force-approve with VIPPS_TEST_PHONE)',
    ]);
    expect(problems(flags(), { ...vippsEnv(), VIPPS_BASE_URL: 'https://api.vipps.no' })).toEqual([
      "VIPPS_BASE_URL: is Vipps' production API: force-approve exists only in the test environment (needed for force-approve with VIPPS_TEST_PHONE)",
    ]);
    expect(
      problems(flags({ approvalTimeoutSeconds: Number('soon') }), { ...vippsEnv(), VIPPS_TEST_PHONE: '123' }),
    ).toEqual([
      expect.stringMatching(/^--approval-timeout: /),
      'VIPPS_TEST_PHONE: must be eight digits (a Vipps test user)',
    ]);
    const ok = parseTargetConfig(flags({ target: 'https://psp.example.com/' }), {
      MERCHANT_API_KEY: 'k',
      MERCHANT_SERIAL_NUMBER: '123456',
    });
    expect(ok).toMatchObject({ target: 'https://psp.example.com', merchantSerialNumber: '123456' });
    expect(ok.forceApprove).toBeUndefined();
  });

  it('the command itself refuses a --target without its configuration (exit 2) and never echoes secrets', async () => {
    const { MERCHANT_API_KEY: _k, MERCHANT_SERIAL_NUMBER: _m, VIPPS_TEST_PHONE: _p, ...env } = process.env;
    const outcome = await run(
      process.execPath,
      ['--import', 'tsx', 'bin/checklist.ts', '--target', 'https://psp.example.com'],
      { env: { ...env, VIPPS_CLIENT_SECRET: 'do-not-print-me' }, timeout: 60_000 },
    ).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toContain('MERCHANT_API_KEY: is required but not set');
    expect(outcome.stderr).not.toContain('do-not-print-me');
  });
});
