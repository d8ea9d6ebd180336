/**
 * The merchant the authorizer resolved from the Bearer key. API Gateway passes authorizer
 * context values as strings, so the MSN lists travel comma-joined.
 */
import type { Merchant } from '../../core/ports.js';
import type { VippsApiName } from '../../core/vipps-api.js';
import type { HttpEvent } from '../http/api-gateway.js';

export interface MerchantAuthorizerContext {
  merchantId: string;
  merchantName: string;
  merchantSerialNumbers: string;
  allowCreditCards: string;
  /** The sales units on the ePayment API (the others use the PSP API v3). */
  ePaymentSerialNumbers: string;
}

export function toAuthorizerContext(merchant: Merchant): MerchantAuthorizerContext {
  const ePayment = Object.entries(merchant.vippsApis ?? {})
    .filter(([, api]) => api === 'epayment')
    .map(([msn]) => msn);
  return {
    merchantId: merchant.merchantId,
    merchantName: merchant.name,
    merchantSerialNumbers: merchant.merchantSerialNumbers.join(','),
    allowCreditCards: String(merchant.allowCreditCards),
    ePaymentSerialNumbers: ePayment.join(','),
  };
}

export function merchantFromEvent(event: HttpEvent): Merchant | undefined {
  const ctx = event.requestContext?.authorizer as Partial<MerchantAuthorizerContext> | null | undefined;
  if (!ctx?.merchantId || typeof ctx.merchantSerialNumbers !== 'string') return undefined;
  const ePayment = (ctx.ePaymentSerialNumbers ?? '').split(',').filter(Boolean);
  return {
    merchantId: ctx.merchantId,
    name: ctx.merchantName ?? '',
    merchantSerialNumbers: ctx.merchantSerialNumbers.split(',').filter(Boolean),
    allowCreditCards: ctx.allowCreditCards === 'true',
    ...(ePayment.length
      ? { vippsApis: Object.fromEntries(ePayment.map((msn) => [msn, 'epayment' as VippsApiName])) }
      : {}),
  };
}
