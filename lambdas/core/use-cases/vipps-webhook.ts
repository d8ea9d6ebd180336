/**
 * A verified Vipps ePayment webhook event (DESIGN.md "ePayment PSP API" §5). Primary course: find
 * the payment (unknown, or not ours on that MSN → the caller answers 401, revealing nothing) →
 * settle a payment that ended on Vipps' side while it still waited for the card (ABORTED →
 * CANCELLED, EXPIRED → EXPIRED, TERMINATED → CANCELLED) → store the event, once. Settling comes
 * first and only moves a waiting payment, so a crash between the two lines is repaired by Vipps'
 * redelivery, and a duplicate changes nothing.
 */
import { type VippsEndState, statusFromVipps } from '../error-catalogue.js';
import { ConcurrentUpdateError } from '../errors.js';
import type { Clock, Log, TransactionStore } from '../ports.js';
import { sha256Hex } from '../secrets.js';
import { endedByVipps } from '../transaction.js';
import type { VippsEventStore, VippsPaymentEvent } from '../vipps-events.js';
import { vippsApiOf } from '../vipps-api.js';
import { retryOnWriteConflict } from '../write-conflict-retry.js';
import { commit } from './commit.js';

export interface VippsWebhookDeps {
  transactions: TransactionStore;
  events: VippsEventStore;
  clock: Clock;
  log: Log;
}

export type VippsWebhookOutcome =
  { kind: 'UNKNOWN_PAYMENT' } | { kind: 'RECORDED'; duplicate: boolean; settled?: 'CANCELLED' | 'EXPIRED' };

/** Vipps' end states that end a payment still waiting for its card callback. */
const ENDINGS: Readonly<Record<string, VippsEndState>> = {
  ABORTED: 'CANCEL',
  EXPIRED: 'TIMEOUT',
  TERMINATED: 'CANCEL',
};

export function vippsEventKey(e: VippsPaymentEvent): string {
  return sha256Hex(
    JSON.stringify([
      e.reference,
      e.name,
      e.timestamp,
      e.eventId ?? '',
      e.idempotencyKey ?? '',
      e.amount.value,
    ]),
  );
}

export async function receiveVippsEvent(
  event: VippsPaymentEvent,
  deps: VippsWebhookDeps,
): Promise<VippsWebhookOutcome> {
  const tx = await deps.transactions.get(event.reference);
  if (!tx || vippsApiOf(tx) !== 'epayment' || tx.merchantSerialNumber !== event.merchantSerialNumber)
    return { kind: 'UNKNOWN_PAYMENT' };
  const ending = event.success ? ENDINGS[event.name.toUpperCase()] : undefined;
  const settled = ending ? await settleWaiting(event.reference, ending, deps) : undefined;
  const at = deps.clock.now().toISOString();
  const isNew = await deps.events.record({ ...event, eventKey: vippsEventKey(event), receivedAt: at });
  deps.log.info('Vipps webhook event received', {
    pspTransactionId: event.reference,
    event: event.name,
    duplicate: !isNew,
    ...(settled ? { settled } : {}),
  });
  return { kind: 'RECORDED', duplicate: !isNew, ...(settled ? { settled } : {}) };
}

/** End the payment if it still waits for the card; anything further along is left as it is. */
async function settleWaiting(
  id: string,
  ending: VippsEndState,
  deps: VippsWebhookDeps,
): Promise<'CANCELLED' | 'EXPIRED' | undefined> {
  try {
    return await retryOnWriteConflict(async () => {
      const tx = await deps.transactions.get(id);
      if (!tx || tx.status !== 'INITIATED' || tx.makePayment?.state === 'IN_PROGRESS') return undefined;
      const at = deps.clock.now().toISOString();
      const stored = await commit(
        deps.transactions,
        tx,
        endedByVipps(tx, ending, statusFromVipps(ending), at),
      );
      return stored.status === 'EXPIRED' ? 'EXPIRED' : 'CANCELLED';
    });
  } catch (error) {
    if (!(error instanceof ConcurrentUpdateError)) throw error;
    return undefined; // someone else kept changing it: the reconciler's poll settles it later
  }
}
