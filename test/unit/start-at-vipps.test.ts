/**
 * Starting a stored payment at Vipps (core/use-cases/start-at-vipps.ts): the exact request each
 * API gets — PSP API v3 init or ePayment create with CARD_PASSTHROUGH — and its idempotency key.
 */
import { describe, expect, it, vi } from 'vitest';
import type { EPaymentApi } from '../../lambdas/core/epayment-port.js';
import type { VippsApi } from '../../lambdas/core/ports.js';
import type { Transaction } from '../../lambdas/core/transaction.js';
import {
  type StartAtVippsDeps,
  allowedCardTypesFor,
  ePaymentCreateKey,
  startAtVipps,
} from '../../lambdas/core/use-cases/start-at-vipps.js';
import { initiatedPayment } from '../support/transactions.js';

const ID = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const MAKE_PAYMENT_URL = 'https://psp.example/vipps/makepayment';
const CARD_CALLBACK_URL = 'https://psp.example/vipps/card-callback';

function ports(redirectUrl: string | undefined = 'https://vipps.example/epayment/landing') {
  const initiatePayment = vi.fn<VippsApi['initiatePayment']>(() =>
    Promise.resolve({ vippsRedirectUrl: 'https://vipps.example/psp/landing' }),
  );
  const createPayment = vi.fn<EPaymentApi['createPayment']>(() =>
    Promise.resolve({ reference: ID, ...(redirectUrl ? { redirectUrl } : {}) }),
  );
  const deps: StartAtVippsDeps = {
    vipps: { initiatePayment } as unknown as VippsApi,
    makePaymentUrl: MAKE_PAYMENT_URL,
    epayment: { api: { createPayment }, cardCallbackUrl: CARD_CALLBACK_URL },
  };
  return { deps, initiatePayment, createPayment };
}

const ePayment = (overrides: Partial<Transaction> = {}) =>
  initiatedPayment({ vippsApi: 'epayment', ...overrides });

describe('starting a payment through the PSP API v3', () => {
  it('sends the payment, our makePaymentUrl and its token, keyed on the payment id', async () => {
    const { deps, initiatePayment, createPayment } = ports();
    expect(await startAtVipps(initiatedPayment(), 'mp-token', deps)).toBe(
      'https://vipps.example/psp/landing',
    );
    expect(initiatePayment).toHaveBeenCalledWith(
      {
        pspTransactionId: ID,
        merchantSerialNumber: '123456',
        merchantOrderId: 'order-1',
        amount: 10_000,
        currency: 'NOK',
        paymentText: 'Socks',
        pspRedirectUrl: `https://shop.example/done?pspTransactionId=${ID}`,
        makePaymentUrl: MAKE_PAYMENT_URL,
        makePaymentToken: 'mp-token',
        isApp: false,
      },
      ID,
    );
    expect(createPayment).not.toHaveBeenCalled();
  });

  it('passes the shopper’s mobile number and an app-switch URL exactly as given', async () => {
    const { deps, initiatePayment } = ports();
    const tx = initiatedPayment({
      customerMobileNumber: '91234567',
      isApp: true,
      redirectUrl: 'myshop://done',
    });
    await startAtVipps(tx, 'mp-token', deps);
    expect(initiatePayment.mock.calls[0]?.[0]).toMatchObject({
      customerMobileNumber: '91234567',
      isApp: true,
      pspRedirectUrl: 'myshop://done',
    });
  });
});

describe('starting a payment through ePayment (CARD_PASSTHROUGH)', () => {
  it('creates the payment with our card callback, idempotent on the payment id', async () => {
    const { deps, initiatePayment, createPayment } = ports();
    expect(await startAtVipps(ePayment(), 'unused', deps)).toBe('https://vipps.example/epayment/landing');
    expect(createPayment).toHaveBeenCalledWith(
      {
        merchantSerialNumber: '123456',
        reference: ID,
        amount: { currency: 'NOK', value: 10_000 },
        cardCallbackUrl: CARD_CALLBACK_URL,
        allowedCardTypes: ['VISA_DEBIT', 'VISA_CREDIT', 'MC_DEBIT', 'MC_CREDIT'],
        returnUrl: `https://shop.example/done?pspTransactionId=${ID}`,
        paymentDescription: 'Socks',
      },
      `create-${ID}`,
    );
    expect(ePaymentCreateKey(ID)).toBe(`create-${ID}`);
    expect(initiatePayment).not.toHaveBeenCalled();
  });

  it('offers debit cards only when the merchant refuses credit cards', () => {
    expect(allowedCardTypesFor({ allowCreditCards: false })).toEqual(['VISA_DEBIT', 'MC_DEBIT']);
    expect(allowedCardTypesFor({ allowCreditCards: true })).toEqual([
      'VISA_DEBIT',
      'VISA_CREDIT',
      'MC_DEBIT',
      'MC_CREDIT',
    ]);
  });

  it.each([
    ['91234567', '4791234567'],
    ['+4791234567', '4791234567'],
    ['+4712345678901', '4712345678901'],
    ['4512345678', '4512345678'],
  ])('sends the mobile number %s as the MSISDN %s', async (mobile, msisdn) => {
    const { deps, createPayment } = ports();
    await startAtVipps(ePayment({ customerMobileNumber: mobile }), '', deps);
    expect(createPayment.mock.calls[0]?.[0].customerPhoneNumber).toBe(msisdn);
  });

  it('sends no phone number when the shopper gave none', async () => {
    const { deps, createPayment } = ports();
    await startAtVipps(ePayment(), '', deps);
    expect(createPayment.mock.calls[0]?.[0]).not.toHaveProperty('customerPhoneNumber');
  });

  it('describes the payment with its first 100 characters, and not at all below 3 (ePayment’s minimum)', async () => {
    const { deps, createPayment } = ports();
    await startAtVipps(ePayment({ paymentText: 'x'.repeat(120) }), '', deps);
    await startAtVipps(ePayment({ paymentText: 'abc' }), '', deps);
    await startAtVipps(ePayment({ paymentText: 'ab' }), '', deps);
    expect(createPayment.mock.calls[0]?.[0].paymentDescription).toBe('x'.repeat(100));
    expect(createPayment.mock.calls[1]?.[0].paymentDescription).toBe('abc');
    expect(createPayment.mock.calls[2]?.[0]).not.toHaveProperty('paymentDescription');
  });

  it('fails loudly, naming the MSN, where ePayment is not configured', async () => {
    const { deps } = ports();
    const { epayment: _none, ...withoutEPayment } = deps;
    await expect(startAtVipps(ePayment(), '', withoutEPayment)).rejects.toThrow(
      'MSN 123456 uses ePayment, which is not configured',
    );
  });

  it('fails when Vipps answers the create without a redirect URL', async () => {
    const { deps } = ports('');
    await expect(startAtVipps(ePayment(), '', deps)).rejects.toThrow(
      'Vipps answered the ePayment create without a redirectUrl',
    );
  });
});
