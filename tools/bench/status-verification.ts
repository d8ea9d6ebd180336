/**
 * Did Vipps receive every status update exactly once and in order? Checked from what the Vipps
 * simulator recorded (every updatestatus entry in arrival order), against the sequence each
 * payment should have produced.
 */
import type { RecordedStatusUpdate } from '../../local/vipps-simulator/index.js';

export interface ExpectedUpdate {
  status: string;
  amount: number;
}

export interface StatusVerification {
  payments: number;
  expectedEntries: number;
  /** Entries for these payments that Vipps received. */
  receivedEntries: number;
  /** Entries received more than once (same payment, status and amount at the same position). */
  duplicates: number;
  /** Payments whose entries differ from the expected sequence (order, missing, extra, amount). */
  outOfOrderOrWrong: number;
  notApplied: number;
  /** Entries the simulator flagged (e.g. a status that makes no sense after the previous one). */
  withProblems: number;
  /** Up to 5 examples of what was wrong, for the report. */
  examples: string[];
  ok: boolean;
}

export function verifyStatusUpdates(
  updates: readonly RecordedStatusUpdate[],
  expected: ReadonlyMap<string, readonly ExpectedUpdate[]>,
): StatusVerification {
  const received = new Map<string, RecordedStatusUpdate[]>();
  for (const u of updates) {
    const id = u.transaction.pspTransactionId;
    if (!expected.has(id)) continue;
    const list = received.get(id) ?? [];
    list.push(u);
    received.set(id, list);
  }
  let expectedEntries = 0;
  let receivedEntries = 0;
  let duplicates = 0;
  let wrong = 0;
  let notApplied = 0;
  let withProblems = 0;
  const examples: string[] = [];
  const show = (u: ExpectedUpdate) => `${u.status} ${u.amount}`;
  for (const [id, want] of expected) {
    const got = received.get(id) ?? [];
    expectedEntries += want.length;
    receivedEntries += got.length;
    const seen = new Set<string>();
    for (const u of got) {
      const key = `${u.transaction.status}|${u.transaction.amount}`;
      if (seen.has(key)) duplicates += 1;
      seen.add(key);
      if (!u.applied) notApplied += 1;
      if (u.problems.length > 0) withProblems += 1;
    }
    const gotSeq = got.map((u) => ({ status: u.transaction.status, amount: u.transaction.amount }));
    const same =
      gotSeq.length === want.length &&
      gotSeq.every((g, i) => g.status === want[i]!.status && g.amount === want[i]!.amount);
    if (!same) {
      wrong += 1;
      if (examples.length < 5)
        examples.push(
          `${id}: expected [${want.map(show).join(', ')}], Vipps got [${gotSeq.map(show).join(', ')}]`,
        );
    }
  }
  return {
    payments: expected.size,
    expectedEntries,
    receivedEntries,
    duplicates,
    outOfOrderOrWrong: wrong,
    notApplied,
    withProblems,
    examples,
    ok: wrong === 0 && duplicates === 0 && notApplied === 0 && receivedEntries === expectedEntries,
  };
}
