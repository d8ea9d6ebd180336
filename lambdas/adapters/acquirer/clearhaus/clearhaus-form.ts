/**
 * The form-encoded bodies Clearhaus' gateway API takes (gateway API: authorizations, method
 * `token`, 3-D Secure v2, captures, refunds). Keys keep their brackets (`token[tan]`) as in
 * Clearhaus' examples; values are percent-encoded. The body is built once: it is what we sign.
 */
import type { AuthorisationRequest, ThreeDsAuthentication } from '../../../core/ports.js';

type Fields = Array<[string, string]>;

/** Clearhaus `reference`: 1–30 printable ASCII. Our ids are 32 hex: the first 30 identify it. */
export function clearhausReference(pspTransactionId: string): string {
  return pspTransactionId.slice(0, 30);
}

export function encodeForm(fields: Fields): string {
  return fields.map(([key, value]) => `${key}=${encodeURIComponent(value)}`).join('&');
}

const month = (m: string) => m.padStart(2, '0');
/** Clearhaus wants `20[0-9]{2}`; Vipps may send two digits. */
const year = (y: string) => (y.length === 2 ? `20${y}` : y);

export function authorisationForm(request: AuthorisationRequest): string {
  const fields: Fields = [
    ['amount', String(request.amount)],
    ['currency', request.currency],
    ['reference', clearhausReference(request.pspTransactionId)],
  ];
  const { card } = request;
  if (card.kind === 'NETWORK_TOKEN') {
    fields.push(
      ['token[tan]', card.number],
      ['token[expire_month]', month(card.expiryMonth)],
      ['token[expire_year]', year(card.expiryYear)],
    );
    // Clearhaus takes an ECI for Visa tokens only (MDES carries none).
    if (card.tokenType === 'VISA') fields.push(['token[eci]', card.eci.padStart(2, '0')]);
    fields.push(['token[tav]', card.cryptogram]);
    if (request.threeDs) fields.push(['token[3dsecure][v2][rreq]', rreq(request.threeDs)]);
  } else {
    // Legacy ENCRYPTEDCARD: the card Vipps stored for the user, used by the user now.
    fields.push(
      ['card[pan]', card.pan],
      ['card[expire_month]', month(card.expiryMonth)],
      ['card[expire_year]', year(card.expiryYear)],
      ['credential_on_file', 'use'],
    );
    if (request.threeDs) fields.push(['card[3dsecure][v2][rreq]', rreq(request.threeDs)]);
  }
  return encodeForm(fields);
}

/** The 3-D Secure v2 result as the RReq Clearhaus reads authenticationValue, eci and dsTransID from. */
function rreq(auth: ThreeDsAuthentication): string {
  return JSON.stringify({
    messageType: 'RReq',
    messageVersion: auth.version,
    dsTransID: auth.threeDsTransactionId,
    transStatus: 'Y',
    authenticationValue: auth.cavv,
    eci: auth.eci.padStart(2, '0'),
  });
}

export function amountForm(amount: number): string {
  return encodeForm([['amount', String(amount)]]);
}
