/**
 * POST /psp/v3/integration-test/psppayments/{id}/approve (Vipps' force-approve, test environment
 * only) and the landing page the vippsRedirectUrl points at, where a person running the local
 * stack can approve a payment by hand.
 */
import { formatIssues } from '../../lambdas/adapters/vipps/issues.js';
import {
  type ApproveDeps,
  ApproveRequestBody,
  ApproveSetupError,
  SimulateOptions,
  runApproval,
} from './approve-flow.js';
import { type AuthOptions, checkApiHeaders } from './auth.js';
import {
  type SimRequest,
  type SimResponse,
  escapeHtml,
  invalidRequest,
  json,
  parseJsonBody,
  vippsErrors,
} from './http-util.js';
import { findPaymentFor, paymentNotFound } from './payments-routes.js';
import type { PaymentRecord, SimulatorState } from './state.js';

async function approve(
  deps: ApproveDeps,
  payment: PaymentRecord,
  options: Parameters<typeof runApproval>[2],
): Promise<SimResponse> {
  try {
    const result = await runApproval(deps, payment, options);
    return json(200, {
      makePaymentExchanges: result.makePaymentExchanges,
      ...(result.threeDs ? { threeDs: result.threeDs } : {}),
      outcome: result.outcome,
    });
  } catch (error) {
    if (error instanceof ApproveSetupError) return invalidRequest(error.message);
    throw error;
  }
}

export async function handleApprove(
  state: SimulatorState,
  auth: AuthOptions,
  deps: ApproveDeps,
  req: SimRequest,
  id: string,
): Promise<SimResponse> {
  const headers = checkApiHeaders(state, auth, req, false);
  if (!headers.ok) return headers.answer;
  const body = parseJsonBody(req);
  if (!body.ok) return invalidRequest('body is not JSON');
  const parsed = ApproveRequestBody.safeParse(body.value, { reportInput: true });
  if (!parsed.success) {
    return vippsErrors(
      400,
      formatIssues(parsed.error.issues).map((line) => ({
        errorCode: '51',
        errorMessage: `Invalid request: ${line}`,
      })),
    );
  }
  const payment = findPaymentFor(state, id, headers.merchantSerialNumber);
  if (!payment) return paymentNotFound();
  if (parsed.data.token !== payment.approveToken) {
    return invalidRequest('token does not match the vippsRedirectUrl of this payment');
  }
  return approve(deps, payment, {
    customerPhoneNumber: parsed.data.customerPhoneNumber,
    ...(parsed.data.simulate ? { simulate: parsed.data.simulate } : {}),
  });
}

function paymentByToken(state: SimulatorState, token: string | null): PaymentRecord | undefined {
  if (!token) return undefined;
  return [...state.payments.values()].find((p) => p.approveToken === token);
}

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
  `<meta name="viewport" content="width=device-width"></head><body style="font-family:sans-serif;max-width:40em;margin:2em auto">` +
  `<h1>${escapeHtml(title)}</h1>${body}</body></html>`;

/** GET /landing?token=… : the stand-in for the Vipps landing page / app. */
export function handleLanding(state: SimulatorState, req: SimRequest): SimResponse {
  const payment = paymentByToken(state, req.url.searchParams.get('token'));
  if (!payment) return { status: 404, html: page('Unknown payment', '<p>No payment for this link.</p>') };
  const kr = (payment.amount / 100).toFixed(2);
  return {
    status: 200,
    html: page(
      'Vipps simulator',
      `<p>Pay <strong>${escapeHtml(kr)} ${escapeHtml(payment.currency)}</strong> to MSN ${escapeHtml(payment.merchantSerialNumber)}` +
        `${payment.paymentText ? ` — ${escapeHtml(payment.paymentText)}` : ''}.</p>` +
        `<p>Status in the app: ${escapeHtml(payment.appStatus)}</p>` +
        `<form method="post" action="/landing/approve">` +
        `<input type="hidden" name="token" value="${escapeHtml(payment.approveToken)}">` +
        `<p><label>Phone <input name="customerPhoneNumber" value="${escapeHtml(payment.customerMobileNumber ?? '91234567')}"></label></p>` +
        `<p><label>Answer <select name="paymentState"><option>ACCEPTED</option><option>USER_CANCEL</option><option>TIMEOUT</option></select></label></p>` +
        `<p><label>3-D Secure (if the issuer asks) <select name="threeDs"><option value="browser">on the PSP's page, in this browser</option><option value="auto">automatically, with the code below</option></select></label></p>` +
        `<p><label>3-D Secure code (automatic) <input name="otp" value="1234"></label></p>` +
        `<p><button type="submit">Confirm in the "app"</button></p></form>`,
    ),
  };
}

/** POST /landing/approve (form): runs the same approval as the force-approve endpoint. */
export async function handleLandingApprove(
  state: SimulatorState,
  deps: ApproveDeps,
  req: SimRequest,
): Promise<SimResponse> {
  const form = new URLSearchParams(req.rawBody);
  const payment = paymentByToken(state, form.get('token'));
  if (!payment) return { status: 404, html: page('Unknown payment', '<p>No payment for this link.</p>') };
  // 3-D Secure in the browser: the "app" does not open our page itself (`abandon`) but sends the
  // person there; /mobileintercept finishes.
  const inBrowser = form.get('threeDs') === 'browser';
  const simulate = SimulateOptions.safeParse({
    paymentState: form.get('paymentState') ?? undefined,
    ...(inBrowser ? { threeDsAction: 'abandon' } : { otp: form.get('otp') ?? undefined }),
  });
  const answer = await approve(deps, payment, {
    customerPhoneNumber: form.get('customerPhoneNumber') ?? '91234567',
    ...(simulate.success ? { simulate: simulate.data } : {}),
  });
  const threeDs = (answer.json as { outcome?: string; threeDs?: { url3dSecure?: string } }) ?? {};
  if (inBrowser && threeDs.outcome === 'SOFT_DECLINE' && threeDs.threeDs?.url3dSecure) {
    payment.threeDsInBrowser = true;
    return { status: 303, headers: { Location: threeDs.threeDs.url3dSecure } };
  }
  return resultPage(payment, answer.json);
}

/**
 * GET /mobileintercept after a landing-page approval left 3-D Secure to the browser: like the app,
 * send makePayment again now that the challenge has ended, then offer the way back to the shop.
 */
export async function finishBrowserThreeDs(
  state: SimulatorState,
  deps: ApproveDeps,
  req: SimRequest,
): Promise<SimResponse | undefined> {
  const payment = state.payments.get(req.url.searchParams.get('transactionId') ?? '');
  if (!payment?.threeDsInBrowser) return undefined;
  payment.threeDsInBrowser = false;
  const answer = await approve(deps, payment, {
    customerPhoneNumber: payment.customerMobileNumber ?? '91234567',
  });
  return resultPage(payment, answer.json);
}

function resultPage(payment: PaymentRecord, result: unknown): SimResponse {
  const back = payment.isApp
    ? ''
    : `<p><a href="${escapeHtml(payment.pspRedirectUrl)}">Back to the shop</a></p>`;
  return {
    status: 200,
    html: page('Vipps simulator: result', `${back}<pre>${escapeHtml(JSON.stringify(result, null, 2))}</pre>`),
  };
}
