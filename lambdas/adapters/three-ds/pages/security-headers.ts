/**
 * Response headers of every 3-D Secure page. The CSP allows only our pinned stylesheet and the
 * scripts carrying this response's nonce; frames, fetches and forms only to ourselves and the
 * origins of this session's 3DS Method URL and ACS (and form-action also to the Vipps operations
 * URLs' origins: Chromium applies it to the redirect after a POST).
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
  /** This response's script nonce (base64, fresh per response); no script runs without it. */
  nonce?: string;
  /**
   * Origins the page frames: the 3DS Method URL's or the ACS's. 'self' is always added when there
   * are any: the ACS sends each frame back to our notification routes.
   */
  frameOrigins?: readonly string[];
  /** Origins the page's script may reach (the ACS, to learn whether it is reachable). */
  connectOrigins?: readonly string[];
  /** CSP sources allowed to frame the page; DEFAULT_FRAME_ANCESTORS when absent or empty. */
  frameAncestors?: readonly string[];
}

export function securityHeaders(options: SecurityHeaderOptions): Record<string, string> {
  const frameAncestors = (
    options.frameAncestors?.length ? options.frameAncestors : DEFAULT_FRAME_ANCESTORS
  ).join(' ');
  const formAction = ["'self'", ...new Set(options.formOrigins)].join(' ');
  const list = (origins: readonly string[] | undefined) => [...new Set(origins ?? [])].join(' ');
  const csp = [
    "default-src 'none'",
    `style-src ${styleHash}`,
    ...(options.nonce ? [`script-src 'nonce-${options.nonce}'`] : []),
    ...(options.frameOrigins?.length ? [`frame-src 'self' ${list(options.frameOrigins)}`] : []),
    ...(options.connectOrigins?.length ? [`connect-src ${list(options.connectOrigins)}`] : []),
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
