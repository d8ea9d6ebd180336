/**
 * The local API Gateway (local/api-host.ts) answers for a Lambda proxy integration as AWS does:
 * the handler's response; for a function error — Lambda's own timeout included — 502
 * {"message":"Internal server error"}; when the integration timeout passes first, 504
 * {"message":"Endpoint request timed out"}; a TOKEN authorizer's "Unauthorized" → 401, any other
 * authorizer failure → 500.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type ApiHost, startApiHost } from '../../local/api-host.js';
import type { Invoker } from '../../local/lambda-workers/invoker.js';
import type { Invocation } from '../../local/lambda-workers/protocol.js';

let host: ApiHost | undefined;
afterEach(async () => {
  await host?.close();
  host = undefined;
});

const allow = {
  kind: 'ok',
  durationMs: 1,
  value: {
    principalId: 'm',
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: '*' }],
    },
    context: {},
  },
} as const;

async function serve(answer: (name: string) => Promise<Invocation>, integrationTimeoutMs?: number) {
  host = await startApiHost(integrationTimeoutMs ? { integrationTimeoutMs } : {});
  const invoker: Invoker = (name) => answer(name);
  host.setInvoker(invoker);
  return host;
}

const makePayment = async (h: ApiHost) => {
  const response = await fetch(`${h.baseUrl}/vipps/make-payment`, { method: 'POST', body: '{}' });
  return { status: response.status, body: (await response.json()) as unknown };
};
const getPayment = async (h: ApiHost) => {
  const response = await fetch(`${h.baseUrl}/v1/payments/abc`, { headers: { Authorization: 'Bearer x' } });
  return { status: response.status, body: (await response.json()) as unknown };
};

describe('Lambda proxy integration answers', () => {
  it("the function's own timeout → 502 Internal server error (Lambda reports a function error)", async () => {
    const h = await serve(async () => ({ kind: 'timeout', timeoutSeconds: 13, durationMs: 13_000 }));
    expect(await makePayment(h)).toEqual({ status: 502, body: { message: 'Internal server error' } });
  });

  it('a handler that throws → 502 Internal server error', async () => {
    const h = await serve(async () => ({
      kind: 'error',
      errorType: 'TypeError',
      errorMessage: 'x',
      durationMs: 1,
    }));
    expect(await makePayment(h)).toEqual({ status: 502, body: { message: 'Internal server error' } });
  });

  it('no answer within the integration timeout → 504 Endpoint request timed out', async () => {
    const h = await serve(() => new Promise<Invocation>(() => undefined), 300);
    expect(await makePayment(h)).toEqual({ status: 504, body: { message: 'Endpoint request timed out' } });
  });

  it('the authorizer says Unauthorized → 401; an authorizer that fails otherwise → 500', async () => {
    const unauthorized = await serve(async () => ({
      kind: 'error',
      errorType: 'Error',
      errorMessage: 'Unauthorized',
      durationMs: 1,
    }));
    expect((await getPayment(unauthorized)).status).toBe(401);
    await unauthorized.close();
    const broken = await serve(async () => ({ kind: 'timeout', timeoutSeconds: 5, durationMs: 5_000 }));
    expect(await getPayment(broken)).toEqual({ status: 500, body: { message: null } });
  });

  it("the handler's response is passed through", async () => {
    const h = await serve(async (name) =>
      name === 'merchantAuthorizer'
        ? allow
        : { kind: 'ok', durationMs: 1, value: { statusCode: 200, headers: {}, body: '{"seen":true}' } },
    );
    expect(await getPayment(h)).toEqual({ status: 200, body: { seen: true } });
  });
});
