/**
 * Issue 9 item 12: legacy ENCRYPTEDCARD is off unless the deployment turns it on (it brings card
 * numbers into PCI scope; Vipps dropped it from its docs in 2022). Off → a perfectly good
 * cardData is answered 92 "Unable to decrypt", the acquirer is never asked. (The local stack turns
 * it on for the checklist; this stack turns it off as a production deployment leaves it.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encryptCardData } from '../../local/vipps-simulator/card-data.js';
import { publicKeyPem } from '../../local/public-key.js';
import { type LocalStack, bootLocalStack } from '../support/local-stack.js';
import {
  createPayment,
  exchangeAnswer,
  expectAnswer,
  expectNothingAtAcquirer,
  stackStores,
} from '../support/make-payment.js';

let stack: LocalStack;
let pem: string;

beforeAll(async () => {
  stack = await bootLocalStack({ env: { ENCRYPTED_CARD_ENABLED: 'false' } });
  pem = await publicKeyPem(stack.endpoints.kms, 'alias/vipps-card-data');
});
afterAll(() => stack?.stop());

describe('ENCRYPTED_CARD_ENABLED=false', () => {
  it('a valid ENCRYPTEDCARD → FAIL 92 without decrypting, nothing sent to the acquirer', async () => {
    const id = await createPayment(stack, 10_000);
    const cardData = encryptCardData(pem, { pan: '4895370000000015', yymm: '3012' });
    const approval = await stack.vipps.approve(id, {
      simulate: { instrument: 'ENCRYPTEDCARD', cardDataOverride: cardData },
    });
    expectAnswer(exchangeAnswer(approval.makePaymentExchanges[0]!), {
      status: 'FAIL',
      errorId: '92',
      errorText: 'Unable to decrypt',
      pspTransactionId: id,
    });
    expect(await stackStores(stack).payment(id)).toMatchObject({
      status: 'FAILED',
      failure: { errorId: '92' },
    });
    expectNothingAtAcquirer(stack, id);
  });

  it('network tokens are not affected', async () => {
    const id = await createPayment(stack, 10_000);
    const approval = await stack.vipps.approve(id);
    expect(approval.outcome).toBe('OK');
  });
});
