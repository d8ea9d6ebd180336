import { createHash } from 'node:crypto';

/**
 * SHA-256 of a JSON value with object keys sorted, so the same request re-sent with different
 * whitespace or key order is recognised as the same request.
 */
export function canonicalHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      // Object keys are unique: two are never equal, so there is no tie to break (nor a `<=` to tell apart).
      // Stryker disable next-line EqualityOperator: a <= b orders unique keys exactly as a < b
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
