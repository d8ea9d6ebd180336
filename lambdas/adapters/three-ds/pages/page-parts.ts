/** What the 3-D Secure pages share: the rendered-page shape, the summary, origins. */
import { formatNok } from '../../../core/money.js';
import type { Currency, MinorUnits } from '../../../core/money.js';
import { markup, type Html } from './html.js';
import type { Language, Texts } from './texts.js';

export interface RenderedPage {
  statusCode: number;
  html: string;
  /** Origins the page's forms (and the redirects that follow them) may go to, besides our own. */
  formOrigins: string[];
  /** Origins the page may frame (CSP frame-src). */
  frameOrigins?: string[];
  /** Origins the page's script may fetch (CSP connect-src). */
  connectOrigins?: string[];
  /** The CSP nonce of the page's script, if it has one. */
  nonce?: string;
}

export interface PageOptions {
  language: Language;
  /** Path of our route for this session, e.g. `/3ds/<sessionId>` (or `/prod/3ds/...`). */
  actionPath: string;
  /** This response's script nonce. */
  nonce: string;
}

export function summary(
  view: { merchantName: string; amount: MinorUnits; currency: Currency },
  t: Texts,
): Html {
  return markup`<dl>
<dt>${t.merchant}</dt><dd>${view.merchantName}</dd>
<dt>${t.amount}</dt><dd class="amount">${formatAmount(view.amount, view.currency)}</dd>
</dl>`;
}

function formatAmount(amount: number, currency: string): string {
  // NOK is the only currency Vipps PSP takes; anything else is shown plainly rather than wrongly.
  return currency === 'NOK' ? formatNok(amount) : `${(amount / 100).toFixed(2)} ${currency}`;
}

export function originOf(url: string): string {
  return new URL(url).origin;
}
