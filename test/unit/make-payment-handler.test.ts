/**
 * POST /vipps/make-payment, the handler in front of the use case: what Vipps gets back (always
 * HTTP 200 application/json for business outcomes, 401 for a wrong token), in which order the
 * checks run (size, JSON, schema, token), and what ops see (log lines, the EMF metrics the
 * dashboard and alarms read). In-memory ports; the same over real HTTP and dynalite is in
 * test/e2e/make-payment*.e2e.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { HttpEvent, HttpResult } from '../../lambdas/handlers/http/api-gateway.js';
import { createMakePaymentHandler } from '../../lambdas/handlers/make-payment/make-payment-handler.js';
import type { AuthorisationResult } from '../../lambdas/core/ports.js';
import {
  MAKE_PAYMENT_TOKEN,
  type WorldOptions,
  approved,
  makePaymentBody,
  makePaymentWorld,
  softDecline,
} from '../support/make-payment-unit.js';
import { RecordingMetrics } from '../support/recording-metrics.js';

const MAX_BODY_BYTES = 16_384;

function world(options: WorldOptions & { maxBodyBytes?: number; withMetrics?: boolean } = {}) {
  const w = makePaymentWorld(options);
  const metrics = new RecordingMetrics();
  const handler = createMakePaymentHandler({
    ...w.deps,
    log: w.log,
    maxBodyBytes: options.maxBodyBytes ?? MAX_BODY_BYTES,
    ...(options.withMetrics === false ? {} : { metrics: metrics.asMetrics() }),
  });
  const request = (overrides: Record<string, unknown> = {}) => makePaymentBody(w.tx, overrides);

  const post = async (body: unknown, headers: Record<string, string> = {}) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    return handler(event(text, { Authorization: `Bearer ${MAKE_PAYMENT_TOKEN}`, ...headers }));
  };
  return { ...w, metrics, handler, request, post };
}

function event(body: string, headers: Record<string, string>): HttpEvent {
  return {
    resource: '/vipps/make-payment',
    path: '/vipps/make-payment',
    httpMethod: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    requestContext: { requestId: 'req-1', identity: { sourceIp: '203.0.113.9' } },
    body,
    isBase64Encoded: false,
  } as unknown as HttpEvent;
}

const bodyOf = (response: HttpResult) => JSON.parse(response.body) as Record<string, unknown>;
const invalidRequest = { errorMessage: { errorId: '71', errorText: 'Invalid request' } };

describe('makePaymentUrl answers, as Vipps receives them', () => {
  it('approved → 200 OK with our pspTransactionId and no errorMessage, as JSON never cached', async () => {
    const w = world({ answers: [approved] });
    const response = await w.post(w.request());
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({
      'Content-Type': 'application/json',
      'Cache-Control': 'no-store',
    });
    expect(bodyOf(response)).toEqual({
      paymentInfo: { pspTransactionId: w.tx.pspTransactionId, status: 'OK' },
    });
    expect(w.stored().status).toBe('RESERVED');
  });

  it.each([
    [{ outcome: 'DECLINED', reason: 'REFUSED', responseCode: '05' }, '82', 'Refused by Issuer'],
    [{ outcome: 'DECLINED', reason: 'INSUFFICIENT_FUNDS', responseCode: '51' }, '89', 'Insufficient funds'],
    [{ outcome: 'TIMEOUT' }, '85', 'Response received too late'],
    [{ outcome: 'ERROR', responseCode: '96' }, '91', 'Internal error'],
    [{ outcome: 'SOFT_DECLINE', canStepUp: false }, '94', 'Unhandled soft decline'],
  ] as Array<[AuthorisationResult, string, string]>)(
    'acquirer %o → 200 FAIL with errorId %s "%s"',
    async (result, errorId, errorText) => {
      const w = world({ answers: [result] });
      const body = bodyOf(await w.post(w.request()));
      expect(body).toEqual({
        paymentInfo: { pspTransactionId: w.tx.pspTransactionId, status: 'FAIL' },
        errorMessage: { errorId, errorText },
      });
    },
  );

  it('a soft decline → SOFT_DECLINE 1036 with the 3-D Secure page of the session it opened', async () => {
    const w = world({ answers: [softDecline] });
    const body = bodyOf(await w.post(w.request()));
    const sessionId = w.stored().threeDsSessionId!;
    expect(body).toEqual({
      paymentInfo: {
        pspTransactionId: w.tx.pspTransactionId,
        status: 'SOFT_DECLINE',
        url3dSecure: `https://psp.example/3ds/${sessionId}`,
      },
      errorMessage: { errorId: '1036', errorText: 'Soft Decline' },
    });
  });

  it('Vipps ended the payment (USER_CANCEL) → FAIL 93 "Status from Vipps:CANCEL", the acquirer not asked', async () => {
    const w = world();
    const body = bodyOf(await w.post({ ...w.request(), paymentState: 'USER_CANCEL', networkToken: null }));
    expect(body).toMatchObject({ errorMessage: { errorId: '93', errorText: 'Status from Vipps:CANCEL' } });
    expect(w.acquirer.requests).toEqual([]);
    expect(w.stored().status).toBe('CANCELLED');
  });

  it('the same body again, keys in another order, is answered from the store: one authorisation', async () => {
    const w = world({ answers: [approved, { outcome: 'DECLINED', reason: 'REFUSED' }] });
    const first = bodyOf(await w.post(w.request()));
    const reordered = Object.fromEntries(Object.entries(w.request()).reverse());
    const again = await w.post(`\n${JSON.stringify(reordered, null, 2)}`);
    expect(bodyOf(again)).toEqual(first);
    expect(w.acquirer.requests).toHaveLength(1);
    expect(w.enqueued.map((u) => u.status)).toEqual(['RESERVED']);
  });

  it('a changed body after a final answer → FAIL 85, and the payment stays as it was', async () => {
    const w = world({ answers: [approved, approved] });
    await w.post(w.request());
    const before = w.stored();
    const body = bodyOf(await w.post(w.request({ binNumber: '489538' })));
    expect(body).toMatchObject({ errorMessage: { errorId: '85' } });
    expect(w.stored()).toEqual(before);
  });

  it('an amount other than the payment’s → FAIL 71; the payment’s own amount is authorised', async () => {
    const w = world({ answers: [approved] });
    expect(bodyOf(await w.post(w.request({ amount: w.tx.amount + 1 })))).toMatchObject(invalidRequest);
    expect(w.stored().status).toBe('INITIATED');
    expect(bodyOf(await w.post(w.request({ amount: w.tx.amount })))).toMatchObject({
      paymentInfo: { status: 'OK' },
    });
  });
});

describe('bad requests → FAIL 71, nothing read or changed', () => {
  it('a body over the route’s limit is refused before it is parsed; one exactly at the limit is not', async () => {
    const probe = world();
    const size = Buffer.byteLength(JSON.stringify(probe.request()), 'utf8');
    const over = world({ maxBodyBytes: size - 1, answers: [approved] });
    const refused = await over.post(over.request());
    expect(refused.statusCode).toBe(200);
    expect(bodyOf(refused)).toEqual({ paymentInfo: { status: 'FAIL' }, ...invalidRequest });
    expect(over.log.entries).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: 'makePayment request rejected as invalid',
        extra: [{ pspTransactionId: undefined, errorId: '71', why: 'body too large' }],
      }),
    );
    expect(over.stored().version).toBe(over.tx.version);

    const atLimit = world({ maxBodyBytes: size, answers: [approved] });
    expect(bodyOf(await atLimit.post(atLimit.request()))).toMatchObject({ paymentInfo: { status: 'OK' } });
  });

  it('a body that is not JSON → FAIL 71 without a pspTransactionId', async () => {
    const w = world({ answers: [approved] });
    const body = bodyOf(await w.post('{"pspTransactionId": '));
    expect(body).toEqual({ paymentInfo: { status: 'FAIL' }, ...invalidRequest });
    expect(w.log.entries.at(-1)).toMatchObject({ extra: [{ why: 'body is not JSON', errorId: '71' }] });
    expect(w.acquirer.requests).toEqual([]);
  });

  it('a body against the schema → FAIL 71 echoing its pspTransactionId; ops read every issue', async () => {
    const w = world({ answers: [approved] });
    const body = bodyOf(await w.post(w.request({ merchantSerialNumber: '12', paymentState: 'MAYBE' })));
    expect(body).toEqual({
      paymentInfo: { pspTransactionId: w.tx.pspTransactionId, status: 'FAIL' },
      ...invalidRequest,
    });
    const [warning] = w.log.entries;
    expect(warning).toMatchObject({ level: 'warn', message: 'makePayment request rejected as invalid' });
    const why = (warning!.extra[0] as { why: string }).why;
    expect(why.split('; ')).toHaveLength(2);
    expect(why).toMatch(/merchantSerialNumber/);
    expect(why).toMatch(/paymentState/);
    expect(w.stored().version).toBe(w.tx.version);
  });

  it('a fractional amount → FAIL 71 echoing the pspTransactionId, the card never reaches the acquirer', async () => {
    const w = world({ answers: [approved] });
    const body = bodyOf(await w.post(w.request({ amount: 100.5 })));
    expect(body).toMatchObject({
      paymentInfo: { pspTransactionId: w.tx.pspTransactionId },
      ...invalidRequest,
    });
    expect(w.acquirer.requests).toEqual([]);
  });
});

describe('who may ask', () => {
  it('a wrong token → 401 Unauthorized; ops see why and from where, never the token', async () => {
    const w = world({ answers: [approved] });
    const response = await w.post(w.request(), { Authorization: 'Bearer guessed-token-123' });
    expect(response.statusCode).toBe(401);
    expect(bodyOf(response)).toEqual({ message: 'Unauthorized' });
    expect(w.log.entries).toEqual([
      {
        level: 'warn',
        message: 'makePayment authentication failed',
        extra: [
          { pspTransactionId: w.tx.pspTransactionId, reason: 'TOKEN_MISMATCH', sourceIp: '203.0.113.9' },
        ],
      },
    ]);
    expect(w.log.text()).not.toContain('guessed-token-123');
    expect(w.stored().version).toBe(w.tx.version);
  });

  it('a wrong token in an event without caller identity (a test invoke) is still a 401', async () => {
    const w = world();
    const { requestContext: _none, ...bare } = event(JSON.stringify(w.request()), {
      Authorization: 'Bearer x',
    });
    expect((await w.handler(bare as HttpEvent)).statusCode).toBe(401);
    expect(w.log.entries[0]!.extra[0]).toMatchObject({ reason: 'TOKEN_MISMATCH', sourceIp: undefined });
    const noIdentity = { ...bare, requestContext: {} } as HttpEvent;
    expect((await w.handler(noIdentity)).statusCode).toBe(401);
  });

  it('an unknown payment → 401 as well (no way to probe which ids exist)', async () => {
    const w = world();
    const response = await w.post(w.request({ pspTransactionId: 'f'.repeat(32) }));
    expect(response.statusCode).toBe(401);
    expect(w.log.entries[0]!.extra[0]).toMatchObject({ reason: 'UNKNOWN_TRANSACTION' });
  });

  it('the token is read from the Authorization header whatever its case', async () => {
    const w = world({ answers: [approved] });
    const response = await w.handler(
      event(JSON.stringify(w.request()), { authorization: `Bearer ${MAKE_PAYMENT_TOKEN}` }),
    );
    expect(bodyOf(response)).toMatchObject({ paymentInfo: { status: 'OK' } });
  });
});

describe('when something breaks inside', () => {
  it('an unexpected failure → FAIL 91 with no stack trace to Vipps; ops get the error', async () => {
    const w = world({ answers: [approved] });
    w.transactions.get = () => Promise.reject(new Error('ProvisionedThroughputExceeded'));
    const response = await w.post(w.request());
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({
      paymentInfo: { pspTransactionId: w.tx.pspTransactionId, status: 'FAIL' },
      errorMessage: { errorId: '91', errorText: 'Internal error' },
    });
    expect(response.body).not.toContain('ProvisionedThroughputExceeded');
    expect(w.log.entries).toContainEqual({
      level: 'error',
      message: 'makePayment failed unexpectedly',
      extra: [
        {
          pspTransactionId: w.tx.pspTransactionId,
          errorId: '91',
          error: 'Error: ProvisionedThroughputExceeded',
        },
      ],
    });
  });
});

describe('metrics ops read (dashboard, alarms)', () => {
  it('an authorisation: handler latency, acquirer latency, and one answer counted under its errorId', async () => {
    const w = world({ answers: [] });
    w.acquirer.authorise = () => new Promise((resolve) => setTimeout(() => resolve(approved), 30));
    const started = performance.now();
    await w.post(w.request());
    const elapsed = performance.now() - started;
    const [latency] = w.metrics.named('MakePaymentLatency');
    const [acquirer] = w.metrics.named('AcquirerLatency');
    expect(latency).toMatchObject({ unit: 'Milliseconds' });
    expect(latency!.value).toBeGreaterThanOrEqual(25);
    expect(latency!.value).toBeLessThanOrEqual(elapsed);
    expect(acquirer).toMatchObject({ unit: 'Milliseconds' });
    expect(acquirer!.value).toBeGreaterThanOrEqual(25);
    expect(acquirer!.value).toBeLessThanOrEqual(Math.ceil(latency!.value));
    expect(w.metrics.named('MakePaymentAnswer')).toEqual([
      { name: 'MakePaymentAnswer', unit: 'Count', value: 1, dimensions: { errorId: 'OK' } },
    ]);
  });

  it.each([
    [
      'a decline',
      { answers: [{ outcome: 'DECLINED', reason: 'REFUSED' }] as AuthorisationResult[] },
      {},
      '82',
    ],
    ['a soft decline', { answers: [softDecline] }, {}, '1036'],
    ['a bad body', {}, { merchantSerialNumber: 'x' }, '71'],
  ])('%s is counted under errorId %s', async (_what, options, overrides, errorId) => {
    const w = world(options);
    await w.post(w.request(overrides));
    expect(w.metrics.named('MakePaymentAnswer')).toEqual([
      expect.objectContaining({ value: 1, dimensions: { errorId } }),
    ]);
  });

  it('a wrong token is counted as 401 and an internal failure as 91; neither had an acquirer latency', async () => {
    const w = world();
    await w.post(w.request(), { Authorization: 'Bearer nope' });
    w.transactions.get = () => Promise.reject(new Error('down'));
    await w.post(w.request());
    expect(w.metrics.named('MakePaymentAnswer').map((m) => m.dimensions.errorId)).toEqual(['401', '91']);
    expect(w.metrics.named('AcquirerLatency')).toEqual([]);
    expect(w.metrics.named('MakePaymentLatency')).toHaveLength(2);
  });

  it('a repeated request answered from the store has no acquirer latency', async () => {
    const w = world({ answers: [approved] });
    await w.post(w.request());
    await w.post(w.request());
    expect(w.metrics.named('AcquirerLatency')).toHaveLength(1);
    expect(w.metrics.named('MakePaymentAnswer').map((m) => m.dimensions.errorId)).toEqual(['OK', 'OK']);
  });

  it('without metrics configured the answer is the same', async () => {
    const w = world({ answers: [approved], withMetrics: false });
    expect(bodyOf(await w.post(w.request()))).toMatchObject({ paymentInfo: { status: 'OK' } });
  });
});
