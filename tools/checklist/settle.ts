import type { LocalStack } from '../../local/stack.js';
import type { PaymentView } from './merchant-http.js';

/**
 * Wait until what Vipps must learn of this payment has been reported. The status queue being idle
 * is not enough: a state change is stored before its update is enqueued (and an asynchronous
 * acquirer's webhook may complete an operation at any moment), so also wait — briefly — until the
 * payment is in sync with Vipps or Vipps rejected an update.
 */
export async function settled(
  stack: Pick<LocalStack, 'statusQueueIdle'>,
  read: (id: string) => Promise<PaymentView>,
  id: string,
): Promise<PaymentView> {
  for (let attempt = 0; ; attempt++) {
    await stack.statusQueueIdle();
    const payment = await read(id);
    const sync = (payment as { vippsSync?: { inSync?: boolean; rejected?: unknown[] } }).vippsSync;
    if (!sync || sync.inSync || sync.rejected?.length || attempt >= 100) return payment;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
