/**
 * The shape of every acquirer's code table: what one of the acquirer's answer codes means for us
 * (an outcome, and for a refusal our decline reason) and which Vipps errorId makePayment answers.
 * One table per acquirer (clearhaus/status-codes.ts, adyen/refusal-reasons.ts); docs/acquirers.md
 * shows them and a test keeps the two in step.
 */
import type { DeclineReason } from '../../core/error-catalogue.js';

export type AcquirerCodeMeaning =
  | { outcome: 'APPROVED' }
  | { outcome: 'DECLINED'; reason: DeclineReason }
  /** The issuer wants strong customer authentication: step up with 3-D Secure (after it: 94). */
  | { outcome: 'SOFT_DECLINE' }
  /** Nothing was authorised, and it is not the card's fault: our 91. */
  | { outcome: 'ERROR' };

export interface AcquirerCodeEntry {
  meaning: AcquirerCodeMeaning;
  /** The acquirer's own description, for messages and the docs. */
  text: string;
  /** What makePayment answers Vipps (OK, 1036 for a soft decline, else the FAIL errorId). */
  vippsErrorId: string;
}

/** An acquirer answer we cannot trust (not JSON, a field missing, a code not in its table). */
export class AcquirerAnswerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AcquirerAnswerError';
  }
}
