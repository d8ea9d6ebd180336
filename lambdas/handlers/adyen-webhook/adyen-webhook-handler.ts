/**
 * POST /acquirer/adyen/webhook: verify (HMAC), settle each reported operation, answer
 * `[accepted]` — Adyen re-sends until it gets exactly that. A wrong signature or a malformed body
 * is refused (401/400) without touching anything, and warned about without its contents.
 */
import type { Log } from '../../core/ports.js';
import {
  type SettleDeps,
  type SettleOutcome,
  settleAcquirerOperation,
} from '../../core/use-cases/settle-acquirer-operation.js';
import {
  AdyenWebhookError,
  settlingEvents,
  verifiedNotifications,
} from '../../adapters/acquirer/adyen/adyen-webhook.js';
import { type HttpEvent, type HttpResult, bodyText } from '../http/api-gateway.js';

export interface AdyenWebhookDeps extends SettleDeps {
  log: Log;
  hmacKey: () => Promise<string>;
}

const text = (statusCode: number, body: string): HttpResult => ({
  statusCode,
  headers: { 'content-type': 'text/plain' },
  body,
});

export function createAdyenWebhookHandler(deps: AdyenWebhookDeps) {
  return async function adyenWebhook(event: HttpEvent): Promise<HttpResult> {
    let notifications;
    try {
      notifications = verifiedNotifications(bodyText(event), await deps.hmacKey());
    } catch (error) {
      if (!(error instanceof AdyenWebhookError)) throw error;
      deps.log.warn('Adyen webhook refused', { problem: error.problem, detail: error.message });
      return text(error.problem === 'signature' ? 401 : 400, error.message);
    }
    const outcomes: SettleOutcome[] = [];
    for (const n of notifications) {
      // Failed events (CAPTURE_FAILED, REFUND_FAILED) undo what Adyen first reported as accepted.
      const failedEvent = n.eventCode.endsWith('_FAILED');
      if (!settlingEvents.has(n.eventCode)) continue;
      if (n.merchantReference.startsWith('reverse-')) {
        deps.log.info('Adyen reported the cancel of a lost authorisation', {
          reference: n.merchantReference,
          success: n.success,
        });
        continue;
      }
      outcomes.push(
        await settleAcquirerOperation(
          {
            operationId: n.merchantReference,
            acquirerReference: n.pspReference,
            success: n.success === 'true' && !failedEvent,
            ...(n.reason ? { reason: n.reason } : {}),
          },
          deps,
        ),
      );
    }
    deps.log.info('Adyen webhook accepted', { items: notifications.length, outcomes: outcomes.join(',') });
    return text(200, '[accepted]');
  };
}
