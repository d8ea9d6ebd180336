/**
 * Which Vipps API a sales unit (MSN) — and so each payment created on it — uses: the PSP API v3
 * (makePaymentUrl, updatestatus) or the ePayment API with CARD_PASSTHROUGH (card callback, one
 * call per capture/refund/cancel). A payment keeps the API it was created under, so moving an MSN
 * to the other API affects only new payments.
 */
export type VippsApiName = 'psp-v3' | 'epayment';

/** The API a merchant's sales unit uses; an MSN not listed uses the PSP API v3. */
export function vippsApiForMsn(
  merchant: { vippsApis?: Readonly<Record<string, VippsApiName>> },
  merchantSerialNumber: string,
): VippsApiName {
  return merchant.vippsApis?.[merchantSerialNumber] ?? 'psp-v3';
}

/** The API a payment was created under (payments stored before the choice existed: PSP API v3). */
export function vippsApiOf(payment: { vippsApi?: VippsApiName }): VippsApiName {
  return payment.vippsApi ?? 'psp-v3';
}
