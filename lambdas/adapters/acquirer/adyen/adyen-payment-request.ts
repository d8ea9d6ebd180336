/**
 * Our authorisation as an Adyen Checkout PaymentRequest (v72, the library's generated model):
 * the network token as `paymentMethod.type: networkToken` with its cryptogram in
 * `mpiData.tokenAuthenticationVerificationValue` and its ECI; after 3-D Secure the CAVV, ECI,
 * dsTransID and version go into the same `mpiData`, beside the token's cryptogram.
 */
import type { PaymentRequest } from '@adyen/api-library/lib/src/typings/checkout/paymentRequest.js';
import type { AuthorisationRequest } from '../../../core/ports.js';

const brands = { VISA: 'visa', MASTERCARD: 'mc' } as const;
const year = (y: string) => (y.length === 2 ? `20${y}` : y);

export function adyenPaymentRequest(request: AuthorisationRequest, merchantAccount: string): PaymentRequest {
  const { card, threeDs } = request;
  const paymentMethod =
    card.kind === 'NETWORK_TOKEN'
      ? {
          type: 'networkToken',
          number: card.number,
          expiryMonth: card.expiryMonth.padStart(2, '0'),
          expiryYear: year(card.expiryYear),
          brand: brands[card.tokenType],
        }
      : {
          type: 'scheme',
          number: card.pan,
          expiryMonth: card.expiryMonth.padStart(2, '0'),
          expiryYear: year(card.expiryYear),
        };
  const tokenData =
    card.kind === 'NETWORK_TOKEN'
      ? { tokenAuthenticationVerificationValue: card.cryptogram, eci: card.eci.padStart(2, '0') }
      : {};
  const threeDsData = threeDs
    ? {
        cavv: threeDs.cavv,
        eci: threeDs.eci.padStart(2, '0'),
        dsTransID: threeDs.threeDsTransactionId,
        threeDSVersion: threeDs.version,
        directoryResponse: 'Y',
        authenticationResponse: 'Y',
      }
    : {};
  const mpiData = { ...tokenData, ...threeDsData };
  return {
    amount: { currency: request.currency, value: request.amount },
    merchantAccount,
    reference: request.pspTransactionId,
    paymentMethod,
    shopperInteraction: card.kind === 'NETWORK_TOKEN' ? 'Ecommerce' : 'ContAuth',
    ...(card.kind === 'PAN' ? { recurringProcessingModel: 'CardOnFile' } : {}),
    ...(Object.keys(mpiData).length ? { mpiData } : {}),
  } as PaymentRequest;
}

/** Adyen's Idempotency-Key (≤ 64): the retry after 3-D Secure is a new authorisation, so a new key. */
export function authorisationIdempotencyKey(request: AuthorisationRequest): string {
  return request.threeDs ? `${request.pspTransactionId}-3ds` : request.pspTransactionId;
}
