/**
 * One payment per errorId Vipps lists, provoked the way the sandbox allows: magic amounts for the
 * acquirer's outcomes (DESIGN.md "Sandbox acquirer"), simulator instructions for what the user or
 * Vipps does (cancel, time out, legacy ENCRYPTEDCARD with bad cardData, 3-D Secure choices).
 * A failed or ended payment produces no status update: Vipps already has our FAIL answer.
 */
import {
  type VippsError,
  statusFromVipps,
  threeDsCancelled,
  vippsErrors,
} from '../../lambdas/core/error-catalogue.js';
import { type ApprovalScenarioSpec, approvalScenario } from './approval-scenario.js';
import { check } from './checks.js';
import type { PaymentView } from './merchant-http.js';
import type { AcquirerFacts, ApprovalPlan, Scenario } from './types.js';

const APPROVE: ApprovalPlan = {
  forceApprovable: true,
  manualInstruction: 'approve the payment in the Vipps app with the test user',
};

const fail = (error: VippsError) => ({ status: 'FAIL' as const, ...error });
const SOFT_DECLINE = { status: 'SOFT_DECLINE' as const, ...vippsErrors.softDecline };

/** Declined by the (sandbox) acquirer at the given magic amount: one FAIL answer, payment FAILED. */
function declined(id: string, title: string, amount: number, error: VippsError): Scenario {
  return approvalScenario({
    id,
    title,
    errorId: error.errorId,
    amount,
    plan: APPROVE,
    answers: [fail(error)],
    state: 'FAILED',
    updates: [],
  });
}

/** The user or Vipps ended the payment: 93, nothing sent to the acquirer. */
function endedByVipps(
  id: string,
  title: string,
  simulate: ApprovalPlan['simulate'],
  ending: 'CANCEL' | 'TIMEOUT' | 'NO',
  state: 'CANCELLED' | 'EXPIRED',
  manualInstruction?: string,
): Scenario {
  return approvalScenario({
    id,
    title,
    errorId: '93',
    amount: 10_000,
    plan: { simulate, forceApprovable: false, ...(manualInstruction ? { manualInstruction } : {}) },
    answers: [fail(statusFromVipps(ending))],
    state,
    updates: [],
    extra: async ({ context, payment }) => {
      const events = context.driver.ledger?.eventTypes(payment.pspTransactionId);
      if (!events) return { checks: [] };
      return {
        checks: [check('nothing was sent to the acquirer', events.length === 0, events.join(', ') || 'none')],
      };
    },
  });
}

const hasReversal = (p: PaymentView) => p.history.some((h) => h.operation === 'REVERSE');

/** A scenario whose steps depend on what the running acquirer's API allows. */
function perAcquirer(
  id: string,
  title: string,
  errorId: string,
  pick: (facts?: AcquirerFacts) => Scenario,
): Scenario {
  return { id, title, errorId, run: (context) => pick(context.driver.acquirer).run(context) };
}

/**
 * 85 where the acquirer cannot be asked by our reference (Clearhaus): we answer 85 in time and
 * never claim a reversal we could not make; the hold is left for ops, who get the reference.
 */
function tooLateWithoutLookup(): Scenario {
  return approvalScenario({
    id: 'ERR-85',
    title:
      'Acquirer silent past our budget (10085): answer 85 in time; no lookup by reference, so ops get it',
    errorId: '85',
    amount: 10_085,
    plan: APPROVE,
    answers: [fail(vippsErrors.tooLate)],
    state: 'FAILED',
    updates: [],
    extra: async ({ context, payment, approval }) => {
      const { driver } = context;
      const budget = driver.acquirerBudgetMs ?? 10_000;
      const answer = approval.answers?.at(-1);
      const after = await driver.reconcile(payment.pspTransactionId, () => true);
      const events = driver.ledger?.eventTypes(payment.pspTransactionId) ?? [];
      return {
        checks: [
          check(
            `answered within the budget (${budget} ms) + 2 s and inside Vipps' 15 s`,
            answer !== undefined && answer.durationMs <= Math.min(budget + 2_000, 15_000),
            `${Math.round(answer?.durationMs ?? NaN)} ms`,
          ),
          check(
            'the authorisation was sent once, never retried blindly',
            events.filter((e) => e.endsWith('AUTHORISATION')).length === 1,
            events.join(', '),
          ),
          check(
            'no reversal is claimed that the acquirer did not make (ops resolve it by the reference)',
            !hasReversal(after),
            after.history.map((h) => h.operation).join(' → '),
          ),
        ],
        expected: '85 in time; the unknown authorisation left to ops with its reference',
        observed: hasReversal(after) ? 'a reversal was claimed' : 'left to ops',
      };
    },
  });
}

/** 85: the acquirer does not answer within our budget; the late authorisation is reversed. */
function tooLate(): Scenario {
  const spec: ApprovalScenarioSpec = {
    id: 'ERR-85',
    title: 'Acquirer silent past our budget (10085): answer 85 in time, then reverse the authorisation',
    errorId: '85',
    amount: 10_085,
    plan: APPROVE,
    answers: [fail(vippsErrors.tooLate)],
    state: 'FAILED',
    updates: [],
    extra: async ({ context, payment, approval }) => {
      const { driver } = context;
      const checks = [];
      const budget = driver.acquirerBudgetMs ?? 10_000;
      const answer = approval.answers?.at(-1);
      if (answer)
        checks.push(
          check(
            `answered within the budget (${budget} ms) + 2 s and inside Vipps' 15 s`,
            answer.durationMs <= Math.min(budget + 2_000, 15_000),
            `${Math.round(answer.durationMs)} ms`,
          ),
        );
      const before = driver.ledger?.eventTypes(payment.pspTransactionId);
      if (before)
        checks.push(
          check(
            'the issuer approved after we stopped waiting (a hold exists before the reversal)',
            before.includes('LATE_AUTHORISATION'),
            before.join(', '),
          ),
        );
      const after = await driver.reconcile(payment.pspTransactionId, hasReversal);
      checks.push(
        check(
          'the reconciler reversed the authorisation (REVERSE in our history)',
          hasReversal(after),
          after.history.map((h) => h.operation).join(' → '),
        ),
      );
      const ledger = driver.ledger;
      if (ledger) {
        const events = ledger.eventTypes(payment.pspTransactionId);
        const money = ledger.heldAndCharged(payment.pspTransactionId);
        checks.push(
          check(
            'the acquirer released the hold: nothing held or charged',
            events.includes('REVERSAL') && money.held === 0 && money.netCharged === 0,
            `${events.join(', ')}; held ${money.held}, charged ${money.netCharged}`,
          ),
        );
      }
      return {
        checks,
        expected: 'late authorisation reversed by the reconciler',
        observed: hasReversal(after) ? 'reversed by the reconciler' : 'NOT reversed',
      };
    },
  };
  return approvalScenario(spec);
}

export function errorScenarios(): Scenario[] {
  return [
    approvalScenario({
      id: 'ERR-72',
      title: '3-D Secure cancelled by the user (10036, Cancel on our challenge page)',
      errorId: '72',
      amount: 10_036,
      plan: {
        simulate: { threeDsAction: 'cancel' },
        forceApprovable: false,
        manualInstruction: 'approve in the Vipps app, then press Cancel on our 3-D Secure page',
      },
      answers: [SOFT_DECLINE, fail(threeDsCancelled)],
      threeDs: '3dscancel',
      state: 'FAILED',
      updates: [],
    }),
    declined('ERR-81', 'No such issuer (10081)', 10_081, vippsErrors.noSuchIssuer),
    declined('ERR-82', 'Refused by issuer (10082)', 10_082, vippsErrors.refusedByIssuer),
    declined('ERR-83', 'Suspected fraud (10083)', 10_083, vippsErrors.suspectedFraud),
    declined('ERR-84', 'Exceeds withdrawal amount limit (10084)', 10_084, vippsErrors.exceedsLimit),
    perAcquirer('ERR-85', 'Acquirer silent past our budget (10085)', '85', (facts) =>
      facts?.reversesByReference === false ? tooLateWithoutLookup() : tooLate(),
    ),
    declined('ERR-86', 'Expired card (10086)', 10_086, vippsErrors.expiredCard),
    declined('ERR-87', 'Invalid card number (10087)', 10_087, vippsErrors.invalidCardNumber),
    perAcquirer('ERR-88', 'Credit card for a merchant that disallows credit cards', '88', (facts) =>
      facts?.reportsFunding === false
        ? declined(
            'ERR-88',
            'Credit card for a merchant that disallows credit cards (10188: a card in the BIN table’s credit range)',
            10_188,
            vippsErrors.creditCardNotAllowed,
          )
        : declined(
            'ERR-88',
            'Credit card for a merchant that disallows credit cards (10088)',
            10_088,
            vippsErrors.creditCardNotAllowed,
          ),
    ),
    declined('ERR-89', 'Insufficient funds (10089)', 10_089, vippsErrors.insufficientFunds),
    declined('ERR-91', 'Acquirer internal error (10091)', 10_091, vippsErrors.internalError),
    approvalScenario({
      id: 'ERR-92',
      title: 'Legacy ENCRYPTEDCARD whose cardData cannot be decrypted',
      errorId: '92',
      amount: 10_000,
      plan: {
        simulate: {
          instrument: 'ENCRYPTEDCARD',
          cardDataOverride: Buffer.from('not a ciphertext').toString('base64'),
        },
        forceApprovable: false,
      },
      answers: [fail(vippsErrors.unableToDecrypt)],
      state: 'FAILED',
      updates: [],
    }),
    endedByVipps(
      'ERR-93-USER_CANCEL',
      'User cancelled in the Vipps app (paymentState USER_CANCEL)',
      { paymentState: 'USER_CANCEL' },
      'CANCEL',
      'CANCELLED',
      'open the link and cancel the payment in the Vipps app',
    ),
    endedByVipps(
      'ERR-93-TIMEOUT',
      'Payment timed out in the Vipps app (paymentState TIMEOUT)',
      { paymentState: 'TIMEOUT' },
      'TIMEOUT',
      'EXPIRED',
      'open the link and leave the payment until the Vipps app times it out',
    ),
    endedByVipps(
      'ERR-93-NO',
      'Legacy confirmed NO (the v2 field)',
      { legacyConfirmed: 'NO' },
      'NO',
      'CANCELLED',
    ),
    perAcquirer('ERR-94', 'Soft decline that cannot be stepped up (10094)', '94', (facts) =>
      facts?.refusesStepUpAtOnce === false
        ? approvalScenario({
            id: 'ERR-94',
            title: 'Authentication required again after 3-D Secure (10094): 1036 → 3-D Secure → 94',
            errorId: '94',
            amount: 10_094,
            plan: {
              simulate: { otp: '1234', threeDsAction: 'submit' },
              forceApprovable: false,
              manualInstruction: 'approve in the Vipps app, then enter 1234 on our 3-D Secure page',
            },
            answers: [SOFT_DECLINE, fail(vippsErrors.unhandledSoftDecline)],
            threeDs: '3dssuccess',
            state: 'FAILED',
            updates: [],
          })
        : declined(
            'ERR-94',
            'Soft decline that cannot be stepped up (10094)',
            10_094,
            vippsErrors.unhandledSoftDecline,
          ),
    ),
  ];
}

export function threeDsScenarios(): Scenario[] {
  const loop = (id: string, title: string, amount: number, instruction: string): Scenario =>
    approvalScenario({
      id,
      title,
      amount,
      plan: {
        simulate: { otp: '1234', threeDsAction: 'submit' },
        forceApprovable: false,
        manualInstruction: instruction,
      },
      answers: [SOFT_DECLINE, { status: 'OK' }],
      threeDs: '3dssuccess',
      state: 'RESERVED',
      updates: [{ status: 'RESERVED', amount }],
    });
  return [
    loop(
      '3DS-LOOP-10036',
      '3-D Secure step-up: soft decline → challenge (OTP 1234) → second makePayment → RESERVED',
      10_036,
      'approve in the Vipps app, then enter 1234 on our 3-D Secure page',
    ),
    loop(
      '3DS-LOOP-MASTERCARD-ECI06',
      'Mastercard token with ECI 06 (2200): soft decline → challenge → RESERVED',
      2_200,
      'approve in the Vipps app, then enter 1234 on our 3-D Secure page',
    ),
    approvalScenario({
      id: '3DS-FAILED-CHALLENGE',
      title: '3-D Secure challenge failed (wrong OTP) → 82, never a second soft decline',
      errorId: '82',
      amount: 10_036,
      plan: {
        simulate: { otp: '0000', threeDsAction: 'submit' },
        forceApprovable: false,
        manualInstruction: 'approve in the Vipps app, then enter a wrong code (0000) on our 3-D Secure page',
      },
      answers: [SOFT_DECLINE, fail(vippsErrors.refusedByIssuer)],
      threeDs: '3dsfailure',
      state: 'FAILED',
      updates: [],
    }),
  ];
}
