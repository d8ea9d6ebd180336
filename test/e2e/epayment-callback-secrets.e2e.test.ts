/**
 * Issue 11, bad input and secrets: nothing from the card callback — token number, cryptogram,
 * payment account reference, encryptedPan — is logged (at INFO) or stored in plain text, on any
 * path: RESERVE, FAIL, SOFT_DECLINE with 3-D Secure, a PAN refused, a forged signature.
 */
import { createHash } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoDbClient } from '../../lambdas/adapters/aws-clients.js';
import { testTokenForAmount } from '../../local/vipps-simulator/index.js';
import { type LocalStack, bootLocalStack, merchantClient, newOrderId } from '../support/local-stack.js';

let stack: LocalStack;
const written: string[] = [];
let restore: () => void;

function capture(): () => void {
  const streams = [process.stdout, process.stderr] as const;
  const originals = streams.map((s) => s.write.bind(s));
  for (const stream of streams) {
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      (rest.find((r) => typeof r === 'function') as (() => void) | undefined)?.();
      return true;
    }) as typeof stream.write;
  }
  return () => streams.forEach((s, i) => (s.write = originals[i]! as typeof s.write));
}

const amounts = [10_000, 10_082, 10_036];
/** What the simulator sends for these amounts (its PAR is derived from the token number). */
const secrets = amounts.flatMap((amount) => {
  const token = testTokenForAmount(amount);
  const par = `5001${createHash('sha256').update(token.number).digest('hex').slice(0, 25).toUpperCase()}`;
  return [token.number, token.cryptogram, par];
});
/** Cryptograms and encryptedPans the simulator made up on the way, from its own records. */
const recordedSecrets: string[] = [];

beforeAll(async () => {
  stack = await bootLocalStack({ env: { POWERTOOLS_LOG_LEVEL: 'INFO' } });
  restore = capture();
  try {
    const merchant = merchantClient(stack);
    for (const [amount, simulate] of [
      [10_000, {}],
      [10_082, {}],
      [10_036, {}],
      [10_000, { cardDataType: 'PAN' as const }],
    ] as const) {
      const created = await merchant.createPayment({
        merchantSerialNumber: stack.ePaymentSerialNumber,
        merchantOrderId: newOrderId('sec'),
        amount,
      });
      await stack.vipps.epayment.approve(created.body.pspTransactionId, simulate);
    }
    await fetch(`${stack.baseUrl}/vipps/card-callback`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: 'HMAC-SHA256 SignedHeaders=x&Signature=AAAA',
      },
      body: JSON.stringify({ cardInfo: { networkToken: testTokenForAmount(10_000) } }),
    });
    await stack.statusQueueIdle();
  } finally {
    restore();
  }
  for (const record of stack.vipps.epayment.payments.list())
    for (const approval of record.approvals)
      for (const exchange of approval.exchanges) {
        const info = (exchange.request as { cardInfo?: { networkToken?: { cryptogram?: string } } }).cardInfo;
        if (info?.networkToken?.cryptogram && info.networkToken.cryptogram !== '***')
          recordedSecrets.push(info.networkToken.cryptogram);
      }
}, 60_000);
afterAll(() => stack?.stop());

describe('card data from the callback', () => {
  it('appears in no log line', () => {
    const logs = written.join('');
    expect(logs).toContain('Card callback answered');
    for (const secret of [...secrets, ...recordedSecrets]) expect(logs.includes(secret), secret).toBe(false);
  });

  it('is stored nowhere in plain text (every item of the payments table)', async () => {
    const client = createDynamoDbClient({ endpoint: stack.endpoints.dynamodb, counter: false });
    const items = JSON.stringify(
      (await client.send(new ScanCommand({ TableName: stack.environment.TABLE_NAME }))).Items,
    );
    expect(items).toContain('"epayment"');
    for (const secret of secrets) expect(items.includes(secret), secret).toBe(false);
  });
});
