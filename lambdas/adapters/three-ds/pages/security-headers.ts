/**
 * Response headers of every 3-D Secure page. The CSP allows no script at all, only our pinned
 * stylesheet, and forms only to ourselves and the origins the page really posts or redirects to
 * (Chromium applies form-action to the redirect after a POST, so the Vipps operations URLs' origins
 * are listed). frame-ancestors 'none': the Vipps app opens the page top-level in its web view,
 * where frame-ancestors does not apply, while any site trying to frame it (clickjacking) is refused.
 */
import { styleHash } from './layout.js';

export interface SecurityHeaderOptions {
  formOrigins: readonly string[];
  /** Origins allowed to frame the page; empty (the default) means none. */
  frameAncestors?: readonly string[];
}

export function securityHeaders(options: SecurityHeaderOptions): Record<string, string> {
  const frameAncestors = options.frameAncestors?.length ? options.frameAncestors.join(' ') : "'none'";
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
    ...(options.frameAncestors?.length ? {} : { 'X-Frame-Options': 'DENY' }),
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
    'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
    'X-Robots-Tag': 'noindex, nofollow',
  };
}
