import type { VippsEndState } from '../../error-catalogue.js';
import type {
  Acquirer,
  CardCredentials,
  CardDataDecryptor,
  CardFundingLookup,
  Clock,
  Log,
  SecretVault,
  StatusQueue,
  TransactionStore,
} from '../../ports.js';
import type { ThreeDsSessionStore } from '../../three-ds-session.js';
import type { MakePaymentAnswer } from '../../transaction.js';

type MakePaymentCard =
  Extract<CardCredentials, { kind: 'NETWORK_TOKEN' }> | { kind: 'ENCRYPTED_CARD'; cardData: string };

/** A validated makePaymentUrl request, in domain words. */
export interface MakePaymentCommand {
  pspTransactionId: string;
  merchantSerialNumber: string;
  /** Absent when the user approved; otherwise how Vipps ended the payment. */
  endedByVipps?: VippsEndState;
  /** Only checked when Vipps sends it. */
  amount?: number;
  binNumber?: string;
  /** As Vipps sent them (entries with a known operation and a url); checked before a step-up. */
  operations: ReadonlyArray<{ operation: string; url: string }>;
  card?: MakePaymentCard;
  /** SHA-256 of the canonical request body: the same request again gets the same answer. */
  requestHash: string;
}

export type MakePaymentOutcome =
  | { kind: 'UNAUTHENTICATED'; reason: 'UNKNOWN_TRANSACTION' | 'TOKEN_MISMATCH' }
  | { kind: 'ANSWER'; answer: MakePaymentAnswer; replayed: boolean; acquirerLatencyMs?: number };

export interface MakePaymentDeps {
  transactions: TransactionStore;
  threeDsSessions: ThreeDsSessionStore;
  acquirer: Acquirer;
  cardFunding: CardFundingLookup;
  cardData: CardDataDecryptor;
  vault: SecretVault;
  statusQueue: StatusQueue;
  clock: Clock;
  log: Log;
  acquirerBudgetMs: number;
  threeDsSessionTtlSeconds: number;
  /** Builds url3dSecure for a session id. */
  threeDsUrl: (sessionId: string) => string;
  /** The local stage only: operations URLs may be plain http on a loopback host (the simulator). */
  allowHttpOnLoopback?: boolean;
  /** How soon a duplicate request first re-reads while the first one is being answered (doubling, ≤ 250 ms). */
  pollIntervalMs?: number;
}
