/**
 * The ePayment test approval: what Vipps does once the user picks a card and confirms. It POSTs
 * a CardCallbackRequest to the cardCallbackUrl given at create, signed as Vipps signs it
 * (HMAC-SHA256 with the PSP's client secret, ../../../lambdas/adapters/vipps/shared), with the
 * network token of Vipps' magic-amount table (the same as PSP API v3), and waits 20 s. On
 * SOFT_DECLINE it opens softDeclineUrl like the app, follows redirects (and our challenge form)
 * until it reaches softDeclineCompletedRedirectUrl, then sends the second callback: same
 * authorizationAttemptId, a new cryptogram. Exchanges are recorded with card data masked.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import * as z from 'zod/mini';
import type { NetworkToken } from '../../../lambdas/adapters/vipps/schemas.js';
import { signVippsRequest } from '../../../lambdas/adapters/vipps/shared/hmac-signature.js';
import type { Clock } from '../../../lambdas/core/ports.js';
import { testTokenForAmount } from '../test-tokens.js';
import { type ThreeDsResult, followThreeDs } from '../three-ds-follower.js';
import { checkCallbackAnswer, outcomeOf } from './callback-answer.js';
import type { EPaymentRecord } from './store.js';

/** Simulator extensions in the approve body (`simulate`), all optional. */
export const SimulateCard = z.strictObject({
  /** TOKEN (default) or PAN: an opaque encryptedPan, since its format is unpublished. */
  cardDataType: z.optional(z.enum(['TOKEN', 'PAN'])),
  /** Override the card type (default: VISA-DEBIT / MC-DEBIT by token; Vipps' test tokens are debit). */
  cardType: z.optional(z.string()),
  /** The code typed on our 3-D Secure page (default 1234) and the button pressed. */
  otp: z.optional(z.string()),
  threeDsAction: z.optional(z.enum(['submit', 'cancel'])),
});
export type SimulateCard = z.infer<typeof SimulateCard>;

export interface CardCallbackDeps {
  baseUrl: string;
  fetch: typeof fetch;
  clock: Clock;
  /** Vipps waits 20 s for the card callback. */
  callbackTimeoutMs: number;
  /** The PSP's client secret: the HMAC key. */
  signingSecret: string;
}

export interface CardCallbackExchange {
  /** What was sent, token number, cryptogram and encryptedPan masked. */
  request: Record<string, unknown>;
  httpStatus: number | null;
  response: unknown;
  error?: string;
  durationMs: number;
  /** Where our answer breaks Vipps' published rules. */
  problems: string[];
}

export type CardOutcome = 'RESERVE' | 'FAIL' | 'SOFT_DECLINE' | 'NO_ANSWER' | 'CARD_NOT_ALLOWED';

export interface CardApprovalReport {
  reference: string;
  at: string;
  authorizationAttemptId: string;
  outcome: CardOutcome;
  networkTransactionReference?: string;
  exchanges: CardCallbackExchange[];
  threeDs?: ThreeDsResult;
}

export function softDeclineCompletedUrl(baseUrl: string, reference: string): string {
  return `${baseUrl}/mobileintercept?transactionId=${encodeURIComponent(reference)}&responsecode=OK`;
}

function cardTypeOf(token: NetworkToken, simulate: SimulateCard): string {
  return simulate.cardType ?? (token.tokenType === 'MASTERCARD' ? 'MC-DEBIT' : 'VISA-DEBIT');
}

function cardInfo(token: NetworkToken, cardType: string, simulate: SimulateCard, fresh: boolean) {
  const masked = `${token.number.slice(0, 8)}XXXX${token.number.slice(-4)}`;
  const base = { maskedCardNumber: masked, cardType, cardIssuedInCountryCode: 'NO' };
  if (simulate.cardDataType === 'PAN') {
    return { ...base, cardDataType: 'PAN', encryptedPan: randomBytes(256).toString('base64') };
  }
  const par = `5001${createHash('sha256').update(token.number).digest('hex').slice(0, 25).toUpperCase()}`;
  return {
    ...base,
    cardDataType: 'TOKEN',
    networkToken: {
      ...token,
      cryptogram: fresh ? randomBytes(20).toString('base64') : token.cryptogram,
      paymentAccountReference: par,
    },
  };
}

function mask(body: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(body) as { cardInfo?: Record<string, unknown> };
  const info = copy.cardInfo;
  const token = info?.networkToken as Record<string, string> | undefined;
  if (token)
    info!.networkToken = {
      ...token,
      number: `${token.number!.slice(0, 6)}…${token.number!.slice(-4)}`,
      cryptogram: '***',
    };
  if (info?.encryptedPan) info.encryptedPan = '***';
  return copy as Record<string, unknown>;
}

async function postCallback(
  deps: CardCallbackDeps,
  payment: EPaymentRecord,
  body: Record<string, unknown>,
): Promise<CardCallbackExchange> {
  const started = Date.now();
  const text = JSON.stringify(body);
  const signed = signVippsRequest({
    url: payment.cardCallbackUrl,
    body: text,
    secret: deps.signingSecret,
    date: deps.clock.now(),
  });
  const exchange: CardCallbackExchange = {
    request: mask(body),
    httpStatus: null,
    response: undefined,
    durationMs: 0,
    problems: [],
  };
  try {
    const response = await deps.fetch(payment.cardCallbackUrl, {
      method: 'POST',
      // Host is the URL's own (fetch sets it): the signed value.
      headers: {
        'Content-Type': 'application/json',
        'x-ms-date': signed['x-ms-date'],
        'x-ms-content-sha256': signed['x-ms-content-sha256'],
        Authorization: signed.authorization,
      },
      body: text,
      redirect: 'manual',
      signal: AbortSignal.timeout(deps.callbackTimeoutMs),
    });
    exchange.httpStatus = response.status;
    const answer = await response.text();
    try {
      exchange.response = JSON.parse(answer);
    } catch {
      exchange.response = answer;
    }
    checkCallbackAnswer(exchange, response.headers.get('content-type'));
  } catch (error) {
    const timedOut = error instanceof Error && error.name === 'TimeoutError';
    exchange.error = timedOut
      ? `no answer within ${deps.callbackTimeoutMs} ms`
      : String((error as Error).message ?? error);
    exchange.problems.push(
      timedOut
        ? 'the card callback did not answer within 20 s: Vipps fails the payment for good'
        : 'cardCallbackUrl unreachable',
    );
  }
  exchange.durationMs = Date.now() - started;
  return exchange;
}

export async function runCardApproval(
  deps: CardCallbackDeps,
  payment: EPaymentRecord,
  simulate: SimulateCard = {},
): Promise<CardApprovalReport> {
  const token = testTokenForAmount(payment.amount.value);
  const cardType = cardTypeOf(token, simulate);
  const report: CardApprovalReport = {
    reference: payment.reference,
    at: deps.clock.now().toISOString(),
    authorizationAttemptId: randomUUID(),
    outcome: 'CARD_NOT_ALLOWED',
    exchanges: [],
  };
  if (!payment.allowedCardTypes.includes(cardType.replace(/-/g, '_'))) return report;
  const completedUrl = softDeclineCompletedUrl(deps.baseUrl, payment.reference);
  const body = (fresh: boolean) => ({
    pspReference: payment.pspReference,
    authorizationAttemptId: report.authorizationAttemptId,
    merchantSerialNumber: payment.merchantSerialNumber,
    amount: payment.amount,
    softDeclineCompletedRedirectUrl: completedUrl,
    cardInfo: cardInfo(token, cardType, simulate, fresh),
  });
  const first = await postCallback(deps, payment, body(false));
  report.exchanges.push(first);
  report.outcome = outcomeOf(first);
  const softDeclineUrl = (first.response as { softDeclineUrl?: unknown } | undefined)?.softDeclineUrl;
  // Without a softDeclineUrl the app has nowhere to go: the attempt fails.
  if (report.outcome === 'SOFT_DECLINE' && typeof softDeclineUrl !== 'string') report.outcome = 'FAIL';
  if (report.outcome === 'SOFT_DECLINE' && typeof softDeclineUrl === 'string') {
    report.threeDs = await followThreeDs(
      { fetch: deps.fetch, timeoutMs: deps.callbackTimeoutMs },
      softDeclineUrl,
      [{ url: completedUrl, operation: '3dssuccess' }],
      { otp: simulate.otp ?? '1234', action: simulate.threeDsAction ?? 'submit' },
    );
    if (report.threeDs.operation) {
      const second = await postCallback(deps, payment, body(true));
      if (outcomeOf(second) === 'SOFT_DECLINE') {
        second.problems.push(
          'a second SOFT_DECLINE: after 3-D Secure only RESERVE or FAIL is allowed (PSP skill T1)',
        );
      }
      report.exchanges.push(second);
      report.outcome = outcomeOf(second) === 'SOFT_DECLINE' ? 'FAIL' : outcomeOf(second);
    }
  }
  const last = report.exchanges.at(-1)?.response as { networkTransactionReference?: unknown } | undefined;
  if (report.outcome === 'RESERVE' && typeof last?.networkTransactionReference === 'string') {
    report.networkTransactionReference = last.networkTransactionReference;
  }
  return report;
}
