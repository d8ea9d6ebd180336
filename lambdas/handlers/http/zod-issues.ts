import type * as z from 'zod/mini';

/** Zod issues as short, specific sentences a merchant's developer can act on. */
export function describeIssues(error: z.core.$ZodError): Array<{ field: string; message: string }> {
  return error.issues.map((issue) => ({
    field: issue.path.length ? issue.path.join('.') : '(body)',
    message: issue.message,
  }));
}
