/**
 * Issue 13: Clearhaus has no idempotency. A capture whose answer was lost may have happened, so a
 * merchant retry with the same Idempotency-Key must not send it again (never a double capture).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPayment } from '../support/make-payment.js';
import { type LocalStack, bootLocalStack, merchantClient } from '../support/local-stack.js';

let stack: LocalStack;
beforeAll(async () => {
  stack = await bootLocalStack({
    acquirer: 'clearhaus',
    env: { ACQUIRER_BUDGET_MS: '1000', POWERTOOLS_LOG_LEVEL: 'ERROR' },
  });
}, 60_000);
afterAll(() => stack?.stop());

describe('Clearhaus: no blind retry', () => {
  it('a capture without an answer, retried with the same Idempotency-Key, reaches Clearhaus once', async () => {
    const id = await createPayment(stack, 10_000);
    await stack.vipps.approve(id, {});
    stack.acquirer.clearhaus!.faults.failNext('capture', 'timeout');
    const merchant = merchantClient(stack);
    const first = await merchant.post(`/v1/payments/${id}/capture`, { amount: 4_000 }, 'cap-once');
    expect(first.status).toBeGreaterThanOrEqual(500);
    const again = await merchant.post(`/v1/payments/${id}/capture`, { amount: 4_000 }, 'cap-once');
    expect(again.status).not.toBe(200);
    const captures = stack.ledger.events(id).filter((e) => e.type === 'CAPTURE');
    expect(captures).toHaveLength(1);
  }, 30_000);
});
