/**
 * The hosted checkout page: merchant, amount, and Vipps' official button — nothing else to choose,
 * no extra step. The button is Vipps' web component (never our drawing), wrapped in a link to
 * vippsRedirectUrl so pressing it starts the payment at Vipps; the component's fallback text is the
 * approved wording, so the link still works (and reads right) if the script is slow or blocked.
 * No card data ever appears here. Style and script are allowed by a per-response CSP nonce.
 */
import { formatNok } from '../../core/money.js';
import type { CheckoutProblem, CheckoutView } from '../../core/use-cases/show-checkout.js';
import { type Html, markup } from '../three-ds/pages/html.js';
import type { Language } from '../three-ds/pages/texts.js';
import { checkoutTexts } from './texts.js';
import { approvedWording, buttonAttributes } from './vipps-button.js';

export interface CheckoutPageOptions {
  language: Language;
  /** Fresh for every response; the CSP names it. */
  nonce: string;
  buttonScriptUrl: string;
}

// No :hover, :focus or outline rule touches the button: Vipps' guidelines allow no hover effect
// and no stroke. The component draws its own colours, font and radius.
const CSS = `
:root{color-scheme:light;--bg:#f4f5f7;--card:#fff;--text:#17202b;--muted:#56616f;--line:#d5dbe3}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;min-height:100vh;background:var(--bg);color:var(--text);
font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:28rem;margin:0 auto;padding:1.25rem 1rem 2rem}
.brand{margin:0 0 1rem;color:var(--muted);font-size:.875rem;font-weight:600}
.card{background:var(--card);border:1px solid var(--line);border-radius:1rem;padding:1.5rem 1.25rem}
h1{margin:0 0 .5rem;font-size:1.375rem;line-height:1.3}
p{margin:0 0 1rem}
.muted{color:var(--muted);font-size:.9375rem}
dl{margin:1rem 0 1.5rem;padding:1rem 0;border-block:1px solid var(--line);display:grid;gap:.125rem}
dt{color:var(--muted);font-size:.8125rem}
dd{margin:0 0 .5rem;overflow-wrap:anywhere}
.amount{font-size:1.75rem;font-weight:700;font-variant-numeric:tabular-nums;line-height:1.2}
.pay{display:block;text-decoration:none;color:inherit}
vipps-mobilepay-button{display:block;width:100%}
.back{display:inline-block;margin-top:1rem;color:var(--muted);font-size:.875rem}
footer{margin-top:1.25rem;color:var(--muted);font-size:.8125rem}
`.trim();

export function renderCheckoutPage(view: CheckoutView, options: CheckoutPageOptions): string {
  const t = checkoutTexts(options.language);
  const button = buttonAttributes(view.currency, options.language);
  const body = markup`<section class="card">
<h1>${t.title}</h1>
<dl>
<dt>${t.to}</dt><dd class="merchant">${view.merchantName}</dd>
<dt>${t.amount}</dt><dd class="amount">${formatAmount(view.amount, view.currency)}</dd>
<dd class="muted">${view.paymentText}</dd>
</dl>
<a class="pay" href="${view.vippsRedirectUrl}" id="pay-with-vipps"><vipps-mobilepay-button brand="${button.brand}" language="${button.language}" verb="${button.verb}" variant="${button.variant}" stretched="${button.stretched}">${approvedWording(button.brand, options.language)}</vipps-mobilepay-button></a>
<a class="back" href="${view.returnUrl}">${t.back(view.merchantName)}</a>
<footer>${t.noCardData}</footer>
</section>`;
  return shell(
    options,
    t.title,
    body,
    markup`<script nonce="${options.nonce}" async src="${options.buttonScriptUrl}"></script>`,
  );
}

export function renderCheckoutProblem(
  problem: CheckoutProblem,
  options: Omit<CheckoutPageOptions, 'buttonScriptUrl'>,
): string {
  const { title, message } = checkoutTexts(options.language).problems[problem];
  const body = markup`<section class="card" role="alert"><h1>${title}</h1><p>${message}</p></section>`;
  return shell(options, title, body);
}

function shell(
  options: { language: Language; nonce: string },
  title: string,
  body: Html,
  head: Html | '' = '',
): string {
  const t = checkoutTexts(options.language);
  return markup`<!doctype html>
<html lang="${options.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${title}</title>
<link rel="icon" href="data:,">
<style nonce="${options.nonce}">${CSS}</style>
${head}
</head>
<body>
<main>
<p class="brand">${t.brand}</p>
${body}
</main>
</body>
</html>
`.value;
}

function formatAmount(amount: number, currency: string): string {
  return currency === 'NOK' ? formatNok(amount) : `${(amount / 100).toFixed(2)} ${currency}`;
}
