/**
 * Starting a stored payment at Vipps, through the API its sales unit uses: the PSP API v3 init
 * (with our makePaymentUrl and the payment's token) or the ePayment create with CARD_PASSTHROUGH
 * (with our card callback URL). Both answer the URL the user is sent to; both are idempotent on
 * the pspTransactionId, so a resumed create repeats the same request.
 */
import type { CardType, EPaymentApi, EPaymentCurrency } from '../epayment-port.js';
import type { VippsApi } from '../ports.js';
import { returnUrlWithPaymentId } from '../return-url.js';
import type { Transaction } from '../transaction.js';
import { type VippsApiName, vippsApiOf } from '../vipps-api.js';

export interface EPaymentStartDeps {
  api: Pick<EPaymentApi, 'createPayment'>;
  /** PUBLIC_BASE_URL + the card-callback path. */
  cardCallbackUrl: string;
}

export interface StartAtVippsDeps {
  vipps: VippsApi;
  /** PUBLIC_BASE_URL + the make-payment path. */
  makePaymentUrl: string;
  /** Absent where no sales unit uses ePayment (a payment on one then fails loudly). */
  epayment?: EPaymentStartDeps;
}

type Starter = (tx: Transaction, makePaymentToken: string, deps: StartAtVippsDeps) => Promise<string>;

const starters: Record<VippsApiName, Starter> = { 'psp-v3': startPspV3, epayment: startEPayment };

/** Returns Vipps' redirect URL (our vippsRedirectUrl). Throws the API's Vipps errors. */
export function startAtVipps(
  tx: Transaction,
  makePaymentToken: string,
  deps: StartAtVippsDeps,
): Promise<string> {
  return starters[vippsApiOf(tx)](tx, makePaymentToken, deps);
}

async function startPspV3(
  tx: Transaction,
  makePaymentToken: string,
  deps: StartAtVippsDeps,
): Promise<string> {
  const { vippsRedirectUrl } = await deps.vipps.initiatePayment(
    {
      pspTransactionId: tx.pspTransactionId,
      merchantSerialNumber: tx.merchantSerialNumber,
      merchantOrderId: tx.merchantOrderId,
      amount: tx.amount,
      currency: tx.currency,
      paymentText: tx.paymentText,
      // The shopper comes back with our payment id; an app-switch URL goes to Vipps as given.
      pspRedirectUrl: shopperReturnUrl(tx),
      makePaymentUrl: deps.makePaymentUrl,
      makePaymentToken,
      ...(tx.customerMobileNumber ? { customerMobileNumber: tx.customerMobileNumber } : {}),
      isApp: tx.isApp,
    },
    tx.pspTransactionId,
  );
  return vippsRedirectUrl;
}

function shopperReturnUrl(tx: Transaction): string {
  return tx.isApp ? tx.redirectUrl : returnUrlWithPaymentId(tx.redirectUrl, tx.pspTransactionId);
}

/** Debit types only when the merchant refuses credit cards (Vipps then hides them: no error 88). */
export function allowedCardTypesFor(tx: Pick<Transaction, 'allowCreditCards'>): CardType[] {
  return tx.allowCreditCards
    ? ['VISA_DEBIT', 'VISA_CREDIT', 'MC_DEBIT', 'MC_CREDIT']
    : ['VISA_DEBIT', 'MC_DEBIT'];
}

/** The Idempotency-Key of the ePayment create: one per payment, so a resumed create is a repeat. */
export const ePaymentCreateKey = (pspTransactionId: string) => `create-${pspTransactionId}`;

/** A Norwegian 8-digit number gets its country code: ePayment takes MSISDNs (10–15 digits). */
function msisdn(mobile: string | undefined): string | undefined {
  if (!mobile) return undefined;
  const digits = mobile.replace(/^\+/, '');
  return /^\d{8}$/.test(digits) ? `47${digits}` : digits;
}

async function startEPayment(tx: Transaction, _token: string, deps: StartAtVippsDeps): Promise<string> {
  if (!deps.epayment)
    throw new Error(`MSN ${tx.merchantSerialNumber} uses ePayment, which is not configured`);
  const phone = msisdn(tx.customerMobileNumber);
  const { redirectUrl } = await deps.epayment.api.createPayment(
    {
      merchantSerialNumber: tx.merchantSerialNumber,
      reference: tx.pspTransactionId,
      amount: { currency: tx.currency as EPaymentCurrency, value: tx.amount },
      cardCallbackUrl: deps.epayment.cardCallbackUrl,
      allowedCardTypes: allowedCardTypesFor(tx),
      returnUrl: shopperReturnUrl(tx),
      ...(tx.paymentText.length >= 3 ? { paymentDescription: tx.paymentText.slice(0, 100) } : {}),
      ...(phone ? { customerPhoneNumber: phone } : {}),
    },
    ePaymentCreateKey(tx.pspTransactionId),
  );
  if (!redirectUrl) throw new Error('Vipps answered the ePayment create without a redirectUrl');
  return redirectUrl;
}
