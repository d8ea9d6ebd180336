/**
 * Response headers of the hosted checkout. The CSP allows only our nonce-tagged stylesheet and the
 * nonce-tagged button script (and what that script's origin serves: Vipps' component may load its
 * own styles, images and fonts from there). Nobody may frame the page (clickjacking a pay button),
 * and it is never cached (a payment's state changes).
 */
export function checkoutSecurityHeaders(nonce: string, buttonScriptUrl: string): Record<string, string> {
  const component = new URL(buttonScriptUrl).origin;
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}' ${component}`,
    `style-src 'nonce-${nonce}' ${component}`,
    `img-src data: ${component}`,
    `font-src ${component}`,
    `connect-src ${component}`,
    "form-action 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': csp,
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
    'X-Robots-Tag': 'noindex, nofollow',
  };
}
