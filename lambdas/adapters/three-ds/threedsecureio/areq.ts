/**
 * The AReq body for POST /auth, browser channel, from the field tables of 2.1.0, 2.2.0 and 2.3.1:
 * what every version requires for a browser payment authentication, plus payTokenInd (we
 * authenticate a network token, not a PAN) and a mandated challenge (the issuer soft-declined).
 *
 * 2.1.0 requires the screen fields and Java flag whether or not JavaScript ran; 2.2.0 and later make
 * them conditional on browserJavascriptEnabled. Without JavaScript on 2.1.0 we send neutral values.
 */
import type { Currency } from '../../../core/money.js';
import type { AuthenticationRequest } from '../../../core/three-ds-server.js';
import type { MerchantData } from './threedsecureio-server.js';

/** ISO 4217 numeric codes of the currencies we take. */
const CURRENCY_CODES: Record<Currency, string> = { NOK: '578' };
const CURRENCY_EXPONENT = '2';

export function authenticationRequestBody(
  request: AuthenticationRequest,
  merchant: MerchantData,
): Record<string, unknown> {
  const { browser, card, purchase } = request;
  const js = browser.screen;
  const modern = request.messageVersion !== '2.1.0';
  const screenFields =
    js || !modern
      ? {
          browserJavaEnabled: js?.javaEnabled ?? false,
          browserColorDepth: String(js?.colorDepth ?? 24),
          browserScreenHeight: String(js?.height ?? 0),
          browserScreenWidth: String(js?.width ?? 0),
          browserTZ: String(js?.timeZoneOffset ?? 0),
        }
      : {};
  return {
    messageType: 'AReq',
    messageVersion: request.messageVersion,
    messageCategory: '01',
    deviceChannel: '02',
    threeDSServerTransID: request.serverTransactionId,
    threeDSCompInd: request.methodCompletion,
    threeDSRequestorAuthenticationInd: '01',
    threeDSRequestorChallengeInd: '04',
    threeDSRequestorURL: merchant.requestorUrl,
    notificationURL: request.notificationUrl,
    acquirerBIN: merchant.acquirerBin,
    acquirerMerchantID: merchant.acquirerMerchantId,
    mcc: merchant.mcc,
    merchantCountryCode: merchant.countryCode,
    merchantName: purchase.merchantName.slice(0, 40),
    acctNumber: card.number,
    cardExpiryDate: `${card.expiryYear.slice(-2)}${card.expiryMonth.padStart(2, '0')}`,
    payTokenInd: true,
    purchaseAmount: String(purchase.amount),
    purchaseCurrency: CURRENCY_CODES[purchase.currency],
    purchaseExponent: CURRENCY_EXPONENT,
    purchaseDate: purchaseDate(purchase.date),
    transType: '01',
    browserAcceptHeader: browser.acceptHeader.slice(0, 2048),
    browserIP: browser.ip.slice(0, 45),
    browserLanguage: browser.language.slice(0, modern ? 35 : 8),
    browserUserAgent: browser.userAgent.slice(0, 2048),
    ...(modern ? { browserJavascriptEnabled: browser.javascriptEnabled } : {}),
    ...screenFields,
  };
}

/** YYYYMMDDHHMMSS in UTC. */
function purchaseDate(iso: string): string {
  return new Date(iso).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}
