/**
 * What a makePayment request gets before anything is authorised (make-payment.ts, claim.ts,
 * takeover.ts): authentication, the request matching the payment, a repeat answered from the
 * store, late or out-of-order requests (85), Vipps ending the payment (93), and a concurrent
 * duplicate waiting for the first answer — taken over with 85 once the first attempt counts as
 * abandoned (acquirer budget + 2 s grace after its claim).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConcurrentUpdateError } from '../../lambdas/core/errors.js';
import type { MakePaymentAttempt, Transaction } from '../../lambdas/core/transaction.js';
import { makePayment } from '../../lambdas/core/use-cases/make-payment.js';
import { abandonedAfter, takeOverAbandoned } from '../../lambdas/core/use-cases/make-payment/takeover.js';
import {
  MAKE_PAYMENT_TOKEN,
  NOW,
  approved,
  makePaymentWorld,
  softDecline,
} from '../support/make-payment-unit.js';
import { initiatedPayment } from '../support/transactions.js';

const at = NOW.toISOString();
const tooLate = { status: 'FAIL', error: { errorId: '85', errorText: 'Response received too late' } };

afterEach(() => vi.restoreAllMocks());

describe('who asks, and whether the request is this payment’s', () => {
  it.each([
    ['Bearer ', true],
    ['bearer\t', true],
    ['Bearer  ', true],
    ['', true],
    ['Token ', false],
    ['xBearer ', false],
  ])('the token after "%s" is accepted: %s', async (prefix, accepted) => {
    const w = makePaymentWorld({ answers: [approved] });
    const outcome = await makePayment(w.command(), `${prefix}${MAKE_PAYMENT_TOKEN}`, w.deps);
    expect(outcome.kind).toBe(accepted ? 'ANSWER' : 'UNAUTHENTICATED');
  });

  it('a token followed by anything else is not the token', async () => {
    const w = makePaymentWorld({ answers: [approved] });
    const outcome = await makePayment(w.command(), `Bearer ${MAKE_PAYMENT_TOKEN} `, w.deps);
    expect(outcome).toEqual({ kind: 'UNAUTHENTICATED', reason: 'TOKEN_MISMATCH' });
  });

  it.each([
    ['one øre more', 10_001, '71'],
    ['one øre less', 9_999, '71'],
    ['the payment’s amount', 10_000, 'OK'],
  ])('an amount of %s → %s', async (_what, amount, expected) => {
    const w = makePaymentWorld({ answers: [approved], payment: { amount: 10_000 } });
    const { answer } = await w.send({ amount });
    expect(answer.error?.errorId ?? answer.status).toBe(expected);
  });

  it('a mismatch is answered 71 as a fresh answer, nothing claimed or stored', async () => {
    const w = makePaymentWorld({ answers: [approved] });
    expect(await w.send({ merchantSerialNumber: '654321' })).toEqual({
      kind: 'ANSWER',
      answer: { status: 'FAIL', error: { errorId: '71', errorText: 'Invalid request' } },
      replayed: false,
    });
    expect(w.transactions.applyAttempts).toBe(0);
  });
});

describe('a repeated, late or out-of-order request', () => {
  it('an attempt marked answered without an answer → 91 again, never a second authorisation', async () => {
    const attempt: MakePaymentAttempt = {
      requestHash: 'hash-1',
      phase: 'INITIAL',
      state: 'ANSWERED',
      claimedAt: at,
    };
    const w = makePaymentWorld({ answers: [approved], payment: { makePayment: attempt } });
    expect(await w.send()).toMatchObject({ answer: { error: { errorId: '91' } }, replayed: true });
    expect(w.acquirer.requests).toEqual([]);
  });

  it('a new request while another one is in progress → 85 at once, the other one’s claim untouched', async () => {
    const attempt: MakePaymentAttempt = {
      requestHash: 'hash-0',
      phase: 'INITIAL',
      state: 'IN_PROGRESS',
      claimedAt: at,
    };
    const w = makePaymentWorld({ answers: [approved], payment: { makePayment: attempt } });
    expect(await w.send()).toEqual({ kind: 'ANSWER', answer: tooLate, replayed: false });
    expect(w.stored().makePayment).toEqual(attempt);
    expect(w.acquirer.requests).toEqual([]);
  });

  it.each([
    ['a final FAIL', { status: 'FAIL', error: { errorId: '91', errorText: 'Internal error' } }],
    ['no answer recorded', undefined],
  ] as const)(
    'a new request after %s, the payment still open → 85, nothing written',
    async (_what, answer) => {
      const attempt: MakePaymentAttempt = {
        requestHash: 'hash-0',
        phase: 'INITIAL',
        state: 'ANSWERED',
        claimedAt: at,
        ...(answer ? { answer } : {}),
      };
      const w = makePaymentWorld({ answers: [approved], payment: { makePayment: attempt } });
      expect((await w.send()).answer).toEqual(tooLate);
      expect(w.transactions.applyAttempts).toBe(0);
      expect(w.acquirer.requests).toEqual([]);
    },
  );

  it('a payment no longer INITIATED (cancelled by the merchant) → 85, nothing written', async () => {
    const w = makePaymentWorld({ answers: [approved], payment: { status: 'CANCELLED' } });
    expect((await w.send()).answer).toEqual(tooLate);
    expect(w.transactions.applyAttempts).toBe(0);
  });

  it.each([
    ['exactly at', '2026-11-24T10:05:00.000Z', true],
    ['1 ms after', '2026-11-24T10:04:59.999Z', true],
    ['1 ms before', '2026-11-24T10:05:00.001Z', false],
  ])('%s our deadline → expired: %s', async (_when, expiresAt, expired) => {
    const w = makePaymentWorld({ answers: [approved], payment: { expiresAt } });
    const { answer } = await w.send();
    if (expired) {
      expect(answer).toEqual(tooLate);
      expect(w.stored()).toMatchObject({ status: 'EXPIRED', updatedAt: at });
      expect(w.acquirer.requests).toEqual([]);
    } else expect(answer).toEqual({ status: 'OK' });
  });

  it('expiring loses to a concurrent change: still 85', async () => {
    const w = makePaymentWorld({ answers: [approved], payment: { expiresAt: '2026-11-24T10:00:00.000Z' } });
    w.transactions.conflictOnNextApplies(1);
    expect((await w.send()).answer).toEqual(tooLate);
    expect(w.stored().status).toBe('INITIATED');
  });

  it('an unexpected store failure while expiring is not swallowed', async () => {
    const w = makePaymentWorld({ payment: { expiresAt: '2026-11-24T10:00:00.000Z' } });
    w.transactions.apply = () => Promise.reject(new Error('throttled'));
    await expect(w.send()).rejects.toThrow('throttled');
  });
});

describe('Vipps ended the payment', () => {
  it.each([
    ['CANCEL', 'CANCELLED', 'CANCEL'],
    ['TIMEOUT', 'EXPIRED', 'EXPIRE'],
  ] as const)('%s → 93, the payment %s, the answer kept for a repeat', async (state, status, operation) => {
    const w = makePaymentWorld({ answers: [approved] });
    const answer = { status: 'FAIL', error: { errorId: '93', errorText: `Status from Vipps:${state}` } };
    expect(await w.send({ endedByVipps: state, card: undefined })).toEqual({
      kind: 'ANSWER',
      answer,
      replayed: false,
    });
    expect(w.stored()).toMatchObject({
      status,
      updatedAt: at,
      makePayment: { requestHash: 'hash-1', state: 'ANSWERED', answer, claimedAt: at },
    });
    expect(w.stored().history.at(-1)).toMatchObject({ operation, at, note: `Vipps: ${state}` });
    expect(w.log.entries).toContainEqual({
      level: 'info',
      message: 'Payment ended in the Vipps app',
      extra: [{ pspTransactionId: w.tx.pspTransactionId, errorId: '93' }],
    });
    expect(await w.send({ endedByVipps: state, card: undefined })).toMatchObject({ answer, replayed: true });
    expect(w.acquirer.requests).toEqual([]);
  });
});

describe('lost writes while claiming', () => {
  it('a claim lost to a change that leaves the payment open is decided again and authorised once', async () => {
    const w = makePaymentWorld({ answers: [approved] });
    w.transactions.beforeNextApply((store) => {
      const tx = store.peek(w.tx.pspTransactionId)!;
      store.put({ ...tx, version: tx.version + 1 });
    });
    expect((await w.send()).answer).toEqual({ status: 'OK' });
    expect(w.acquirer.requests).toHaveLength(1);
    expect(w.stored().status).toBe('RESERVED');
  });

  it('a claim that keeps losing → 91; ops told the payment could not be settled', async () => {
    const w = makePaymentWorld({ answers: [approved] });
    w.transactions.conflictOnNextApplies(100);
    expect(await w.send()).toEqual({
      kind: 'ANSWER',
      answer: { status: 'FAIL', error: { errorId: '91', errorText: 'Internal error' } },
      replayed: false,
    });
    expect(w.log.entries).toContainEqual({
      level: 'error',
      message: 'makePayment could not settle after repeated write conflicts',
      extra: [{ pspTransactionId: w.tx.pspTransactionId }],
    });
    expect(w.acquirer.requests).toEqual([]);
  });

  it('any other store failure while claiming is not swallowed', async () => {
    const w = makePaymentWorld({ answers: [approved] });
    w.transactions.apply = () => Promise.reject(new Error('throttled'));
    await expect(w.send()).rejects.toThrow('throttled');
  });

  it('a payment that disappears while we re-read it is an error, not an answer', async () => {
    const w = makePaymentWorld({ answers: [approved] });
    const get = w.transactions.get.bind(w.transactions);
    let reads = 0;
    w.transactions.get = (id) => (++reads === 1 ? get(id) : Promise.resolve(undefined));
    w.transactions.conflictOnNextApplies(1);
    await expect(w.send()).rejects.toThrow(`Payment ${w.tx.pspTransactionId} disappeared`);
  });
});

describe('a concurrent duplicate of a request in progress', () => {
  const claimedAt = '2026-11-24T10:05:00.000Z';
  const inProgress: MakePaymentAttempt = {
    requestHash: 'hash-1',
    phase: 'INITIAL',
    state: 'IN_PROGRESS',
    claimedAt,
  };

  /** The first request's claim is stored; each re-read by the duplicate moves the clock by `step` ms. */
  function duplicate(options: { startAt?: number; step?: number; onRead?: (n: number) => void } = {}) {
    const w = makePaymentWorld({ answers: [approved], payment: { makePayment: inProgress } });
    w.clock.advance(options.startAt ?? 0);
    const get = w.transactions.get.bind(w.transactions);
    let reads = 0;
    w.transactions.get = (id) => {
      reads++;
      if (reads > 1) w.clock.advance(options.step ?? 500);
      options.onRead?.(reads);
      return get(id);
    };
    return { ...w, reads: () => reads };
  }

  it('waits for the first request’s answer and gives that one: never a second authorisation', async () => {
    const w = duplicate({
      onRead: (n) => {
        if (n !== 3) return;
        const tx = w.stored();
        w.transactions.put({
          ...tx,
          makePayment: { ...inProgress, state: 'ANSWERED', answer: { status: 'OK' } },
        });
      },
    });
    expect(await w.send()).toEqual({ kind: 'ANSWER', answer: { status: 'OK' }, replayed: true });
    expect(w.acquirer.requests).toEqual([]);
    expect(w.reads()).toBe(3);
  });

  it('the first attempt is abandoned exactly at claim + budget + 2 s: taken over at once, no waiting', async () => {
    const w = duplicate({ startAt: 3_000 });
    expect((await w.send()).answer).toEqual(tooLate);
    expect(w.reads()).toBe(1);
    expect(w.stored()).toMatchObject({
      status: 'FAILED',
      authorisationOutcome: 'UNKNOWN',
      updatedAt: '2026-11-24T10:05:03.000Z',
      makePayment: { requestHash: 'hash-1', state: 'ANSWERED', answer: tooLate },
    });
    expect(w.stored().history.at(-1)).toMatchObject({ errorId: '85', note: 'Abandoned attempt' });
    expect(w.log.entries).toContainEqual({
      level: 'warn',
      message: 'Took over an abandoned makePayment attempt; reversal scheduled',
      extra: [{ pspTransactionId: w.tx.pspTransactionId }],
    });
    expect(w.acquirer.requests).toEqual([]);
  });

  it('1 ms before that it still waits (one more read) before taking over', async () => {
    const w = duplicate({ startAt: 2_999, step: 1 });
    expect((await w.send()).answer).toEqual(tooLate);
    expect(w.reads()).toBe(2);
  });

  it('re-reads quickly at first, then backing off to at most 250 ms', async () => {
    const delays: number[] = [];
    const realSetTimeout = globalThis.setTimeout;
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
      delays.push(ms ?? 0);
      return realSetTimeout(fn, 0);
    }) as typeof setTimeout);
    const w = duplicate({ step: 300 });
    w.deps.pollIntervalMs = 40;
    await w.send();
    expect(delays).toEqual([40, 80, 160, 250, 250, 250, 250, 250, 250, 250]);
  });

  it('without a configured interval, the first re-read is after 25 ms', async () => {
    const delays: number[] = [];
    const realSetTimeout = globalThis.setTimeout;
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
      delays.push(ms ?? 0);
      return realSetTimeout(fn, 0);
    }) as typeof setTimeout);
    const w = duplicate({ step: 3_000 });
    delete w.deps.pollIntervalMs;
    await w.send();
    expect(delays).toEqual([25]);
  });

  it('the first request’s attempt replaced by another request’s meanwhile → 85 for the duplicate', async () => {
    const w = duplicate({
      onRead: (n) => {
        if (n !== 2) return;
        w.transactions.put({ ...w.stored(), makePayment: { ...inProgress, requestHash: 'hash-9' } });
      },
    });
    expect((await w.send()).answer).toEqual(tooLate);
    expect(w.acquirer.requests).toEqual([]);
    expect(w.stored()).toMatchObject({
      status: 'INITIATED',
      makePayment: { requestHash: 'hash-9', state: 'IN_PROGRESS' },
    });
  });
});

describe('takeover: the one rule for an abandoned attempt', () => {
  it('abandoned at claim + acquirer budget + 2 s', () => {
    expect(abandonedAfter({ claimedAt: '2026-11-24T10:00:00.000Z' }, 1_500)).toBe(
      Date.parse('2026-11-24T10:00:03.500Z'),
    );
  });

  it.each([
    ['no attempt', undefined],
    [
      'an answered attempt',
      { requestHash: 'h', phase: 'INITIAL', state: 'ANSWERED', claimedAt: at } as const,
    ],
  ])('%s cannot be taken over', (_what, makePayment) => {
    const tx: Transaction = initiatedPayment(makePayment ? { makePayment } : {});
    expect(() => takeOverAbandoned(tx, at)).toThrow('No makePayment attempt in progress to take over');
  });
});

describe('writes whose loss is fine, and the ones that are not', () => {
  it('a conflict storing the 85 of a lost race is ignored; any other failure is not', async () => {
    const w = makePaymentWorld({ answers: [approved] });
    w.acquirer.authorise = (request) => {
      const tx = w.stored();
      w.transactions.put({ ...tx, status: 'CANCELLED', version: tx.version + 1 });
      w.transactions.apply = () => Promise.reject(new ConcurrentUpdateError(request.pspTransactionId));
      return Promise.resolve(approved);
    };
    expect((await w.send()).answer).toEqual(tooLate);

    const v = makePaymentWorld({ answers: [approved] });
    v.acquirer.authorise = () => {
      const tx = v.stored();
      v.transactions.put({ ...tx, status: 'CANCELLED', version: tx.version + 1 });
      v.transactions.apply = () => Promise.reject(new Error('throttled'));
      return Promise.resolve(approved);
    };
    await expect(v.send()).rejects.toThrow('throttled');
  });

  it('a SOFT_DECLINE answer kept on the attempt lets the request after 3-D Secure through (a new hash)', async () => {
    const w = makePaymentWorld({ answers: [softDecline, approved] });
    await w.softDeclinedThen('SUCCEEDED');
    expect((await w.send({ requestHash: 'hash-2' })).answer).toEqual({ status: 'OK' });
    expect(w.stored().makePayment).toMatchObject({
      requestHash: 'hash-2',
      phase: 'AFTER_3DS',
      claimedAt: at,
    });
  });
});
