/**
 * A merchant's back end calling our Merchant API over HTTP — the same client for the embedded
 * stack and for a deployed API (--target), so the checklist and the benchmark drive the real
 * routes, authorizer and idempotency included.
 */
import { randomUUID } from 'node:crypto';

export interface HttpAnswer<T = Record<string, unknown>> {
  status: number;
  body: T;
  text: string;
}

export interface CreatedPayment {
  pspTransactionId: string;
  vippsRedirectUrl: string;
  status: string;
}

/** What GET /v1/payments/{id} returns (lambdas/core/use-cases/payment-view.ts), as far as we read it. */
export interface PaymentView {
  pspTransactionId: string;
  merchantOrderId: string;
  status: string;
  amount: number;
  amounts: { reserved: number; captured: number; refunded: number };
  failure?: { errorId: string; errorText: string };
  history: Array<{
    operation: string;
    amount: number;
    errorId?: string;
    vippsStatusSeq?: number;
    acknowledgedByVipps?: boolean;
  }>;
  vippsSync: { statusUpdatesSent: number; acknowledgedSeq: number; inSync: boolean };
}

export interface NewPayment {
  merchantOrderId: string;
  amount: number;
  paymentText?: string;
  customerMobileNumber?: string;
}

export interface MerchantHttp {
  baseUrl: string;
  merchantSerialNumber: string;
  createPayment(payment: NewPayment): Promise<HttpAnswer<CreatedPayment>>;
  payment(pspTransactionId: string): Promise<HttpAnswer<PaymentView>>;
  capture(pspTransactionId: string, amount: number): Promise<HttpAnswer>;
  refund(pspTransactionId: string, amount: number): Promise<HttpAnswer>;
  cancel(pspTransactionId: string): Promise<HttpAnswer>;
}

export interface MerchantHttpOptions {
  baseUrl: string;
  apiKey: string;
  merchantSerialNumber: string;
  /** Where the shop sends the user back to (never used for logic, see DESIGN.md). */
  redirectUrl?: string;
  timeoutMs?: number;
}

async function read<T>(response: Response): Promise<HttpAnswer<T>> {
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: response.status, body: body as T, text };
}

export function merchantHttp(options: MerchantHttpOptions): MerchantHttp {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 30_000;
  const headers = (idempotencyKey?: string) => ({
    Authorization: `Bearer ${options.apiKey}`,
    'Content-Type': 'application/json',
    ...(idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {}),
  });
  const post = async <T>(path: string, body: unknown) =>
    read<T>(
      await fetch(`${baseUrl}${path}`, {
        method: 'POST',
        headers: headers(randomUUID()),
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      }),
    );
  const id = (pspTransactionId: string) => encodeURIComponent(pspTransactionId);
  return {
    baseUrl,
    merchantSerialNumber: options.merchantSerialNumber,
    createPayment: (payment) =>
      post<CreatedPayment>('/v1/payments', {
        merchantSerialNumber: options.merchantSerialNumber,
        merchantOrderId: payment.merchantOrderId,
        amount: payment.amount,
        currency: 'NOK',
        paymentText: payment.paymentText ?? 'Vipps go-live checklist',
        redirectUrl: options.redirectUrl ?? 'https://shop.example/thanks',
        ...(payment.customerMobileNumber ? { customerMobileNumber: payment.customerMobileNumber } : {}),
      }),
    payment: async (pspTransactionId) =>
      read<PaymentView>(
        await fetch(`${baseUrl}/v1/payments/${id(pspTransactionId)}`, {
          headers: headers(),
          signal: AbortSignal.timeout(timeoutMs),
        }),
      ),
    capture: (pspTransactionId, amount) => post(`/v1/payments/${id(pspTransactionId)}/capture`, { amount }),
    refund: (pspTransactionId, amount) => post(`/v1/payments/${id(pspTransactionId)}/refund`, { amount }),
    cancel: (pspTransactionId) => post(`/v1/payments/${id(pspTransactionId)}/cancel`, {}),
  };
}
