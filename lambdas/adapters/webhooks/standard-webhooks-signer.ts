/** Standard Webhooks signatures with the `standardwebhooks` package: one `v1,…` per live secret. */
import { Webhook } from 'standardwebhooks';
import type { WebhookSigner } from '../../core/webhooks/ports.js';

export const standardWebhooksSigner: WebhookSigner = {
  sign(secrets, id, timestamp, body) {
    // Receivers accept any listed signature that verifies: during a rotation both secrets sign.
    return secrets.map((secret) => new Webhook(secret).sign(id, timestamp, body)).join(' ');
  },
};
