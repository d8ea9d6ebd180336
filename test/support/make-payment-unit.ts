/**
 * In-memory world for unit tests of makePaymentUrl (handler and use case): the payment in an
 * InMemoryTransactionStore (which scripts write conflicts), 3-D Secure sessions in a map and a
 * scripted acquirer (payment-fakes.ts), a vault that seals by context (like KMS), a recording log and a clock the test moves. No network, no dynalite.
 */
import type { AuthorisationResult, CardFunding } from '../../lambdas/core/ports.js';
import { sha256Hex } from '../../lambdas/core/secrets.js';
import type { StatusUpdate, Transaction } from '../../lambdas/core/transaction.js';
import {
  type MakePaymentCommand,
  type MakePaymentDeps,
  makePayment,
} from '../../lambdas/core/use-cases/make-payment.js';
import { contextBoundVault } from './context-bound-vault.js';
import { InMemoryTransactionStore } from './in-memory-transaction-store.js';
import { MemoryThreeDsSessions, ScriptedAcquirer } from './payment-fakes.js';
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

/** A makePaymentUrl body as Vipps sends it for a network token, for the payment `ids`. */
export const makePaymentBody = (
  ids: { pspTransactionId: string; merchantSerialNumber: string },
  overrides: Record<string, unknown> = {},
): Record<string, unknown> => ({
  pspTransactionId: ids.pspTransactionId,
  merchantSerialNumber: ids.merchantSerialNumber,
  paymentState: 'ACCEPTED',
  paymentInstrument: 'TOKEN',
  binNumber: '489537',
  networkToken,
  operations: vippsOperations,
  ...overrides,
});

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

/** Seals by context, like KMS: what makePayment sealed opens only with the same context. */
export const contextVault = contextBoundVault();

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
  const sessions = new MemoryThreeDsSessions();
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
