/**
 * checklist-report.md and checklist-report.json: the table Vipps asks for (pspTransactionId,
 * merchantOrderId, expected, observed, pass/fail) with an ID per item, the applicability line per
 * errorId, and the checks behind every verdict.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChecklistReport } from './runner.js';

const cell = (text: string | undefined) =>
  (text ?? '—').replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');

export function renderMarkdown(report: ChecklistReport): string {
  const { summary } = report;
  const lines = [
    '# Vipps PSP API v3 — go-live checklist',
    '',
    `- Generated: ${report.generatedAt} (run ${report.runId}, ${(report.durationMs / 1000).toFixed(1)} s)`,
    `- Against: ${report.driver}`,
    `- Result: **${summary.failed === 0 ? 'PASS' : 'FAIL'}** — ${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped of ${summary.total}`,
    '',
    '| ID | Scenario | pspTransactionId | merchantOrderId | Expected | Observed | Result |',
    '|---|---|---|---|---|---|---|',
    ...report.items.map(
      (i) =>
        `| ${cell(i.id)} | ${cell(i.title)} | ${cell(i.pspTransactionId)} | ${cell(i.merchantOrderId)} | ${cell(i.expected)} | ${cell(i.observed)} | ${i.verdict === 'PASS' ? 'pass' : i.verdict === 'FAIL' ? '**FAIL**' : `skip: ${cell(i.note)}`} |`,
    ),
    '',
    '## Applicability per error code',
    '',
    ...report.applicability.map((a) => {
      const covered = report.items
        .filter((i) => i.errorId === a.errorId)
        .map((i) => `${i.id} ${i.verdict.toLowerCase()}`);
      return `- **${a.errorId} ${a.errorText}** — ${a.applies === 'yes' ? 'applies' : 'applies conditionally'}: ${a.why}.${covered.length ? ` Shown by ${covered.join(', ')}.` : ''}`;
    }),
    '',
    '## Checks per item',
    '',
  ];
  for (const item of report.items) {
    lines.push(`### ${item.id} — ${item.verdict}`, '', item.title, '');
    if (item.note) lines.push(`_${item.note}_`, '');
    for (const c of item.checks)
      lines.push(`- ${c.pass ? '✔' : '✘'} ${c.name}${c.detail ? ` — ${c.detail}` : ''}`);
    lines.push('');
  }
  return lines.join('\n');
}

export async function writeReports(
  report: ChecklistReport,
  directory: string,
): Promise<{ markdown: string; json: string }> {
  await mkdir(directory, { recursive: true });
  const markdown = join(directory, 'checklist-report.md');
  const json = join(directory, 'checklist-report.json');
  await writeFile(markdown, renderMarkdown(report));
  await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
  return { markdown, json };
}
