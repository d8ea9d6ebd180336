/**
 * Issue 10 item 4 through the whole stack: the Merchant API function with a 1 s timeout, and
 * Vipps' simulator holding the init call for 3 s. The handler runs against the deadline its
 * worker host enforces: middy ends it just before the timeout with a TimeoutError (as it does in
 * Lambda), Lambda reports a function error and API Gateway answers 502 {"message":"Internal
 * server error"}. (A handler that cannot be interrupted is killed at the timeout itself, with
 * Lambda's "Task timed out" line: test/integration/lambda-workers.test.ts.)
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type LocalStack, bootLocalStack, merchantClient } from '../support/local-stack.js';

let stack: LocalStack;
beforeAll(async () => {
  stack = await bootLocalStack({ workers: true, timeoutSeconds: { merchantApi: 1 } });
});
afterAll(() => stack?.stop());

it('a Merchant API call that outlives the function’s timeout → 502 from the gateway at the timeout; the next call works', async () => {
  stack.vipps.faults.hangNext('init', { delayMs: 3_000 });
  const started = performance.now();
  const hung = await merchantClient(stack).createPayment();
  const elapsed = performance.now() - started;
  expect(hung.status).toBe(502);
  expect(hung.body).toEqual({ message: 'Internal server error' });
  expect(elapsed).toBeGreaterThanOrEqual(950);
  expect(elapsed).toBeLessThan(2_500); // not the 3 s Vipps took, nor the Vipps client's 5 s

  const next = await merchantClient(stack).createPayment();
  expect(next.status).toBe(201);
});
