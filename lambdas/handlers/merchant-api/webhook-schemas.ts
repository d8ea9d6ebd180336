/** Request bodies of the webhook-endpoint routes, validated at the edge. */
import * as z from 'zod/mini';
import { isForbiddenAddress } from '../../adapters/webhooks/address-guard.js';
import { PAYMENT_EVENT_TYPES } from '../../core/webhooks/payment-events.js';

function urlProblem(value: string, allowHttp: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'url must be an absolute URL';
  }
  if (url.username || url.password) return 'url must not carry credentials';
  if (allowHttp)
    return url.protocol === 'https:' || url.protocol === 'http:' ? undefined : 'url must be http(s)';
  if (url.protocol !== 'https:') return 'url must use https';
  // Stryker disable next-line Regex: a URL's hostname has a bracket only at its very start and end, so dropping either anchor strips the same
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (/^[\d.]+$/.test(host) || host.includes(':')) {
    if (isForbiddenAddress(host)) return 'url must not point at a private, loopback or link-local address';
  }
  if (host === 'localhost' || host.endsWith('.localhost')) return 'url must not point at localhost';
  return undefined;
}

/** `{url, events?}`; only the local stage accepts http (a receiver on the laptop). */
export function createEndpointSchema(options: { allowHttp: boolean }) {
  return z.strictObject({
    url: z.string({ error: 'url must be a string' }).check(
      z.maxLength(2048, 'url is too long'),
      z.superRefine((value, ctx) => {
        const problem = urlProblem(value, options.allowHttp);
        // Stryker disable next-line StringLiteral: the issue code is never read (describeIssues words custom issues by their message)
        if (problem) ctx.issues.push({ code: 'custom', message: problem, input: value });
      }),
    ),
    events: z.optional(
      z
        .array(
          z.enum(PAYMENT_EVENT_TYPES, { error: `events must be among ${PAYMENT_EVENT_TYPES.join(', ')}` }),
        )
        .check(z.minLength(1, 'events must name at least one event type, or be left out for all')),
    ),
  });
}

export const emptySchema = z.strictObject({});
