/**
 * makePayment once the attempt is claimed: what the acquirer is asked (exact request, within the
 * budget), how each answer becomes Vipps' answer and the stored state (DESIGN.md answer table),
 * and what happens when the payment changes while we authorise (lost races: 85, approvals voided,
 * outcome UNKNOWN when nothing can be known).
 */
import { describe, expect, it } from 'vitest';
import type { AuthorisationResult } from '../../lambdas/core/ports.js';
import type { Transaction } from '../../lambdas/core/transaction.js';
import { NOW, approved, makePaymentWorld, networkToken, softDecline } from '../support/make-payment-unit.js';

const at = NOW.toISOString();

describe('what the acquirer is asked', () => {
  it('the payment’s own amount, currency and sales unit, keyed by the payment, within the budget', async () => {
    const w = makePaymentWorld({ answers: [approved], payment: { amount: 1, currency: 'NOK' } });
    await w.send();
    expect(w.acquirer.requests).toEqual([
      {
        pspTransactionId: w.tx.pspTransactionId,
        idempotencyKey: w.tx.pspTransactionId,
        merchantSerialNumber: w.tx.merchantSerialNumber,
        amount: 1,
        currency: 'NOK',
        card: { kind: 'NETWORK_TOKEN', ...networkToken },
      },
    ]);
    expect(w.acquirer.signals[0]!.aborted).toBe(false);
  });

  it('the acquirer is told to give up when the budget runs out', async () => {
    const w = makePaymentWorld();
    w.deps.acquirerBudgetMs = 20;
    w.acquirer.authorise = (_request, { signal }) =>
      new Promise((resolve) => signal.addEventListener('abort', () => resolve({ outcome: 'TIMEOUT' })));
    expect((await w.send()).answer.error?.errorId).toBe('85');
  });

  it('while the acquirer is asked, the attempt is claimed: IN_PROGRESS since now, under this request’s hash', async () => {
    const w = makePaymentWorld();
    let during: Transaction | undefined;
    w.acquirer.authorise = () => {
      during = w.stored();
      return Promise.resolve(approved);
    };
    await w.send();
    expect(during!.history).toEqual(w.tx.history);
    expect(during).toMatchObject({
      status: 'INITIATED',
      updatedAt: at,
      makePayment: { requestHash: 'hash-1', phase: 'INITIAL', state: 'IN_PROGRESS', claimedAt: at },
    });
  });

  it('an adapter that throws → 85, outcome unknown, and ops get the error', async () => {
    const w = makePaymentWorld();
    w.acquirer.authorise = () => Promise.reject(new Error('socket hang up'));
    expect((await w.send()).answer.error?.errorId).toBe('85');
    expect(w.log.entries).toContainEqual({
      level: 'error',
      message: 'Acquirer authorisation threw',
      extra: [{ pspTransactionId: w.tx.pspTransactionId, error: 'Error: socket hang up' }],
    });
  });
});

describe('the acquirer’s answer → Vipps’ answer and the stored payment', () => {
  it('approved → OK, RESERVED with the acquirer’s reference, the RESERVED update enqueued, the answer logged', async () => {
    const w = makePaymentWorld({ answers: [approved] });
    const outcome = await w.send();
    expect(outcome).toMatchObject({ kind: 'ANSWER', answer: { status: 'OK' }, replayed: false });
    expect(outcome.acquirerLatencyMs).toBeGreaterThanOrEqual(0);
    expect(w.stored()).toMatchObject({
      status: 'RESERVED',
      reservedAmount: w.tx.amount,
      acquirerReference: 'REF-1',
      authorisationOutcome: 'APPROVED',
      updatedAt: at,
      makePayment: { state: 'ANSWERED', answer: { status: 'OK' }, requestHash: 'hash-1' },
    });
    expect(w.enqueued).toEqual([expect.objectContaining({ status: 'RESERVED', amount: w.tx.amount })]);
    expect(w.log.entries).toContainEqual({
      level: 'info',
      message: 'makePayment answered',
      extra: [
        {
          pspTransactionId: w.tx.pspTransactionId,
          outcome: 'OK',
          errorId: 'OK',
          acquirerLatencyMs: outcome.acquirerLatencyMs,
        },
      ],
    });
  });

  it('the scheme’s transaction reference comes back with the OK answer', async () => {
    const w = makePaymentWorld({ answers: [{ ...approved, networkTransactionReference: 'TID-9' }] });
    expect((await w.send()).answer).toEqual({ status: 'OK', networkTransactionReference: 'TID-9' });
  });

  it.each([
    ['EXPIRED_CARD', '86', '54'],
    ['SUSPECTED_FRAUD', '83', '59'],
  ] as const)(
    'declined (%s) → FAIL %s, the code in the history, nothing enqueued',
    async (reason, errorId, code) => {
      const w = makePaymentWorld({ answers: [{ outcome: 'DECLINED', reason, responseCode: code }] });
      const outcome = await w.send();
      expect(outcome.answer).toMatchObject({ status: 'FAIL', error: { errorId } });
      expect(w.stored()).toMatchObject({
        status: 'FAILED',
        authorisationOutcome: 'DECLINED',
        failure: { errorId },
      });
      expect(w.stored().history.at(-1)).toEqual({ operation: 'FAIL', amount: 0, at, errorId, note: code });
      expect(w.enqueued).toEqual([]);
      expect(w.log.entries).toContainEqual(
        expect.objectContaining({
          message: 'makePayment answered',
          extra: [expect.objectContaining({ outcome: 'FAIL', errorId })],
        }),
      );
    },
  );

  it('an acquirer ERROR without a code → 91 with its message in the history', async () => {
    const w = makePaymentWorld({ answers: [{ outcome: 'ERROR', message: 'System malfunction' }] });
    expect((await w.send()).answer.error?.errorId).toBe('91');
    expect(w.stored().history.at(-1)).toMatchObject({ errorId: '91', note: 'System malfunction' });
    expect(w.stored().authorisationOutcome).toBe('DECLINED');
  });

  it('no answer in time → 85, outcome UNKNOWN, the reason in the history', async () => {
    const w = makePaymentWorld({ answers: [{ outcome: 'TIMEOUT' }] });
    expect((await w.send()).answer.error?.errorId).toBe('85');
    expect(w.stored()).toMatchObject({ status: 'FAILED', authorisationOutcome: 'UNKNOWN' });
    expect(w.stored().history.at(-1)).toMatchObject({ note: 'No acquirer answer within the budget' });
  });

  it('approved as credit for a merchant without credit cards → 88, the approval voided by its reference', async () => {
    const w = makePaymentWorld({
      answers: [{ ...approved, funding: 'CREDIT' }],
      payment: { allowCreditCards: false },
    });
    expect((await w.send()).answer.error).toEqual({
      errorId: '88',
      errorText: 'Merchant does not allow credit cards',
    });
    expect(w.acquirer.voids).toEqual([
      {
        pspTransactionId: w.tx.pspTransactionId,
        acquirerReference: 'REF-1',
        amount: w.tx.amount,
        currency: w.tx.currency,
        operationId: `${w.tx.pspTransactionId}-void-credit`,
      },
    ]);
    expect(w.stored()).toMatchObject({ status: 'FAILED', authorisationOutcome: 'DECLINED' });
    expect(w.stored().history.at(-1)).toMatchObject({ note: 'Credit card (acquirer)' });
    expect(w.enqueued).toEqual([]);
  });

  it('a credit approval that cannot be voided → 88, outcome UNKNOWN; ops told a reversal is scheduled', async () => {
    const w = makePaymentWorld({
      answers: [{ ...approved, funding: 'CREDIT' }],
      payment: { allowCreditCards: false },
    });
    w.acquirer.voidFails = true;
    expect((await w.send()).answer.error?.errorId).toBe('88');
    expect(w.stored().authorisationOutcome).toBe('UNKNOWN');
    expect(w.log.entries).toContainEqual({
      level: 'error',
      message: 'Could not void an approval; reversal scheduled',
      extra: [{ pspTransactionId: w.tx.pspTransactionId, error: 'Error: acquirer down' }],
    });
  });

  it.each([
    ['credit, and the merchant accepts credit cards', 'CREDIT', true],
    ['debit, for a merchant without credit cards', 'DEBIT', false],
  ] as const)('approved as %s → OK, nothing voided', async (_what, funding, allowCreditCards) => {
    const w = makePaymentWorld({ answers: [{ ...approved, funding }], payment: { allowCreditCards } });
    expect((await w.send()).answer).toEqual({ status: 'OK' });
    expect(w.acquirer.voids).toEqual([]);
  });
});

describe('a soft decline that cannot be stepped up → 94 (never a SOFT_DECLINE without a page)', () => {
  const unhandled = { status: 'FAIL', error: { errorId: '94', errorText: 'Unhandled soft decline' } };

  it.each([
    ['the acquirer cannot step it up', { canStepUp: false }, {}, 'The acquirer cannot step this one up'],
    [
      'no usable operations URL',
      {},
      { operations: [{ operation: '3dsfailure', url: 'https://vipps.example/f' }] },
      'No usable operations URLs (3dssuccess missing, or one not https)',
    ],
  ])('%s', async (_what, result, overrides, why) => {
    const w = makePaymentWorld({ answers: [{ ...softDecline, ...result } as AuthorisationResult] });
    expect((await w.send(overrides)).answer).toEqual(unhandled);
    expect(w.sessions.items.size).toBe(0);
    expect(w.stored()).toMatchObject({ status: 'FAILED', authorisationOutcome: 'DECLINED' });
    expect(w.stored().history.at(-1)).toMatchObject({ errorId: '94', note: why });
    expect(w.log.entries).toContainEqual({
      level: 'warn',
      message: 'Soft decline that cannot be stepped up; answered 94',
      extra: [{ pspTransactionId: w.tx.pspTransactionId, why }],
    });
  });

  it('a decrypted PAN (ENCRYPTEDCARD) has no token to authenticate', async () => {
    const w = makePaymentWorld({
      answers: [softDecline],
      decrypt: () => Promise.resolve(new TextEncoder().encode('4111111111111111,3012,s')),
    });
    const card = { kind: 'ENCRYPTED_CARD' as const, cardData: Buffer.alloc(256, 1).toString('base64') };
    expect((await w.send({ card })).answer).toEqual(unhandled);
    expect(w.stored().history.at(-1)).toMatchObject({
      note: 'No network token to authenticate (ENCRYPTEDCARD)',
    });
  });
});

describe('the payment changed while we authorised (lost races)', () => {
  /** After the claim and before the answer is stored, `change` happens to the stored payment. */
  function raced(answers: AuthorisationResult[], change: (tx: Transaction) => Partial<Transaction>) {
    const w = makePaymentWorld({ answers });
    const authorise = w.acquirer.authorise.bind(w.acquirer);
    w.acquirer.authorise = async (request, options) => {
      const result = await authorise(request, options);
      const current = w.stored();
      w.transactions.put({ ...current, ...change(current), version: current.version + 1 });
      return result;
    };
    return w;
  }
  const cancelled = () => ({ status: 'CANCELLED' as const });

  it('cancelled meanwhile, approved → 85, the approval voided, the payment stays CANCELLED', async () => {
    const w = raced([approved], cancelled);
    expect(await w.send()).toMatchObject({
      answer: { status: 'FAIL', error: { errorId: '85' } },
      replayed: false,
    });
    expect(w.acquirer.voids).toEqual([
      expect.objectContaining({ operationId: `${w.tx.pspTransactionId}-void-lost-race` }),
    ]);
    expect(w.stored()).toMatchObject({
      status: 'CANCELLED',
      updatedAt: at,
      makePayment: { state: 'ANSWERED', answer: { status: 'FAIL', error: { errorId: '85' } } },
    });
    expect(w.stored()).not.toHaveProperty('authorisationOutcome');
    expect(w.enqueued).toEqual([]);
    expect(w.log.entries).toContainEqual({
      level: 'warn',
      message: 'Payment changed during authorisation; answered 85',
      extra: [{ pspTransactionId: w.tx.pspTransactionId, voided: true }],
    });
  });

  it('cancelled meanwhile, declined → 85, nothing to void and nothing unknown', async () => {
    const w = raced([{ outcome: 'DECLINED', reason: 'REFUSED' }], cancelled);
    expect((await w.send()).answer.error?.errorId).toBe('85');
    expect(w.acquirer.voids).toEqual([]);
    expect(w.stored()).not.toHaveProperty('authorisationOutcome');
    expect(w.log.entries.at(-1)).toMatchObject({ extra: [{ voided: true }] });
  });

  it('cancelled meanwhile, no answer in time → 85 and outcome UNKNOWN (the reconciler reverses)', async () => {
    const w = raced([{ outcome: 'TIMEOUT' }], cancelled);
    expect((await w.send()).answer.error?.errorId).toBe('85');
    expect(w.stored()).toMatchObject({ status: 'CANCELLED', authorisationOutcome: 'UNKNOWN' });
    expect(w.log.entries.at(-1)).toMatchObject({ extra: [{ voided: false }] });
  });

  it('cancelled meanwhile, approved but the void fails → 85 and outcome UNKNOWN', async () => {
    const w = raced([approved], cancelled);
    w.acquirer.voidFails = true;
    expect((await w.send()).answer.error?.errorId).toBe('85');
    expect(w.stored()).toMatchObject({ status: 'CANCELLED', authorisationOutcome: 'UNKNOWN' });
  });

  it('another request took the attempt over (another hash) → 85 for us, its attempt left as it is', async () => {
    const theirs = {
      requestHash: 'hash-9',
      phase: 'INITIAL' as const,
      state: 'IN_PROGRESS' as const,
      claimedAt: at,
    };
    const w = raced([approved], () => ({ makePayment: theirs }));
    expect((await w.send()).answer.error?.errorId).toBe('85');
    expect(w.acquirer.voids).toHaveLength(1);
    expect(w.stored()).toMatchObject({ status: 'INITIATED' });
  });

  it('our attempt was already answered (taken over as abandoned) → that answer again, the approval voided', async () => {
    const answer = {
      status: 'FAIL' as const,
      error: { errorId: '85', errorText: 'Response received too late' },
    };
    const w = raced([approved], (tx) => ({
      status: 'FAILED',
      makePayment: { ...tx.makePayment!, state: 'ANSWERED', answer },
    }));
    const outcome = await w.send();
    expect(outcome).toEqual({ kind: 'ANSWER', answer, replayed: true });
    expect(w.acquirer.voids).toHaveLength(1);
    expect(w.stored()).toMatchObject({ status: 'FAILED' });
    expect(w.stored()).not.toHaveProperty('authorisationOutcome');
  });

  it('our attempt was already answered and the approval cannot be voided → that answer, outcome UNKNOWN', async () => {
    const answer = {
      status: 'FAIL' as const,
      error: { errorId: '85', errorText: 'Response received too late' },
    };
    const w = raced([approved], (tx) => ({ makePayment: { ...tx.makePayment!, state: 'ANSWERED', answer } }));
    w.acquirer.voidFails = true;
    expect(await w.send()).toMatchObject({ answer, replayed: true });
    expect(w.stored().authorisationOutcome).toBe('UNKNOWN');
  });

  it('a write lost to a change that leaves the attempt ours is simply retried: OK, stored once', async () => {
    const w = raced([approved], () => ({ updatedAt: '2026-11-24T10:04:59.000Z' }));
    expect((await w.send()).answer).toEqual({ status: 'OK' });
    expect(w.stored()).toMatchObject({ status: 'RESERVED', makePayment: { state: 'ANSWERED' } });
    expect(w.acquirer.voids).toEqual([]);
    expect(w.enqueued).toHaveLength(1);
  });
});

describe('when things happen: the answer is stamped when the acquirer answered, not when the attempt was claimed', () => {
  const answeredAt = '2026-11-24T10:05:01.500Z';
  /** The acquirer takes 1.5 s (on the test clock) before it answers `result`. */
  function slow(result: AuthorisationResult, payment: Partial<Transaction> = {}) {
    const w = makePaymentWorld({ payment });
    w.acquirer.authorise = () => {
      w.clock.advance(1_500);
      return Promise.resolve(result);
    };
    return w;
  }

  it('a reservation', async () => {
    const w = slow(approved);
    await w.send();
    expect(w.stored()).toMatchObject({ updatedAt: answeredAt, makePayment: { claimedAt: at } });
    expect(w.stored().history.at(-1)).toMatchObject({ operation: 'RESERVE', at: answeredAt });
  });

  it('a decline', async () => {
    const w = slow({ outcome: 'DECLINED', reason: 'REFUSED' });
    await w.send();
    expect(w.stored()).toMatchObject({ status: 'FAILED', updatedAt: answeredAt });
    expect(w.stored().history.at(-1)).toMatchObject({ operation: 'FAIL', at: answeredAt });
  });

  it('a soft decline, and the session it opens', async () => {
    const w = slow(softDecline);
    await w.send();
    expect(w.stored()).toMatchObject({ updatedAt: answeredAt });
    expect(w.stored().history.at(-1)).toMatchObject({ operation: 'SOFT_DECLINE', at: answeredAt });
    expect([...w.sessions.items.values()][0]).toMatchObject({ createdAt: answeredAt });
  });

  it('the 85 of a race lost to the merchant’s cancel', async () => {
    const w = slow(approved);
    const authorise = w.acquirer.authorise;
    w.acquirer.authorise = async (request, options) => {
      const result = await authorise(request, options);
      const current = w.stored();
      w.transactions.put({ ...current, status: 'CANCELLED', version: current.version + 1 });
      return result;
    };
    expect((await w.send()).answer.error?.errorId).toBe('85');
    expect(w.stored()).toMatchObject({ status: 'CANCELLED', updatedAt: answeredAt });
  });
});

describe('store reads: an uncontended request costs one read', () => {
  it.each([
    ['approved', approved],
    ['declined', { outcome: 'DECLINED', reason: 'REFUSED' } as AuthorisationResult],
  ])('%s', async (_what, result) => {
    const w = makePaymentWorld({ answers: [result] });
    const get = w.transactions.get.bind(w.transactions);
    let reads = 0;
    w.transactions.get = (id) => {
      reads++;
      return get(id);
    };
    await w.send();
    expect(reads).toBe(1);
  });
});

describe('lost races: what is never done', () => {
  function racedTo(makePayment: Transaction['makePayment'], voidFails = false) {
    const w = makePaymentWorld({ answers: [approved] });
    w.acquirer.voidFails = voidFails;
    w.acquirer.authorise = () => {
      const { makePayment: _ours, ...current } = w.stored();
      w.transactions.put({
        ...current,
        ...(makePayment ? { makePayment } : {}),
        version: current.version + 1,
      });
      return Promise.resolve(approved);
    };
    return w;
  }

  it('another request’s answer is never given to us: 85, and the approval voided', async () => {
    const theirs = {
      requestHash: 'hash-9',
      phase: 'INITIAL' as const,
      state: 'ANSWERED' as const,
      claimedAt: at,
    };
    const w = racedTo({ ...theirs, answer: { status: 'OK' } });
    expect((await w.send()).answer.error?.errorId).toBe('85');
    expect(w.acquirer.voids).toHaveLength(1);
  });

  it('an attempt record that vanished while we authorised: 85, and the approval voided', async () => {
    const w = racedTo(undefined);
    expect((await w.send()).answer.error?.errorId).toBe('85');
    expect(w.acquirer.voids).toHaveLength(1);
  });

  it('our answer already stored and the approval voided: nothing more is written', async () => {
    const answer = {
      status: 'FAIL' as const,
      error: { errorId: '85', errorText: 'Response received too late' },
    };
    const mine = {
      requestHash: 'hash-1',
      phase: 'INITIAL' as const,
      state: 'ANSWERED' as const,
      claimedAt: at,
    };
    const w = racedTo({ ...mine, answer });
    const applies = () => w.transactions.applyAttempts;
    await w.send();
    expect(applies()).toBe(2); // the claim, and the write of our decision that lost
  });

  it('our answer already stored, the approval not voided: only the outcome UNKNOWN is added, no history', async () => {
    const answer = {
      status: 'FAIL' as const,
      error: { errorId: '85', errorText: 'Response received too late' },
    };
    const mine = {
      requestHash: 'hash-1',
      phase: 'INITIAL' as const,
      state: 'ANSWERED' as const,
      claimedAt: at,
    };
    const w = racedTo({ ...mine, answer }, true);
    await w.send();
    expect(w.stored().authorisationOutcome).toBe('UNKNOWN');
    expect(w.stored().history).toEqual(w.tx.history);
  });
});
