/**
 * Issue 11's performance goal, on the worker stack (each function in its own workers, its AWS
 * SDK calls counted there, as the benchmark counts them): answering Vipps for a TOKEN payment
 * costs 3 DynamoDB calls, 1 SQS send (the status update) and no KMS — with a merchant webhook
 * endpoint subscribed. Handing the webhook events over is the table stream's event dispatcher's
 * job, off the answer path; the webhook still arrives.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FunctionName } from '../../lambdas/routes.js';
import { type LocalStack, bootLocalStack, merchantClient } from '../support/local-stack.js';

let stack: LocalStack;
let receiver: Server;
const arrived: Array<{ type: string; data: { pspTransactionId: string } }> = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      arrived.push(JSON.parse(body) as (typeof arrived)[number]);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  stack = await bootLocalStack({ workers: true });
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  const endpoint = await merchantClient(stack).post('/v1/webhook-endpoints', { url });
  expect(endpoint.status).toBe(201);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  receiver?.closeAllConnections();
  await new Promise((r) => receiver?.close(r));
});

/** The function's AWS SDK calls per service since the last reset. */
function callsOf(name: FunctionName): Record<string, number> {
  const byCommand = stack.functionStats()[name]?.awsCalls ?? {};
  const perService: Record<string, number> = { dynamodb: 0, sqs: 0, kms: 0 };
  for (const [command, n] of Object.entries(byCommand)) {
    const service = command.split(':')[0]!;
    perService[service] = (perService[service] ?? 0) + n;
  }
  return perService;
}

async function webhookFor(id: string): Promise<void> {
  const until = Date.now() + 15_000;
  while (!arrived.some((e) => e.type === 'payment.reserved' && e.data.pspTransactionId === id)) {
    if (Date.now() > until) throw new Error(`no payment.reserved webhook for ${id}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function created(merchantSerialNumber: string): Promise<string> {
  const answer = await merchantClient(stack).createPayment({ merchantSerialNumber });
  expect(answer.status).toBe(201);
  return answer.body.pspTransactionId;
}

describe('AWS calls on the answer path, with a subscribed webhook endpoint', () => {
  it('makePaymentUrl TOKEN RESERVE: 3 DynamoDB, 1 SQS, 0 KMS; the webhook still arrives', async () => {
    // A first payment warms the worker (clients, connections) so only the answer is counted.
    await stack.vipps.approve(await created(stack.merchantSerialNumber));
    const id = await created(stack.merchantSerialNumber);
    stack.resetFunctionStats();
    const approval = await stack.vipps.approve(id);
    expect(approval.outcome).toBe('OK');
    expect(callsOf('makePayment')).toMatchObject({ dynamodb: 3, sqs: 1, kms: 0 });
    await webhookFor(id);
  });

  it('ePayment card callback TOKEN RESERVE: 3 DynamoDB, 1 SQS, 0 KMS; the webhook still arrives', async () => {
    await stack.vipps.epayment.approve(await created(stack.ePaymentSerialNumber));
    const id = await created(stack.ePaymentSerialNumber);
    stack.resetFunctionStats();
    expect(await stack.vipps.epayment.approve(id)).toMatchObject({ outcome: 'RESERVE' });
    expect(callsOf('cardCallback')).toMatchObject({ dynamodb: 3, sqs: 1, kms: 0 });
    await webhookFor(id);
  });
});
