/**
 * THE mapping of ISO 8583 response codes (DE39) to our authorisation outcomes, and through the
 * error catalogue to Vipps errorIds. docs/acquirer-mapping.md shows the same table; a test
 * compares the two so they cannot drift.
 *
 * Why 91 and 96 → ERROR (our 91 "Internal error"): the acquirer did answer, and the answer is
 * "no authorisation was made" — so no reversal is needed (unlike a timeout, 85), and it is not the
 * issuer refusing the card (82 would tell the user their card was refused when the fault is ours
 * or the network's; a retry may well succeed).
 */
import type { DeclineReason } from '../../core/error-catalogue.js';

export type De39Meaning =
  | { outcome: 'APPROVED' }
  | { outcome: 'DECLINED'; reason: DeclineReason }
  /** The issuer wants strong customer authentication: step up with 3-D Secure. */
  | { outcome: 'SOFT_DECLINE' }
  | { outcome: 'ERROR' };

export interface De39Entry {
  meaning: De39Meaning;
  /** The ISO 8583 description, for messages and the docs. */
  text: string;
  /** The Vipps errorId a makePayment answer gets (OK / 1036 for approvals and soft declines). */
  vippsErrorId: string;
}

export const de39Table: Readonly<Record<string, De39Entry>> = {
  '00': { meaning: { outcome: 'APPROVED' }, text: 'Approved', vippsErrorId: 'OK' },
  '05': { meaning: { outcome: 'DECLINED', reason: 'REFUSED' }, text: 'Do not honour', vippsErrorId: '82' },
  '14': {
    meaning: { outcome: 'DECLINED', reason: 'INVALID_CARD_NUMBER' },
    text: 'Invalid card number',
    vippsErrorId: '87',
  },
  '15': {
    meaning: { outcome: 'DECLINED', reason: 'NO_SUCH_ISSUER' },
    text: 'No such issuer',
    vippsErrorId: '81',
  },
  '51': {
    meaning: { outcome: 'DECLINED', reason: 'INSUFFICIENT_FUNDS' },
    text: 'Not sufficient funds',
    vippsErrorId: '89',
  },
  '54': {
    meaning: { outcome: 'DECLINED', reason: 'EXPIRED_CARD' },
    text: 'Expired card',
    vippsErrorId: '86',
  },
  '57': {
    meaning: { outcome: 'DECLINED', reason: 'REFUSED' },
    text: 'Transaction not permitted to cardholder',
    vippsErrorId: '82',
  },
  '59': {
    meaning: { outcome: 'DECLINED', reason: 'SUSPECTED_FRAUD' },
    text: 'Suspected fraud',
    vippsErrorId: '83',
  },
  '61': {
    meaning: { outcome: 'DECLINED', reason: 'EXCEEDS_LIMIT' },
    text: 'Exceeds withdrawal amount limit',
    vippsErrorId: '84',
  },
  '65': {
    meaning: { outcome: 'SOFT_DECLINE' },
    text: 'Exceeds withdrawal count limit (Mastercard: SCA required)',
    vippsErrorId: '1036',
  },
  '1A': {
    meaning: { outcome: 'SOFT_DECLINE' },
    text: 'Additional customer authentication required (Visa: SCA required)',
    vippsErrorId: '1036',
  },
  '91': { meaning: { outcome: 'ERROR' }, text: 'Issuer or switch inoperative', vippsErrorId: '91' },
  '96': { meaning: { outcome: 'ERROR' }, text: 'System malfunction', vippsErrorId: '91' },
};

/** A code not in the table is an ERROR that keeps the code (our 91; ops see the code). */
export function interpretDe39(code: string): De39Entry {
  return (
    de39Table[code] ?? {
      meaning: { outcome: 'ERROR' },
      text: `Unmapped response code ${code}`,
      vippsErrorId: '91',
    }
  );
}

/** DE39 for a reversal whose original cannot be found: nothing to reverse. */
export const DE39_ORIGINAL_NOT_FOUND = '25';
