/**
 * The first step of the page: the ACS's 3DS Method in a hidden iframe (when it has one), and the
 * browser data the AReq needs, measured by our script and posted back to us. The script posts as
 * soon as the ACS's notification arrives, after `methodTimeoutMs` (EMV's 10 seconds) without it,
 * or at once when there is no 3DS Method. Without scripts the shopper sees a Continue button.
 */
import type { MethodView } from '../../../core/use-cases/three-ds-challenge.js';
import { markup } from './html.js';
import { page } from './layout.js';
import { type PageOptions, type RenderedPage, originOf, summary } from './page-parts.js';
import { textsFor } from './texts.js';

const SCRIPT = `(function () {
  var d = document;
  d.documentElement.className += ' js';
  var form = d.getElementById('browser');
  var sent = false;
  function set(name, value) { form.elements[name].value = String(value); }
  function go() {
    if (sent) return;
    sent = true;
    set('javascriptEnabled', 'true');
    set('colorDepth', screen.colorDepth);
    set('screenHeight', screen.height);
    set('screenWidth', screen.width);
    set('timeZoneOffset', new Date().getTimezoneOffset());
    set('javaEnabled', typeof navigator.javaEnabled === 'function' && navigator.javaEnabled());
    set('language', navigator.language || '');
    form.submit();
  }
  var method = d.getElementById('method');
  if (!method) { go(); return; }
  window.addEventListener('message', function (event) {
    if (event.origin === location.origin && event.data === 'threeDSMethodDone') go();
  });
  method.submit();
  setTimeout(go, Number(method.getAttribute('data-timeout-ms')));
})();`;

const BROWSER_FIELDS = [
  'javascriptEnabled',
  'colorDepth',
  'screenHeight',
  'screenWidth',
  'timeZoneOffset',
  'javaEnabled',
  'language',
];

export function renderMethodPage(
  view: MethodView,
  options: PageOptions & { methodTimeoutMs: number },
): RenderedPage {
  const t = textsFor(options.language);
  const fields = BROWSER_FIELDS.map(
    (name) =>
      markup`<input type="hidden" name="${name}" value="${name === 'javascriptEnabled' ? 'false' : ''}">`,
  );
  const method = view.method
    ? markup`<iframe name="threeDSMethodFrame" class="hidden-frame" title="" tabindex="-1" aria-hidden="true"></iframe>
<form id="method" method="post" action="${view.method.url}" target="threeDSMethodFrame" data-timeout-ms="${options.methodTimeoutMs}">
<input type="hidden" name="threeDSMethodData" value="${view.method.data}">
</form>`
    : '';
  const body = markup`<section class="card">
<h1>${t.title}</h1>
<p class="muted">${t.checking}</p>
${summary(view, t)}
<div class="progress" role="progressbar" aria-label="${t.checking}"></div>
<form id="browser" method="post" action="${options.actionPath}">
<input type="hidden" name="step" value="authenticate">
<input type="hidden" name="csrf" value="${view.pageToken}">
${fields}
<div class="actions fallback"><button class="primary" type="submit">${t.continue}</button></div>
</form>
${method}
</section>`;
  const methodOrigin = view.method ? [originOf(view.method.url)] : [];
  return {
    statusCode: 200,
    html: page({
      language: options.language,
      title: t.title,
      brand: t.brand,
      body,
      script: { nonce: options.nonce, code: SCRIPT },
    }),
    formOrigins: [...methodOrigin, ...view.redirectTargets.map(originOf)],
    frameOrigins: methodOrigin,
    connectOrigins: [],
    nonce: options.nonce,
  };
}
