/**
 * The small rules of the domain core that merchants, Vipps and ops meet at its edges: amounts,
 * card plaintext, return and operations URLs, secrets, which Vipps API a payment uses, who may
 * read a payment, and the wording of the domain errors the Merchant API shows as problem details.
 */
import { describe, expect, it } from 'vitest';
import { callbackFailCode } from '../../lambdas/core/card-callback-fail-codes.js';
import { luhnValid, parseCardPlaintext } from '../../lambdas/core/card-data.js';
import {
  AmountExceedsRemainingError,
  ConcurrentUpdateError,
  InvalidTransitionError,
  OperationKeyReusedError,
  PaymentNotFoundError,
  VippsRejectedError,
} from '../../lambdas/core/errors.js';
import { MAX_AMOUNT, formatNok, isMinorUnits } from '../../lambdas/core/money.js';
import type { Merchant } from '../../lambdas/core/ports.js';
import { returnUrlWithPaymentId } from '../../lambdas/core/return-url.js';
import { secretMatches, sha256Hex } from '../../lambdas/core/secrets.js';
import { ThreeDsServerError } from '../../lambdas/core/three-ds-server.js';
import { isUsableOperationUrl } from '../../lambdas/core/three-ds-session.js';
import { loadOwnedPayment } from '../../lambdas/core/use-cases/owned-payment.js';
import { vippsApiForMsn, vippsApiOf } from '../../lambdas/core/vipps-api.js';
import { InMemoryTransactionStore } from '../support/in-memory-transaction-store.js';
import { initiatedPayment } from '../support/transactions.js';

describe('amounts in øre', () => {
  it('are whole numbers from 0 to the int32 maximum, nothing else', () => {
    expect([0, 100, MAX_AMOUNT].map(isMinorUnits)).toEqual([true, true, true]);
    expect([-1, MAX_AMOUNT + 1, 1.5, Number.NaN, '100', null].map(isMinorUnits)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('are shown in Norwegian, grouped by thousands', () => {
    expect(formatNok(1_234_500)).toBe('12\u00a0345,00\u00a0kr');
    expect(formatNok(123_456_700)).toBe('1\u00a0234\u00a0567,00\u00a0kr');
    expect(formatNok(99_999)).toBe('999,99\u00a0kr');
  });
});

describe('legacy card plaintext', () => {
  const bytes = (s: string) => new TextEncoder().encode(s);

  it('accepts months 01 to 12 only', () => {
    expect(parseCardPlaintext(bytes('4111111111111111,3001,s1'))?.expiryMonth).toBe('01');
    expect(parseCardPlaintext(bytes('4111111111111111,3000,s1'))).toBeUndefined();
  });

  it('reads bytes that are not UTF-8 as unreadable, without throwing', () => {
    expect(parseCardPlaintext(new Uint8Array([0xff, 0xfe, 0x34, 0x31]))).toBeUndefined();
  });

  it('an empty number does not pass the Luhn check', () => {
    expect(luhnValid('')).toBe(false);
  });
});

describe('card callback FAIL codes', () => {
  it.each(['vipps-12', '12b'])('an errorId that is not wholly a number (%s) is 91', (errorId) => {
    expect(callbackFailCode({ errorId, errorText: 'odd' }).errorCode).toBe(91);
  });
});

describe('the shopper’s return URL', () => {
  const ID = 'a1b2';

  it('gets our payment id on http and https', () => {
    expect(returnUrlWithPaymentId('http://localhost:5173/done', ID)).toBe(
      'http://localhost:5173/done?pspTransactionId=a1b2',
    );
    expect(returnUrlWithPaymentId('https://shop.example/done?o=1', ID)).toBe(
      'https://shop.example/done?o=1&pspTransactionId=a1b2',
    );
  });

  it('is left as given when it is an app-switch URL or not a URL at all', () => {
    expect(returnUrlWithPaymentId('myshop://done', ID)).toBe('myshop://done');
    expect(returnUrlWithPaymentId('not a url', ID)).toBe('not a url');
  });
});

describe('stored secrets', () => {
  it('are SHA-256 of the UTF-8 text', () => {
    expect(sha256Hex('blåbær')).toBe('6f1a4baa8c1c7537ba678df617a5e9256abcacb1056256b2e6f7d91c983ac531');
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('a presented secret matches its hash and nothing else; a malformed hash is simply no match', () => {
    expect(secretMatches('blåbær', sha256Hex('blåbær'))).toBe(true);
    expect(secretMatches('blabaer', sha256Hex('blåbær'))).toBe(false);
    expect(secretMatches('blåbær', 'abcd')).toBe(false);
  });
});

describe('3-D Secure operations URLs', () => {
  const usable = (url: string, allowHttpOnLoopback = false) =>
    isUsableOperationUrl(url, { allowHttpOnLoopback });

  it('refuses anything before the scheme (it would go into the Location header as sent)', () => {
    expect(usable(' https://vipps.example/3ds')).toBe(false);
  });

  it('refuses what looks like a URL but does not parse as one', () => {
    expect(usable('https://[vipps.example/3ds')).toBe(false);
  });

  it('refuses a user name even without a password', () => {
    expect(usable('https://user@vipps.example/3ds')).toBe(false);
  });

  it('allows plain http on a loopback address only, and only where the stage allows it', () => {
    expect(usable('http://127.0.0.10/3ds', true)).toBe(true);
    expect(usable('http://127.0.0.1.evil.example/3ds', true)).toBe(false);
    expect(usable('http://vipps.example/3ds', true)).toBe(false);
    expect(usable('http://127.0.0.1/3ds', false)).toBe(false);
  });
});

describe('the Vipps API of a sales unit and of a payment', () => {
  it('a sales unit uses the API it is listed with, else the PSP API v3', () => {
    const merchant = { vippsApis: { '654321': 'epayment' as const } };
    expect(vippsApiForMsn(merchant, '654321')).toBe('epayment');
    expect(vippsApiForMsn(merchant, '123456')).toBe('psp-v3');
    expect(vippsApiForMsn({}, '123456')).toBe('psp-v3');
  });

  it('a payment keeps its API; one stored before the choice existed is PSP API v3', () => {
    expect(vippsApiOf({ vippsApi: 'epayment' })).toBe('epayment');
    expect(vippsApiOf({})).toBe('psp-v3');
  });
});

describe('a merchant reads only its own payments', () => {
  const tx = initiatedPayment();
  const merchant = { merchantId: 'merchant-1', merchantSerialNumbers: ['123456'] } as Merchant;
  const store = new InMemoryTransactionStore([tx]);

  it('its own payment is found', async () => {
    expect((await loadOwnedPayment(store, merchant, tx.pspTransactionId)).pspTransactionId).toBe(
      tx.pspTransactionId,
    );
  });

  it.each([
    ['an unknown id', merchant, 'ffff'],
    ['another merchant’s payment', { ...merchant, merchantId: 'merchant-2' }, tx.pspTransactionId],
    [
      'a payment on a sales unit no longer its own',
      { ...merchant, merchantSerialNumbers: ['654321'] },
      tx.pspTransactionId,
    ],
  ])('%s answers exactly like an unknown one', async (_case, who, id) => {
    const lookup = loadOwnedPayment(store, who, id);
    await expect(lookup).rejects.toBeInstanceOf(PaymentNotFoundError);
    await expect(lookup).rejects.toThrow(`No payment ${id}`);
  });
});

describe('domain errors in words', () => {
  it('say what was refused and why', () => {
    expect(new AmountExceedsRemainingError('CAPTURE', 5_000, 3_000).message).toBe(
      'Cannot capture 5000 øre: only 3000 øre remain',
    );
    expect(new InvalidTransitionError('REFUND', 'INITIATED').message).toBe(
      'Cannot refund a payment that is INITIATED',
    );
    expect(new OperationKeyReusedError('REFUND', 200).message).toBe(
      'This Idempotency-Key was already used for refund of 200 øre',
    );
    expect(new ConcurrentUpdateError('PAYMENT#a1').message).toBe('Concurrent update of PAYMENT#a1');
  });

  it('carry their class name, for logs', () => {
    expect(new PaymentNotFoundError('a1').name).toBe('PaymentNotFoundError');
    expect(new ThreeDsServerError('TIMEOUT', 'no answer').name).toBe('ThreeDsServerError');
  });

  it('a Vipps refusal lists every error Vipps gave, tolerating missing parts', () => {
    const error = new VippsRejectedError(400, [
      { errorCode: '41', errorMessage: 'Invalid MSN' },
      { errorMessage: 'no code' },
      { errorCode: '42' },
    ]);
    expect(error.message).toBe('Vipps rejected the request (HTTP 400): 41 Invalid MSN; ? no code; 42');
    expect(error.firstCode).toBe('41');
  });
});
