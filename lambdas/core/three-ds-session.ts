import type { MinorUnits, Currency } from './money.js';
import type { SealedSecret, ThreeDsAuthentication, TokenType } from './ports.js';

/** The Vipps `operations` URLs we redirect to when the challenge ends. */
export type ThreeDsOperation = '3dssuccess' | '3dsfailure' | '3dscancel';

const THREE_DS_OPERATIONS: ReadonlySet<string> = new Set<ThreeDsOperation>([
  '3dssuccess',
  '3dsfailure',
  '3dscancel',
]);

export const isThreeDsOperation = (operation: string): operation is ThreeDsOperation =>
  THREE_DS_OPERATIONS.has(operation);

/**
 * Whether we may send the app to this operations URL (DESIGN.md "3-D Secure step-up"): absolute
 * https, printable ASCII only (it goes into a Location header as sent), no user info; plain http
 * only on a loopback host and only where the stage allows it (the local simulator).
 */
export function isUsableOperationUrl(url: string, options: { allowHttpOnLoopback: boolean }): boolean {
  if (!/^https?:\/\/[\x21-\x7e]+$/i.test(url)) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.username || parsed.password || !parsed.hostname) return false;
  if (parsed.protocol === 'https:') return true;
  // The pattern above admits only https and http: this is plain http.
  return options.allowHttpOnLoopback && isLoopback(parsed.hostname);
}

const isLoopback = (hostname: string): boolean =>
  hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);

export type ThreeDsSessionState = 'PENDING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

/**
 * A 3-D Secure step-up session, created on a soft decline. The network token is kept
 * envelope-encrypted (never in plain text at rest) for the 3DS server; the authentication
 * result is what the second makePayment authorises with.
 */
export interface ThreeDsSession {
  /** ≥128 bits, unguessable: it is the only thing in the URL the app opens. */
  sessionId: string;
  pspTransactionId: string;
  merchantName: string;
  amount: MinorUnits;
  currency: Currency;
  createdAt: string;
  /** Checked in code: dynalite has no TTL and DynamoDB's TTL deletes lazily. */
  expiresAt: string;
  state: ThreeDsSessionState;
  tokenType: TokenType;
  sealedToken: SealedSecret;
  operations: Array<{ operation: ThreeDsOperation; url: string }>;
  authentication?: ThreeDsAuthentication;
  completedAt?: string;
  /** Provider-specific state of the 3DS server (e.g. its transaction id). */
  serverTransactionId?: string;
}

/** How a challenge ended: the single-use write that completes a session. */
export interface ThreeDsOutcome {
  state: Exclude<ThreeDsSessionState, 'PENDING'>;
  completedAt: string;
  authentication?: ThreeDsAuthentication;
}

export interface ThreeDsSessionStore {
  create(session: ThreeDsSession): Promise<void>;
  get(sessionId: string): Promise<ThreeDsSession | undefined>;
  /**
   * Single use: moves a PENDING session to its final state. Returns false if it was no longer
   * PENDING (the form was replayed or raced), in which case nothing changed.
   */
  complete(sessionId: string, outcome: ThreeDsOutcome): Promise<boolean>;
}
