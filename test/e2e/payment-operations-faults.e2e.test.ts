/**
 * Issue 9 end to end, over HTTP through the local stack: a capture/refund/cancel never runs twice
 * for one Idempotency-Key whatever line the process dies at; contention is a clear problem, never
 * a 500; cancel after a partial capture releases the remainder and tells Vipps.
 *
 * A crash is injected by wrapping one real dependency (acquirer, store, queue, the DynamoDB client
 * the idempotency records go through) so that, at the chosen point, it does its work and then never
 * returns — the Lambda is gone. Like after a real crash, the Idempotency-Key's record stays
 * IN_PROGRESS until the function's timeout; the test moves that moment into the past instead of
 * waiting 20 s, then the merchant retries with the same key.
 */
import { ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxAcquirer } from '../../lambdas/adapters/acquirer/sandbox-acquirer.js';
import { createDynamoDbDocumentClient } from '../../lambdas/adapters/aws-clients.js';
import { ConcurrentUpdateError } from '../../lambdas/core/errors.js';
import type { StatusUpdate } from '../../lambdas/core/transaction.js';
import { writeConflictPolicy } from '../../lambdas/core/write-conflict-retry.js';
import { getDependencies } from '../../lambdas/wiring.js';
import { dynamoClient } from '../../lambdas/wiring/storage.js';
import {
  type LocalStack,
  bootLocalStack,
  merchantClient,
  newOrderId,
  reservedPayment,
} from '../support/local-stack.js';
import { motoDisagreement } from '../support/test-aws.js';

// moto disagrees with AWS here (README, Tests; test/integration/emulator-agreement.test.ts).
const motoRaces = motoDisagreement('conditional writes are not atomic under concurrent load');

let stack: LocalStack;
beforeAll(async () => {
  stack = await bootLocalStack();
});
afterAll(() => stack?.stop());

const vippsEntries = (id: string) =>
  stack.vipps.statusUpdates
    .filter((u) => u.transaction.pspTransactionId === id)
    .map((u) => `${u.transaction.status}:${u.transaction.amount}`);
const vippsProblems = (id: string) =>
  stack.vipps.statusUpdates.filter((u) => u.transaction.pspTransactionId === id).flatMap((u) => u.problems);
const acquirerOps = (id: string, type: string) => stack.ledger.events(id).filter((e) => e.type === type);

const never = () => new Promise<never>(() => {});

/**
 * Replace `target[method]` once: the real call runs; if `dies` says so, the process dies right
 * after it (the call never returns). Resolves when it died.
 */
function dieAfter<T extends object>(
  target: T,
  method: keyof T & string,
  dies: (args: unknown[]) => boolean = () => true,
): Promise<void> {
  const original = target[method] as (...args: unknown[]) => Promise<unknown>;
  return new Promise((died) => {
    Object.defineProperty(target, method, {
      configurable: true,
      writable: true,
      value: async (...args: unknown[]) => {
        const result = await original.apply(target, args);
        if (!dies(args)) return result;
        delete (target as Record<string, unknown>)[method]; // back to the real method for the retry
        died();
        return never();
      },
    });
  });
}

/** The process dies just before Powertools stores the answer (its UpdateItem on the idempotency table). */
function dieBeforeIdempotencyRecord(): Promise<void> {
  const client = dynamoClient();
  const name = 'test-die-before-idempotency-record';
  return new Promise((died) => {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { TableName?: string };
        if (
          context.commandName !== 'UpdateItemCommand' ||
          input.TableName !== stack.environment.IDEMPOTENCY_TABLE_NAME
        )
          return next(args);
        client.middlewareStack.remove(name);
        died();
        return never();
      },
      { step: 'initialize', name },
    );
  });
}

/** What happens when the dead Lambda's timeout has passed: its IN_PROGRESS records expire. */
async function expireInProgressRecords(): Promise<void> {
  const documents = createDynamoDbDocumentClient({ endpoint: stack.endpoints.dynamodb, counter: false });
  const { Items = [] } = await documents.send(
    new ScanCommand({ TableName: stack.environment.IDEMPOTENCY_TABLE_NAME }),
  );
  for (const item of Items.filter((i) => i.status === 'INPROGRESS')) {
    await documents.send(
      new UpdateCommand({
        TableName: stack.environment.IDEMPOTENCY_TABLE_NAME,
        Key: { id: item.id },
        UpdateExpression: 'SET in_progress_expiration = :past',
        ExpressionAttributeValues: { ':past': Date.now() - 1_000 },
      }),
    );
  }
  documents.destroy();
}

/** Send a request whose Lambda dies: wait for the death, then give up on the answer. */
async function requestThatDies(path: string, body: unknown, key: string, died: Promise<void>) {
  const aborted = new AbortController();
  const answer = fetch(`${stack.baseUrl}${path}`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${stack.merchantApiKey}`,
      'Content-Type': 'application/json',
      'Idempotency-Key': key,
    },
    body: JSON.stringify(body),
    signal: aborted.signal,
  }).then(
    (r) => `answered ${r.status}`,
    () => 'no answer',
  );
  await died;
  aborted.abort();
  expect(await answer).toBe('no answer');
  await expireInProgressRecords();
}

const isCompletingCapture = (args: unknown[]) =>
  (args[1] as { history: Array<{ operation: string }> }).history.some((h) => h.operation === 'CAPTURE');

describe('a capture never runs twice for one Idempotency-Key, wherever the process dies', () => {
  const deps = () => getDependencies();
  it.each([
    ['after the acquirer answered', () => dieAfter(deps().acquirer, 'capture')],
    ['after the store write', () => dieAfter(deps().transactions, 'apply', isCompletingCapture)],
    ['after the queue send', () => dieAfter(deps().statusQueue, 'enqueue')],
    ['before the Merchant API’s idempotency record is saved', dieBeforeIdempotencyRecord],
  ])(
    'dies %s → the same-key retry answers the capture: one acquirer capture, one status update',
    async (_point, arm) => {
      const merchant = merchantClient(stack);
      const id = await reservedPayment(stack, 10_000);
      const key = `cap-${newOrderId()}`;
      await requestThatDies(`/v1/payments/${id}/capture`, { amount: 4_000 }, key, arm());

      const retried = await merchant.capture(id, 4_000, key);
      expect(retried.status).toBe(200);
      expect(retried.body).toMatchObject({
        status: 'PARTIALLY_CAPTURED',
        amounts: { captured: 4_000, remainingToCapture: 6_000 },
        operationsInProgress: [],
      });
      expect(acquirerOps(id, 'CAPTURE')).toHaveLength(1);
      await stack.statusQueueIdle();
      expect(vippsEntries(id)).toEqual(['RESERVED:10000', 'CAPTURED:4000']);
      // And again: still the same outcome, still nothing more done.
      expect((await merchant.capture(id, 4_000, key)).body).toMatchObject({ amounts: { captured: 4_000 } });
      expect(acquirerOps(id, 'CAPTURE')).toHaveLength(1);
    },
  );

  it('a refund that died after the store write is refunded once on the same-key retry', async () => {
    const merchant = merchantClient(stack);
    const id = await reservedPayment(stack, 10_000);
    await merchant.capture(id, 10_000);
    const key = `ref-${newOrderId()}`;
    const died = dieAfter(deps().transactions, 'apply', (args) =>
      (args[1] as { history: Array<{ operation: string }> }).history.some((h) => h.operation === 'REFUND'),
    );
    await requestThatDies(`/v1/payments/${id}/refund`, { amount: 2_500 }, key, died);
    const retried = await merchant.refund(id, 2_500, key);
    expect(retried.body).toMatchObject({ status: 'PARTIALLY_REFUNDED', amounts: { refunded: 2_500 } });
    expect(acquirerOps(id, 'REFUND')).toHaveLength(1);
    await stack.statusQueueIdle();
    expect(vippsEntries(id)).toEqual(['RESERVED:10000', 'CAPTURED:10000', 'REFUNDED:2500']);
  });

  it('a cancel that died after the queue send voids once on the same-key retry', async () => {
    const merchant = merchantClient(stack);
    const id = await reservedPayment(stack, 10_000);
    const key = `can-${newOrderId()}`;
    const died = dieAfter(
      deps().statusQueue,
      'enqueue',
      (args) => (args[0] as StatusUpdate).status === 'CANCELLED',
    );
    await requestThatDies(`/v1/payments/${id}/cancel`, {}, key, died);
    expect((await merchant.cancel(id, key)).body).toMatchObject({ status: 'CANCELLED' });
    expect(acquirerOps(id, 'VOID')).toHaveLength(1);
    await stack.statusQueueIdle();
    expect(vippsEntries(id)).toEqual(['RESERVED:10000', 'CANCELLED:10000']);
  });
});

describe('contention is never a 500', () => {
  type Answer = { status: number; body: { type?: string; retryable?: boolean } };
  const allowed = (a: Answer) =>
    a.status === 200 ||
    a.status === 422 ||
    (a.status === 409 && a.body.type === '/problems/concurrent-update' && a.body.retryable === true);

  /** Retry each 409 concurrent-update with its own key until it is settled; return the final answers. */
  async function settle(send: (key: string) => Promise<Answer>, keys: string[]): Promise<Answer[]> {
    const answers = await Promise.all(keys.map(send));
    const unclear = (list: Answer[]) =>
      list.filter((a) => !allowed(a)).map((a) => `${a.status} ${a.body.type}`);
    expect(unclear(answers)).toEqual([]);
    for (let round = 0; round < 10; round++) {
      const open = keys.filter((_k, i) => answers[i]!.status === 409);
      if (open.length === 0) break;
      const again = await Promise.all(open.map(send));
      expect(unclear(again)).toEqual([]);
      open.forEach((k, j) => (answers[keys.indexOf(k)] = again[j]!));
    }
    return answers;
  }

  it('a write race lost past the retry policy → 409 concurrent-update (retryable); the same-key retry then runs', async () => {
    const merchant = merchantClient(stack);
    const id = await reservedPayment(stack, 10_000);
    const store = getDependencies().transactions;
    let lost = 0;
    Object.defineProperty(store, 'apply', {
      configurable: true,
      value: () => {
        lost++;
        return Promise.reject(new ConcurrentUpdateError(id)); // another writer wins every time
      },
    });
    const key = `cap-${newOrderId()}`;
    let answer;
    try {
      answer = await merchant.capture(id, 1_000, key);
    } finally {
      delete (store as unknown as Record<string, unknown>).apply;
    }
    expect(answer.status).toBe(409);
    expect(answer.headers.get('retry-after')).toBe('1');
    expect(answer.body).toMatchObject({ type: '/problems/concurrent-update', retryable: true });
    expect(lost).toBe(writeConflictPolicy.maxAttempts);

    const retried = await merchant.capture(id, 1_000, key);
    expect(retried.status).toBe(200); // not a replay of the 409
    expect(retried.body).toMatchObject({ amounts: { captured: 1_000 } });
    expect(acquirerOps(id, 'CAPTURE')).toHaveLength(1);
  });

  it('twenty parallel refunds on one payment: each succeeds or gets a clear problem; amounts stay exact', async ({
    skip,
  }) => {
    skip(motoRaces.skip, motoRaces.reason);
    const merchant = merchantClient(stack);
    const id = await reservedPayment(stack, 10_000);
    await merchant.capture(id, 10_000);
    const keys = Array.from({ length: 20 }, (_v, i) => `ref-${i}-${newOrderId()}`);
    const answers = await settle((key) => merchant.refund(id, 500, key) as Promise<Answer>, keys);
    const refunded = answers.filter((a) => a.status === 200).length * 500;
    const read = await merchant.payment(id);
    expect(read.body).toMatchObject({ amounts: { refunded }, operationsInProgress: [] });
    expect(stack.ledger.balance(id).refunded).toBe(refunded);
  });

  it('twenty parallel captures that together exceed the reservation: never a 500, never over-captured', async ({
    skip,
  }) => {
    skip(motoRaces.skip, motoRaces.reason);
    const merchant = merchantClient(stack);
    const id = await reservedPayment(stack, 10_000);
    const keys = Array.from({ length: 20 }, (_v, i) => `cap-${i}-${newOrderId()}`);
    const answers = await settle((key) => merchant.capture(id, 700, key) as Promise<Answer>, keys);
    const captured = answers.filter((a) => a.status === 200).length * 700;
    expect(captured).toBeLessThanOrEqual(10_000);
    expect((await merchant.payment(id)).body).toMatchObject({ amounts: { captured } });
    expect(stack.ledger.balance(id).captured).toBe(captured);
  });
});

describe('cancel after a partial capture', () => {
  it('releases the uncaptured remainder at the acquirer and reports CANCELLED with it to Vipps', async () => {
    const merchant = merchantClient(stack);
    const id = await reservedPayment(stack, 10_000);
    await merchant.capture(id, 4_000);
    const cancelled = await merchant.cancel(id);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({
      status: 'CANCELLED',
      amounts: {
        reserved: 10_000,
        captured: 4_000,
        released: 6_000,
        remainingToCapture: 0,
        remainingToRefund: 4_000,
      },
    });
    expect(stack.ledger.balance(id)).toMatchObject({ captured: 4_000, held: 0 });

    // The captured part can still be refunded; nothing more can be captured.
    expect((await merchant.refund(id, 4_000)).body).toMatchObject({ amounts: { refunded: 4_000 } });
    expect((await merchant.capture(id, 100)).body).toMatchObject({ status: 409 });
    expect(stack.ledger.netCharged(id)).toBe(0);

    await stack.statusQueueIdle();
    expect(vippsEntries(id)).toEqual(['RESERVED:10000', 'CAPTURED:4000', 'CANCELLED:6000', 'REFUNDED:4000']);
    expect(vippsProblems(id)).toEqual([]);
    expect(stack.vipps.payments.get(id)).toMatchObject({
      capturedAmount: 4_000,
      refundedAmount: 4_000,
      cancelled: true,
    });
  });

  it('remaining to capture counts a capture still in flight', async () => {
    const merchant = merchantClient(stack);
    const id = await reservedPayment(stack, 10_000);
    const acquirer = getDependencies().acquirer as SandboxAcquirer;
    acquirer.failNext('capture', 'unavailable');
    expect((await merchant.capture(id, 3_000)).status).toBe(502);
    expect((await merchant.payment(id)).body).toMatchObject({
      amounts: { captured: 0, remainingToCapture: 7_000 },
      operationsInProgress: [{ operation: 'CAPTURE', amount: 3_000 }],
    });
  });
});
