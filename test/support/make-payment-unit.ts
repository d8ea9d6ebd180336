/**
 * In-memory world for unit tests of makePaymentUrl (handler and use case): the payment in an
 * InMemoryTransactionStore (which scripts write conflicts), 3-D Secure sessions in a map, a
 * scripted acquirer that records every call with its arguments, a vault that seals by context
 * (like KMS), a recording log and a clock the test moves. No network, no dynalite.
 */
import type {
  Acquirer,
  AcquirerOperation,
  AuthorisationRequest,
  AuthorisationResult,
  CardFunding,
  SealedSecret,
  SecretVault,
} from '../../lambdas/core/ports.js';
import { sha256Hex } from '../../lambdas/core/secrets.js';
import type { ThreeDsSession, ThreeDsSessionStore } from '../../lambdas/core/three-ds-session.js';
import type { StatusUpdate, Transaction } from '../../lambdas/core/transaction.js';
import {
  type MakePaymentCommand,
  type MakePaymentDeps,
  makePayment,
} from '../../lambdas/core/use-cases/make-payment.js';
import { InMemoryTransactionStore } from './in-memory-transaction-store.js';
import { RecordingLog, TestClock } from './three-ds-harness.js';
import { initiatedPayment } from './transactions.js';

export const MAKE_PAYMENT_TOKEN = 'make-payment-token';
export const NOW = new Date('2026-11-24T10:05:00.000Z');

/** Vipps' Visa test token (its cryptogram is not a secret, but is never logged all the same). */
export const networkToken = {
  number: '4895370013193500',
  expiryMonth: '03',
  expiryYear: '2030',
  cryptogram: 'AlhlvxmN2ZKuAAESNFZ4GoABFA==',
  eci: '07',
  tokenType: 'VISA' as const,
};

export const vippsOperations = [
  { operation: '3dssuccess', url: 'https://vipps.example/intercept?code=OK' },
  { operation: '3dsfailure', url: 'https://vipps.example/intercept?code=FAIL' },
  { operation: '3dscancel', url: 'https://vipps.example/intercept?code=CANCEL' },
];

export const threeDsResult = {
  cavv: 'AAABBEg0VhI0VniQEjRWAAAAAAA=',
  eci: '05',
  threeDsTransactionId: 'ds-1',
  version: '2.2.0',
};

export const approved: Extract<AuthorisationResult, { outcome: 'APPROVED' }> = {
  outcome: 'APPROVED',
  acquirerReference: 'REF-1',
  funding: 'DEBIT',
};
export const softDecline: AuthorisationResult = {
  outcome: 'SOFT_DECLINE',
  canStepUp: true,
  responseCode: '1A',
};

export class MemorySessions implements ThreeDsSessionStore {
  readonly items = new Map<string, ThreeDsSession>();
  create(session: ThreeDsSession) {
    this.items.set(session.sessionId, structuredClone(session));
    return Promise.resolve();
  }
  get(id: string) {
    const session = this.items.get(id);
    return Promise.resolve(session ? structuredClone(session) : undefined);
  }
  complete(id: string, outcome: Parameters<ThreeDsSessionStore['complete']>[1]) {
    const session = this.items.get(id);
    if (!session || session.state !== 'PENDING') return Promise.resolve(false);
    this.items.set(id, { ...session, ...outcome });
    return Promise.resolve(true);
  }
}

/** Seals by base64 with the context inside, so a wrong context does not open (like KMS). */
export const contextVault: SecretVault = {
  seal: (plaintext, context) =>
    Promise.resolve({
      encryptedDataKey: JSON.stringify(context),
      iv: '',
      ciphertext: Buffer.from(plaintext).toString('base64'),
      tag: '',
    } satisfies SealedSecret),
  open: (sealed, context) => {
    if (sealed.encryptedDataKey !== JSON.stringify(context))
      return Promise.reject(new Error('context mismatch'));
    return Promise.resolve(Buffer.from(sealed.ciphertext, 'base64'));
  },
};

/** Answers authorisations from a script; records every authorisation and void with its arguments. */
export class ScriptedAcquirer implements Acquirer {
  readonly requests: AuthorisationRequest[] = [];
  readonly signals: AbortSignal[] = [];
  readonly voids: AcquirerOperation[] = [];
  voidFails = false;
  constructor(readonly answers: AuthorisationResult[] = []) {}
  authorise(request: AuthorisationRequest, options: { signal: AbortSignal }) {
    this.requests.push(structuredClone(request));
    this.signals.push(options.signal);
    return Promise.resolve(this.answers.shift() ?? { outcome: 'ERROR' as const, message: 'unscripted' });
  }
  cancel(operation: AcquirerOperation) {
    this.voids.push(operation);
    if (this.voidFails) return Promise.reject(new Error('acquirer down'));
    return Promise.resolve({ acquirerReference: `${operation.acquirerReference}-void` });
  }
  capture(): Promise<never> {
    return Promise.reject(new Error('makePayment never captures'));
  }
  refund(): Promise<never> {
    return Promise.reject(new Error('makePayment never refunds'));
  }
  reverse(): Promise<never> {
    return Promise.reject(new Error('makePayment never reverses'));
  }
}

export interface WorldOptions {
  answers?: AuthorisationResult[];
  payment?: Partial<Transaction>;
  /** The BIN table: BINs not listed are DEBIT. */
  funding?: Record<string, CardFunding>;
  /** What the card-data key decrypts to (a failure when it throws). */
  decrypt?: (ciphertext: Uint8Array) => Promise<Uint8Array>;
}

export function makePaymentWorld(options: WorldOptions = {}) {
  const tx = initiatedPayment({ makePaymentTokenHash: sha256Hex(MAKE_PAYMENT_TOKEN), ...options.payment });
  const transactions = new InMemoryTransactionStore([tx]);
  const sessions = new MemorySessions();
  const acquirer = new ScriptedAcquirer(options.answers);
  const enqueued: StatusUpdate[] = [];
  const binLookups: string[] = [];
  const decrypted: Uint8Array[] = [];
  const clock = new TestClock(NOW);
  const log = new RecordingLog();
  const deps: MakePaymentDeps = {
    transactions,
    threeDsSessions: sessions,
    acquirer,
    cardFunding: {
      lookup: (bin) => {
        binLookups.push(bin);
        return Promise.resolve(options.funding?.[bin] ?? 'DEBIT');
      },
    },
    cardData: {
      decrypt: (ciphertext) => {
        decrypted.push(ciphertext);
        return options.decrypt ? options.decrypt(ciphertext) : Promise.reject(new Error('no key'));
      },
      publicKeyPem: () => Promise.reject(new Error('makePayment never reads the public key')),
    },
    vault: contextVault,
    statusQueue: { enqueue: (u) => Promise.resolve(void enqueued.push(structuredClone(u))) },
    clock,
    log,
    acquirerBudgetMs: 1_000,
    threeDsSessionTtlSeconds: 900,
    threeDsUrl: (id) => `https://psp.example/3ds/${id}`,
    pollIntervalMs: 1,
  };
  const command = (overrides: Partial<MakePaymentCommand> = {}): MakePaymentCommand => ({
    pspTransactionId: tx.pspTransactionId,
    merchantSerialNumber: tx.merchantSerialNumber,
    operations: vippsOperations,
    card: { kind: 'NETWORK_TOKEN', ...networkToken },
    binNumber: '489537',
    requestHash: 'hash-1',
    ...overrides,
  });
  const stored = () => transactions.peek(tx.pspTransactionId)!;
  /** makePayment with the payment's token; fails the test unless it was answered. */
  const send = async (overrides: Partial<MakePaymentCommand> = {}) => {
    const outcome = await makePayment(command(overrides), MAKE_PAYMENT_TOKEN, deps);
    if (outcome.kind !== 'ANSWER') throw new Error(`not answered: ${outcome.reason}`);
    return outcome;
  };
  /** A soft decline, then the 3-D Secure session ended as `state` (SUCCEEDED carries threeDsResult). */
  const softDeclinedThen = async (state: 'SUCCEEDED' | 'FAILED' | 'CANCELLED', authenticated = true) => {
    const first = await send();
    if (first.answer.status !== 'SOFT_DECLINE') throw new Error('the first attempt was not soft-declined');
    const sessionId = stored().threeDsSessionId!;
    await sessions.complete(sessionId, {
      state,
      completedAt: NOW.toISOString(),
      ...(state === 'SUCCEEDED' && authenticated ? { authentication: threeDsResult } : {}),
    });
    return sessionId;
  };
  return {
    send,
    softDeclinedThen,
    tx,
    transactions,
    sessions,
    acquirer,
    enqueued,
    binLookups,
    decrypted,
    clock,
    log,
    deps,
    command,
    stored,
  };
}
