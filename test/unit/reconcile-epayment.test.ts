/**
 * The reconciler's look at Vipps' ePayment API (DESIGN.md "ePayment PSP API" §5, polling beside
 * webhooks): a payment still waiting for its card at our deadline records Vipps' own ending when
 * Vipps ended it, else our expiry stands; before re-sending updates, Vipps' aggregate is logged
 * beside ours for ops. Vipps is a scripted in-memory EPaymentApi.
 */
import { describe, expect, it } from 'vitest';
import type { EPaymentApi, EPaymentView } from '../../lambdas/core/epayment-port.js';
import { applied, initiatedPayment } from '../support/transactions.js';
import { compareWithEPayment, endingAtVipps } from '../../lambdas/core/use-cases/reconcile-epayment.js';
import { RecordingLog } from '../support/three-ds-harness.js';

const AT = '2026-11-24T10:16:00.000Z';
const nok = (value: number) => ({ currency: 'NOK', value });

function view(state: string, aggregate: Partial<Record<'captured' | 'refunded', number>> = {}): EPaymentView {
  return {
    reference: 'ref',
    state,
    aggregate: {
      authorizedAmount: nok(10_000),
      capturedAmount: nok(aggregate.captured ?? 0),
      refundedAmount: nok(aggregate.refunded ?? 0),
      cancelledAmount: nok(0),
    },
  };
}

/** Vipps answering GET /epayment/v1/payments/{reference} with `answer`, recording each call. */
function vipps(answer: EPaymentView | Error) {
  const calls: Array<[string, string]> = [];
  const ePayment: Pick<EPaymentApi, 'getPayment'> = {
    getPayment: (msn, reference) => {
      calls.push([msn, reference]);
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
    },
  };
  return { ePayment, calls };
}

const waiting = initiatedPayment({ vippsApi: 'epayment', merchantSerialNumber: '234567' });
const ID = waiting.pspTransactionId;

describe('endingAtVipps: a waiting ePayment payment at our deadline', () => {
  const endings: Array<[string, 'CANCELLED' | 'EXPIRED', string]> = [
    ['ABORTED', 'CANCELLED', 'CANCEL'],
    ['EXPIRED', 'EXPIRED', 'TIMEOUT'],
    ['TERMINATED', 'CANCELLED', 'CANCEL'],
  ];
  for (const [state, status, vippsState] of endings) {
    it(`Vipps says ${state} → the payment records Vipps’ ending: ${status} with 93`, async () => {
      const { ePayment, calls } = vipps(view(state));
      const log = new RecordingLog();
      const ended = await endingAtVipps(waiting, AT, { ePayment, log });
      expect(calls).toEqual([['234567', ID]]);
      expect(applied(waiting, ended!)).toMatchObject({
        status,
        failure: { errorId: '93', errorText: `Status from Vipps:${vippsState}` },
        updatedAt: AT,
      });
      expect(log.entries).toEqual([
        {
          level: 'info',
          message: 'Vipps’ view of a waiting ePayment payment',
          extra: [{ pspTransactionId: ID, state }],
        },
      ]);
    });
  }

  it('still open at Vipps (CREATED) → no ending from Vipps: our own expiry stands', async () => {
    const { ePayment } = vipps(view('CREATED'));
    expect(await endingAtVipps(waiting, AT, { ePayment, log: new RecordingLog() })).toBeUndefined();
  });

  it('Vipps unreachable → our expiry stands, and ops see why', async () => {
    const { ePayment } = vipps(new Error('connect ETIMEDOUT'));
    const log = new RecordingLog();
    expect(await endingAtVipps(waiting, AT, { ePayment, log })).toBeUndefined();
    expect(log.entries).toEqual([
      {
        level: 'warn',
        message: 'Could not read the ePayment payment; expiring it on our deadline',
        extra: [{ pspTransactionId: ID, error: 'Error: connect ETIMEDOUT' }],
      },
    ]);
  });

  it('a PSP API v3 payment, or no ePayment client wired, is not looked up at all', async () => {
    const { ePayment, calls } = vipps(view('ABORTED'));
    const v3 = initiatedPayment({ vippsApi: 'psp-v3' });
    expect(await endingAtVipps(v3, AT, { ePayment, log: new RecordingLog() })).toBeUndefined();
    expect(await endingAtVipps(waiting, AT, { log: new RecordingLog() })).toBeUndefined();
    expect(calls).toEqual([]);
  });
});

describe('compareWithEPayment: Vipps’ aggregate beside ours before re-sending', () => {
  const captured = { ...waiting, status: 'CAPTURED' as const, capturedAmount: 6_000, refundedAmount: 2_000 };
  const message = 'Vipps’ ePayment view before re-sending status updates';

  it('logs both views and that they match', async () => {
    const { ePayment, calls } = vipps(view('AUTHORIZED', { captured: 6_000, refunded: 2_000 }));
    const log = new RecordingLog();
    await compareWithEPayment(captured, { ePayment, log });
    expect(calls).toEqual([['234567', ID]]);
    expect(log.entries).toEqual([
      {
        level: 'info',
        message,
        extra: [
          {
            pspTransactionId: ID,
            matches: true,
            ours: { status: 'CAPTURED', captured: 6_000, refunded: 2_000 },
            vipps: { captured: 6_000, refunded: 2_000 },
          },
        ],
      },
    ]);
  });

  it('a difference in captured or in refunded is logged as not matching', async () => {
    for (const aggregate of [
      { captured: 5_000, refunded: 2_000 },
      { captured: 6_000, refunded: 0 },
    ]) {
      const { ePayment } = vipps(view('AUTHORIZED', aggregate));
      const log = new RecordingLog();
      await compareWithEPayment(captured, { ePayment, log });
      expect(log.entries[0]!.extra[0]).toMatchObject({ matches: false, vipps: aggregate });
    }
  });

  it('Vipps unreachable → a warning, and the re-send goes ahead (no error)', async () => {
    const { ePayment } = vipps(new Error('503'));
    const log = new RecordingLog();
    await expect(compareWithEPayment(captured, { ePayment, log })).resolves.toBeUndefined();
    expect(log.entries).toEqual([
      {
        level: 'warn',
        message: 'Could not read the ePayment payment; re-sending anyway',
        extra: [{ pspTransactionId: ID, error: 'Error: 503' }],
      },
    ]);
  });

  it('no ePayment client wired → nothing asked, nothing logged', async () => {
    const log = new RecordingLog();
    await compareWithEPayment(captured, { log });
    expect(log.entries).toEqual([]);
  });
});
