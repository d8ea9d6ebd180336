/**
 * The challenge page. Its form is the contract the Vipps app (and our Vipps simulator) relies on:
 *   <form method="post" action="/3ds/<sessionId>"> with a hidden `csrf`, a text `otp`
 *   (inputmode numeric, autocomplete one-time-code) and two submit buttons `action` = submit | cancel.
 * Submit comes first, so Enter in the code field submits; Cancel skips validation (formnovalidate).
 * For a real ACS the page instead posts the CReq to the issuer (threeDSSessionData carries our form
 * token back with the CRes), keeping a Cancel button that posts to us.
 */
import { formatNok } from '../../../core/money.js';
import type { ChallengeView } from '../../../core/use-cases/three-ds-challenge.js';
import { type Html, markup } from './html.js';
import { page } from './layout.js';
import { type Language, textsFor } from './texts.js';

export interface RenderedPage {
  statusCode: number;
  html: string;
  /** Origins the page's forms (and the redirects that follow them) may go to, besides our own. */
  formOrigins: string[];
}

export interface ChallengePageOptions {
  language: Language;
  /** Path of our return route for this session, e.g. `/3ds/<sessionId>` (or `/prod/3ds/...`). */
  actionPath: string;
}

export function renderChallengePage(view: ChallengeView, options: ChallengePageOptions): RenderedPage {
  const t = textsFor(options.language);
  const step = view.step;
  const expires = formatTime(view.expiresAt, options.language);
  const summary = markup`<dl>
<dt>${t.merchant}</dt><dd>${view.merchantName}</dd>
<dt>${t.amount}</dt><dd class="amount">${formatAmount(view.amount, view.currency)}</dd>
</dl>`;
  const csrf = markup`<input type="hidden" name="csrf" value="${view.formToken}">`;
  const cancelButton = markup`<button class="secondary" type="submit" name="action" value="cancel" formnovalidate>${t.cancel}</button>`;

  let content: Html;
  const formOrigins = view.redirectTargets.map(originOf);
  if (step.kind === 'ONE_TIME_CODE') {
    content = markup`<p class="muted">${t.intro}</p>
${summary}
<form method="post" action="${options.actionPath}">
${csrf}
<label for="otp">${t.codeLabel}</label>
<input id="otp" name="otp" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" maxlength="12" required autofocus enterkeyhint="done" spellcheck="false">
${step.testCode ? markup`<p class="note">${t.testCode(step.testCode)}</p>` : ''}
<div class="actions">
<button class="primary" type="submit" name="action" value="submit">${t.confirm}</button>
${cancelButton}
</div>
</form>`;
  } else {
    formOrigins.push(originOf(step.acsUrl));
    content = markup`<p class="muted">${t.acsIntro}</p>
${summary}
<form method="post" action="${step.acsUrl}">
<input type="hidden" name="creq" value="${step.creq}">
<input type="hidden" name="threeDSSessionData" value="${view.formToken}">
<div class="actions"><button class="primary" type="submit">${t.continueToBank}</button></div>
</form>
<form method="post" action="${options.actionPath}">
${csrf}
<div class="actions">${cancelButton}</div>
</form>`;
  }

  const body = markup`<section class="card">
<h1>${t.title}</h1>
${content}
<footer><p>${t.expiresAt(expires)}</p>${t.footer}</footer>
</section>`;
  return {
    statusCode: 200,
    html: page({ language: options.language, title: t.title, brand: t.brand, body }),
    formOrigins: [...new Set(formOrigins)],
  };
}

function formatAmount(amount: number, currency: string): string {
  // NOK is the only currency Vipps PSP takes; anything else is shown plainly rather than wrongly.
  return currency === 'NOK' ? formatNok(amount) : `${(amount / 100).toFixed(2)} ${currency}`;
}

/** HH:MM in Norwegian time: the user is in Norway whatever the Lambda's clock zone is. */
function formatTime(iso: string, language: Language): string {
  return new Intl.DateTimeFormat(language === 'nb' ? 'nb-NO' : 'en-GB', {
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'Europe/Oslo',
  }).format(new Date(iso));
}

function originOf(url: string): string {
  return new URL(url).origin;
}
