/**
 * Issue 9 items 4 and 9, the makePayment side of the 3-D Secure step-up (DESIGN.md "3-D Secure
 * step-up"), end to end over HTTP on the local stack: the authorisation after 3-D Secure is a new
 * attempt at an acquirer that honours idempotency keys (the sandbox replays a key's first answer);
 * the re-sent makePayment must carry the token that was authenticated; `operations` carrying only
 * `3dssuccess` is enough to step up; an unusable operations URL means no step-up (94 at once).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoDbDocumentClient } from '../../lambdas/adapters/aws-clients.js';
import { DynamoThreeDsSessionStore } from '../../lambdas/adapters/dynamo/three-ds-session-store.js';
import type { SecretVault } from '../../lambdas/core/ports.js';
import { operationsFor, testTokenForAmount } from '../../local/vipps-simulator/index.js';
import { followThreeDs } from '../../local/vipps-simulator/three-ds-follower.js';
import { type LocalStack, bootLocalStack } from '../support/local-stack.js';
import {
  createPayment,
  expectAnswer,
  postMakePayment,
  stackStores,
  tokenRequest,
} from '../support/make-payment.js';

let stack: LocalStack;
let stores: ReturnType<typeof stackStores>;

beforeAll(async () => {
  stack = await bootLocalStack();
  stores = stackStores(stack);
});
afterAll(() => stack?.stop());

const freshCryptogram = () => randomBytes(20).toString('base64');

/** A soft-declined payment (amount 10036) whose user then passed the challenge with OTP 1234. */
async function authenticated(): Promise<{ id: string; request: Record<string, unknown> }> {
  const id = await createPayment(stack, 10_036);
  const request = tokenRequest(stack, id, 10_036);
  const answer = expectAnswer(await postMakePayment(stack, request), {
    status: 'SOFT_DECLINE',
    errorId: '1036',
    pspTransactionId: id,
  });
  const challenge = await followThreeDs(
    { fetch, timeoutMs: 5_000 },
    answer.paymentInfo!.url3dSecure!,
    operationsFor(stack.vipps.baseUrl, id),
    { otp: '1234', action: 'submit' },
  );
  expect(challenge.operation).toBe('3dssuccess');
  return { id, request };
}

/** The re-sent makePayment as Vipps sends it after the challenge: the same token, a fresh cryptogram. */
function resent(request: Record<string, unknown>, token: Record<string, unknown> = {}) {
  const networkToken = request.networkToken as Record<string, unknown>;
  return { ...request, networkToken: { ...networkToken, cryptogram: freshCryptogram(), ...token } };
}

describe('the authorisation after 3-D Secure is a new acquirer attempt', () => {
  it('an acquirer that honours idempotency keys → OK with the 3DS result, not the first soft decline replayed (94)', async () => {
    const { id, request } = await authenticated();
    expectAnswer(await postMakePayment(stack, resent(request)), { status: 'OK', pspTransactionId: id });

    expect(await stores.payment(id)).toMatchObject({ status: 'RESERVED', reservedAmount: 10_036 });
    const events = stack.ledger.events(id);
    expect(events.map((e) => e.outcome ?? e.type)).toEqual(['SOFT_DECLINE', 'AUTHORISATION']);
    const [first, second] = events.map((e) => e.idempotencyKey);
    expect(first).toBeTruthy();
    expect(second).toBeTruthy();
    expect(second).not.toBe(first);
    expect(stack.ledger.authorisations(id)).toHaveLength(1);
  });

  it('the re-sent request carries another token number → FAIL 72, nothing authorised, the payment FAILED', async () => {
    const { id, request } = await authenticated();
    const other = testTokenForAmount(3_200); // 4111111111111111: not the token the user authenticated
    const answer = expectAnswer(
      await postMakePayment(stack, {
        ...resent(request, { number: other.number }),
        binNumber: other.number.slice(0, 6),
      }),
      { status: 'FAIL', errorId: '72', pspTransactionId: id },
    );
    expect(answer.errorMessage?.errorText).toMatch(/3-D Secure/);

    expect(stack.ledger.authorisations(id)).toHaveLength(0);
    expect(stack.ledger.events(id).map((e) => e.outcome ?? e.type)).toEqual(['SOFT_DECLINE']);
    expect(await stores.payment(id)).toMatchObject({ status: 'FAILED', failure: { errorId: '72' } });
    // The FAIL is final: the right token afterwards is a different request for a finished payment.
    expectAnswer(await postMakePayment(stack, resent(request)), {
      status: 'FAIL',
      errorId: '85',
      pspTransactionId: id,
    });
    expect(stack.ledger.authorisations(id)).toHaveLength(0);
  });
});

describe('operations URLs', () => {
  const onlySuccess = (id: string) => [operationsFor(stack.vipps.baseUrl, id)[0]!];

  it('only 3dssuccess (as in Vipps’ guide) → SOFT_DECLINE, the session keeps that URL for the page', async () => {
    const id = await createPayment(stack, 10_036);
    const operations = onlySuccess(id);
    const answer = expectAnswer(
      await postMakePayment(stack, tokenRequest(stack, id, 10_036, { operations })),
      {
        status: 'SOFT_DECLINE',
        errorId: '1036',
        pspTransactionId: id,
      },
    );
    const tx = await stores.payment(id);
    expect(tx.status).toBe('INITIATED');
    expect(answer.paymentInfo?.url3dSecure).toMatch(new RegExp(`/3ds/${tx.threeDsSessionId}$`));
    const session = await stores.threeDsItem(tx.threeDsSessionId!);
    expect(session).toMatchObject({ state: 'PENDING', operations });
  });

  it('only 3dssuccess, the challenge failed → the second makePayment carries the answer: FAIL 82, nothing held', async () => {
    const id = await createPayment(stack, 10_036);
    const request = tokenRequest(stack, id, 10_036, { operations: onlySuccess(id) });
    expectAnswer(await postMakePayment(stack, request), { status: 'SOFT_DECLINE', errorId: '1036' });
    // The page (another part) ends the session FAILED and sends the app to 3dssuccess, the only URL.
    const sessionId = (await stores.payment(id)).threeDsSessionId!;
    const noVault: SecretVault = {
      seal: () => Promise.reject(new Error('not needed for a failed challenge')),
      open: () => Promise.reject(new Error('not needed for a failed challenge')),
    };
    const sessions = new DynamoThreeDsSessionStore({
      client: createDynamoDbDocumentClient({ endpoint: stack.endpoints.dynamodb, counter: false }),
      tableName: stack.environment.TABLE_NAME!,
      vault: noVault,
    });
    expect(
      await sessions.complete(sessionId, { state: 'FAILED', completedAt: new Date().toISOString() }),
    ).toBe(true);

    expectAnswer(await postMakePayment(stack, resent(request)), {
      status: 'FAIL',
      errorId: '82',
      pspTransactionId: id,
    });
    expect(stack.ledger.authorisations(id)).toHaveLength(0);
    expect(await stores.payment(id)).toMatchObject({ status: 'FAILED' });
  });

  it.each([
    ['an http URL on a public host', 'http://vipps.example/mobileintercept?responsecode=OK'],
    ['a relative URL', '/mobileintercept?responsecode=OK'],
    ['not a URL at all', 'vipps intercept'],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['a URL with a space', 'https://vipps.example/mobile intercept'],
  ])('%s as 3dssuccess → FAIL 94 at once, no 3-D Secure session', async (_n, url) => {
    const id = await createPayment(stack, 10_036);
    const operations = [{ operation: '3dssuccess', url }, ...operationsFor(stack.vipps.baseUrl, id).slice(1)];
    expectAnswer(await postMakePayment(stack, tokenRequest(stack, id, 10_036, { operations })), {
      status: 'FAIL',
      errorId: '94',
      pspTransactionId: id,
    });
    const tx = await stores.payment(id);
    expect(tx).toMatchObject({ status: 'FAILED', failure: { errorId: '94' } });
    expect(tx.threeDsSessionId).toBeUndefined();
  });

  it('a usable 3dssuccess but an unusable 3dscancel → FAIL 94 (the page could not end every way)', async () => {
    const id = await createPayment(stack, 10_036);
    const [success, failure] = operationsFor(stack.vipps.baseUrl, id);
    const operations = [success, failure, { operation: '3dscancel', url: 'http://vipps.example/cancel' }];
    expectAnswer(await postMakePayment(stack, tokenRequest(stack, id, 10_036, { operations })), {
      status: 'FAIL',
      errorId: '94',
      pspTransactionId: id,
    });
    expect((await stores.payment(id)).threeDsSessionId).toBeUndefined();
  });

  it('unusable operations do not matter when no step-up is needed → OK', async () => {
    const id = await createPayment(stack, 25_000);
    const operations = [{ operation: '3dssuccess', url: 'http://vipps.example/ok' }];
    expectAnswer(await postMakePayment(stack, tokenRequest(stack, id, 25_000, { operations })), {
      status: 'OK',
      pspTransactionId: id,
    });
  });
});
