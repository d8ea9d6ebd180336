/**
 * Issue 11 item 8: `npm run checklist` also produces the ePayment PSP checklist evidence — create,
 * get, events, callback RESERVE / FAIL / SOFT_DECLINE, capture, refund, cancel — each PASS on the
 * local stack with its reference and request timestamps in the report.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDriver } from '../../tools/checklist/local-driver.js';
import { type ChecklistReport, checklistScenarios, runChecklist } from '../../tools/checklist/runner.js';
import { type LocalStack, bootLocalStack } from '../support/local-stack.js';

let stack: LocalStack;
let report: ChecklistReport;
beforeAll(async () => {
  stack = await bootLocalStack({ env: { POWERTOOLS_LOG_LEVEL: 'ERROR' } });
  const ePayment = checklistScenarios().filter((s) => s.id.startsWith('EP-'));
  report = await runChecklist(localDriver(stack), ePayment);
}, 60_000);
afterAll(() => stack?.stop());

describe('the ePayment section of the checklist', () => {
  it('has every item of Vipps’ ePayment PSP checklist, and each passes', () => {
    expect(report.items.map((i) => i.id)).toEqual([
      'EP-CREATE',
      'EP-GET',
      'EP-EVENTS',
      'EP-RESERVE',
      'EP-FAIL',
      'EP-SOFT-DECLINE',
      'EP-CAPTURE',
      'EP-REFUND',
      'EP-CANCEL',
    ]);
    for (const item of report.items) {
      expect({ id: item.id, verdict: item.verdict, failed: item.checks.filter((c) => !c.pass) }).toEqual({
        id: item.id,
        verdict: 'PASS',
        failed: [],
      });
    }
  });

  it('names each payment’s reference and when each request was made', () => {
    for (const item of report.items) {
      expect(item.pspTransactionId).toMatch(/^[0-9a-f]{32}$/);
      expect(item.note).toContain(`reference ${item.pspTransactionId}`);
      expect(item.note).toMatch(/create \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
    }
    expect(report.items.find((i) => i.id === 'EP-SOFT-DECLINE')!.observed).toContain(
      'callback: SOFT_DECLINE → RESERVE',
    );
  });
});
