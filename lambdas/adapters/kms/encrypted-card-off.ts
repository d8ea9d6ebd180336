/**
 * The CardDataDecryptor of a deployment that has not turned legacy ENCRYPTEDCARD on
 * (ENCRYPTED_CARD_ENABLED=false, the default): it refuses before any KMS call, so no card number
 * is ever decrypted into our memory, and makePayment answers 92 as for any undecryptable cardData.
 */
import type { CardDataDecryptor } from '../../core/ports.js';

class EncryptedCardDisabledError extends Error {
  constructor() {
    super('ENCRYPTEDCARD is turned off (ENCRYPTED_CARD_ENABLED=false)');
    this.name = 'EncryptedCardDisabled';
  }
}

export const encryptedCardOff: CardDataDecryptor = {
  decrypt: () => Promise.reject(new EncryptedCardDisabledError()),
  publicKeyPem: () => Promise.reject(new EncryptedCardDisabledError()),
};
