/**
 * THE mapping of Adyen Checkout answers to our outcomes and Vipps errorIds: `resultCode`, and for
 * Refused its `refusalReasonCode` (docs.adyen.com "Refusal reasons"). docs/acquirers.md shows
 * the same table; a test compares them. A code not listed is a typed error (91), never an OK.
 * Why 4/7/9/39/42 → 91: Adyen, the acquirer or the DS failed, not the card; a retry may work.
 */
import type { AcquirerCodeEntry } from '../acquirer-codes.js';

const refused = (text: string): AcquirerCodeEntry => ({
  meaning: { outcome: 'DECLINED', reason: 'REFUSED' },
  text,
  vippsErrorId: '82',
});
const error = (text: string): AcquirerCodeEntry => ({
  meaning: { outcome: 'ERROR' },
  text,
  vippsErrorId: '91',
});
const fraud = (text: string): AcquirerCodeEntry => ({
  meaning: { outcome: 'DECLINED', reason: 'SUSPECTED_FRAUD' },
  text,
  vippsErrorId: '83',
});

/** resultCode Refused: refusalReasonCode → meaning. */
export const adyenRefusalReasons: Readonly<Record<string, AcquirerCodeEntry>> = {
  '2': refused('Refused'),
  '3': refused('Referral'),
  '4': error('Acquirer Error'),
  '5': refused('Blocked Card'),
  '6': { meaning: { outcome: 'DECLINED', reason: 'EXPIRED_CARD' }, text: 'Expired Card', vippsErrorId: '86' },
  '7': error('Invalid Amount'),
  '8': {
    meaning: { outcome: 'DECLINED', reason: 'INVALID_CARD_NUMBER' },
    text: 'Invalid Card Number',
    vippsErrorId: '87',
  },
  '9': error('Issuer Unavailable'),
  '10': {
    meaning: { outcome: 'DECLINED', reason: 'NO_SUCH_ISSUER' },
    text: 'Not supported',
    vippsErrorId: '81',
  },
  '11': refused('3D Not Authenticated'),
  '12': {
    meaning: { outcome: 'DECLINED', reason: 'INSUFFICIENT_FUNDS' },
    text: 'Not enough balance',
    vippsErrorId: '89',
  },
  '14': fraud('Acquirer Fraud'),
  '15': refused('Cancelled'),
  '20': fraud('FRAUD'),
  '22': fraud('FRAUD-CANCELLED'),
  '23': refused('Transaction Not Permitted'),
  '24': refused('CVC Declined'),
  '25': refused('Restricted Card'),
  '26': refused('Revocation Of Auth'),
  '27': refused('Declined Non Generic'),
  '28': {
    meaning: { outcome: 'DECLINED', reason: 'EXCEEDS_LIMIT' },
    text: 'Withdrawal amount exceeded',
    vippsErrorId: '84',
  },
  '29': {
    meaning: { outcome: 'DECLINED', reason: 'EXCEEDS_LIMIT' },
    text: 'Withdrawal count exceeded',
    vippsErrorId: '84',
  },
  '31': fraud('Issuer Suspected Fraud'),
  '32': refused('AVS Declined'),
  '38': { meaning: { outcome: 'SOFT_DECLINE' }, text: 'Authentication required', vippsErrorId: '1036' },
  '39': error('RReq not received from DS'),
  '42': error('3DS Authentication Error'),
  '46': refused('Transaction blocked by Adyen to prevent excessive retry fees'),
};

/** The resultCodes other than Refused that end an authorisation. */
export const adyenResultCodes: Readonly<Record<string, AcquirerCodeEntry>> = {
  Authorised: { meaning: { outcome: 'APPROVED' }, text: 'Authorised', vippsErrorId: 'OK' },
  Error: error('Error'),
  Cancelled: refused('Cancelled'),
};
