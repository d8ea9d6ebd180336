/**
 * The test-only force approve (POST /epayment/v1/test/payments/{reference}/approve, body
 * `{customer:{phoneNumber}}` or `{token}`, plus the simulator's `simulate` extension) and the
 * PSP's webhook registrations (POST/GET /webhooks/v1/webhooks, DELETE …/{id}).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import * as z from 'zod/mini';
import { formatIssues } from '../../../lambdas/adapters/vipps/issues.js';
import { type SimRequest, type SimResponse, json, parseJsonBody } from '../http-util.js';
import { type CardApprovalReport, SimulateCard, runCardApproval } from './card-callback.js';
import { type EPaymentContext, urlProblem } from './context.js';
import { checkEPaymentHeaders } from './headers.js';
import { problem, sources } from './problems.js';
import { EVENT_NAMES, PublishedApproveRequest, PublishedWebhookRequest } from './published-shapes.js';
import type { EPaymentRecord } from './store.js';

export const SimulateApproval = z.extend(SimulateCard, {
  /** Instead of picking a card, the user aborts, or lets the payment expire. */
  userAction: z.optional(z.enum(['ABORT', 'EXPIRE'])),
});
export type SimulateApproval = z.infer<typeof SimulateApproval>;

/** The approval itself, shared by the HTTP route and the in-process `approve`. */
export async function approve(
  ctx: EPaymentContext,
  payment: EPaymentRecord,
  simulate: SimulateApproval = {},
) {
  const { userAction, ...card } = simulate;
  if (userAction) {
    payment.state = userAction === 'ABORT' ? 'ABORTED' : 'EXPIRED';
    ctx.webhooks.emit(payment, ctx.store.addEvent(payment, payment.state, payment.amount.value));
    return { reference: payment.reference, outcome: payment.state };
  }
  payment.busy = true;
  let report: CardApprovalReport;
  try {
    report = await runCardApproval(ctx.callbackDeps(), payment, card);
  } finally {
    payment.busy = false;
  }
  payment.approvals.push(report);
  if (report.outcome === 'RESERVE' && payment.state === 'CREATED') {
    payment.state = 'AUTHORIZED';
    payment.authorized = payment.amount.value;
    ctx.webhooks.emit(payment, ctx.store.addEvent(payment, 'AUTHORIZED', payment.authorized));
  }
  return report;
}

export async function handleApprove(
  ctx: EPaymentContext,
  req: SimRequest,
  reference: string,
): Promise<SimResponse> {
  const headers = checkEPaymentHeaders(ctx.state, ctx.auth, req, {
    merchantSerialNumber: 'required',
    idempotencyKey: false,
  });
  if (!headers.ok) return headers.answer;
  const body = parseJsonBody(req);
  if (!body.ok || !body.value || typeof body.value !== 'object')
    return problem(400, 'the body is not a JSON object');
  const { simulate, ...published } = body.value as { simulate?: unknown };
  const parsed = PublishedApproveRequest.safeParse(published);
  if (!parsed.success)
    return problem(400, `the body must be {customer:{phoneNumber}} or {token} (${sources.spec})`);
  const options = SimulateApproval.safeParse(simulate ?? {}, { reportInput: true });
  if (!options.success) return problem(400, `simulate: ${formatIssues(options.error.issues).join('; ')}`);
  const payment = ctx.store.get(headers.merchantSerialNumber!, reference);
  if (!payment) return problem(404, `no payment with reference ${reference} for this MSN`);
  if (payment.state !== 'CREATED') return problem(400, `the payment is ${payment.state}, not CREATED`);
  if ('token' in parsed.data && parsed.data.token !== payment.approveToken) {
    return problem(400, 'token is not the one in this payment’s redirectUrl');
  }
  return json(200, await approve(ctx, payment, options.data));
}

const MAX_PER_EVENT = 25;

export function handleWebhooks(ctx: EPaymentContext, req: SimRequest, id?: string): SimResponse {
  const headers = checkEPaymentHeaders(ctx.state, ctx.auth, req, {
    merchantSerialNumber: 'optional',
    idempotencyKey: false,
  });
  if (!headers.ok) return headers.answer;
  if (req.method === 'GET') {
    const webhooks = [...ctx.store.webhooks.values()].map(({ id, url, events }) => ({ id, url, events }));
    return json(200, { webhooks });
  }
  if (req.method === 'DELETE') {
    return ctx.store.webhooks.delete(id ?? '') ? { status: 204, text: '' } : problem(404, `no webhook ${id}`);
  }
  const body = parseJsonBody(req);
  const parsed = body.ok ? PublishedWebhookRequest.safeParse(body.value, { reportInput: true }) : undefined;
  if (!parsed?.success) return problem(400, `the body must be {url, events[]} (${sources.webhooks})`);
  const known = EVENT_NAMES.map((n) => `epayments.payment.${n}.v1`);
  const unknown = parsed.data.events.filter((e) => !known.includes(e));
  if (unknown.length)
    return problem(400, `unknown event type(s) ${unknown.join(', ')} (${sources.webhooks})`);
  const badUrl = urlProblem(parsed.data.url, 'url', []);
  if (badUrl) return problem(400, `${badUrl} (${sources.webhooks})`);
  const full = parsed.data.events.find(
    (e) => [...ctx.store.webhooks.values()].filter((w) => w.events.includes(e)).length >= MAX_PER_EVENT,
  );
  if (full)
    return problem(400, `at most ${MAX_PER_EVENT} registrations per event type (${sources.webhooks})`);
  const registration = {
    id: randomUUID(),
    url: parsed.data.url,
    events: parsed.data.events,
    secret: randomBytes(24).toString('base64url'),
    ...(headers.merchantSerialNumber ? { merchantSerialNumber: headers.merchantSerialNumber } : {}),
  };
  ctx.store.webhooks.set(registration.id, registration);
  return json(201, { id: registration.id, secret: registration.secret });
}
