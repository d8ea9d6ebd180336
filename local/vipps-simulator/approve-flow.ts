/**
 * Force-approval: what Vipps does once the user confirms in the app. It POSTs a MakePaymentRequest
 * to the PSP's makePaymentUrl with the raw makePaymentToken as Authorization (15 s budget), the
 * card chosen by Vipps' magic-amount table, and `operations` URLs for 3-D Secure; on a
 * SOFT_DECLINE it follows url3dSecure like the app and re-sends makePayment with a fresh
 * cryptogram. Every exchange is recorded, with card data masked.
 *
 * Simulator extensions in the approve body (`simulate`, all optional): `paymentState`
 * ACCEPTED | USER_CANCEL | TIMEOUT; or instead `legacyConfirmed` YES | NO | TIMEOUT | CANCEL (the
 * v2 field); `instrument` TOKEN | ENCRYPTEDCARD (default: by amount, 3100 → ENCRYPTEDCARD);
 * `cardDataOverride` (sent verbatim as cardData); `otp` (default "1234", typed at the bank's
 * challenge); `threeDsAction` submit | cancel (at the bank) | abandon (the page is never opened,
 * for a browser to take over; default submit). A cancelled or timed-out payment is sent without card data.
 */
import { randomBytes } from 'node:crypto';
import * as z from 'zod/mini';
import {
  ForceApproveRequest,
  MakePaymentResponse,
  type NetworkToken,
  type UsableOperation,
} from '../../lambdas/adapters/vipps/schemas.js';
import { formatIssues } from '../../lambdas/adapters/vipps/issues.js';
import type { Clock } from '../../lambdas/core/ports.js';
import { encryptCardData } from './card-data.js';
import { type PaymentRecord, RESERVED_WITHOUT_OK } from './state.js';
import { testEncryptedCard, testInstrumentForAmount, testTokenForAmount } from './test-tokens.js';
import { type ThreeDsResult, followThreeDs } from './three-ds-follower.js';

export const SimulateOptions = z.strictObject({
  paymentState: z.optional(z.enum(['ACCEPTED', 'USER_CANCEL', 'TIMEOUT'])),
  legacyConfirmed: z.optional(z.enum(['YES', 'NO', 'TIMEOUT', 'CANCEL'])),
  instrument: z.optional(z.enum(['TOKEN', 'ENCRYPTEDCARD'])),
  cardDataOverride: z.optional(z.string()),
  otp: z.optional(z.string()),
  threeDsAction: z.optional(z.enum(['submit', 'cancel', 'abandon'])),
});
export type SimulateOptions = z.infer<typeof SimulateOptions>;

export const ApproveRequestBody = z.extend(ForceApproveRequest, { simulate: z.optional(SimulateOptions) });

export interface MakePaymentExchange {
  /** What was sent, with the token number, cryptogram and cardData masked. */
  request: Record<string, unknown>;
  /** null when no answer came (timeout, connection refused). */
  httpStatus: number | null;
  response: unknown;
  error?: string;
  durationMs: number;
  /** Where our answer breaks Vipps' rules (anything but HTTP 200 JSON, a 1036-less SOFT_DECLINE …). */
  problems: string[];
}

export interface ApproveResult {
  pspTransactionId: string;
  at: string;
  customerPhoneNumber: string;
  /** OK only for HTTP 200 + status OK: anything else is a failed payment in the app. */
  outcome: 'OK' | 'FAIL' | 'SOFT_DECLINE' | 'NO_ANSWER';
  makePaymentExchanges: MakePaymentExchange[];
  threeDs?: ThreeDsResult;
}

export interface ApproveDeps {
  baseUrl: string;
  fetch: typeof fetch;
  clock: Clock;
  /** Vipps waits 15 s for makePaymentUrl. */
  makePaymentTimeoutMs: number;
  cardDataPublicKeyPem?: () => Promise<string>;
}

export class ApproveSetupError extends Error {}

export function operationsFor(baseUrl: string, pspTransactionId: string): UsableOperation[] {
  const at = (code: string) =>
    `${baseUrl}/mobileintercept?transactionId=${encodeURIComponent(pspTransactionId)}&responsecode=${code}`;
  return [
    { url: at('OK'), operation: '3dssuccess' },
    { url: at('FAIL'), operation: '3dsfailure' },
    { url: at('CANCEL'), operation: '3dscancel' },
  ];
}

function maskRequest(body: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(body);
  const token = copy.networkToken as NetworkToken | undefined | null;
  if (token) {
    const n = token.number;
    copy.networkToken = {
      ...token,
      number: `${n.slice(0, 6)}${'*'.repeat(Math.max(0, n.length - 10))}${n.slice(-4)}`,
      cryptogram: '***',
    };
  }
  if (typeof copy.cardData === 'string') copy.cardData = `<encrypted, ${copy.cardData.length} characters>`;
  return copy;
}

/** The MakePaymentRequest body. `fresh`: a new cryptogram / ciphertext, as after 3-D Secure. */
async function buildRequest(
  deps: ApproveDeps,
  payment: PaymentRecord,
  simulate: SimulateOptions,
  fresh: boolean,
): Promise<{ body: Record<string, unknown>; accepted: boolean }> {
  const state = simulate.legacyConfirmed
    ? { confirmed: simulate.legacyConfirmed }
    : { paymentState: simulate.paymentState ?? 'ACCEPTED' };
  const accepted = simulate.legacyConfirmed
    ? simulate.legacyConfirmed === 'YES'
    : state.paymentState === 'ACCEPTED';
  const base = {
    pspTransactionId: payment.pspTransactionId,
    merchantSerialNumber: payment.merchantSerialNumber,
    ...state,
  };
  if (!accepted) return { body: base, accepted };

  const operations = operationsFor(deps.baseUrl, payment.pspTransactionId);
  const byAmount = testInstrumentForAmount(payment.amount);
  const instrument = simulate.instrument ?? (byAmount.kind === 'ENCRYPTEDCARD' ? 'ENCRYPTEDCARD' : 'TOKEN');
  if (instrument === 'TOKEN') {
    const token = testTokenForAmount(payment.amount);
    const networkToken = fresh ? { ...token, cryptogram: freshCryptogram(token.tokenType) } : token;
    return {
      // cardData null beside a token, as in Vipps' guide.
      body: {
        ...base,
        paymentInstrument: 'TOKEN',
        binNumber: token.number.slice(0, 6),
        operations,
        cardData: null,
        networkToken,
      },
      accepted,
    };
  }
  let cardData = simulate.cardDataOverride;
  if (cardData === undefined) {
    if (!deps.cardDataPublicKeyPem) {
      throw new ApproveSetupError(
        'the simulator has no cardDataPublicKeyPem, so it cannot send ENCRYPTEDCARD',
      );
    }
    cardData = encryptCardData(await deps.cardDataPublicKeyPem(), testEncryptedCard);
  }
  return {
    body: {
      ...base,
      paymentInstrument: 'ENCRYPTEDCARD',
      binNumber: testEncryptedCard.pan.slice(0, 6),
      operations,
      cardData,
    },
    accepted,
  };
}

function checkAnswer(
  exchange: MakePaymentExchange,
  contentType: string | null,
  pspTransactionId: string,
): void {
  const p = exchange.problems;
  if (exchange.httpStatus !== 200)
    p.push(`HTTP ${exchange.httpStatus}: Vipps treats anything but HTTP 200 as a failed payment`);
  if (!contentType || !/^application\/json\b/i.test(contentType))
    p.push('the answer is not application/json');
  const parsed = MakePaymentResponse.safeParse(exchange.response, { reportInput: true });
  if (!parsed.success) {
    p.push(...formatIssues(parsed.error.issues).map((i) => `MakePaymentResponse ${i}`));
    return;
  }
  const { paymentInfo, errorMessage } = parsed.data;
  if (!paymentInfo?.status) return void p.push('paymentInfo.status is missing');
  if (paymentInfo.pspTransactionId !== pspTransactionId)
    p.push('paymentInfo.pspTransactionId does not echo the request');
  if (paymentInfo.status === 'FAIL' && !errorMessage?.errorId) p.push('FAIL without errorMessage.errorId');
  if (paymentInfo.status === 'SOFT_DECLINE') {
    if (errorMessage?.errorId !== '1036') p.push('SOFT_DECLINE without errorId 1036');
    if (!paymentInfo.url3dSecure) p.push('SOFT_DECLINE without url3dSecure');
  }
}

async function callMakePayment(
  deps: ApproveDeps,
  payment: PaymentRecord,
  body: Record<string, unknown>,
): Promise<MakePaymentExchange> {
  const started = Date.now();
  const exchange: MakePaymentExchange = {
    request: maskRequest(body),
    httpStatus: null,
    response: undefined,
    durationMs: 0,
    problems: [],
  };
  try {
    const response = await deps.fetch(payment.makePaymentUrl, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        ...(payment.makePaymentToken !== undefined ? { Authorization: payment.makePaymentToken } : {}),
      },
      body: JSON.stringify(body),
      redirect: 'manual',
      signal: AbortSignal.timeout(deps.makePaymentTimeoutMs),
    });
    exchange.httpStatus = response.status;
    const text = await response.text();
    try {
      exchange.response = JSON.parse(text);
    } catch {
      exchange.response = text;
    }
    checkAnswer(exchange, response.headers.get('content-type'), payment.pspTransactionId);
  } catch (error) {
    const timedOut = error instanceof Error && error.name === 'TimeoutError';
    exchange.error = timedOut
      ? `no answer within ${deps.makePaymentTimeoutMs} ms`
      : String((error as Error).message ?? error);
    exchange.problems.push(timedOut ? 'makePaymentUrl did not answer in time' : 'makePaymentUrl unreachable');
  }
  exchange.durationMs = Date.now() - started;
  return exchange;
}

function statusOf(exchange: MakePaymentExchange): ApproveResult['outcome'] {
  if (exchange.httpStatus === null) return 'NO_ANSWER';
  const status = (exchange.response as { paymentInfo?: { status?: unknown } } | undefined)?.paymentInfo
    ?.status;
  if (exchange.httpStatus === 200 && status === 'OK') return 'OK';
  return status === 'SOFT_DECLINE' ? 'SOFT_DECLINE' : 'FAIL';
}

export async function runApproval(
  deps: ApproveDeps,
  payment: PaymentRecord,
  options: { customerPhoneNumber: string; simulate?: SimulateOptions },
): Promise<ApproveResult> {
  // While our makePayment answers are on their way, an early RESERVED is judged by them (below).
  payment.makePaymentsInFlight = (payment.makePaymentsInFlight ?? 0) + 1;
  try {
    return await approve(deps, payment, options);
  } finally {
    payment.makePaymentsInFlight -= 1;
    const early = payment.reservedBeforeAnswer;
    if (early && !payment.makePaymentsInFlight) {
      delete payment.reservedBeforeAnswer;
      if (payment.appStatus !== 'APPROVED') early.push(RESERVED_WITHOUT_OK);
    }
  }
}

async function approve(
  deps: ApproveDeps,
  payment: PaymentRecord,
  options: { customerPhoneNumber: string; simulate?: SimulateOptions },
): Promise<ApproveResult> {
  const simulate = options.simulate ?? {};
  if (simulate.paymentState && simulate.legacyConfirmed) {
    throw new ApproveSetupError('simulate.paymentState and simulate.legacyConfirmed exclude each other');
  }
  const first = await buildRequest(deps, payment, simulate, false);
  const exchanges = [await callMakePayment(deps, payment, first.body)];
  const result: ApproveResult = {
    pspTransactionId: payment.pspTransactionId,
    at: deps.clock.now().toISOString(),
    customerPhoneNumber: options.customerPhoneNumber,
    outcome: statusOf(exchanges[0]!),
    makePaymentExchanges: exchanges,
  };

  const url3dSecure = (exchanges[0]!.response as { paymentInfo?: { url3dSecure?: unknown } } | undefined)
    ?.paymentInfo?.url3dSecure;
  if (first.accepted && result.outcome === 'SOFT_DECLINE' && typeof url3dSecure === 'string') {
    result.threeDs = await followThreeDs(
      { fetch: deps.fetch, timeoutMs: deps.makePaymentTimeoutMs },
      url3dSecure,
      operationsFor(deps.baseUrl, payment.pspTransactionId),
      { otp: simulate.otp ?? '1234', action: simulate.threeDsAction ?? 'submit' },
    );
    if (result.threeDs.operation) {
      // Vipps re-sends makePayment after any of the three operations, with a fresh cryptogram.
      const again = await buildRequest(deps, payment, simulate, true);
      const second = await callMakePayment(deps, payment, again.body);
      if (statusOf(second) === 'SOFT_DECLINE')
        second.problems.push('a second SOFT_DECLINE: after 3-D Secure only OK or FAIL is allowed');
      exchanges.push(second);
      result.outcome = statusOf(second);
    }
  }

  // An approved (or ended) payment stays so in the app; a failed one may be tried again.
  if (payment.appStatus === 'INITIATED' || payment.appStatus === 'FAILED') {
    if (!first.accepted) {
      const state = String(first.body.paymentState ?? first.body.confirmed);
      payment.appStatus = state === 'TIMEOUT' ? 'EXPIRED' : 'CANCELLED';
    } else {
      payment.appStatus = result.outcome === 'OK' ? 'APPROVED' : 'FAILED';
    }
  }
  payment.approvals.push(result);
  return result;
}

/** A new cryptogram, as after 3-D Secure; a Mastercard DSRP cryptogram starts with A–P (first byte < 0x40). */
function freshCryptogram(tokenType: string): string {
  const bytes = randomBytes(20);
  if (tokenType === 'MASTERCARD') bytes[0] = bytes[0]! & 0x3f;
  return bytes.toString('base64');
}
