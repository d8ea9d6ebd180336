/**
 * The merchant the authorizer resolved from the Bearer key. API Gateway passes authorizer
 * context values as strings, so the MSN list travels comma-joined.
 */
import type { Merchant } from '../../core/ports.js';
import type { HttpEvent } from '../http/api-gateway.js';

export interface MerchantAuthorizerContext {
  merchantId: string;
  merchantName: string;
  merchantSerialNumbers: string;
  allowCreditCards: string;
}

export function toAuthorizerContext(merchant: Merchant): MerchantAuthorizerContext {
  return {
    merchantId: merchant.merchantId,
    merchantName: merchant.name,
    merchantSerialNumbers: merchant.merchantSerialNumbers.join(','),
    allowCreditCards: String(merchant.allowCreditCards),
  };
}

export function merchantFromEvent(event: HttpEvent): Merchant | undefined {
  const ctx = event.requestContext?.authorizer as Partial<MerchantAuthorizerContext> | null | undefined;
  if (!ctx?.merchantId || typeof ctx.merchantSerialNumbers !== 'string') return undefined;
  return {
    merchantId: ctx.merchantId,
    name: ctx.merchantName ?? '',
    merchantSerialNumbers: ctx.merchantSerialNumbers.split(',').filter(Boolean),
    allowCreditCards: ctx.allowCreditCards === 'true',
  };
}
