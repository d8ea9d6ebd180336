/**
 * POST /psp/v3/psppayments/init, POST /psp/v3/psppayments/updatestatus and
 * GET /psp/v3/psppayments/{id}/details: validated with the project's own schemas, with Vipps'
 * business errors, and with status updates applied at once (Vipps' test environment never applies
 * them; the simulator does, so `details` can show what we reported).
 *
 * Init error codes, from Vipps' PSP API guide (github.com/vippsas/vipps-psp-api, vipps-psp-api.md,
 * "Error codes"): 21 Merchant not available or active · 42 Invalid payment model type ·
 * 44 PSP Transaction id already exists (older revisions: 99 "PSP Transaction id already exists in
 * Vipps") · 51 Invalid request / Invalid pspRedirectUrl · 99 OrderId already exists ·
 * amount "amount.less.than.one" · currency "transaction.currency.invalid" ·
 * makePaymentUrl "Invalid makePaymentUrl". 500 answers carry the same error array.
 */
import { randomBytes } from 'node:crypto';
import { formatIssues } from '../../lambdas/adapters/vipps/issues.js';
import {
  InitiatePaymentRequest,
  PaymentStatus,
  type TransactionInfo,
} from '../../lambdas/adapters/vipps/schemas.js';
import { MIN_PAYMENT_AMOUNT } from '../../lambdas/core/money.js';
import { type AuthOptions, checkApiHeaders } from './auth.js';
import {
  type SimRequest,
  type SimResponse,
  invalidRequest,
  json,
  parseJsonBody,
  sha256,
  vippsErrors,
} from './http-util.js';
import type { PaymentRecord, SimEndpoint, SimulatorState } from './state.js';
import { RESERVED_WITHOUT_OK, summaryOf } from './state.js';

type VippsError = { errorCode: string; errorMessage: string };

/** Same Idempotency-Key + same body → the first answer again; a different body → 409. */
function idempotent(
  state: SimulatorState,
  scope: { endpoint: SimEndpoint; merchantSerialNumber: string; idempotencyKey?: string },
  req: SimRequest,
  run: () => SimResponse,
): SimResponse {
  if (!scope.idempotencyKey) return run();
  const key = `${scope.endpoint} ${scope.merchantSerialNumber} ${scope.idempotencyKey}`;
  const bodyHash = sha256(req.rawBody);
  const stored = state.idempotent.get(key);
  if (stored) {
    if (stored.bodyHash !== bodyHash) {
      return vippsErrors(409, [
        { errorCode: '409', errorMessage: 'Idempotency-Key was already used with a different request body' },
      ]);
    }
    return { status: stored.status, json: stored.json, replayed: true };
  }
  const answer = run();
  if (answer.status < 500) state.idempotent.set(key, { bodyHash, status: answer.status, json: answer.json });
  return answer;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

/** Schema problems, with Vipps' field codes where Vipps has one. */
function schemaErrors(lines: string[]): VippsError[] {
  return lines.map((line) => {
    const field = line.split(/[.:]/, 1)[0] ?? '';
    if (field === 'amount' || field === 'currency' || field === 'makePaymentUrl') {
      return { errorCode: field, errorMessage: line };
    }
    return { errorCode: '51', errorMessage: `Invalid request: ${line}` };
  });
}

export function handleInit(
  state: SimulatorState,
  auth: AuthOptions,
  baseUrl: string,
  req: SimRequest,
): SimResponse {
  const headers = checkApiHeaders(state, auth, req, true);
  if (!headers.ok) return headers.answer;
  const body = parseJsonBody(req);
  if (!body.ok) return invalidRequest('body is not JSON');
  const parsed = InitiatePaymentRequest.safeParse(body.value, { reportInput: true });
  if (!parsed.success) return vippsErrors(400, schemaErrors(formatIssues(parsed.error.issues)));
  const init = parsed.data;
  const msn = headers.merchantSerialNumber;

  return idempotent(state, { endpoint: 'init', ...headers }, req, () => {
    if (!state.merchants.has(msn)) {
      return vippsErrors(400, [{ errorCode: '21', errorMessage: 'Merchant not available or active' }]);
    }
    const errors: VippsError[] = [];
    if (init.amount < MIN_PAYMENT_AMOUNT)
      errors.push({ errorCode: 'amount', errorMessage: 'amount.less.than.one' });
    if (init.currency !== 'NOK')
      errors.push({ errorCode: 'currency', errorMessage: 'transaction.currency.invalid' });
    if (!isHttpUrl(init.makePaymentUrl)) {
      errors.push({ errorCode: 'makePaymentUrl', errorMessage: 'Invalid makePaymentUrl' });
    }
    // Vipps does not validate pspRedirectUrl for apps (it may be an app-switch URL like vipps://).
    if (!init.isApp && !isHttpUrl(init.pspRedirectUrl)) {
      errors.push({ errorCode: '51', errorMessage: 'Invalid pspRedirectUrl' });
    }
    if (init.skipLandingPage && !init.customerMobileNumber) {
      errors.push({
        errorCode: '51',
        errorMessage: 'Invalid request: skipLandingPage requires customerMobileNumber',
      });
    }
    if (state.payments.has(init.pspTransactionId)) {
      errors.push({ errorCode: '44', errorMessage: 'PSP Transaction id already exists' });
    }
    if (state.findByOrder(msn, init.merchantOrderId)) {
      errors.push({ errorCode: '99', errorMessage: 'OrderId already exists' });
    }
    if (errors.length > 0) return vippsErrors(400, errors);

    const approveToken = randomBytes(24).toString('base64url');
    const payment: PaymentRecord = {
      pspTransactionId: init.pspTransactionId,
      merchantSerialNumber: msn,
      merchantOrderId: init.merchantOrderId,
      amount: init.amount,
      currency: init.currency,
      pspRedirectUrl: init.pspRedirectUrl,
      makePaymentUrl: init.makePaymentUrl,
      isApp: init.isApp ?? false,
      createdAt: state.now(),
      vippsRedirectUrl: `${baseUrl}/landing?token=${approveToken}`,
      approveToken,
      appStatus: 'INITIATED',
      reservedAmount: 0,
      capturedAmount: 0,
      refundedAmount: 0,
      cancelled: false,
      transactionLogHistory: [],
      approvals: [],
      ...(init.paymentText !== undefined ? { paymentText: init.paymentText } : {}),
      ...(init.customerMobileNumber ? { customerMobileNumber: init.customerMobileNumber } : {}),
      ...(init.skipLandingPage !== undefined ? { skipLandingPage: init.skipLandingPage } : {}),
      ...(init.makePaymentToken !== undefined ? { makePaymentToken: init.makePaymentToken } : {}),
    };
    state.payments.set(payment.pspTransactionId, payment);
    return json(200, {
      pspTransactionId: payment.pspTransactionId,
      merchantOrderId: payment.merchantOrderId,
      vippsRedirectUrl: payment.vippsRedirectUrl,
    });
  });
}

/** Apply one status update to Vipps' view, noting what a reviewer should look at. */
function applyUpdate(state: SimulatorState, p: PaymentRecord, t: TransactionInfo, problems: string[]): void {
  const success = t.operationStatus !== 'FAILED';
  p.transactionLogHistory.push({
    amount: t.amount,
    ...(t.paymentText !== undefined ? { paymentText: t.paymentText } : {}),
    timeStamp: state.now(),
    operation: t.status,
    operationSuccess: success,
  });
  if (t.currency !== undefined && t.currency !== p.currency)
    problems.push(`currency ${t.currency} ≠ ${p.currency}`);
  if (!success) return;
  // Money captured before a cancel (which released only the remainder) can still be refunded.
  if (p.cancelled && !(t.status === 'REFUNDED' && p.capturedAmount > 0))
    problems.push(`${t.status} after CANCELLED`);
  switch (t.status) {
    case 'RESERVED':
      if (p.reservedAmount > 0) problems.push('RESERVED reported twice');
      if (p.appStatus !== 'APPROVED') {
        if (p.makePaymentsInFlight) p.reservedBeforeAnswer = problems;
        else problems.push(RESERVED_WITHOUT_OK);
      }
      if (t.amount !== p.amount) problems.push(`reserved ${t.amount}, but the payment is for ${p.amount}`);
      p.reservedAmount = t.amount;
      break;
    case 'CAPTURED':
      if (p.reservedAmount === 0) problems.push('CAPTURED before any RESERVED');
      p.capturedAmount += t.amount;
      if (p.capturedAmount > p.reservedAmount) problems.push('more captured than reserved');
      break;
    case 'REFUNDED':
      p.refundedAmount += t.amount;
      if (p.refundedAmount > p.capturedAmount) problems.push('more refunded than captured');
      break;
    case 'CANCELLED':
      // Before any capture: the whole reservation; after a partial capture: the released remainder.
      if (p.reservedAmount > 0) {
        const remainder = p.reservedAmount - p.capturedAmount;
        if (remainder <= 0) problems.push('CANCELLED after a full capture');
        else if (t.amount !== remainder)
          problems.push(`CANCELLED ${t.amount}, but ${remainder} was left to release`);
      }
      p.cancelled = true;
      break;
  }
  p.reportedStatus = t.status;
}

export function handleUpdateStatus(state: SimulatorState, auth: AuthOptions, req: SimRequest): SimResponse {
  const headers = checkApiHeaders(state, auth, req, true);
  if (!headers.ok) return headers.answer;
  const body = parseJsonBody(req);
  if (!body.ok) return invalidRequest('body is not JSON');
  const parsed = PaymentStatus.safeParse(body.value, { reportInput: true });
  if (!parsed.success) return vippsErrors(400, schemaErrors(formatIssues(parsed.error.issues)));
  const transactions = parsed.data.transactions ?? [];
  // Vipps would accept an empty list; we never mean to send one.
  if (transactions.length === 0) return invalidRequest('transactions is empty');

  return idempotent(state, { endpoint: 'updatestatus', ...headers }, req, () => {
    const callIndex = ++state.updateStatusCalls;
    for (const transaction of transactions) {
      const payment = state.payments.get(transaction.pspTransactionId);
      const problems: string[] = [];
      let applied = false;
      if (!payment) problems.push('unknown pspTransactionId');
      else if (payment.merchantSerialNumber !== headers.merchantSerialNumber) {
        problems.push(`payment belongs to MSN ${payment.merchantSerialNumber}`);
      } else {
        applyUpdate(state, payment, transaction, problems);
        applied = true;
      }
      state.statusUpdates.push({
        callIndex,
        receivedAt: state.now(),
        merchantSerialNumber: headers.merchantSerialNumber,
        ...(headers.idempotencyKey ? { idempotencyKey: headers.idempotencyKey } : {}),
        transaction,
        applied,
        problems,
      });
    }
    return json(200, { responseInfo: { responseCode: '9000', responseMessage: 'SUCCESS' } });
  });
}

export function findPaymentFor(
  state: SimulatorState,
  pspTransactionId: string,
  merchantSerialNumber: string,
): PaymentRecord | undefined {
  const payment = state.payments.get(pspTransactionId);
  return payment?.merchantSerialNumber === merchantSerialNumber ? payment : undefined;
}

/** A payment that does not exist, or not for this MSN (Vipps' exact answer is not documented). */
export const paymentNotFound = (): SimResponse =>
  vippsErrors(404, [
    { errorCode: '404', errorMessage: 'PSP payment not found for this Merchant-Serial-Number' },
  ]);

export function handleDetails(
  state: SimulatorState,
  auth: AuthOptions,
  req: SimRequest,
  id: string,
): SimResponse {
  const headers = checkApiHeaders(state, auth, req, false);
  if (!headers.ok) return headers.answer;
  const payment = findPaymentFor(state, id, headers.merchantSerialNumber);
  if (!payment) return paymentNotFound();
  return json(200, {
    pspTransactionId: payment.pspTransactionId,
    merchantOrderId: payment.merchantOrderId,
    transactionSummary: summaryOf(payment),
    transactionLogHistory: payment.transactionLogHistory,
  });
}
