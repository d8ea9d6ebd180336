/**
 * The 3-D Secure step-up, makePayment's side (DESIGN.md "3-D Secure step-up"): which operations
 * URLs allow one, opening the session on a soft decline, and what the request after the challenge
 * may be authorised with.
 */
import { type VippsError, otherError, threeDsCancelled, vippsErrors } from '../../error-catalogue.js';
import type { CardCredentials, ThreeDsAuthentication } from '../../ports.js';
import { randomToken } from '../../secrets.js';
import { type ThreeDsSession, isThreeDsOperation, isUsableOperationUrl } from '../../three-ds-session.js';
import type { MakePaymentAttempt, Transaction } from '../../transaction.js';
import type { MakePaymentCommand, MakePaymentDeps } from './types.js';

export type StepUpOperations = ThreeDsSession['operations'];

/**
 * The operations URLs a step-up can use, checked when makePayment arrives; undefined means no
 * step-up (94). `3dssuccess` is enough — Vipps' guide sends only that one, and the page falls back
 * to it for failure and cancel — but every URL that is there must be usable, or the page could
 * end a challenge at a URL we cannot send the app to.
 */
export function stepUpOperations(
  operations: MakePaymentCommand['operations'],
  deps: Pick<MakePaymentDeps, 'allowHttpOnLoopback'>,
): StepUpOperations | undefined {
  const known = operations.filter((o): o is StepUpOperations[number] => isThreeDsOperation(o.operation));
  const options = { allowHttpOnLoopback: deps.allowHttpOnLoopback ?? false };
  if (!known.some((o) => o.operation === '3dssuccess')) return undefined;
  if (!known.every((o) => isUsableOperationUrl(o.url, options))) return undefined;
  return known.map(({ operation, url }) => ({ operation, url }));
}

/**
 * The acquirer's idempotency key for this attempt: the authorisation after 3-D Secure is a new
 * one (with the same key an acquirer replays the first attempt's soft decline).
 */
export function authorisationKey(tx: Transaction, phase: MakePaymentAttempt['phase']): string {
  return phase === 'AFTER_3DS' ? `${tx.pspTransactionId}-3ds` : tx.pspTransactionId;
}

/** The network token as sealed into the session: what the 3DS server authenticates. */
interface SealedToken {
  number: string;
  expiryMonth: string;
  expiryYear: string;
}

const tokenContext = (session: Pick<ThreeDsSession, 'pspTransactionId' | 'sessionId'>) => ({
  pspTransactionId: session.pspTransactionId,
  sessionId: session.sessionId,
});

/** Open a 3-D Secure session for a soft-declined token; returns its url3dSecure. */
export async function startStepUp(
  tx: Transaction,
  card: Extract<CardCredentials, { kind: 'NETWORK_TOKEN' }>,
  operations: StepUpOperations,
  deps: MakePaymentDeps,
): Promise<{ sessionId: string; url3dSecure: string }> {
  const now = deps.clock.now();
  const sessionId = randomToken(24);
  const token: SealedToken = {
    number: card.number,
    expiryMonth: card.expiryMonth,
    expiryYear: card.expiryYear,
  };
  const session: ThreeDsSession = {
    sessionId,
    pspTransactionId: tx.pspTransactionId,
    merchantName: tx.merchantName,
    amount: tx.amount,
    currency: tx.currency,
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + deps.threeDsSessionTtlSeconds * 1000).toISOString(),
    state: 'PENDING',
    tokenType: card.tokenType,
    sealedToken: await deps.vault.seal(
      new TextEncoder().encode(JSON.stringify(token)),
      tokenContext({ pspTransactionId: tx.pspTransactionId, sessionId }),
    ),
    operations,
  };
  await deps.threeDsSessions.create(session);
  return { sessionId, url3dSecure: deps.threeDsUrl(sessionId) };
}

export async function threeDsFinished(
  tx: Transaction,
  deps: Pick<MakePaymentDeps, 'threeDsSessions'>,
): Promise<boolean> {
  if (!tx.threeDsSessionId) return false;
  const session = await deps.threeDsSessions.get(tx.threeDsSessionId);
  return session !== undefined && session.state !== 'PENDING';
}

/** Why the request after 3-D Secure is answered without an authorisation. */
export interface StepUpRefusal {
  error: VippsError;
  /** DECLINED when the issuer (through its ACS) refused: nothing can be held at the acquirer. */
  outcome?: 'DECLINED';
  note?: string;
}

/**
 * 72: the resent makePayment carries another card than the one the user authenticated. Not in
 * Vipps' table (71 would say the request is malformed, 87 that the number does not exist; neither
 * is true), so a 72 with a text that says what happened.
 */
const threeDsCardMismatch = otherError('Card differs from the one authenticated with 3-D Secure');

/**
 * What the request after the challenge is authorised with: the session's 3-D Secure result, and
 * only for the token that was authenticated.
 */
export async function authenticationFor(
  tx: Transaction,
  command: MakePaymentCommand,
  deps: MakePaymentDeps,
): Promise<{ ok: true; threeDs: ThreeDsAuthentication } | { ok: false; refusal: StepUpRefusal }> {
  const refuse = (refusal: StepUpRefusal) => ({ ok: false as const, refusal });
  const session = tx.threeDsSessionId ? await deps.threeDsSessions.get(tx.threeDsSessionId) : undefined;
  if (!session || session.state === 'PENDING')
    return refuse({ error: otherError('3-D Secure not completed') });
  if (session.state === 'CANCELLED') return refuse({ error: threeDsCancelled });
  if (session.state === 'FAILED' || !session.authentication)
    return refuse({ error: vippsErrors.refusedByIssuer, outcome: 'DECLINED', note: '3-D Secure failed' });
  if (command.card && !(await isAuthenticatedToken(session, command.card, deps))) {
    deps.log.warn('makePayment after 3-D Secure carries another card; not authorised', {
      pspTransactionId: tx.pspTransactionId,
      errorId: threeDsCardMismatch.errorId,
    });
    return refuse({ error: threeDsCardMismatch, note: 'Card differs from the 3-D Secure one' });
  }
  return { ok: true, threeDs: session.authentication };
}

async function isAuthenticatedToken(
  session: ThreeDsSession,
  card: NonNullable<MakePaymentCommand['card']>,
  deps: MakePaymentDeps,
): Promise<boolean> {
  if (card.kind !== 'NETWORK_TOKEN') return false;
  const plaintext = await deps.vault.open(session.sealedToken, tokenContext(session));
  const sealed = JSON.parse(new TextDecoder().decode(plaintext)) as Partial<SealedToken>;
  return sealed.number === card.number;
}
