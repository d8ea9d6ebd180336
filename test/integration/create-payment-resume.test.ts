/**
 * Issue 9 item 6: no crash between the create's writes leaves an order stuck. The order-key item,
 * the payment item and Vipps' init are three steps with no transaction (dynalite has none); a
 * process that dies after any of them is resumed by the same request (same Idempotency-Key), with
 * one payment at Vipps. Real dynalite through the AWS SDK, the Vipps simulator over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoTransactionStore } from '../../lambdas/adapters/dynamo/transaction-store.js';
import type { Log, Merchant, TransactionStore } from '../../lambdas/core/ports.js';
import { type CreatePaymentDeps, createPayment } from '../../lambdas/core/use-cases/create-payment.js';
import { type VippsSimulator, startVippsSimulator } from '../../local/vipps-simulator/index.js';
import { type TestDynamo, startTestDynamo } from '../support/dynalite.js';
import { simulatorVippsClient } from '../support/vipps-client.js';

let dynamo: TestDynamo;
let sim: VippsSimulator;
let store: DynamoTransactionStore;

beforeAll(async () => {
  dynamo = await startTestDynamo();
  sim = await startVippsSimulator({ merchants: ['123456'] });
  store = new DynamoTransactionStore({ client: dynamo.documentClient, tableName: dynamo.tables.payments });
});
afterAll(async () => {
  await sim?.close();
  await dynamo?.close();
});

const merchant: Merchant = {
  merchantId: 'merchant-1',
  name: 'Sokker AS',
  merchantSerialNumbers: ['123456'],
  allowCreditCards: true,
};
const quiet: Log = { debug() {}, info() {}, warn() {}, error() {} };
let orders = 0;
const request = () => ({
  merchantSerialNumber: '123456',
  merchantOrderId: `resume-${Date.now().toString(36)}-${++orders}`,
  amount: 10_000,
  currency: 'NOK' as const,
  paymentText: 'One pair of socks',
  redirectUrl: 'https://shop.example/thanks',
});

class Crash extends Error {}

/** The store, except that `method` dies once — as if the process stopped right at that call. */
function crashingOnce(method: 'create' | 'apply'): TransactionStore {
  let crashed = false;
  return new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (name !== method || typeof value !== 'function') {
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return (...args: unknown[]) => {
        if (crashed) return (value as (...a: unknown[]) => unknown).apply(target, args);
        crashed = true;
        return Promise.reject(new Crash(`stopped at ${method}`));
      };
    },
  });
}

function deps(transactions: TransactionStore): CreatePaymentDeps {
  return {
    transactions,
    vipps: simulatorVippsClient(sim, 'resume-test'),
    clock: { now: () => new Date() },
    log: quiet,
    makePaymentUrl: 'https://psp.example/vipps/make-payment',
    paymentTtlSeconds: 900,
  };
}

const atVipps = (orderId: string) => sim.payments.list().filter((p) => p.merchantOrderId === orderId);

describe('a create that stopped half-way is finished by the same request', () => {
  it('stopped after claiming the order id, before storing the payment → the retry creates it', async () => {
    const order = request();
    await expect(createPayment(merchant, order, deps(crashingOnce('create')), 'key-1')).rejects.toThrow(
      Crash,
    );
    const retried = await createPayment(merchant, order, deps(store), 'key-1');
    expect(await store.get(retried.pspTransactionId)).toMatchObject({ status: 'INITIATED' });
    expect(atVipps(order.merchantOrderId).map((p) => p.pspTransactionId)).toEqual([retried.pspTransactionId]);
  });

  it('stopped after storing the payment, before Vipps init answered → the retry initiates it once', async () => {
    const order = request();
    const stoppedBeforeInit: CreatePaymentDeps = {
      ...deps(store),
      vipps: { ...deps(store).vipps, initiatePayment: () => Promise.reject(new Crash('stopped at init')) },
    };
    await expect(createPayment(merchant, order, stoppedBeforeInit, 'key-2')).rejects.toThrow(Crash);
    const retried = await createPayment(merchant, order, deps(store), 'key-2');
    expect(retried.vippsRedirectUrl).toMatch(/^http/);
    expect(atVipps(order.merchantOrderId).map((p) => p.pspTransactionId)).toEqual([retried.pspTransactionId]);
  });

  it('stopped after Vipps init, before recording the redirect URL → the retry does not make a second payment at Vipps', async () => {
    const order = request();
    await expect(createPayment(merchant, order, deps(crashingOnce('apply')), 'key-3')).rejects.toThrow(Crash);
    await createPayment(merchant, order, deps(store), 'key-3').catch(() => undefined);
    expect(atVipps(order.merchantOrderId)).toHaveLength(1);
  });

  it('another Idempotency-Key (or another body) for a claimed order → duplicate, nothing at Vipps', async () => {
    const order = request();
    await expect(createPayment(merchant, order, deps(crashingOnce('create')), 'key-4')).rejects.toThrow(
      Crash,
    );
    await expect(createPayment(merchant, order, deps(store), 'key-5')).rejects.toThrow(/already used/);
    await expect(createPayment(merchant, { ...order, amount: 20_000 }, deps(store), 'key-4')).rejects.toThrow(
      /already used/,
    );
    expect(atVipps(order.merchantOrderId)).toEqual([]);
  });
});
