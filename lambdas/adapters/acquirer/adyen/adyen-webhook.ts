/**
 * Adyen's standard webhook: `{live, notificationItems: [{NotificationRequestItem}]}`. Every item
 * must carry a valid HMAC (additionalData.hmacSignature), checked with Adyen's own HmacValidator
 * (HMAC-SHA256 over pspReference:originalReference:merchantAccountCode:merchantReference:value:
 * currency:eventCode:success with the hex key). Anything malformed or unsigned is a typed error.
 */
import AdyenHmacValidator from '@adyen/api-library/lib/src/utils/hmacValidator.js';
import type { NotificationRequestItem } from '@adyen/api-library/lib/src/typings/notification/notificationRequestItem.js';
import * as z from 'zod/mini';
import { cjsDefault } from './cjs-default.js';

export class AdyenWebhookError extends Error {
  constructor(
    readonly problem: 'shape' | 'signature',
    message: string,
  ) {
    super(message);
    this.name = 'AdyenWebhookError';
  }
}

const item = z.object({
  additionalData: z.optional(z.record(z.string(), z.string())),
  amount: z.object({ currency: z.string(), value: z.number() }),
  eventCode: z.string().check(z.minLength(1)),
  eventDate: z.optional(z.string()),
  merchantAccountCode: z.string(),
  merchantReference: z.string(),
  originalReference: z.optional(z.string()),
  pspReference: z.string().check(z.minLength(1)),
  reason: z.optional(z.string()),
  success: z.enum(['true', 'false']),
});
const body = z.object({
  live: z.optional(z.string()),
  notificationItems: z.array(z.object({ NotificationRequestItem: item })).check(z.minLength(1)),
});

export type AdyenNotification = z.infer<typeof item>;

/** The items of a webhook body whose every signature is valid; throws AdyenWebhookError otherwise. */
export function verifiedNotifications(text: string, hmacKeyHex: string): AdyenNotification[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AdyenWebhookError('shape', 'the webhook body is not JSON');
  }
  const result = body.safeParse(parsed);
  if (!result.success) throw new AdyenWebhookError('shape', 'the webhook body is not an Adyen notification');
  const validator = new (cjsDefault(AdyenHmacValidator))();
  const items = result.data.notificationItems.map((n) => n.NotificationRequestItem);
  for (const notification of items) {
    const signature = notification.additionalData?.hmacSignature;
    if (!signature || !hmacMatches(validator, notification, hmacKeyHex))
      throw new AdyenWebhookError('signature', `wrong or missing HMAC on ${notification.pspReference}`);
  }
  return items;
}

function hmacMatches(
  validator: { validateHMAC(item: NotificationRequestItem, key: string): boolean },
  notification: AdyenNotification,
  hmacKeyHex: string,
): boolean {
  try {
    return validator.validateHMAC(notification as unknown as NotificationRequestItem, hmacKeyHex);
  } catch {
    return false; // a malformed signature (not base64, wrong length)
  }
}

/** The events that settle an operation we sent (CANCEL_OR_REFUND and others are not ours). */
export const settlingEvents = new Set([
  'CAPTURE',
  'REFUND',
  'CANCELLATION',
  'CAPTURE_FAILED',
  'REFUND_FAILED',
]);
