/**
 * KMS: the ENCRYPTEDCARD RSA key and the envelope key for 3-D Secure session secrets.
 * (Imported statically on purpose: a dynamic import makes esbuild wrap every module shared with
 * the lazy graph, which defeats tree-shaking and made every bundle larger and slower to start.)
 */
import { encryptedCardOff } from '../adapters/kms/encrypted-card-off.js';
import { KmsCardDataDecryptor } from '../adapters/kms/kms-card-data-decryptor.js';
import { createKmsClient } from '../adapters/kms/kms-client.js';
import { KmsEnvelopeVault } from '../adapters/kms/kms-envelope-vault.js';
import type { CardDataDecryptor } from '../core/ports.js';
import { config, once } from './context.js';

const kmsClient = /* @__PURE__ */ once(() => createKmsClient());

/** Legacy ENCRYPTEDCARD only where the deployment turned it on; otherwise no KMS call, answer 92. */
export const cardData = /* @__PURE__ */ once((): CardDataDecryptor =>
  config().ENCRYPTED_CARD_ENABLED
    ? new KmsCardDataDecryptor({
        client: kmsClient(),
        keyId: config().CARD_DATA_KEY_ID,
        oaepHash: config().CARD_DATA_OAEP_HASH,
      })
    : encryptedCardOff,
);
export const vault = /* @__PURE__ */ once(
  () => new KmsEnvelopeVault({ client: kmsClient(), keyId: config().ENVELOPE_KEY_ID }),
);
