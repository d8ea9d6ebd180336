/**
 * Which card the acquirer is asked to charge: the network token as Vipps sent it (TOKEN), or the
 * legacy ENCRYPTEDCARD decrypted to a PAN — and 92 for cardData we cannot decrypt, 88 for a credit
 * card a merchant does not accept (by BIN, before the acquirer is asked).
 */
import { describe, expect, it } from 'vitest';
import { approved, makePaymentWorld, networkToken } from '../support/make-payment-unit.js';

/** RSA-2048 OAEP ciphertext is 256 bytes; the fake key below decrypts any of them. */
const ciphertext = Buffer.alloc(256, 7);
const cardData = ciphertext.toString('base64');
const plaintext = (text: string) => () => Promise.resolve(new TextEncoder().encode(text));
const VISA_PAN = '4111111111111111';

function encryptedCardWorld(decryptsTo = `${VISA_PAN},3012,session-1`, payment = {}) {
  return makePaymentWorld({ answers: [approved], decrypt: plaintext(decryptsTo), payment });
}
const encrypted = (data = cardData) => ({ card: { kind: 'ENCRYPTED_CARD' as const, cardData: data } });

describe('TOKEN: the network token as Vipps sent it', () => {
  it('the acquirer gets the token (cryptogram and ECI included), never a decryption', async () => {
    const w = makePaymentWorld({ answers: [approved] });
    expect((await w.send()).answer).toEqual({ status: 'OK' });
    expect(w.acquirer.requests[0]!.card).toEqual({ kind: 'NETWORK_TOKEN', ...networkToken });
    expect(w.decrypted).toEqual([]);
  });
});

describe('ENCRYPTEDCARD: decrypted to a PAN with the card-data key', () => {
  it('the acquirer gets the PAN and its expiry (YYMM → month, four-digit year)', async () => {
    const w = encryptedCardWorld();
    expect((await w.send(encrypted())).answer).toEqual({ status: 'OK' });
    expect(w.decrypted.map((c) => Buffer.from(c).toString('base64'))).toEqual([cardData]);
    expect(w.acquirer.requests[0]!.card).toEqual({
      kind: 'PAN',
      pan: VISA_PAN,
      expiryMonth: '12',
      expiryYear: '2030',
    });
  });

  it('base64 broken over lines (as some senders wrap it) is still the same ciphertext', async () => {
    const w = encryptedCardWorld();
    const wrapped = cardData.replace(/(.{76})/g, '$1\n');
    expect((await w.send(encrypted(wrapped))).answer).toEqual({ status: 'OK' });
  });

  it.each([
    ['255 bytes', Buffer.alloc(255, 7).toString('base64')],
    ['257 bytes', Buffer.alloc(257, 7).toString('base64')],
    ['not base64 at all', `${'*'.repeat(8)}${cardData}`],
    ['empty', ''],
  ])(
    'cardData of %s → FAIL 92 "Unable to decrypt", the key never used, nothing held',
    async (_what, data) => {
      const w = encryptedCardWorld();
      expect((await w.send(encrypted(data))).answer).toEqual({
        status: 'FAIL',
        error: { errorId: '92', errorText: 'Unable to decrypt' },
      });
      expect(w.decrypted).toEqual([]);
      expect(w.acquirer.requests).toEqual([]);
      expect(w.stored()).toMatchObject({ status: 'FAILED', failure: { errorId: '92' } });
    },
  );

  it('a plaintext that is not a card (Luhn fails) → 92, the acquirer not asked', async () => {
    const w = encryptedCardWorld('4111111111111112,3012,session-1');
    expect((await w.send(encrypted())).answer.error?.errorId).toBe('92');
    expect(w.acquirer.requests).toEqual([]);
  });

  it('the key refusing → 92; ops see only the error’s kind, never the cardData', async () => {
    const w = makePaymentWorld({
      answers: [approved],
      decrypt: () =>
        Promise.reject(Object.assign(new Error(`bad ${cardData}`), { name: 'InvalidCiphertextException' })),
    });
    expect((await w.send(encrypted())).answer.error?.errorId).toBe('92');
    expect(w.log.entries).toContainEqual({
      level: 'warn',
      message: 'cardData could not be decrypted',
      extra: [{ pspTransactionId: w.tx.pspTransactionId, error: 'InvalidCiphertextException' }],
    });
    expect(w.log.text()).not.toContain(cardData.slice(0, 40));
  });
});

describe('credit cards a merchant does not accept (BIN lookup before the acquirer)', () => {
  it('TOKEN with a credit BIN → FAIL 88, declined, the acquirer never asked', async () => {
    const w = makePaymentWorld({
      answers: [approved],
      payment: { allowCreditCards: false },
      funding: { '489537': 'CREDIT' },
    });
    expect((await w.send()).answer).toEqual({
      status: 'FAIL',
      error: { errorId: '88', errorText: 'Merchant does not allow credit cards' },
    });
    expect(w.binLookups).toEqual(['489537']);
    expect(w.acquirer.requests).toEqual([]);
    expect(w.stored()).toMatchObject({ status: 'FAILED', authorisationOutcome: 'DECLINED' });
    expect(w.stored().history.at(-1)).toMatchObject({ errorId: '88', note: 'Credit card (BIN lookup)' });
  });

  it('a PAN is looked up by its first 8 digits (8-digit ranges override the 6-digit one around them)', async () => {
    const w = encryptedCardWorld(`${VISA_PAN},3012,s`, { allowCreditCards: false });
    await w.send({ ...encrypted(), binNumber: '999999' });
    expect(w.binLookups).toEqual(['41111111']);
  });

  it('a debit BIN is authorised', async () => {
    const w = makePaymentWorld({ answers: [approved], payment: { allowCreditCards: false } });
    expect((await w.send()).answer).toEqual({ status: 'OK' });
    expect(w.binLookups).toEqual(['489537']);
  });

  it('a merchant that accepts credit cards: no lookup at all', async () => {
    const w = makePaymentWorld({
      answers: [approved],
      payment: { allowCreditCards: true },
      funding: { '489537': 'CREDIT' },
    });
    expect((await w.send()).answer).toEqual({ status: 'OK' });
    expect(w.binLookups).toEqual([]);
  });

  it('a token without a BIN cannot be looked up: the acquirer’s funding decides', async () => {
    const w = makePaymentWorld({ answers: [approved], payment: { allowCreditCards: false } });
    expect((await w.send({ binNumber: undefined })).answer).toEqual({ status: 'OK' });
    expect(w.binLookups).toEqual([]);
  });
});
