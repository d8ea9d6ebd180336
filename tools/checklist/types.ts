/** The checklist's vocabulary: drivers run payments, scenarios check them, the runner reports. */
import type { EPaymentDriver } from './epayment-driver.js';
import type { CreatedPayment, MerchantHttp, PaymentView } from './merchant-http.js';

export type Verdict = 'PASS' | 'FAIL' | 'SKIP';

export interface Check {
  name: string;
  pass: boolean;
  detail?: string;
}

/** One row of the report: the table Vipps asks for, plus the checks behind the verdict. */
export interface ItemResult {
  id: string;
  title: string;
  /** The Vipps errorId the item provokes, if any. */
  errorId?: string;
  pspTransactionId?: string;
  merchantOrderId?: string;
  expected: string;
  observed: string;
  verdict: Verdict;
  checks: Check[];
  durationMs: number;
  /** Why an item was skipped, or what the operator should know. */
  note?: string;
}

/** One makePayment answer as Vipps received it (only known where we can watch the wire). */
export interface ObservedAnswer {
  httpStatus: number | null;
  status?: string;
  errorId?: string;
  errorText?: string;
  url3dSecure?: string;
  echoedPspTransactionId?: string;
  /** What the Vipps simulator found wrong with the answer (content type, missing fields …). */
  problems: string[];
  durationMs: number;
}

export interface ObservedApproval {
  answers?: ObservedAnswer[];
  threeDs?: { operation?: string; problems: string[] };
}

/** What the Vipps app / test user does with the payment. */
export interface ApprovalPlan {
  /** Simulator instructions (local); ignored by a real Vipps. */
  simulate?: {
    paymentState?: 'ACCEPTED' | 'USER_CANCEL' | 'TIMEOUT';
    legacyConfirmed?: 'YES' | 'NO' | 'TIMEOUT' | 'CANCEL';
    instrument?: 'TOKEN' | 'ENCRYPTEDCARD';
    cardDataOverride?: string;
    otp?: string;
    threeDsAction?: 'submit' | 'cancel';
  };
  /** Can Vipps' force-approve endpoint do this (a plain approval, no user choices)? */
  forceApprovable: boolean;
  /** What a person must do in the Vipps app for this scenario; undefined: impossible there. */
  manualInstruction?: string;
}

/** A status update as Vipps received it (only known where we can see Vipps' side). */
export interface ReceivedStatusUpdate {
  status: string;
  amount: number;
  applied: boolean;
  problems: string[];
}

export interface ChecklistDriver {
  mode: 'local' | 'target';
  /** One line for the report header. */
  description: string;
  merchant: MerchantHttp;
  makePaymentUrl: string;
  /** The acquirer budget the stack runs with (error 85 must come inside it, plus a margin). */
  acquirerBudgetMs?: number;
  /** Undefined when the plan can be carried out, else why not (the item is then skipped). */
  cannotApprove(plan: ApprovalPlan): string | undefined;
  approve(payment: CreatedPayment, plan: ApprovalPlan, itemId: string): Promise<ObservedApproval>;
  /** The raw makePaymentToken (local only: Vipps knows it, we only store its hash). */
  makePaymentToken?(pspTransactionId: string): string | undefined;
  /** Wait until the payment's status updates have reached Vipps (or nothing is pending). */
  settle(pspTransactionId: string): Promise<PaymentView>;
  /** Status updates Vipps received for the payment, in arrival order (local only). */
  statusUpdatesAtVipps?(pspTransactionId: string): ReceivedStatusUpdate[];
  /** Vipps' own amounts for the payment (local only: Vipps' test environment does not apply updates). */
  vippsAmounts?(
    pspTransactionId: string,
  ): { captured: number; refunded: number; cancelled: boolean } | undefined;
  /** Run (local) or wait for (target) the reconciler until `done` holds for the payment. */
  reconcile(pspTransactionId: string, done: (p: PaymentView) => boolean): Promise<PaymentView>;
  /** The merchant's ePayment sales unit, when there is one: the ePayment section runs on it. */
  ePayment?: EPaymentDriver;
  /** Resolves once no capture/refund/cancel of the payment is still waiting for the acquirer. */
  operationsSettled?(pspTransactionId: string): Promise<void>;
  /** Which acquirer runs and what its API allows (local only; a target is assumed like the sandbox). */
  acquirer?: AcquirerFacts;
  /** The acquirer's (sandbox or simulator) ledger (local only). */
  ledger?: {
    eventTypes(pspTransactionId: string): string[];
    heldAndCharged(pspTransactionId: string): { held: number; netCharged: number };
  };
}

export interface AcquirerFacts {
  name: 'sandbox' | 'clearhaus' | 'adyen';
  /** Its answer says debit/credit (else the BIN table decides errorId 88). */
  reportsFunding: boolean;
  /** An authorisation whose answer was lost can be found and reversed by our reference. */
  reversesByReference: boolean;
  /** It answers "cannot step up" at once (sandbox 10094); real ones soft-decline again after 3DS. */
  refusesStepUpAtOnce: boolean;
}

export interface ScenarioContext {
  driver: ChecklistDriver;
  /** Unique per run, so merchantOrderIds never collide with earlier runs. */
  runId: string;
}

/** What a scenario hands back; the runner adds id, title, verdict and duration. */
export interface ScenarioOutcome {
  pspTransactionId?: string;
  merchantOrderId?: string;
  expected: string;
  observed: string;
  checks: Check[];
  /** Set when the scenario could not run here (the reason). */
  skipped?: string;
  note?: string;
}

export interface Scenario {
  id: string;
  title: string;
  errorId?: string;
  run(context: ScenarioContext): Promise<ScenarioOutcome>;
}
