/**
 * Issue 9 item 14: the merchant's redirectUrl must be https outside the local stage; with
 * `isApp: true` an app-switch URL (a custom scheme such as `vipps://` or `myshop://…`) is
 * allowed, as Vipps' guide says ("URL Validation": with isApp the pspRedirectUrl is not validated
 * as a web URL, "as the app-switch URL may be something like vipps://"). The stack runs as a
 * deployed sandbox would (STAGE=sandbox) with the local parts behind it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, bootLocalStack, merchantClient, newOrderId } from '../support/local-stack.js';

let stack: LocalStack;

beforeAll(async () => {
  stack = await bootLocalStack({ env: { STAGE: 'sandbox' } });
});
afterAll(() => stack?.stop());

const create = (redirectUrl: string, isApp?: boolean) =>
  merchantClient(stack).createPayment({
    merchantOrderId: newOrderId('redirect'),
    redirectUrl,
    ...(isApp === undefined ? {} : { isApp }),
  });

describe('redirectUrl outside the local stage', () => {
  it('an https URL → 201', async () => {
    expect((await create('https://shop.example/thanks')).status).toBe(201);
  });

  it.each([
    ['plain http', 'http://shop.example/thanks', undefined],
    ['plain http, even with isApp', 'http://shop.example/thanks', true],
    ['an app-switch URL without isApp', 'myshop://order/done', undefined],
    ['an app-switch URL with isApp: false', 'vipps://', false],
    ['javascript:, even with isApp', 'javascript://alert(1)', true],
  ])('%s → 400 naming redirectUrl, nothing created', async (_name, url, isApp) => {
    const answer = await create(url, isApp);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      type: '/problems/validation-error',
      errors: [expect.objectContaining({ field: 'redirectUrl' })],
    });
  });

  it.each([['myshop://order/done'], ['vipps://'], ['https://shop.example/app-return']])(
    'with isApp: true, %s → 201 and Vipps gets it as pspRedirectUrl',
    async (url) => {
      const answer = await create(url, true);
      expect(answer.status).toBe(201);
      const atVipps = stack.vipps.payments
        .list()
        .find((p) => p.pspTransactionId === answer.body.pspTransactionId);
      expect(atVipps).toMatchObject({ pspRedirectUrl: url, isApp: true });
    },
  );
});
