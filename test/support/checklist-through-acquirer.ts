/**
 * Issue 13: the whole checklist passes through a real acquirer's production adapter against its
 * simulator (every errorId it covers reached through that acquirer's own codes). One stack per
 * process (the handler modules are process-wide), so each acquirer has its own test file calling this.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { LOCAL_ACQUIRER_BUDGET_MS } from '../../tools/checklist/cli.js';
import { localDriver } from '../../tools/checklist/local-driver.js';
import { checklistScenarios, runChecklist } from '../../tools/checklist/runner.js';
import { type LocalStack, bootLocalStack } from './local-stack.js';

export function checklistThroughAcquirer(acquirer: 'clearhaus' | 'adyen'): void {
  let stack: LocalStack | undefined;
  afterAll(async () => {
    await stack?.stop();
  });

  describe(`the checklist with ACQUIRER=${acquirer} against its simulator`, () => {
    it('passes every item', async () => {
      stack = await bootLocalStack({
        acquirer,
        env: { ACQUIRER_BUDGET_MS: String(LOCAL_ACQUIRER_BUDGET_MS), POWERTOOLS_LOG_LEVEL: 'ERROR' },
      });
      try {
        expect(stack.environment.ACQUIRER).toBe(acquirer);
        const report = await runChecklist(
          localDriver(stack, { acquirerBudgetMs: LOCAL_ACQUIRER_BUDGET_MS }),
          checklistScenarios(),
        );
        const failed = report.items.filter((i) => i.verdict !== 'PASS');
        expect(failed.map((i) => ({ id: i.id, failing: i.checks.filter((c) => !c.pass) }))).toEqual([]);
        expect(report.summary.skipped).toBe(0);
      } finally {
        await stack.stop();
        stack = undefined;
      }
    }, 120_000);
  });
}
