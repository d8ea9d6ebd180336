/**
 * POST /epayment/v1/payments/{reference}/capture|refund|cancel: what the PSP reports after its
 * acquirer acted. Vipps' rules and codes (contract §4; errors reference T2): capture before
 * authorisation 6080, over the remaining authorisation 6090; refund over the captured rest 6150;
 * cancel of a fully captured payment 6040, cancelTransactionOnly on an authorised one 6060;
 * a payment busy with a card callback is locked: 423 / 6160. Same key, other body: 409.
 */
import { formatIssues } from '../../../lambdas/adapters/vipps/issues.js';
import { type SimRequest, type SimResponse, json, parseJsonBody } from '../http-util.js';
import { type EPaymentContext, idempotent } from './context.js';
import { checkEPaymentHeaders } from './headers.js';
import { problem, sources } from './problems.js';
import { PublishedCancelRequest, PublishedModificationRequest } from './published-shapes.js';
import { type EPaymentRecord, type SimAmount, viewOf } from './store.js';

export type Modification = 'capture' | 'refund' | 'cancel';

/** Same key, other body: the code Vipps answers per operation (T4). */
const conflictCodes: Record<Modification, string> = { capture: '4010', refund: '4150', cancel: '4020' };

type Parsed =
  { ok: true; amount?: SimAmount; cancelTransactionOnly?: boolean } | { ok: false; answer: SimResponse };

function parseModification(kind: Modification, req: SimRequest): Parsed {
  if (kind === 'cancel' && req.rawBody === '') return { ok: true };
  const body = parseJsonBody(req);
  if (!body.ok) return { ok: false, answer: problem(400, 'the body is not JSON') };
  const schema = kind === 'cancel' ? PublishedCancelRequest : PublishedModificationRequest;
  const parsed = schema.safeParse(body.value, { reportInput: true });
  if (!parsed.success)
    return {
      ok: false,
      answer: problem(400, `${formatIssues(parsed.error.issues).join('; ')} (${sources.spec})`),
    };
  return 'modificationAmount' in parsed.data
    ? { ok: true, amount: parsed.data.modificationAmount }
    : {
        ok: true,
        ...(parsed.data.cancelTransactionOnly !== undefined
          ? { cancelTransactionOnly: parsed.data.cancelTransactionOnly }
          : {}),
      };
}

export function handleModification(
  ctx: EPaymentContext,
  req: SimRequest,
  reference: string,
  kind: Modification,
): SimResponse {
  const headers = checkEPaymentHeaders(ctx.state, ctx.auth, req, {
    merchantSerialNumber: 'required',
    idempotencyKey: true,
  });
  if (!headers.ok) return headers.answer;
  const parsed = parseModification(kind, req);
  if (!parsed.ok) return parsed.answer;
  const msn = headers.merchantSerialNumber!;
  const key = headers.idempotencyKey!;
  return idempotent(ctx, `${kind} ${msn} ${reference} ${key}`, req, conflictCodes[kind], () => {
    const payment = ctx.store.get(msn, reference);
    if (!payment) return problem(404, `no payment with reference ${reference} for this MSN`);
    if (payment.busy)
      return problem(423, 'the payment is locked by another operation; retry shortly', '6160');
    const answer =
      kind === 'cancel'
        ? cancel(ctx, payment, parsed.cancelTransactionOnly)
        : move(ctx, payment, kind, parsed.amount!, key);
    return answer ?? json(200, viewOf(payment));
  });
}

function move(
  ctx: EPaymentContext,
  p: EPaymentRecord,
  kind: 'capture' | 'refund',
  amount: SimAmount,
  key: string,
) {
  if (amount.currency !== p.amount.currency)
    return problem(400, `modificationAmount.currency must be the payment's ${p.amount.currency}`, '5040');
  if (amount.value <= 0) return problem(400, 'modificationAmount.value must be more than 0');
  if (kind === 'capture') {
    if (p.state !== 'AUTHORIZED') return problem(400, `cannot capture a payment that is ${p.state}`, '6080');
    if (amount.value > p.authorized - p.captured - p.cancelled)
      return problem(400, 'the capture is more than what remains authorized', '6090');
    p.captured += amount.value;
  } else {
    if (amount.value > p.captured - p.refunded)
      return problem(400, 'the refund is more than what remains captured', '6150');
    p.refunded += amount.value;
  }
  ctx.webhooks.emit(
    p,
    ctx.store.addEvent(p, kind === 'capture' ? 'CAPTURED' : 'REFUNDED', amount.value, key),
  );
  return undefined;
}

function cancel(ctx: EPaymentContext, p: EPaymentRecord, transactionOnly: boolean | undefined) {
  if (p.state === 'CREATED') {
    // Before the card callback: the payment ends at Vipps (D8).
    p.state = 'TERMINATED';
    ctx.webhooks.emit(p, ctx.store.addEvent(p, 'TERMINATED', p.amount.value));
    return undefined;
  }
  if (p.state !== 'AUTHORIZED' || p.cancelled > 0) return undefined;
  if (transactionOnly)
    return problem(400, 'cancelTransactionOnly is not allowed on an authorized payment', '6060');
  if (p.captured >= p.authorized) return problem(400, 'a fully captured payment cannot be cancelled', '6040');
  // After a partial capture, cancel releases the whole uncaptured rest (D8, T2).
  p.cancelled = p.authorized - p.captured;
  ctx.webhooks.emit(p, ctx.store.addEvent(p, 'CANCELLED', p.cancelled));
  return undefined;
}
