/**
 * The card callback body is parsed tolerantly (Vipps' schema is only partly published): unknown
 * fields and unknown enum values pass, what an authorisation needs is required, and our answer
 * is one of the three documented shapes only.
 */
import { describe, expect, it } from 'vitest';
import {
  CardCallbackRequest,
  CardCallbackResponse,
  EPaymentWebhookEvent,
  normaliseCardType,
} from '../../lambdas/adapters/vipps/epayment/card-callback-schemas.js';
import { formatIssues } from '../../lambdas/adapters/vipps/issues.js';

/** The contract doc's example (§2), values as Vipps shows them. */
const documented = {
  pspReference: 'our-ref',
  authorizationAttemptId: '3030303thisisaguid',
  merchantSerialNumber: '123456',
  amount: { currency: 'NOK', value: 49900 },
  softDeclineCompletedRedirectUrl: 'https://vipps.no/mobileintercept?transactionId=1&responsecode=OK',
  cardInfo: {
    maskedCardNumber: '47969485XXXX1234',
    cardType: 'VISA-DEBIT',
    cardIssuedInCountryCode: 'DK',
    cardDataType: 'TOKEN',
    networkToken: {
      number: '5000000000000000001',
      cryptogram: 'aFgdgjdkfgjdFDF=',
      expiryMonth: '03',
      expiryYear: '2030',
      tokenType: 'VISA',
      eci: '7',
      paymentAccountReference: '5001BO8B9NXVVIXCT0HAJU98I512Z',
    },
  },
};

const issuesOf = (value: unknown) => {
  const parsed = CardCallbackRequest.safeParse(value);
  return parsed.success ? [] : formatIssues(parsed.error.issues);
};

describe('card callback request schema', () => {
  it('accepts the documented example', () => {
    expect(CardCallbackRequest.safeParse(documented).success).toBe(true);
  });

  it('ignores fields Vipps adds later and keeps unknown card types and data types', () => {
    const parsed = CardCallbackRequest.parse({
      ...documented,
      somethingNew: { nested: true },
      cardInfo: { ...documented.cardInfo, cardType: 'AMEX-CREDIT', walletType: 'X', cardDataType: 'FUTURE' },
    });
    expect(parsed.cardInfo).toMatchObject({ cardType: 'AMEX-CREDIT', cardDataType: 'FUTURE' });
    expect(parsed).not.toHaveProperty('somethingNew');
  });

  it('accepts a callback without amount or softDeclineCompletedRedirectUrl (the stored payment decides)', () => {
    const { amount: _a, softDeclineCompletedRedirectUrl: _s, ...older } = documented;
    expect(CardCallbackRequest.safeParse(older).success).toBe(true);
  });

  it('accepts a PAN callback with encryptedPan and no token', () => {
    const pan = {
      ...documented,
      cardInfo: { cardDataType: 'PAN', encryptedPan: 'xyzxyz', cardType: 'DANKORT' },
    };
    expect(CardCallbackRequest.safeParse(pan).success).toBe(true);
  });

  it.each([
    [
      'authorizationAttemptId',
      { ...documented, authorizationAttemptId: undefined },
      /^authorizationAttemptId: is required/,
    ],
    ['pspReference', { ...documented, pspReference: '' }, /^pspReference: must be at least 1/],
    ['cardInfo', { ...documented, cardInfo: undefined }, /^cardInfo: is required/],
    [
      'a token number',
      {
        ...documented,
        cardInfo: {
          ...documented.cardInfo,
          networkToken: { ...documented.cardInfo.networkToken, number: '12ab' },
        },
      },
      /^cardInfo\.networkToken\.number: must be 12–19 digits/,
    ],
    [
      'an expiry month',
      {
        ...documented,
        cardInfo: {
          ...documented.cardInfo,
          networkToken: { ...documented.cardInfo.networkToken, expiryMonth: '13' },
        },
      },
      /^cardInfo\.networkToken\.expiryMonth: must be 01–12/,
    ],
  ])('names a missing or malformed %s without echoing the value', (_what, body, message) => {
    const issues = issuesOf(body);
    expect(issues.join('\n')).toMatch(message);
    expect(issues.join('\n')).not.toContain('12ab');
  });

  it('normalises the callback spelling of card types to the allowedCardTypes spelling', () => {
    expect(normaliseCardType('VISA-DEBIT')).toBe('VISA_DEBIT');
    expect(normaliseCardType(' mc-credit ')).toBe('MC_CREDIT');
    expect(normaliseCardType(undefined)).toBeUndefined();
  });
});

describe('card callback answer schema', () => {
  it.each([
    { status: 'RESERVE', networkTransactionReference: '123456789' },
    { status: 'RESERVE' },
    { status: 'FAIL', errorCode: 82, errorMessage: 'Refused by Issuer' },
    { status: 'SOFT_DECLINE', softDeclineUrl: 'https://psp.example/3ds/abc' },
  ])('allows %j', (answer) => {
    expect(CardCallbackResponse.safeParse(answer).success).toBe(true);
  });

  it.each([
    { status: 'CAPTURE' },
    { status: 'FAIL', errorCode: '82', errorMessage: 'Refused by Issuer' },
    { status: 'FAIL', errorCode: 82 },
    { status: 'SOFT_DECLINE', softDeclineRedirectUrl: 'https://psp.example/3ds' },
    { status: 'RESERVE', cardCallbackAuthHeader: 'x' },
  ])('refuses %j', (answer) => {
    expect(CardCallbackResponse.safeParse(answer).success).toBe(false);
  });
});

describe('webhook event schema', () => {
  it('accepts Vipps’ payload, with or without idempotencyKey, and ignores new fields', () => {
    const event = {
      msn: '234567',
      reference: 'pay-1',
      pspReference: 'e7b6…',
      name: 'CANCELLED',
      amount: { currency: 'NOK', value: 100 },
      timestamp: '2026-09-01T10:00:00Z',
      success: true,
      later: 1,
    };
    expect(EPaymentWebhookEvent.safeParse(event).success).toBe(true);
    expect(EPaymentWebhookEvent.safeParse({ ...event, idempotencyKey: 'k' }).success).toBe(true);
    expect(EPaymentWebhookEvent.safeParse({ ...event, reference: undefined }).success).toBe(false);
  });
});
