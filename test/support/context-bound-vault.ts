/**
 * The one SecretVault fake for unit tests: it seals reversibly with the encryption context inside,
 * and opens only with that same context, as the KMS envelope vault does. The KMS vault itself is
 * covered by the integration tests.
 */
import { randomBytes } from 'node:crypto';
import type { SealedSecret, SecretVault } from '../../lambdas/core/ports.js';

/** Seals by base64 with the context inside, so a wrong context does not open (like KMS). */
export function contextBoundVault(): SecretVault & { opened: Array<Record<string, string>> } {
  const opened: Array<Record<string, string>> = [];
  return {
    /** The contexts of every open, in order. */
    opened,
    seal: (plaintext, context) =>
      Promise.resolve({
        encryptedDataKey: JSON.stringify(context),
        iv: randomBytes(12).toString('base64'),
        ciphertext: Buffer.from(plaintext).toString('base64'),
        tag: '',
      } satisfies SealedSecret),
    open: (sealed, context) => {
      opened.push(context);
      if (sealed.encryptedDataKey !== JSON.stringify(context)) {
        return Promise.reject(new Error('context mismatch'));
      }
      return Promise.resolve(Buffer.from(sealed.ciphertext, 'base64'));
    },
  };
}
