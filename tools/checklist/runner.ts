/**
 * Runs scenarios one after another against a driver (local stack or --target), turning each
 * outcome into a report row: PASS when every check passed, FAIL otherwise (an exception is a
 * FAIL too, with its message), SKIP when the driver cannot provoke the scenario.
 */
import { randomBytes } from 'node:crypto';
import { type Applicability, applicability } from './applicability.js';
import { ePaymentScenarios } from './epayment-scenarios.js';
import { errorScenarios, threeDsScenarios } from './error-scenarios.js';
import { invalidRequestScenario } from './invalid-request-scenario.js';
import { lifecycleScenarios } from './lifecycle-scenarios.js';
import type { ChecklistDriver, ItemResult, Scenario } from './types.js';

export interface ChecklistReport {
  generatedAt: string;
  mode: 'local' | 'target';
  driver: string;
  runId: string;
  durationMs: number;
  summary: { total: number; passed: number; failed: number; skipped: number };
  items: ItemResult[];
  applicability: Applicability[];
}

export interface RunOptions {
  runId?: string;
  /** Called after each item. */
  onItem?: (item: ItemResult, index: number, total: number) => void;
}

/** Every scenario of the go-live checklist, in report order. */
export function checklistScenarios(): Scenario[] {
  const errors = errorScenarios();
  return [
    ...lifecycleScenarios(),
    invalidRequestScenario(),
    ...errors,
    ...threeDsScenarios(),
    ...ePaymentScenarios(),
  ];
}

/** Keep the scenarios whose id is listed (case-insensitive); throws on an unknown id. */
export function selectScenarios(scenarios: Scenario[], ids: readonly string[] | undefined): Scenario[] {
  if (!ids || ids.length === 0) return scenarios;
  const wanted = new Set(ids.map((id) => id.toUpperCase()));
  const unknown = [...wanted].filter((id) => !scenarios.some((s) => s.id === id));
  if (unknown.length > 0)
    throw new Error(
      `unknown checklist item(s): ${unknown.join(', ')} (known: ${scenarios.map((s) => s.id).join(', ')})`,
    );
  return scenarios.filter((s) => wanted.has(s.id));
}

export async function runChecklist(
  driver: ChecklistDriver,
  scenarios: readonly Scenario[],
  options: RunOptions = {},
): Promise<ChecklistReport> {
  const ids = scenarios.map((s) => s.id);
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate) throw new Error(`two checklist items share the id ${duplicate}`);
  const runId = options.runId ?? `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const started = performance.now();
  const items: ItemResult[] = [];
  for (const [index, scenario] of scenarios.entries()) {
    const itemStarted = performance.now();
    let item: ItemResult;
    try {
      const outcome = await scenario.run({ driver, runId });
      const verdict = outcome.skipped
        ? 'SKIP'
        : outcome.checks.length > 0 && outcome.checks.every((c) => c.pass)
          ? 'PASS'
          : 'FAIL';
      item = {
        id: scenario.id,
        title: scenario.title,
        ...(scenario.errorId ? { errorId: scenario.errorId } : {}),
        ...(outcome.pspTransactionId ? { pspTransactionId: outcome.pspTransactionId } : {}),
        ...(outcome.merchantOrderId ? { merchantOrderId: outcome.merchantOrderId } : {}),
        expected: outcome.expected,
        observed: outcome.observed,
        verdict,
        checks: outcome.checks,
        durationMs: performance.now() - itemStarted,
        ...(outcome.skipped || outcome.note ? { note: outcome.skipped ?? outcome.note } : {}),
      };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      item = {
        id: scenario.id,
        title: scenario.title,
        ...(scenario.errorId ? { errorId: scenario.errorId } : {}),
        expected: '(see checks)',
        observed: `error: ${message}`,
        verdict: 'FAIL',
        checks: [{ name: 'the scenario ran to the end', pass: false, detail: message }],
        durationMs: performance.now() - itemStarted,
      };
    }
    items.push(item);
    options.onItem?.(item, index, scenarios.length);
  }
  const count = (v: ItemResult['verdict']) => items.filter((i) => i.verdict === v).length;
  return {
    generatedAt: new Date().toISOString(),
    mode: driver.mode,
    driver: driver.description,
    runId,
    durationMs: performance.now() - started,
    summary: { total: items.length, passed: count('PASS'), failed: count('FAIL'), skipped: count('SKIP') },
    items,
    applicability: applicability(),
  };
}

/** 0 when nothing failed (skips are listed, not failures), 1 otherwise. */
export function exitCodeFor(report: ChecklistReport): number {
  return report.summary.failed > 0 || report.summary.total === 0 ? 1 : 0;
}
