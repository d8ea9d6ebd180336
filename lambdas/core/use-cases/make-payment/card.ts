/** The card a makePayment request carries, as the acquirer needs it. */
import { parseCardPlaintext } from '../../card-data.js';
import type { CardCredentials } from '../../ports.js';
import type { Transaction } from '../../transaction.js';
import type { MakePaymentCommand, MakePaymentDeps } from './types.js';

/**
 * The network token as is, or the legacy ENCRYPTEDCARD decrypted to a PAN. 'MISSING': an accepted
 * request without a card (71); undefined: cardData we cannot decrypt (92).
 */
export async function resolveCard(
  command: MakePaymentCommand,
  tx: Transaction,
  deps: Pick<MakePaymentDeps, 'cardData' | 'log'>,
): Promise<CardCredentials | 'MISSING' | undefined> {
  const card = command.card;
  if (!card) return 'MISSING';
  if (card.kind === 'NETWORK_TOKEN') return card;
  try {
    const ciphertext = Buffer.from(card.cardData, 'base64');
    // RSA-2048 OAEP ciphertext is exactly 256 bytes (344 base64 characters).
    if (ciphertext.length !== 256 || ciphertext.toString('base64') !== card.cardData.replace(/\s/g, ''))
      return undefined;
    const decrypted = parseCardPlaintext(await deps.cardData.decrypt(ciphertext));
    if (!decrypted) return undefined;
    return {
      kind: 'PAN',
      pan: decrypted.pan,
      expiryMonth: decrypted.expiryMonth,
      expiryYear: decrypted.expiryYear,
    };
  } catch (error) {
    deps.log.warn('cardData could not be decrypted', {
      pspTransactionId: tx.pspTransactionId,
      error: (error as Error).name,
    });
    return undefined;
  }
}

/** A credit card the merchant does not accept, by BIN (before the acquirer is asked). */
export async function isDisallowedCredit(
  card: CardCredentials,
  command: MakePaymentCommand,
  tx: Transaction,
  deps: Pick<MakePaymentDeps, 'cardFunding'>,
): Promise<boolean> {
  if (tx.allowCreditCards) return false;
  // A PAN's first 8 digits: the BIN table has 8-digit ranges that override the 6-digit one around them.
  const bin = card.kind === 'PAN' ? card.pan.slice(0, 8) : command.binNumber;
  return bin !== undefined && (await deps.cardFunding.lookup(bin)) === 'CREDIT';
}
