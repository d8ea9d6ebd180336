/**
 * Adyen standard webhooks as Adyen sends them: `{live, notificationItems: [{NotificationRequestItem}]}`,
 * each item signed with HMAC-SHA256 (key: the hex HMAC key) over
 * pspReference:originalReference:merchantAccountCode:merchantReference:value:currency:eventCode:success,
 * base64, in additionalData.hmacSignature (docs.adyen.com "Verify HMAC signatures").
 */
import { createHmac } from 'node:crypto';

export interface NotificationItem {
  additionalData?: Record<string, string>;
  amount: { currency: string; value: number };
  eventCode: string;
  eventDate: string;
  merchantAccountCode: string;
  merchantReference: string;
  originalReference?: string;
  pspReference: string;
  reason?: string;
  success: 'true' | 'false';
}

export function signItem(item: NotificationItem, hmacKeyHex: string): NotificationItem {
  const payload = [
    item.pspReference,
    item.originalReference ?? '',
    item.merchantAccountCode,
    item.merchantReference,
    item.amount.value,
    item.amount.currency,
    item.eventCode,
    item.success,
  ].join(':');
  const hmacSignature = createHmac('sha256', Buffer.from(hmacKeyHex, 'hex')).update(payload).digest('base64');
  return { ...item, additionalData: { ...item.additionalData, hmacSignature } };
}

export function webhookBody(items: NotificationItem[]): string {
  return JSON.stringify({
    live: 'false',
    notificationItems: items.map((NotificationRequestItem) => ({ NotificationRequestItem })),
  });
}
