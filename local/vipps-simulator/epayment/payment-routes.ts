/**
 * POST /epayment/v1/payments and GET …/{reference}[/events], validated against the published
 * shapes, with Vipps' error codes (4140, 4150, 4160, 5040, 5080; contract §1).
 */
import { randomBytes } from 'node:crypto';
import { formatIssues } from '../../../lambdas/adapters/vipps/issues.js';
import { type SimRequest, type SimResponse, json, parseJsonBody } from '../http-util.js';
import { type EPaymentContext, idempotent, urlProblem } from './context.js';
import { checkEPaymentHeaders } from './headers.js';
import { problem, sources } from './problems.js';
import { CARD_TYPES, CURRENCIES, MAX_AMOUNT, PublishedCreateRequest } from './published-shapes.js';
import { type EPaymentRecord, viewOf } from './store.js';

/** Vipps' minimum: NOK 100 øre (1 kr); DKK and EUR 1 minor unit (T2). */
const minimumOf = (currency: string) => (currency === 'NOK' ? 100 : 1);

export function handleCreate(ctx: EPaymentContext, req: SimRequest): SimResponse {
  const headers = checkEPaymentHeaders(ctx.state, ctx.auth, req, {
    merchantSerialNumber: 'required',
    idempotencyKey: true,
  });
  if (!headers.ok) return headers.answer;
  const body = parseJsonBody(req);
  if (!body.ok) return problem(400, 'the body is not JSON');
  const parsed = PublishedCreateRequest.safeParse(body.value, { reportInput: true });
  if (!parsed.success) return problem(400, formatIssues(parsed.error.issues).join('; '));
  const msn = headers.merchantSerialNumber!;
  return idempotent(ctx, `create ${msn} ${headers.idempotencyKey}`, req, '4020', () =>
    create(ctx, msn, parsed.data),
  );
}

function create(ctx: EPaymentContext, msn: string, r: PublishedCreateRequest): SimResponse {
  if (!ctx.state.merchants.has(msn))
    return problem(403, `Merchant-Serial-Number ${msn} is not an active sales unit of this PSP`);
  const warnings: string[] = [];
  const refusal = refusalOf(r, warnings);
  if (refusal) return refusal;
  if (ctx.store.get(msn, r.reference))
    return problem(409, `reference ${r.reference} already exists for this MSN`, '4150');
  const approveToken = randomBytes(16).toString('base64url');
  const redirectUrl = `${ctx.callbackDeps().baseUrl}/epayment/landing?reference=${encodeURIComponent(r.reference)}&token=${approveToken}`;
  const card = r.cardPassthrough!;
  const payment: EPaymentRecord = {
    merchantSerialNumber: msn,
    reference: r.reference,
    pspReference: card.pspReference,
    amount: { currency: r.amount.currency, value: r.amount.value },
    state: 'CREATED',
    authorized: 0,
    captured: 0,
    refunded: 0,
    cancelled: 0,
    cardCallbackUrl: card.cardCallbackUrl,
    allowedCardTypes: card.allowedCardTypes ?? CARD_TYPES,
    preferVisaPartOfVisaDankort: card.preferVisaPartOfVisaDankort ?? false,
    ...(r.returnUrl !== undefined ? { returnUrl: r.returnUrl } : {}),
    ...(r.paymentDescription !== undefined ? { paymentDescription: r.paymentDescription } : {}),
    redirectUrl,
    approveToken,
    createdAt: ctx.store.now(),
    warnings,
    events: [],
    approvals: [],
    busy: false,
  };
  ctx.store.payments.set(`${msn}/${r.reference}`, payment);
  ctx.webhooks.emit(payment, ctx.store.addEvent(payment, 'CREATED', payment.amount.value));
  return json(201, { redirectUrl, reference: r.reference });
}

/** Vipps' business rules for create, in the order Vipps is likely to apply them. */
function refusalOf(r: PublishedCreateRequest, warnings: string[]): SimResponse | undefined {
  const card = r.cardPassthrough;
  if (r.paymentMethod.type !== 'CARD_PASSTHROUGH' || !card) {
    return problem(
      400,
      `a PSP sales unit takes only paymentMethod.type CARD_PASSTHROUGH with cardPassthrough (${sources.pspGuide})`,
      '4160',
    );
  }
  if (!CURRENCIES.includes(r.amount.currency)) {
    return problem(
      400,
      `amount.currency must be one of ${CURRENCIES.join(', ')} (${sources.spec2024}; PSP README)`,
      '5040',
    );
  }
  const { value, currency } = r.amount;
  if (value < minimumOf(currency) || value > MAX_AMOUNT) {
    return problem(
      400,
      `amount.value must be ${minimumOf(currency)}–${MAX_AMOUNT} minor units of ${currency} (${sources.spec}; ${sources.errors})`,
    );
  }
  if (r.userFlow === 'PUSH_MESSAGE')
    return problem(400, 'PUSH_MESSAGE is not allowed for this sales unit', '5080');
  if (r.userFlow !== 'WEB_REDIRECT')
    return problem(400, `the simulator plays only userFlow WEB_REDIRECT, not ${r.userFlow}`);
  if (!r.returnUrl)
    return problem(400, `returnUrl is required with WEB_REDIRECT (${sources.spec2024})`, '4140');
  const unknownTypes = (card.allowedCardTypes ?? []).filter((t) => !CARD_TYPES.includes(t));
  if (unknownTypes.length)
    return problem(
      400,
      `cardPassthrough.allowedCardTypes has unknown ${unknownTypes.join(', ')} (${sources.pspGuide})`,
    );
  if (!card.allowedCardTypes)
    warnings.push(
      'allowedCardTypes omitted: the PSP skill (T1) calls it required, the pre-launch page "all types"',
    );
  if (card.publicEncryptionKeyId)
    warnings.push(
      'publicEncryptionKeyId sent: the simulator has no key registry (encryptedPan is unpublished)',
    );
  const badUrl = urlProblem(card.cardCallbackUrl, 'cardPassthrough.cardCallbackUrl', warnings);
  return badUrl ? problem(400, `${badUrl} (${sources.pspGuide})`) : undefined;
}

export function handleGet(
  ctx: EPaymentContext,
  req: SimRequest,
  reference: string,
  what: 'payment' | 'events',
): SimResponse {
  const headers = checkEPaymentHeaders(ctx.state, ctx.auth, req, {
    merchantSerialNumber: 'required',
    idempotencyKey: false,
  });
  if (!headers.ok) return headers.answer;
  const payment = ctx.store.get(headers.merchantSerialNumber!, reference);
  if (!payment) return problem(404, `no payment with reference ${reference} for this MSN`);
  return json(200, what === 'payment' ? viewOf(payment) : payment.events);
}
