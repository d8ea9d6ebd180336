/**
 * Issue 11: Vipps' ePayment card callback under load on the local stack, measured like
 * makePaymentUrl (make-payment-bench.ts): sandbox acquirer at zero delay, server-side latency at
 * the API host, CPU per invocation and AWS SDK calls counted in the workers.
 *
 * 1. Create warm-up + measured payments on the demo merchant's ePayment MSN through the Merchant
 *    API (not measured; each one is created at the simulator's ePayment API).
 * 2. Build each callback as Vipps sends it (TOKEN card info by amount, softDeclineCompletedRedirectUrl)
 *    and sign it with the client secret (HMAC, x-ms-date) just before sending, so the simulator is
 *    not in the measured path.
 * 3. Warm up, let the status queue drain, hold it (DelaySeconds) while measuring, as in (a).
 * 4. Measure at concurrency 1 and at the target concurrency.
 */
import type { AwsCallCounts } from '../../lambdas/adapters/aws-clients.js';
import { signVippsRequest } from '../../lambdas/adapters/vipps/shared/hmac-signature.js';
import { CARD_CALLBACK_PATH } from '../../lambdas/routes.js';
import { testTokenForAmount } from '../../local/vipps-simulator/index.js';
import type { LocalStack } from '../../local/stack.js';
import { merchantHttp } from '../checklist/merchant-http.js';
import { awsCallTotals } from './function-cost.js';
import {
  type PhaseResult,
  type RequestKind,
  type TargetCheck,
  answerPathTargets,
  callsPerRequest,
  holdDelaySeconds,
  measurePhase,
} from './phase.js';
import { runPool, timed } from './pool.js';
import { type QueueCounts, statusQueueControl } from './status-queue.js';

/** The local stack's Vipps client secret: the callback's HMAC key (local/stack.ts). */
const LOCAL_CLIENT_SECRET = 'local-client-secret';

export interface CardCallbackBenchOptions {
  requests: number;
  warmup: number;
  concurrency: number;
  /** Callbacks of the extra concurrency-1 phase (0 skips it). */
  sequentialRequests?: number;
  /** Amount in øre; 10000 gets Vipps' default Visa test token, which the sandbox approves. */
  amount?: number;
  log?: (line: string) => void;
}

export interface CardCallbackBenchResult {
  amount: number;
  merchantSerialNumber: string;
  warmupRequests: number;
  sequential?: PhaseResult;
  measured: PhaseResult;
  awsCalls: { total: AwsCallCounts; perRequest: AwsCallCounts; byCommand: Record<string, number> };
  isolation: { queueDelaySeconds: number; queueAfterPhase: QueueCounts };
  targets: TargetCheck[];
}

interface PreparedCallback {
  url: string;
  body: string;
}

interface CallbackOutcome {
  httpStatus: number;
  status?: string;
  errorCode?: number;
}

const outcomeKey = (o: CallbackOutcome) =>
  `HTTP ${o.httpStatus} ${o.status ?? '?'}${o.errorCode !== undefined ? ` ${o.errorCode}` : ''}`;

function prepareCallback(options: {
  url: string;
  vippsBaseUrl: string;
  reference: string;
  merchantSerialNumber: string;
  amount: number;
}): PreparedCallback {
  const { reference, amount } = options;
  return {
    url: options.url,
    body: JSON.stringify({
      pspReference: reference,
      authorizationAttemptId: `attempt-${reference}`,
      merchantSerialNumber: options.merchantSerialNumber,
      amount: { currency: 'NOK', value: amount },
      softDeclineCompletedRedirectUrl: `${options.vippsBaseUrl}/mobileintercept?transactionId=${reference}`,
      cardInfo: { cardType: 'VISA-DEBIT', cardDataType: 'TOKEN', networkToken: testTokenForAmount(amount) },
    }),
  };
}

async function sendCallback(request: PreparedCallback): Promise<CallbackOutcome> {
  const signed = signVippsRequest({
    url: request.url,
    body: request.body,
    secret: LOCAL_CLIENT_SECRET,
    date: new Date(),
  });
  const response = await fetch(request.url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'x-ms-date': signed['x-ms-date'],
      'x-ms-content-sha256': signed['x-ms-content-sha256'],
      Authorization: signed.authorization,
    },
    body: request.body,
  });
  const text = await response.text();
  try {
    const json = JSON.parse(text) as { status?: string; errorCode?: number };
    return {
      httpStatus: response.status,
      ...(json.status ? { status: json.status } : {}),
      ...(json.errorCode !== undefined ? { errorCode: json.errorCode } : {}),
    };
  } catch {
    return { httpStatus: response.status };
  }
}

const cardCallbackKind: RequestKind<PreparedCallback, CallbackOutcome> = {
  route: 'cardCallback',
  send: sendCallback,
  outcomeKey,
  ok: (o) => o.httpStatus === 200 && o.status === 'RESERVE',
};

export async function runCardCallbackBench(
  stack: LocalStack,
  options: CardCallbackBenchOptions,
): Promise<CardCallbackBenchResult> {
  const log = options.log ?? (() => undefined);
  const amount = options.amount ?? 10_000;
  const sequentialCount = options.sequentialRequests ?? 0;
  const total = options.warmup + sequentialCount + options.requests;
  const merchantSerialNumber = stack.ePaymentSerialNumber;
  const merchant = merchantHttp({
    baseUrl: stack.baseUrl,
    apiKey: stack.merchantApiKey,
    merchantSerialNumber,
  });
  const run = Date.now().toString(36);

  log(
    `creating ${total} ePayment payments (MSN ${merchantSerialNumber}) through the Merchant API (not measured) …`,
  );
  const prepared = await runPool(total, options.concurrency, async (i) => {
    const created = await merchant.createPayment({ merchantOrderId: `bench-cb-${run}-${i}`, amount });
    if (created.status !== 201)
      throw new Error(`create ePayment payment failed: HTTP ${created.status} ${created.text}`);
    return prepareCallback({
      url: `${stack.baseUrl}${CARD_CALLBACK_PATH}`,
      vippsBaseUrl: stack.vipps.baseUrl,
      reference: created.body.pspTransactionId,
      merchantSerialNumber,
      amount,
    });
  });
  const warmup = prepared.slice(0, options.warmup);
  const sequential = prepared.slice(options.warmup, options.warmup + sequentialCount);
  const measured = prepared.slice(options.warmup + sequentialCount);

  log(`warm-up: ${warmup.length} card callbacks at concurrency ${options.concurrency} …`);
  const warm = await timed(() =>
    runPool(warmup.length, options.concurrency, (i) => sendCallback(warmup[i]!)),
  );
  const notOk = warm.value.filter((o) => o.status !== 'RESERVE');
  if (notOk.length > 0) throw new Error(`warm-up answers were not all RESERVE: ${outcomeKey(notOk[0]!)}`);
  const queue = statusQueueControl(stack);
  await queue.waitIdle(120_000);

  const delaySeconds = holdDelaySeconds(
    { requests: warmup.length, ms: warm.ms },
    sequential.length + measured.length,
  );
  await queue.setDelaySeconds(delaySeconds);

  let sequentialResult: PhaseResult | undefined;
  if (sequential.length > 0) {
    log(`measuring: ${sequential.length} card callbacks at concurrency 1 …`);
    sequentialResult = await measurePhase(stack, cardCallbackKind, sequential, 1);
  }
  log(`measuring: ${measured.length} card callbacks at concurrency ${options.concurrency} …`);
  const result = await measurePhase(stack, cardCallbackKind, measured, options.concurrency);
  // The answering function only: the table stream's eventDispatcher runs after the answer.
  const { total: counts, byCommand } = awsCallTotals({ cardCallback: result.functions.cardCallback });
  const queueAfterPhase = await queue.counts();
  await queue.setDelaySeconds(0);
  log(`releasing the held status messages (they become visible within ${delaySeconds} s) …`);
  await queue.waitIdle(delaySeconds * 1000 + 120_000);

  const perReq = callsPerRequest(counts, measured.length);
  return {
    amount,
    merchantSerialNumber,
    warmupRequests: warmup.length,
    ...(sequentialResult ? { sequential: sequentialResult } : {}),
    measured: result,
    awsCalls: { total: counts, perRequest: perReq, byCommand },
    isolation: { queueDelaySeconds: delaySeconds, queueAfterPhase },
    targets: [
      ...answerPathTargets({
        subject: 'card callback',
        goalNote: ' (as makePayment)',
        concurrency: options.concurrency,
        measured: result,
        ...(sequentialResult ? { sequential: sequentialResult } : {}),
        ...(result.functions.cardCallback ? { cpu: result.functions.cardCallback.cpuMsPerInvocation } : {}),
        perRequest: perReq,
      }),
      {
        name: 'KMS calls per TOKEN card callback',
        target: '0',
        actual: String(perReq.kms),
        met: perReq.kms === 0,
      },
      {
        name: 'measured answers that were HTTP 200 RESERVE',
        target: String(measured.length),
        actual: String(result.ok),
        met: result.ok === measured.length,
      },
    ],
  };
}
