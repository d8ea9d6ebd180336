/**
 * Issue 11 item 1: each MSN says which Vipps API it uses, and moving an MSN to the other API
 * affects only new payments — one created before the move still finishes on the API it was
 * created under (its callback, its capture report).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoDbDocumentClient } from '../../lambdas/adapters/aws-clients.js';
import { DynamoMerchantStore } from '../../lambdas/adapters/dynamo/merchant-store.js';
import { sha256Hex } from '../../lambdas/core/secrets.js';
import { DEMO_MERCHANT } from '../../local/stack.js';
import { type LocalStack, bootLocalStack, merchantClient, newOrderId } from '../support/local-stack.js';

let stack: LocalStack;
beforeAll(async () => {
  stack = await bootLocalStack();
});
afterAll(() => stack?.stop());

const create = async () => {
  const created = await merchantClient(stack).createPayment({
    merchantSerialNumber: stack.ePaymentSerialNumber,
    merchantOrderId: newOrderId('mv'),
  });
  expect(created.status).toBe(201);
  return created.body.pspTransactionId;
};

describe('moving a sales unit between PSP API v3 and ePayment', () => {
  it('only new payments follow the move; an earlier one finishes on ePayment', async () => {
    const before = await create();
    expect(stack.vipps.epayment.payments.get(before)).toBeDefined();

    const merchants = new DynamoMerchantStore({
      client: createDynamoDbDocumentClient({ endpoint: stack.endpoints.dynamodb, counter: false }),
      tableName: stack.environment.TABLE_NAME!,
    });
    const { vippsApis: _moved, ...onPspV3 } = DEMO_MERCHANT;
    await merchants.put(onPspV3, sha256Hex(stack.merchantApiKey));

    const after = await create();
    expect(stack.vipps.payments.get(after)).toBeDefined();
    expect(stack.vipps.epayment.payments.get(after)).toBeUndefined();

    expect(await stack.vipps.epayment.approve(before)).toMatchObject({ outcome: 'RESERVE' });
    await merchantClient(stack).capture(before, 10_000);
    await stack.statusQueueIdle();
    expect(stack.vipps.epayment.payments.get(before)).toMatchObject({ captured: 10_000 });
    expect(stack.vipps.statusUpdates.filter((u) => u.transaction.pspTransactionId === before)).toEqual([]);
  });
});
