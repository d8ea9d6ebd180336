import { parseCardPlaintext } from '../card-data.js';
import {
  type VippsEndState,
  type VippsError,
  declineErrors,
  otherError,
  statusFromVipps,
  threeDsCancelled,
  vippsErrors,
} from '../error-catalogue.js';
import { ConcurrentUpdateError } from '../errors.js';
import type {
  Acquirer,
  AuthorisationResult,
  CardCredentials,
  CardDataDecryptor,
  CardFundingLookup,
  Clock,
  Log,
  SecretVault,
  StatusQueue,
  ThreeDsAuthentication,
  TransactionStore,
} from '../ports.js';
import { randomToken, secretMatches } from '../secrets.js';
import type { ThreeDsOperation, ThreeDsSession, ThreeDsSessionStore } from '../three-ds-session.js';
import {
  type MakePaymentAnswer,
  type MakePaymentAttempt,
  type Transaction,
  type Transition,
  endedByVipps,
  expire,
  fail,
  isPastDeadline,
  reserve,
} from '../transaction.js';
import { commit } from './commit.js';
import { enqueueStatusUpdate } from './payment-operations.js';

export type MakePaymentCard =
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
  /** How soon a duplicate request first re-reads while the first one is being answered (doubling, ≤ 250 ms). */
  pollIntervalMs?: number;
}

const ANSWER_GRACE_MS = 2_000;
const MAX_POLL_INTERVAL_MS = 250;
const MAX_ROUNDS = 6;

const answerOf = (error: VippsError): MakePaymentAnswer => ({ status: 'FAIL', error });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Vipps' makePaymentUrl (DESIGN.md answer table). Primary course: authenticate the per-payment
 * token → recognise a repeated request (same answer, never a second authorisation) → reject late
 * or out-of-order calls with 85 → claim the attempt (one conditional write) → authorise within
 * the budget → store the answer and the new state (one conditional write) → enqueue RESERVED.
 */
export async function makePayment(
  command: MakePaymentCommand,
  authorization: string | undefined,
  deps: MakePaymentDeps,
): Promise<MakePaymentOutcome> {
  let tx = await deps.transactions.get(command.pspTransactionId);
  if (!tx) return { kind: 'UNAUTHENTICATED', reason: 'UNKNOWN_TRANSACTION' };
  const presented = (authorization ?? '').replace(/^Bearer\s+/i, '');
  if (!secretMatches(presented, tx.makePaymentTokenHash))
    return { kind: 'UNAUTHENTICATED', reason: 'TOKEN_MISMATCH' };

  if (
    command.merchantSerialNumber !== tx.merchantSerialNumber ||
    (command.amount !== undefined && command.amount !== tx.amount)
  ) {
    return { kind: 'ANSWER', answer: answerOf(vippsErrors.invalidRequest), replayed: false };
  }

  for (let round = 0; round < MAX_ROUNDS; round++) {
    const step = await nextStep(tx, command, deps);
    if (step.kind === 'answer') return { kind: 'ANSWER', answer: step.answer, replayed: step.replayed };
    if (step.kind === 'reload') {
      tx = step.tx;
      continue;
    }
    try {
      tx = await commit(deps.transactions, tx, {
        changes: { makePayment: step.attempt, updatedAt: step.attempt.claimedAt },
        history: [],
      });
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError)) throw error;
      tx = await mustGet(deps, command.pspTransactionId);
      continue;
    }
    return authoriseClaimed(tx, step.attempt, command, deps);
  }
  deps.log.error('makePayment could not settle after repeated write conflicts', {
    pspTransactionId: tx.pspTransactionId,
  });
  return { kind: 'ANSWER', answer: answerOf(vippsErrors.internalError), replayed: false };
}

type Step =
  | { kind: 'answer'; answer: MakePaymentAnswer; replayed: boolean }
  | { kind: 'reload'; tx: Transaction }
  | { kind: 'claim'; attempt: MakePaymentAttempt };

/** Decide, from the stored payment alone, what this request gets. */
async function nextStep(tx: Transaction, command: MakePaymentCommand, deps: MakePaymentDeps): Promise<Step> {
  const now = deps.clock.now();
  const prior = tx.makePayment;
  let phase: MakePaymentAttempt['phase'] = 'INITIAL';

  if (prior?.requestHash === command.requestHash) {
    if (prior.state === 'IN_PROGRESS') return waitForFirstAnswer(tx, command, deps);
    const answer = prior.answer ?? answerOf(vippsErrors.internalError);
    if (answer.status !== 'SOFT_DECLINE' || !(await threeDsFinished(tx, deps))) {
      return { kind: 'answer', answer, replayed: true };
    }
    phase = 'AFTER_3DS'; // the same body again, but the user has since completed 3-D Secure
  } else if (prior) {
    if (prior.state === 'ANSWERED' && prior.answer?.status === 'SOFT_DECLINE') phase = 'AFTER_3DS';
    else return { kind: 'answer', answer: answerOf(vippsErrors.tooLate), replayed: false };
  }

  if (tx.status !== 'INITIATED')
    return { kind: 'answer', answer: answerOf(vippsErrors.tooLate), replayed: false };
  if (isPastDeadline(tx, now)) {
    await commitIgnoringConflict(deps, tx, expire(tx, now.toISOString()));
    return { kind: 'answer', answer: answerOf(vippsErrors.tooLate), replayed: false };
  }

  const attempt: MakePaymentAttempt = {
    requestHash: command.requestHash,
    phase,
    state: 'IN_PROGRESS',
    claimedAt: now.toISOString(),
  };
  if (command.endedByVipps) {
    const answer = answerOf(statusFromVipps(command.endedByVipps));
    const transition = endedByVipps(tx, command.endedByVipps, answer.error!, attempt.claimedAt);
    try {
      await commit(deps.transactions, tx, withAnswer(transition, attempt, answer));
    } catch (error) {
      if (error instanceof ConcurrentUpdateError)
        return { kind: 'reload', tx: await mustGet(deps, tx.pspTransactionId) };
      throw error;
    }
    deps.log.info('Payment ended in the Vipps app', { pspTransactionId: tx.pspTransactionId, errorId: '93' });
    return { kind: 'answer', answer, replayed: false };
  }
  return { kind: 'claim', attempt };
}

/** A concurrent duplicate: wait for the first request's answer instead of authorising again. */
async function waitForFirstAnswer(
  tx: Transaction,
  command: MakePaymentCommand,
  deps: MakePaymentDeps,
): Promise<Step> {
  const claimedAt = Date.parse(tx.makePayment!.claimedAt);
  const giveUpAt = claimedAt + deps.acquirerBudgetMs + ANSWER_GRACE_MS;
  let current = tx;
  // Fast at first (the winner usually answers within milliseconds), then backing off, so a
  // winner stuck on a slow acquirer costs a handful of reads, not one every 25 ms for 12 s.
  let interval = deps.pollIntervalMs ?? 25;
  while (deps.clock.now().getTime() < giveUpAt) {
    await sleep(interval);
    interval = Math.min(interval * 2, MAX_POLL_INTERVAL_MS);
    current = await mustGet(deps, tx.pspTransactionId);
    if (
      current.makePayment?.requestHash !== command.requestHash ||
      current.makePayment.state !== 'IN_PROGRESS'
    ) {
      return { kind: 'reload', tx: current };
    }
  }
  // The first request never finished (its Lambda died): its authorisation outcome is unknown.
  const attempt = current.makePayment!;
  const answer = answerOf(vippsErrors.tooLate);
  const at = deps.clock.now().toISOString();
  const transition =
    current.status === 'INITIATED'
      ? fail(current, vippsErrors.tooLate, { at, outcome: 'UNKNOWN', note: 'Abandoned attempt' })
      : noChange(at);
  try {
    await commit(deps.transactions, current, withAnswer(transition, attempt, answer));
  } catch (error) {
    if (error instanceof ConcurrentUpdateError)
      return { kind: 'reload', tx: await mustGet(deps, tx.pspTransactionId) };
    throw error;
  }
  deps.log.warn('Took over an abandoned makePayment attempt; reversal scheduled', {
    pspTransactionId: tx.pspTransactionId,
  });
  return { kind: 'answer', answer, replayed: false };
}

/** We hold the claim: authorise and store the answer. */
async function authoriseClaimed(
  tx: Transaction,
  attempt: MakePaymentAttempt,
  command: MakePaymentCommand,
  deps: MakePaymentDeps,
): Promise<MakePaymentOutcome> {
  const decided = await decide(tx, attempt, command, deps);
  const answer = decided.answer;
  let stored = tx;
  for (let round = 0; ; round++) {
    try {
      const transition = decided.transitionFor(stored);
      await commit(deps.transactions, stored, withAnswer(transition, attempt, answer, decided.extra));
      if (answer.status === 'OK') await enqueueStatusUpdate(deps, transition.statusUpdate);
      break;
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError) || round >= MAX_ROUNDS) throw error;
      stored = await mustGet(deps, tx.pspTransactionId);
      const stillOurs =
        stored.status === 'INITIATED' &&
        stored.makePayment?.requestHash === attempt.requestHash &&
        stored.makePayment.state === 'IN_PROGRESS';
      if (!stillOurs) return settleLostRace(stored, attempt, decided, deps);
    }
  }
  deps.log.info('makePayment answered', {
    pspTransactionId: tx.pspTransactionId,
    outcome: answer.status,
    errorId: answer.error?.errorId ?? 'OK',
    acquirerLatencyMs: decided.acquirerLatencyMs,
  });
  return {
    kind: 'ANSWER',
    answer,
    replayed: false,
    ...(decided.acquirerLatencyMs !== undefined ? { acquirerLatencyMs: decided.acquirerLatencyMs } : {}),
  };
}

/**
 * While we authorised, the payment changed under us (the merchant cancelled it, or a duplicate
 * took over an attempt it thought abandoned). Vipps gets 85; an approval we obtained is voided.
 */
async function settleLostRace(
  stored: Transaction,
  attempt: MakePaymentAttempt,
  decided: Decision,
  deps: MakePaymentDeps,
): Promise<MakePaymentOutcome> {
  // Nothing held when the acquirer declined; an approval is voided; an unknown outcome stays unknown.
  let voided = !decided.outcomeUnknown;
  if (decided.approvedReference)
    voided = await voidApproval(stored, decided.approvedReference, 'lost-race', deps);
  const existing = stored.makePayment;
  if (existing?.requestHash === attempt.requestHash && existing.state === 'ANSWERED' && existing.answer) {
    if (!voided)
      await commitIgnoringConflict(deps, stored, {
        changes: { authorisationOutcome: 'UNKNOWN' },
        history: [],
      });
    return { kind: 'ANSWER', answer: existing.answer, replayed: true };
  }
  const answer = answerOf(vippsErrors.tooLate);
  await commitIgnoringConflict(
    deps,
    stored,
    withAnswer(
      noChange(deps.clock.now().toISOString()),
      attempt,
      answer,
      voided ? {} : { authorisationOutcome: 'UNKNOWN' },
    ),
  );
  deps.log.warn('Payment changed during authorisation; answered 85', {
    pspTransactionId: stored.pspTransactionId,
    voided,
  });
  return { kind: 'ANSWER', answer, replayed: false };
}

interface Decision {
  answer: MakePaymentAnswer;
  transitionFor: (tx: Transaction) => Transition;
  extra?: Partial<Transaction>;
  acquirerLatencyMs?: number;
  approvedReference?: string;
  /** The acquirer may hold an authorisation we do not know of (timeout, failed void). */
  outcomeUnknown?: boolean;
}

async function decide(
  tx: Transaction,
  attempt: MakePaymentAttempt,
  command: MakePaymentCommand,
  deps: MakePaymentDeps,
): Promise<Decision> {
  const at = () => deps.clock.now().toISOString();
  const failWith = (error: VippsError, outcome?: 'DECLINED' | 'UNKNOWN', note?: string): Decision => ({
    answer: answerOf(error),
    transitionFor: (current) =>
      fail(current, error, { at: at(), ...(outcome ? { outcome } : {}), ...(note ? { note } : {}) }),
    ...(outcome === 'UNKNOWN' ? { outcomeUnknown: true } : {}),
  });

  let threeDs: ThreeDsAuthentication | undefined;
  if (attempt.phase === 'AFTER_3DS') {
    const session = tx.threeDsSessionId ? await deps.threeDsSessions.get(tx.threeDsSessionId) : undefined;
    if (!session || session.state === 'PENDING') return failWith(otherError('3-D Secure not completed'));
    if (session.state === 'CANCELLED') return failWith(threeDsCancelled);
    if (session.state === 'FAILED' || !session.authentication)
      return failWith(vippsErrors.refusedByIssuer, 'DECLINED', '3-D Secure failed');
    threeDs = session.authentication;
  }

  const card = await resolveCard(command, tx, deps);
  if (!card) return failWith(vippsErrors.unableToDecrypt);
  if (card === 'MISSING') return failWith(vippsErrors.invalidRequest);

  // A PAN's first 8 digits: the BIN table has 8-digit ranges that override the 6-digit one around them.
  const bin = card.kind === 'PAN' ? card.pan.slice(0, 8) : command.binNumber;
  if (!tx.allowCreditCards && bin && (await deps.cardFunding.lookup(bin)) === 'CREDIT') {
    return failWith(vippsErrors.creditCardNotAllowed, 'DECLINED', 'Credit card (BIN lookup)');
  }

  const started = performance.now();
  let result: AuthorisationResult;
  try {
    result = await deps.acquirer.authorise(
      {
        pspTransactionId: tx.pspTransactionId,
        idempotencyKey: attempt.phase === 'AFTER_3DS' ? `${tx.pspTransactionId}-3ds` : tx.pspTransactionId,
        merchantSerialNumber: tx.merchantSerialNumber,
        amount: tx.amount,
        currency: tx.currency,
        card,
        ...(threeDs ? { threeDs } : {}),
      },
      { signal: AbortSignal.timeout(deps.acquirerBudgetMs) },
    );
  } catch (error) {
    // An adapter that throws instead of answering: we cannot know whether an authorisation exists.
    deps.log.error('Acquirer authorisation threw', {
      pspTransactionId: tx.pspTransactionId,
      error: String(error),
    });
    result = { outcome: 'TIMEOUT' };
  }
  const acquirerLatencyMs = Math.round(performance.now() - started);
  const timed = (d: Decision): Decision => ({ ...d, acquirerLatencyMs });

  switch (result.outcome) {
    case 'APPROVED': {
      if (result.funding === 'CREDIT' && !tx.allowCreditCards) {
        const voided = await voidApproval(tx, result.acquirerReference, 'credit', deps);
        return timed(
          failWith(
            vippsErrors.creditCardNotAllowed,
            voided ? 'DECLINED' : 'UNKNOWN',
            'Credit card (acquirer)',
          ),
        );
      }
      const acquirerReference = result.acquirerReference;
      return timed({
        answer: { status: 'OK' },
        transitionFor: (current) => reserve(current, { at: at(), acquirerReference }),
        approvedReference: acquirerReference,
      });
    }
    case 'DECLINED':
      return timed(failWith(declineErrors[result.reason], 'DECLINED', result.responseCode));
    case 'SOFT_DECLINE':
      return timed(await softDecline(tx, attempt, command, card, result.canStepUp, deps, failWith));
    case 'ERROR':
      return timed(failWith(vippsErrors.internalError, 'DECLINED', result.responseCode ?? result.message));
    case 'TIMEOUT':
      // The issuer may still approve: mark the outcome unknown; the reconciler reverses it.
      return timed(failWith(vippsErrors.tooLate, 'UNKNOWN', 'No acquirer answer within the budget'));
  }
}

async function resolveCard(
  command: MakePaymentCommand,
  tx: Transaction,
  deps: MakePaymentDeps,
): Promise<CardCredentials | 'MISSING' | undefined> {
  const card = command.card;
  if (!card) return 'MISSING';
  if (card.kind === 'NETWORK_TOKEN') {
    const { kind: _kind, ...token } = card;
    return { kind: 'NETWORK_TOKEN', ...token };
  }
  try {
    const ciphertext = Buffer.from(card.cardData, 'base64');
    // RSA-2048 OAEP ciphertext is exactly 256 bytes (344 base64 characters).
    if (ciphertext.length !== 256 || ciphertext.toString('base64') !== card.cardData.replace(/\s/g, ''))
      return undefined;
    const decrypted = parseCardPlaintext(await deps.cardData.decrypt(ciphertext));
    if (!decrypted) return undefined;
    return {
      kind: 'PAN',
      pan: decrypted.pan,
      expiryMonth: decrypted.expiryMonth,
      expiryYear: decrypted.expiryYear,
    };
  } catch (error) {
    deps.log.warn('cardData could not be decrypted', {
      pspTransactionId: tx.pspTransactionId,
      error: (error as Error).name,
    });
    return undefined;
  }
}

const REQUIRED_OPERATIONS: ThreeDsOperation[] = ['3dssuccess', '3dsfailure', '3dscancel'];

async function softDecline(
  tx: Transaction,
  attempt: MakePaymentAttempt,
  command: MakePaymentCommand,
  card: CardCredentials,
  canStepUp: boolean,
  deps: MakePaymentDeps,
  failWith: (error: VippsError, outcome?: 'DECLINED' | 'UNKNOWN', note?: string) => Decision,
): Promise<Decision> {
  const operations = command.operations.filter((o): o is { operation: ThreeDsOperation; url: string } =>
    (REQUIRED_OPERATIONS as string[]).includes(o.operation),
  );
  const hasAll = REQUIRED_OPERATIONS.every((op) => operations.some((o) => o.operation === op));
  // Never a second SOFT_DECLINE after 3-D Secure; a PAN (legacy) payment has no token to step up.
  if (attempt.phase === 'AFTER_3DS' || !canStepUp || !hasAll || card.kind !== 'NETWORK_TOKEN') {
    return failWith(vippsErrors.unhandledSoftDecline, 'DECLINED');
  }
  const now = deps.clock.now();
  const sessionId = randomToken(24);
  const token = { number: card.number, expiryMonth: card.expiryMonth, expiryYear: card.expiryYear };
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
    sealedToken: await deps.vault.seal(new TextEncoder().encode(JSON.stringify(token)), {
      pspTransactionId: tx.pspTransactionId,
      sessionId,
    }),
    operations,
  };
  await deps.threeDsSessions.create(session);
  const at = now.toISOString();
  return {
    answer: {
      status: 'SOFT_DECLINE',
      error: vippsErrors.softDecline,
      url3dSecure: deps.threeDsUrl(sessionId),
    },
    transitionFor: () => ({
      changes: { threeDsSessionId: sessionId, updatedAt: at },
      history: [{ operation: 'SOFT_DECLINE', amount: 0, at, errorId: vippsErrors.softDecline.errorId }],
    }),
  };
}

async function voidApproval(
  tx: Transaction,
  acquirerReference: string,
  why: string,
  deps: MakePaymentDeps,
): Promise<boolean> {
  try {
    await deps.acquirer.cancel({
      pspTransactionId: tx.pspTransactionId,
      acquirerReference,
      amount: tx.amount,
      currency: tx.currency,
      operationId: `${tx.pspTransactionId}-void-${why}`,
    });
    return true;
  } catch (error) {
    deps.log.error('Could not void an approval; reversal scheduled', {
      pspTransactionId: tx.pspTransactionId,
      error: String(error),
    });
    return false;
  }
}

async function threeDsFinished(tx: Transaction, deps: MakePaymentDeps): Promise<boolean> {
  if (!tx.threeDsSessionId) return false;
  const session = await deps.threeDsSessions.get(tx.threeDsSessionId);
  return session !== undefined && session.state !== 'PENDING';
}

function withAnswer(
  transition: Transition,
  attempt: MakePaymentAttempt,
  answer: MakePaymentAnswer,
  extra: Partial<Transaction> = {},
): Pick<Transition, 'changes' | 'history'> {
  return {
    changes: { ...transition.changes, ...extra, makePayment: { ...attempt, state: 'ANSWERED', answer } },
    history: transition.history,
  };
}

function noChange(at: string): Transition {
  return { changes: { updatedAt: at }, history: [] };
}

async function commitIgnoringConflict(
  deps: MakePaymentDeps,
  tx: Transaction,
  transition: Pick<Transition, 'changes' | 'history'>,
): Promise<void> {
  try {
    await commit(deps.transactions, tx, transition);
  } catch (error) {
    if (!(error instanceof ConcurrentUpdateError)) throw error;
  }
}

async function mustGet(deps: MakePaymentDeps, id: string): Promise<Transaction> {
  const tx = await deps.transactions.get(id);
  if (!tx) throw new Error(`Payment ${id} disappeared`);
  return tx;
}
