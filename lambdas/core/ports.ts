/**
 * Ports: what the domain needs from the outside world. Production adapters (DynamoDB, SQS, KMS,
 * HTTPS) and local/sandbox ones implement the same interfaces; use cases receive them as
 * arguments, so tests build the real thing against local endpoints.
 */
import type { DeclineReason } from './error-catalogue.js';
import type { Currency, MinorUnits } from './money.js';
import type { VippsApiName } from './vipps-api.js';
import type { StatusBatch, StatusUpdate, Transaction, Transition } from './transaction.js';

// ── Transaction store ───────────────────────────────────────────────────────────────────────

export interface TransactionStore {
  /** Conditional put: fails with ConcurrentUpdateError if the id exists. */
  create(tx: Transaction): Promise<void>;
  get(pspTransactionId: string): Promise<Transaction | undefined>;
  /** Through an eventually consistent index: for reading, never for deciding uniqueness. */
  findByMerchantOrder(
    merchantSerialNumber: string,
    merchantOrderId: string,
  ): Promise<Transaction | undefined>;
  /**
   * Claim an order id (MSN + merchantOrderId) with one conditional put of its order-key item.
   * Returns the claim that holds the order: `claim` itself if it won, else the earlier one.
   */
  claimMerchantOrder(claim: MerchantOrderClaim): Promise<MerchantOrderClaim>;
  /**
   * One conditional UpdateItem: succeeds only if the stored version is still `current.version`;
   * sets `changes`, appends `history`, removes `remove`, bumps the version and returns the new item.
   * Throws ConcurrentUpdateError when another writer won.
   */
  apply(
    current: Transaction,
    transition: Pick<Transition, 'changes' | 'history'>,
    remove?: ReadonlyArray<keyof Transaction>,
  ): Promise<Transaction>;
  /** Payments whose dueAt ≤ now (sparse index), oldest first. */
  listDue(now: Date, limit: number): Promise<Transaction[]>;
  /**
   * Record what Vipps acknowledged: raises vippsSync.acknowledgedSeq to `seq` if it is lower.
   * Does not bump `version` (status sync must not race merchant operations). Returns false if
   * the stored sequence was already ≥ seq.
   */
  recordVippsAck(pspTransactionId: string, seq: number, at: string): Promise<boolean>;
  /**
   * Store the updatestatus call about to be made for this payment (vippsSync.sending), before it
   * is made: a redelivery then repeats it exactly. No version bump, like recordVippsAck.
   */
  recordVippsSending(pspTransactionId: string, batch: StatusBatch): Promise<void>;
  /**
   * Record a status update Vipps rejected (4xx). It is NOT acknowledged: it stays owed and
   * blocks later updates (vippsSync.rejectedSeq). The first rejection of a sequence is appended
   * to vippsSync.rejected for ops (a repeated one is not, so retries cannot grow the item), and
   * the stored call (vippsSync.sending) is removed: Vipps answered it. No version bump.
   * Throws PaymentNotFoundError for an unknown id.
   */
  recordVippsRejection(pspTransactionId: string, seq: number, reason: string, at: string): Promise<void>;
}

/** Who holds a merchant order id: one payment per MSN + merchantOrderId, ever. */
export interface MerchantOrderClaim {
  merchantSerialNumber: string;
  merchantOrderId: string;
  pspTransactionId: string;
  /** Identifies the create request (merchant, Idempotency-Key, body) that may resume the claim. */
  requestHash: string;
  claimedAt: string;
}

// ── Merchants ───────────────────────────────────────────────────────────────────────────────

export interface Merchant {
  merchantId: string;
  name: string;
  /** The Vipps sales units (MSNs) this merchant may use. */
  merchantSerialNumbers: string[];
  allowCreditCards: boolean;
  /** Sales units that use another Vipps API than the PSP API v3 (e.g. {"234567": "epayment"}). */
  vippsApis?: Record<string, VippsApiName>;
}

export interface MerchantStore {
  /** Look a merchant up by the SHA-256 (hex) of its API key; keys are stored hashed only. */
  findByApiKeyHash(apiKeyHash: string): Promise<Merchant | undefined>;
  get(merchantId: string): Promise<Merchant | undefined>;
  /** Create or replace a merchant and register one API key (hash) for it. */
  put(merchant: Merchant, apiKeyHash: string): Promise<void>;
}

// ── Status queue (Vipps updatestatus outbox) ────────────────────────────────────────────────

export interface StatusQueue {
  /** FIFO: MessageGroupId = pspTransactionId, dedup id = `${pspTransactionId}-${seq}`. */
  enqueue(update: StatusUpdate): Promise<void>;
}

/** Where a status message Vipps rejected (4xx) or we cannot read goes, with the reason, for ops. */
export interface DeadLetterQueue {
  /**
   * `groupId` = the payment's id (FIFO MessageGroupId), so a redrive keeps its order.
   * `sourceMessageId`, the status message being dead-lettered: a retried invocation stores it
   * once, while the same body rejected again after a redrive (a new message) is stored again.
   */
  send(body: string, reason: string, groupId: string, sourceMessageId?: string): Promise<void>;
}

// ── Vipps PSP API v3 ────────────────────────────────────────────────────────────────────────

export interface VippsInitRequest {
  pspTransactionId: string;
  merchantSerialNumber: string;
  merchantOrderId: string;
  amount: MinorUnits;
  currency: Currency;
  paymentText: string;
  pspRedirectUrl: string;
  makePaymentUrl: string;
  makePaymentToken: string;
  customerMobileNumber?: string;
  isApp: boolean;
}

export interface VippsPaymentDetails {
  pspTransactionId: string;
  merchantOrderId?: string;
  transactionSummary?: {
    capturedAmount?: number;
    remainingAmountToCapture?: number;
    refundedAmount?: number;
    remainingAmountToRefund?: number;
  };
  transactionLogHistory?: Array<{
    amount?: number;
    paymentText?: string;
    timeStamp?: string;
    operation?: string;
    operationSuccess?: boolean;
  }>;
}

export interface VippsApi {
  /** POST /psp/v3/psppayments/init. Throws VippsRejectedError (4xx) / VippsUnavailableError. */
  initiatePayment(request: VippsInitRequest, idempotencyKey: string): Promise<{ vippsRedirectUrl: string }>;
  /** POST /psp/v3/psppayments/updatestatus: one call carries every update of one MSN. */
  updateStatus(
    merchantSerialNumber: string,
    updates: ReadonlyArray<StatusUpdate>,
    idempotencyKey: string,
  ): Promise<void>;
  /** GET /psp/v3/psppayments/{id}/details */
  getDetails(merchantSerialNumber: string, pspTransactionId: string): Promise<VippsPaymentDetails>;
}

// ── Acquirer ────────────────────────────────────────────────────────────────────────────────

export type TokenType = 'VISA' | 'MASTERCARD';

export type CardCredentials =
  | {
      kind: 'NETWORK_TOKEN';
      number: string;
      expiryMonth: string;
      expiryYear: string;
      cryptogram: string;
      eci: string;
      tokenType: TokenType;
    }
  | { kind: 'PAN'; pan: string; expiryMonth: string; expiryYear: string };

/** A completed 3-D Secure authentication, sent with the token cryptogram after a step-up. */
export interface ThreeDsAuthentication {
  cavv: string;
  eci: string;
  /** dsTransID of the authentication. */
  threeDsTransactionId: string;
  /** EMV 3DS message version. */
  version: string;
  /** The issuer's transStatus: Y authenticated, A attempted. */
  transStatus?: 'Y' | 'A';
}

export interface AuthorisationRequest {
  pspTransactionId: string;
  /**
   * One per authorisation attempt: the acquirer applies a key once and replays its answer to a
   * repeat. The authorisation after 3-D Secure is a new attempt with its own key (a repeat of the
   * first key would replay the soft decline).
   */
  idempotencyKey: string;
  merchantSerialNumber: string;
  amount: MinorUnits;
  currency: Currency;
  card: CardCredentials;
  threeDs?: ThreeDsAuthentication;
}

export type CardFunding = 'CREDIT' | 'DEBIT' | 'UNKNOWN';

export type AuthorisationResult =
  | {
      outcome: 'APPROVED';
      acquirerReference: string;
      funding?: CardFunding;
      responseCode?: string;
      /** The scheme's transaction id (Visa TID / Mastercard trace id), when the acquirer gives it. */
      networkTransactionReference?: string;
    }
  | { outcome: 'DECLINED'; reason: DeclineReason; responseCode?: string }
  | { outcome: 'SOFT_DECLINE'; canStepUp: boolean; responseCode?: string }
  | { outcome: 'ERROR'; responseCode?: string; message?: string }
  /** No answer within the budget: the authorisation may or may not exist at the issuer. */
  | { outcome: 'TIMEOUT' };

export interface AcquirerOperation {
  pspTransactionId: string;
  /** The reference of the authorisation. */
  acquirerReference: string;
  amount: MinorUnits;
  currency: Currency;
  /** Unique per operation, so a retried capture/refund is not applied twice at the acquirer. */
  operationId: string;
}

/**
 * What a capture/refund/void answers. `pending`: the acquirer only accepted the request (Adyen's
 * `received`); its outcome arrives later (a webhook) and the operation is pending until then.
 */
export interface AcquirerOperationResult {
  acquirerReference: string;
  pending?: boolean;
}

export interface Acquirer {
  /**
   * false when the acquirer has no idempotency (Clearhaus): a capture/refund/void whose answer was
   * lost must not be sent again — the reconciler leaves it to ops instead. Default true.
   */
  readonly repeatsSafely?: boolean;
  /** Must honour `signal` and answer TIMEOUT (not throw) when it fires. */
  authorise(request: AuthorisationRequest, options: { signal: AbortSignal }): Promise<AuthorisationResult>;
  /** Throws AcquirerRefusedError / AcquirerUnavailableError. */
  capture(operation: AcquirerOperation): Promise<AcquirerOperationResult>;
  refund(operation: AcquirerOperation): Promise<AcquirerOperationResult>;
  /** Void (cancel) an authorisation nothing was captured from. */
  cancel(operation: AcquirerOperation): Promise<AcquirerOperationResult>;
  /**
   * Reverse whatever authorisation exists for our reference (outcome unknown after a timeout).
   * Idempotent; `reversed: false` when there was nothing to reverse.
   */
  reverse(request: {
    pspTransactionId: string;
    amount: MinorUnits;
    currency: Currency;
  }): Promise<{ reversed: boolean }>;
}

/** BIN-range lookup: is this card credit or debit? */
export interface CardFundingLookup {
  lookup(bin: string): Promise<CardFunding>;
}

// ── Keys (KMS) ──────────────────────────────────────────────────────────────────────────────

/** Legacy ENCRYPTEDCARD: RSA-OAEP decryption with a private key that never leaves KMS. */
export interface CardDataDecryptor {
  /** Throws on any failure; the caller answers 92. */
  decrypt(ciphertext: Uint8Array): Promise<Uint8Array>;
  publicKeyPem(): Promise<string>;
}

/** An envelope-encrypted secret: AES-256-GCM under a KMS data key, the encrypted key beside it. */
export interface SealedSecret {
  encryptedDataKey: string;
  iv: string;
  ciphertext: string;
  tag: string;
}

export interface SecretVault {
  seal(plaintext: Uint8Array, context: Record<string, string>): Promise<SealedSecret>;
  /** Throws if the data key cannot be decrypted or the tag does not verify. */
  open(sealed: SealedSecret, context: Record<string, string>): Promise<Uint8Array>;
}

// ── Plumbing ────────────────────────────────────────────────────────────────────────────────

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** The slice of a structured logger the core uses (Powertools Logger satisfies it). */
export interface Log {
  debug(message: string, ...extra: Array<Record<string, unknown>>): void;
  info(message: string, ...extra: Array<Record<string, unknown>>): void;
  warn(message: string, ...extra: Array<Record<string, unknown>>): void;
  error(message: string, ...extra: Array<Record<string, unknown>>): void;
}
