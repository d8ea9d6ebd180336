/**
 * Where the shopper lands after paying: the merchant's redirectUrl with our payment id added
 * (`pspTransactionId=…`), so the shop knows which payment to read back without keeping a session.
 * An app-switch URL (`myshop://…`, with isApp) is left exactly as the merchant gave it: its app
 * may not accept a query we made up.
 */
export const RETURN_PAYMENT_ID_PARAM = 'pspTransactionId';

export function returnUrlWithPaymentId(redirectUrl: string, pspTransactionId: string): string {
  let url: URL;
  try {
    url = new URL(redirectUrl);
  } catch {
    return redirectUrl;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return redirectUrl;
  url.searchParams.set(RETURN_PAYMENT_ID_PARAM, pspTransactionId);
  return url.toString();
}
