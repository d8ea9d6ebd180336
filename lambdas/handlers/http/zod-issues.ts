import type * as z from 'zod/mini';

/**
 * Zod issues as short, specific sentences a merchant's developer can act on. zod/mini ships no
 * locale (bundle size), so the codes our schemas do not word themselves are worded here.
 */
export function describeIssues(error: z.core.$ZodError): Array<{ field: string; message: string }> {
  return error.issues.map((issue) => {
    const field = issue.path.length ? issue.path.join('.') : '(body)';
    if (issue.code === 'unrecognized_keys') {
      return { field, message: `unknown field${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}` };
    }
    if (issue.code === 'invalid_type' && issue.message === 'Invalid input') {
      return {
        field,
        message:
          issue.input === undefined
            ? 'is required'
            : `must be ${issue.expected === 'object' ? 'a JSON object' : `a ${issue.expected}`}`,
      };
    }
    return { field, message: issue.message };
  });
}
