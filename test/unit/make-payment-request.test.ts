/**
 * A makePaymentUrl body → the use case's command, and the request hash that recognises the same
 * request sent again (a repeat gets the stored answer; a changed one is a new request). The hash
 * is stored on the attempt, so its canonical form must stay stable across deployments.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalHash } from '../../lambdas/handlers/make-payment/canonical-hash.js';
import { toMakePaymentCommand } from '../../lambdas/handlers/make-payment/command.js';
import { makePaymentBody, networkToken, vippsOperations } from '../support/make-payment-unit.js';

const ID = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const tokenBody = (overrides: Record<string, unknown> = {}) =>
  makePaymentBody({ pspTransactionId: ID, merchantSerialNumber: '123456' }, overrides);

describe('the canonical request hash', () => {
  it('is the SHA-256 of the body with keys sorted at every level, no whitespace, arrays in order', () => {
    const body = { b: 1, a: { d: [true, null, 'x', 2.5], c: 'é"' } };
    expect(canonicalHash(body)).toBe(sha256('{"a":{"c":"é\\"","d":[true,null,"x",2.5]},"b":1}'));
  });

  it('the same body with keys in another order → the same hash', () => {
    const reordered = Object.fromEntries(Object.entries(tokenBody()).reverse());
    reordered.networkToken = Object.fromEntries(Object.entries(networkToken).reverse());
    expect(canonicalHash(reordered)).toBe(canonicalHash(tokenBody()));
  });

  it('keys sort by code unit, whatever order they came in', () => {
    expect(canonicalHash({ b: 1, B: 2, a: 3, aa: 4 })).toBe(sha256('{"B":2,"a":3,"aa":4,"b":1}'));
    expect(canonicalHash({ aa: 4, a: 3, B: 2, b: 1 })).toBe(sha256('{"B":2,"a":3,"aa":4,"b":1}'));
  });

  it('a field left out and a field that is undefined are the same request', () => {
    expect(canonicalHash({ a: 1, b: undefined })).toBe(canonicalHash({ a: 1 }));
    expect(canonicalHash({ a: 1, b: null })).not.toBe(canonicalHash({ a: 1 }));
  });

  it.each([
    ['the BIN', { binNumber: '489538' }],
    ['the token number', { networkToken: { ...networkToken, number: '4895370013193501' } }],
    ['the cryptogram', { networkToken: { ...networkToken, cryptogram: 'AAAAAAAAAAAAAAAAAAAAAA==' } }],
    ['the operations order', { operations: [...vippsOperations].reverse() }],
    ['the state', { paymentState: 'USER_CANCEL' }],
    ['an added field', { amount: 10_000 }],
    ['a number for a string', { merchantSerialNumber: 123456 }],
  ])('any change → another hash (%s)', (_what, change) => {
    expect(canonicalHash(tokenBody(change))).not.toBe(canonicalHash(tokenBody()));
  });

  it('a list is not an object with index keys, nor an empty object an empty list', () => {
    expect(canonicalHash(['x'])).not.toBe(canonicalHash({ 0: 'x' }));
    expect(canonicalHash([])).toBe(sha256('[]'));
    expect(canonicalHash({})).toBe(sha256('{}'));
  });
});

describe('a makePayment body → the command', () => {
  it('TOKEN: the network token, BIN, operations, state and hash are carried; nothing else', () => {
    const result = toMakePaymentCommand(tokenBody({ userToken: 'u', somethingNew: 1 }), 'hash-1');
    expect(result).toEqual({
      ok: true,
      command: {
        pspTransactionId: ID,
        merchantSerialNumber: '123456',
        requestHash: 'hash-1',
        operations: vippsOperations,
        binNumber: '489537',
        card: { kind: 'NETWORK_TOKEN', ...networkToken },
      },
    });
  });

  it('ENCRYPTEDCARD: the cardData as sent, with no BIN when none was sent', () => {
    const body = tokenBody({ paymentInstrument: 'ENCRYPTEDCARD', cardData: 'c2VjcmV0', networkToken: null });
    delete body.binNumber;
    expect(toMakePaymentCommand(body, 'h')).toEqual({
      ok: true,
      command: {
        pspTransactionId: ID,
        merchantSerialNumber: '123456',
        requestHash: 'h',
        operations: vippsOperations,
        card: { kind: 'ENCRYPTED_CARD', cardData: 'c2VjcmV0' },
      },
    });
  });

  it.each([
    ['USER_CANCEL', 'CANCEL'],
    ['TIMEOUT', 'TIMEOUT'],
  ])('%s: ended by Vipps (%s), no card and no operations carried on', (paymentState, endedByVipps) => {
    expect(toMakePaymentCommand(tokenBody({ paymentState }), 'h')).toEqual({
      ok: true,
      command: {
        pspTransactionId: ID,
        merchantSerialNumber: '123456',
        requestHash: 'h',
        endedByVipps,
        operations: [],
      },
    });
  });

  it.each([0, 10_000, Number.MAX_SAFE_INTEGER])(
    'an amount in whole øre (%s) is carried to be checked',
    (amount) => {
      const result = toMakePaymentCommand(tokenBody({ amount }), 'h');
      expect(result).toMatchObject({ ok: true, command: { amount } });
    },
  );

  it('no amount: none is checked', () => {
    const result = toMakePaymentCommand(tokenBody(), 'h');
    expect(result.ok && 'amount' in result.command).toBe(false);
  });

  it.each([100.5, '10000', null, Number.MAX_SAFE_INTEGER + 1, Number.NaN])(
    'an amount that is not whole øre (%s) → invalid, naming the field and echoing the payment',
    (amount) => {
      expect(toMakePaymentCommand(tokenBody({ amount }), 'h')).toEqual({
        ok: false,
        issues: ['amount: must be a whole number of øre'],
        pspTransactionId: ID,
      });
    },
  );

  it('a body against the schema → its issues, with the pspTransactionId it carried', () => {
    const result = toMakePaymentCommand(tokenBody({ binNumber: '12' }), 'h');
    expect(result).toEqual({
      ok: false,
      issues: [expect.stringMatching(/^binNumber/)],
      pspTransactionId: ID,
    });
  });

  it('a body without a pspTransactionId → its issues and no pspTransactionId at all', () => {
    const body = tokenBody();
    delete body.pspTransactionId;
    const result = toMakePaymentCommand(body, 'h');
    expect(result.ok).toBe(false);
    expect(result).not.toHaveProperty('pspTransactionId');
  });
});
