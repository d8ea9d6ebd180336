/**
 * Response headers of every 3-D Secure page. The CSP allows no script at all, only our pinned
 * stylesheet, and forms only to ourselves and the origins the page really posts or redirects to
 * (Chromium applies form-action to the redirect after a POST, so the Vipps operations URLs' origins
 * are listed).
 *
 * Framing: Vipps' guide draws the app opening the page in an iframe, so frame-ancestors is a list
 * (FRAME_ANCESTORS), by default ourselves and Vipps' own domains; any other site trying to frame
 * the page (clickjacking) is refused. No X-Frame-Options: it cannot name a list (DENY/SAMEORIGIN
 * would refuse Vipps), and browsers that know frame-ancestors ignore it anyway.
 */
import { styleHash } from './layout.js';

/**
 * The hosts Vipps' PSP guide uses are vipps.no (api., apitest., portal., www.) and
 * vippsmobilepay.com (developer.); the app's web view content, if framed, comes from those.
 * Never a bare `*` or a scheme alone.
 */
export const DEFAULT_FRAME_ANCESTORS: readonly string[] = [
  "'self'",
  'https://vipps.no',
  'https://*.vipps.no',
  'https://vippsmobilepay.com',
  'https://*.vippsmobilepay.com',
];

export interface SecurityHeaderOptions {
  formOrigins: readonly string[];
  /** CSP sources allowed to frame the page; DEFAULT_FRAME_ANCESTORS when absent or empty. */
  frameAncestors?: readonly string[];
}

export function securityHeaders(options: SecurityHeaderOptions): Record<string, string> {
  const frameAncestors = (
    options.frameAncestors?.length ? options.frameAncestors : DEFAULT_FRAME_ANCESTORS
  ).join(' ');
  const formAction = ["'self'", ...new Set(options.formOrigins)].join(' ');
  const csp = [
    "default-src 'none'",
    `style-src ${styleHash}`,
    'img-src data:',
    `form-action ${formAction}`,
    "base-uri 'none'",
    `frame-ancestors ${frameAncestors}`,
  ].join('; ');
  return {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': csp,
    'Cache-Control': 'no-store',
    Pragma: 'no-cache',
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
    'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
    'X-Robots-Tag': 'noindex, nofollow',
  };
}
