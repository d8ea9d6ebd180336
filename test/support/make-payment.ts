/**
 * Helpers for the makePaymentUrl end-to-end tests (test/e2e/make-payment*.e2e.test.ts): send
 * raw requests to POST /vipps/make-payment as Vipps does, check each answer against Vipps'
 * rules and our MakePaymentResponse schema, and read what the payment left behind (the
 * DynamoDB item on dynalite, the 3-D Secure session item, the sandbox acquirer's ledger).
 */
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'vitest';
import { createDynamoDbDocumentClient } from '../../lambdas/adapters/aws-clients.js';
import { DynamoTransactionStore } from '../../lambdas/adapters/dynamo/transaction-store.js';
import { threeDsSessionKey } from '../../lambdas/adapters/dynamo/three-ds-session-store.js';
import { MakePaymentResponse } from '../../lambdas/adapters/vipps/make-payment-schemas.js';
import type { Transaction } from '../../lambdas/core/transaction.js';
import { MAKE_PAYMENT_PATH } from '../../lambdas/routes.js';
import { operationsFor, testTokenForAmount } from '../../local/vipps-simulator/index.js';
import { type LocalStack, merchantClient } from './local-stack.js';

/** The parts of the local stack the tests read directly (the same adapters production uses). */
export function stackStores(stack: LocalStack) {
  const documents = createDynamoDbDocumentClient({ endpoint: stack.endpoints.dynamodb, counter: false });
  // Named apart per stack on a shared server (test:moto), so read the name the stack used.
  const tableName = stack.environment.TABLE_NAME!;
  const transactions = new DynamoTransactionStore({ client: documents, tableName });
  return {
    transactions,
    /** The stored payment; fails the test if it does not exist. */
    async payment(id: string): Promise<Transaction> {
      const tx = await transactions.get(id);
      if (!tx) throw new Error(`no payment ${id} in the table`);
      return tx;
    },
    /** The raw 3-D Secure session item, exactly as stored. */
    async threeDsItem(sessionId: string): Promise<Record<string, unknown> | undefined> {
      const out = await documents.send(
        new GetCommand({ TableName: tableName, Key: threeDsSessionKey(sessionId), ConsistentRead: true }),
      );
      return out.Item;
    },
    /** Every item in the payments table, as one JSON text (to prove a secret is nowhere in it). */
    async everything(): Promise<string> {
      const items: unknown[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await documents.send(
          new ScanCommand({ TableName: tableName, ...(start ? { ExclusiveStartKey: start } : {}) }),
        );
        items.push(...(page.Items ?? []));
        start = page.LastEvaluatedKey;
      } while (start);
      return JSON.stringify(items);
    },
  };
}

/** A fresh INITIATED payment of `amount` øre, created through the Merchant API (Vipps init included). */
export async function createPayment(stack: LocalStack, amount = 10_000): Promise<string> {
  const created = await merchantClient(stack).createPayment({ amount });
  if (created.status !== 201) throw new Error(`create failed: ${created.text}`);
  return created.body.pspTransactionId;
}

/** The makePaymentToken Vipps got at init (only the simulator knows it; we store its hash). */
export function tokenOf(stack: LocalStack, id: string): string {
  const token = stack.vipps.makePaymentToken(id);
  if (!token) throw new Error(`the simulator has no makePaymentToken for ${id}`);
  return token;
}

/** The TOKEN request the simulator (Vipps' test environment) sends for a payment of `amount`. */
export function tokenRequest(
  stack: LocalStack,
  id: string,
  amount: number,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const networkToken = testTokenForAmount(amount);
  return {
    pspTransactionId: id,
    merchantSerialNumber: stack.merchantSerialNumber,
    paymentState: 'ACCEPTED',
    paymentInstrument: 'TOKEN',
    binNumber: networkToken.number.slice(0, 6),
    operations: operationsFor(stack.vipps.baseUrl, id),
    cardData: null,
    networkToken,
    ...overrides,
  };
}

export interface RawAnswer {
  status: number;
  contentType: string | null;
  text: string;
  body: unknown;
}

/**
 * POST to our makePaymentUrl. `body`: an object is sent as JSON, a string verbatim.
 * `authorization`: the header value (default: the payment's own token, raw as Vipps sends it);
 * null sends none.
 */
export async function postMakePayment(
  stack: LocalStack,
  body: unknown,
  authorization?: string | null,
): Promise<RawAnswer> {
  const id =
    body && typeof body === 'object' ? (body as { pspTransactionId?: unknown }).pspTransactionId : undefined;
  const auth =
    authorization === undefined
      ? typeof id === 'string'
        ? stack.vipps.makePaymentToken(id)
        : undefined
      : authorization;
  const response = await fetch(`${stack.baseUrl}${MAKE_PAYMENT_PATH}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(auth ? { Authorization: auth } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, contentType: response.headers.get('content-type'), text, body: parsed };
}

export interface ExpectedAnswer {
  status: 'OK' | 'FAIL' | 'SOFT_DECLINE';
  errorId?: string;
  errorText?: string;
  /** The pspTransactionId the answer must echo; null: it must not carry one. */
  pspTransactionId?: string | null;
}

/**
 * Vipps' rules for every business answer: HTTP 200, application/json, a MakePaymentResponse
 * (our schema), FAIL and SOFT_DECLINE with an errorId, OK without one, never a stack trace.
 * Returns the parsed answer.
 */
export function expectAnswer(answer: RawAnswer, expected: ExpectedAnswer): MakePaymentResponse {
  expect(answer.status, answer.text).toBe(200);
  expect(answer.contentType).toMatch(/^application\/json\b/);
  const parsed = MakePaymentResponse.safeParse(answer.body);
  expect(parsed.success, answer.text).toBe(true);
  const response = parsed.data!;
  expect(Object.keys(answer.body as object).every((k) => k === 'paymentInfo' || k === 'errorMessage')).toBe(
    true,
  );
  expect(response.paymentInfo?.status).toBe(expected.status);
  if (expected.status === 'OK') expect(response.errorMessage).toBeUndefined();
  else {
    expect(response.errorMessage?.errorId).toBe(expected.errorId);
    expect(response.errorMessage?.errorText).toBeTruthy();
  }
  if (expected.errorText !== undefined) expect(response.errorMessage?.errorText).toBe(expected.errorText);
  if (expected.pspTransactionId === null) expect(response.paymentInfo?.pspTransactionId).toBeUndefined();
  else if (expected.pspTransactionId !== undefined)
    expect(response.paymentInfo?.pspTransactionId).toBe(expected.pspTransactionId);
  if (expected.status !== 'SOFT_DECLINE') expect(response.paymentInfo?.url3dSecure).toBeUndefined();
  expect(answer.text).not.toMatch(/\bat .+:\d+:\d+|Error:/);
  return response;
}

/** The exchange the simulator recorded, checked the same way (the simulator keeps the parsed body). */
export function exchangeAnswer(exchange: {
  httpStatus: number | null;
  response: unknown;
  problems: string[];
}): RawAnswer {
  expect(exchange.problems).toEqual([]);
  return {
    status: exchange.httpStatus ?? 0,
    // The simulator already checked the content type (a problem otherwise).
    contentType: 'application/json',
    text: JSON.stringify(exchange.response),
    body: exchange.response,
  };
}

/** Nothing reached the acquirer for this payment: no authorisation, no decline, no void. */
export function expectNothingAtAcquirer(stack: LocalStack, id: string): void {
  expect(stack.ledger.events(id)).toEqual([]);
  expect(stack.ledger.netCharged(id)).toBe(0);
}
