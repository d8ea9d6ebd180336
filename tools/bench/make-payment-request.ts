/**
 * The makePayment call Vipps would make for a TOKEN payment, built by the benchmark itself so
 * the Vipps simulator is not in the measured path: same body shape (network token by amount from
 * Vipps' magic-amount table, operations URLs, cardData null) and the raw makePaymentToken as
 * Authorization, as approve-flow.ts sends it.
 */
import { operationsFor, testTokenForAmount } from '../../local/vipps-simulator/index.js';

export interface PreparedMakePayment {
  pspTransactionId: string;
  url: string;
  authorization: string;
  body: string;
}

export function prepareMakePayment(options: {
  makePaymentUrl: string;
  vippsBaseUrl: string;
  pspTransactionId: string;
  merchantSerialNumber: string;
  amount: number;
  makePaymentToken: string;
}): PreparedMakePayment {
  const networkToken = testTokenForAmount(options.amount);
  return {
    pspTransactionId: options.pspTransactionId,
    url: options.makePaymentUrl,
    authorization: options.makePaymentToken,
    body: JSON.stringify({
      pspTransactionId: options.pspTransactionId,
      merchantSerialNumber: options.merchantSerialNumber,
      paymentState: 'ACCEPTED',
      paymentInstrument: 'TOKEN',
      binNumber: networkToken.number.slice(0, 6),
      operations: operationsFor(options.vippsBaseUrl, options.pspTransactionId),
      cardData: null,
      networkToken,
    }),
  };
}

export interface MakePaymentOutcome {
  httpStatus: number;
  /** paymentInfo.status, or undefined when the answer was not the expected JSON. */
  status?: string;
  errorId?: string;
}

export async function sendMakePayment(request: PreparedMakePayment): Promise<MakePaymentOutcome> {
  const response = await fetch(request.url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: request.authorization },
    body: request.body,
  });
  const text = await response.text();
  try {
    const json = JSON.parse(text) as {
      paymentInfo?: { status?: string };
      errorMessage?: { errorId?: string };
    };
    return {
      httpStatus: response.status,
      ...(json.paymentInfo?.status ? { status: json.paymentInfo.status } : {}),
      ...(json.errorMessage?.errorId ? { errorId: json.errorMessage.errorId } : {}),
    };
  } catch {
    return { httpStatus: response.status };
  }
}
