/**
 * Readable validation messages without loading a zod locale (zod/mini says only "Invalid input"
 * unless `z.config(z.locales.en())` is called, which is global and ~20 KB). The messages name the
 * field and the expectation, never the rejected value: a rejected value may be a card number.
 */
import type * as z from 'zod/mini';

type Issue = z.core.$ZodIssue;

function describe(issue: Issue): string {
  if (issue.message && issue.message !== 'Invalid input') return issue.message;
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'is required' : `must be ${issue.expected}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_format':
      return issue.format === 'regex' && 'pattern' in issue
        ? `must match ${String(issue.pattern)}`
        : `must be a valid ${issue.format}`;
    case 'too_small':
      return issue.origin === 'string'
        ? `must be at least ${String(issue.minimum)} characters`
        : `must be at least ${String(issue.minimum)}`;
    case 'too_big':
      return issue.origin === 'string'
        ? `must be at most ${String(issue.maximum)} characters`
        : `must be at most ${String(issue.maximum)}`;
    case 'unrecognized_keys':
      return `has unknown field(s) ${issue.keys.join(', ')}`;
    case 'invalid_union':
      return 'does not match any allowed shape';
    default:
      return 'is invalid';
  }
}

/** `networkToken.expiryMonth: must match /^(0[1-9]|1[0-2])$/` — one line per issue. */
export function formatIssues(issues: ReadonlyArray<Issue>): string[] {
  return issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    return `${path || '(body)'}: ${describe(issue)}`;
  });
}
