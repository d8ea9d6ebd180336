/**
 * THE mapping of Clearhaus transaction status codes (gateway API, "Transaction status codes")
 * to our outcomes and Vipps errorIds. docs/acquirers.md shows the same table; a test compares them.
 *
 * Clearhaus: 20000 is the only approval; every other code is a decline, so a code missing from
 * this table is still "not approved" (our 91), never a false OK.
 * Why 40000/40140/40150/40300/40400/50000 → 91: the request or Clearhaus failed, not the card; a
 * retry may succeed, and telling the user their card was refused (82) would be wrong.
 */
import type { DeclineReason } from '../../../core/error-catalogue.js';
import type { AcquirerCodeEntry } from '../acquirer-codes.js';

const declined = (
  reason: DeclineReason,
  text: string,
  vippsErrorId: AcquirerCodeEntry['vippsErrorId'],
): AcquirerCodeEntry => ({ meaning: { outcome: 'DECLINED', reason }, text, vippsErrorId });
/** The generic refusal: Vipps' 82 "Refused by Issuer". */
const refused = (text: string): AcquirerCodeEntry => declined('REFUSED', text, '82');
const error = (text: string): AcquirerCodeEntry => ({
  meaning: { outcome: 'ERROR' },
  text,
  vippsErrorId: '91',
});

export const CLEARHAUS_APPROVED = 20000;

export const clearhausStatusCodes: Readonly<Record<number, AcquirerCodeEntry>> = {
  20000: { meaning: { outcome: 'APPROVED' }, text: 'Approved', vippsErrorId: 'OK' },
  40000: error('General input error'),
  40110: declined('INVALID_CARD_NUMBER', 'Invalid card number', '87'),
  40111: declined('NO_SUCH_ISSUER', 'Unsupported card scheme', '81'),
  40120: refused('Invalid CSC'),
  40130: refused('Invalid expire date'),
  40135: declined('EXPIRED_CARD', 'Card expired', '86'),
  40140: error('Invalid currency'),
  40150: error('Invalid text on statement'),
  40200: refused('Clearhaus rule violation'),
  40300: error('3-D Secure problem'),
  40310: refused('3-D Secure authentication failure'),
  40400: error('Backend problem'),
  40410: refused('Declined by issuer or card scheme'),
  40411: refused('Card restricted'),
  40412: declined('SUSPECTED_FRAUD', 'Card lost or stolen', '83'),
  40413: declined('INSUFFICIENT_FUNDS', 'Insufficient funds', '89'),
  40414: declined('SUSPECTED_FRAUD', 'Suspected fraud', '83'),
  40415: declined('EXCEEDS_LIMIT', 'Amount limit exceeded', '84'),
  40416: {
    meaning: { outcome: 'SOFT_DECLINE' },
    text: 'Additional authentication required',
    vippsErrorId: '1036',
  },
  40420: refused('Merchant blocked by cardholder'),
  50000: error('Clearhaus error'),
};

/** Undefined for a code Clearhaus does not document: the caller treats it as a typed error (91). */
export function clearhausStatus(code: number): AcquirerCodeEntry | undefined {
  return clearhausStatusCodes[code];
}

/** Codes after which nothing happened and a later retry may work (capture/refund/void). */
export function isClearhausTransient(code: number): boolean {
  return code === 40400 || code === 50000;
}
