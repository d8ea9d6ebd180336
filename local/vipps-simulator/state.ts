/**
 * The simulator's memory: payments as Vipps sees them, every status update and request in
 * arrival order, issued access tokens and idempotent answers. Plain data, inspected by tests,
 * the local stack and the checklist runner.
 */
import type { Clock } from '../../lambdas/core/ports.js';
import type { TransactionInfo } from '../../lambdas/adapters/vipps/schemas.js';
import type { ApproveResult } from './approve-flow.js';

export type TransactionStatus = TransactionInfo['status'];

export interface LogEntry {
  amount: number;
  paymentText?: string;
  timeStamp: string;
  operation: TransactionStatus;
  operationSuccess: boolean;
}

/** A payment as the simulator (Vipps) knows it. */
export interface SimulatedPayment {
  pspTransactionId: string;
  merchantSerialNumber: string;
  merchantOrderId: string;
  amount: number;
  currency: string;
  paymentText?: string;
  pspRedirectUrl: string;
  makePaymentUrl: string;
  isApp: boolean;
  customerMobileNumber?: string;
  skipLandingPage?: boolean;
  createdAt: string;
  vippsRedirectUrl: string;
  /** The `token` of vippsRedirectUrl: ForceApproveRequest.token must equal it. */
  approveToken: string;
  /**
   * The app's view, from our makePayment answers: APPROVED after an OK, FAILED after anything
   * else, CANCELLED / EXPIRED after the simulator sent USER_CANCEL (NO, CANCEL) / TIMEOUT.
   */
  appStatus: 'INITIATED' | 'APPROVED' | 'FAILED' | 'CANCELLED' | 'EXPIRED';
  /** The last status the PSP reported through updatestatus. */
  reportedStatus?: TransactionStatus;
  reservedAmount: number;
  capturedAmount: number;
  refundedAmount: number;
  cancelled: boolean;
  transactionLogHistory: LogEntry[];
  approvals: ApproveResult[];
}

export const RESERVED_WITHOUT_OK = 'RESERVED reported, but makePayment never answered OK';

/** Internal record: the view plus what must not be shown (the PSP's makePaymentToken). */
export interface PaymentRecord extends SimulatedPayment {
  makePaymentToken?: string;
  /** makePayment calls of ours still waiting for the PSP's answer. */
  makePaymentsInFlight?: number;
  /**
   * The problems of a RESERVED that arrived while a makePayment answer was still on its way:
   * judged when that answer arrives (the PSP's updater may outrun its own HTTP answer).
   */
  reservedBeforeAnswer?: string[];
  /** Approved on the landing page with 3-D Secure left to the browser: finish at /mobileintercept. */
  threeDsInBrowser?: boolean;
}

export interface RecordedStatusUpdate {
  /** Which accepted updatestatus call carried it (1-based). */
  callIndex: number;
  receivedAt: string;
  /** The Merchant-Serial-Number header of the call. */
  merchantSerialNumber: string;
  idempotencyKey?: string;
  transaction: TransactionInfo;
  applied: boolean;
  /** What a real Vipps would not complain about but a reviewer should see. */
  problems: string[];
}

export type SimEndpoint = 'accesstoken' | 'init' | 'updatestatus' | 'details' | 'approve';

export interface RecordedRequest {
  seq: number;
  at: string;
  method: string;
  path: string;
  endpoint?: SimEndpoint;
  /** Lower-cased names; Authorization, client_secret and the subscription key are masked. */
  headers: Record<string, string>;
  /** Parsed JSON (makePaymentToken masked) or the raw text when it is not JSON. */
  body?: unknown;
  status?: number;
  fault?: string;
  /** Answered from the idempotency store (same Idempotency-Key, same body). */
  replayed?: boolean;
}

export interface MobileInterceptVisit {
  at: string;
  url: string;
  transactionId?: string;
  responsecode?: string;
}

export interface StoredAnswer {
  bodyHash: string;
  status: number;
  json: unknown;
}

const MAX_RECORDED_REQUESTS = 10_000;

export class SimulatorState {
  readonly payments = new Map<string, PaymentRecord>();
  readonly statusUpdates: RecordedStatusUpdate[] = [];
  readonly requests: RecordedRequest[] = [];
  readonly mobileInterceptVisits: MobileInterceptVisit[] = [];
  readonly tokens = new Map<string, { expiresAt: number; revoked: boolean }>();
  readonly idempotent = new Map<string, StoredAnswer>();
  readonly merchants: Set<string>;
  updateStatusCalls = 0;
  tokensIssued = 0;
  #requestSeq = 0;

  constructor(
    readonly clock: Clock,
    merchants: readonly string[],
  ) {
    this.merchants = new Set(merchants);
  }

  /** Log a request; a long-running local stack keeps only the latest MAX_RECORDED_REQUESTS. */
  recordRequest(record: Omit<RecordedRequest, 'seq'>): RecordedRequest {
    const entry = { seq: ++this.#requestSeq, ...record };
    this.requests.push(entry);
    if (this.requests.length > MAX_RECORDED_REQUESTS) this.requests.shift();
    return entry;
  }

  now(): string {
    return this.clock.now().toISOString();
  }

  findByOrder(merchantSerialNumber: string, merchantOrderId: string): PaymentRecord | undefined {
    for (const p of this.payments.values()) {
      if (p.merchantSerialNumber === merchantSerialNumber && p.merchantOrderId === merchantOrderId) return p;
    }
    return undefined;
  }

  /** A deep copy without the makePaymentToken and the simulator's own bookkeeping. */
  view(payment: PaymentRecord): SimulatedPayment {
    const {
      makePaymentToken: _secret,
      makePaymentsInFlight: _n,
      reservedBeforeAnswer: _early,
      ...rest
    } = payment;
    return structuredClone(rest);
  }

  clearRecords(): void {
    this.statusUpdates.length = 0;
    this.requests.length = 0;
    this.mobileInterceptVisits.length = 0;
    this.updateStatusCalls = 0;
    this.tokensIssued = 0;
  }
}

/** Vipps' details summary, from the status updates applied so far. */
export function summaryOf(p: SimulatedPayment) {
  return {
    capturedAmount: p.capturedAmount,
    remainingAmountToCapture: p.cancelled ? 0 : Math.max(0, p.reservedAmount - p.capturedAmount),
    refundedAmount: p.refundedAmount,
    remainingAmountToRefund: Math.max(0, p.capturedAmount - p.refundedAmount),
  };
}
