/**
 * The challenge: the CReq auto-posted to the issuer's ACS in a full-width iframe (challengeWindowSize
 * 05, the app's web view), `threeDSSessionData` carrying this render's page token, which the ACS
 * posts back with the CRes. The script first checks that the ACS answers at all: if it cannot be
 * reached (or not within 10 s) the page reports it and the shopper is sent on, never left at a
 * dead frame. Without scripts the shopper presses "Continue to your bank". Cancel posts to us.
 */
import type { ChallengeView } from '../../../core/use-cases/three-ds-challenge.js';
import { markup } from './html.js';
import { page } from './layout.js';
import { type PageOptions, type RenderedPage, originOf } from './page-parts.js';
import { textsFor } from './texts.js';

export type { RenderedPage } from './page-parts.js';

const SCRIPT = `(function () {
  var d = document;
  d.documentElement.className += ' js';
  var creq = d.getElementById('creq');
  var decided = false;
  function unreachable() {
    if (decided) return;
    decided = true;
    d.getElementById('unreachable').submit();
  }
  var timer = setTimeout(unreachable, 10000);
  fetch(creq.getAttribute('action'), { mode: 'no-cors', cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer' })
    .then(function () {
      if (decided) return;
      decided = true;
      clearTimeout(timer);
      creq.submit();
    }, unreachable);
})();`;

export function renderChallengePage(view: ChallengeView, options: PageOptions): RenderedPage {
  const t = textsFor(options.language);
  const csrf = markup`<input type="hidden" name="csrf" value="${view.pageToken}">`;
  const body = markup`<iframe name="acs" class="acs" title="${t.bankFrame}"></iframe>
<form id="creq" method="post" action="${view.acsUrl}" target="acs">
<input type="hidden" name="creq" value="${view.creq}">
<input type="hidden" name="threeDSSessionData" value="${view.pageToken}">
<p class="muted fallback">${t.acsIntro}</p>
<div class="actions fallback"><button class="primary" type="submit">${t.continueToBank}</button></div>
</form>
<form id="unreachable" method="post" action="${options.actionPath}">
${csrf}<input type="hidden" name="step" value="acs-unreachable">
</form>
<form method="post" action="${options.actionPath}">
${csrf}
<div class="actions"><button class="secondary" type="submit" name="step" value="cancel">${t.cancel}</button></div>
</form>`;
  const acs = originOf(view.acsUrl);
  return {
    statusCode: 200,
    html: page({
      language: options.language,
      title: t.title,
      brand: t.brand,
      body,
      bodyClass: 'challenge',
      script: { nonce: options.nonce, code: SCRIPT },
    }),
    formOrigins: [acs, ...view.redirectTargets.map(originOf)],
    frameOrigins: [acs],
    connectOrigins: [acs],
    nonce: options.nonce,
  };
}
