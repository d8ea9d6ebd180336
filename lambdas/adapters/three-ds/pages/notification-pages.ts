/**
 * What our notification routes answer inside the iframes: the 3DS Method frame tells our page the
 * method finished; the challenge frame sends the page (its parent) on to where the session ended,
 * with a visible link where the script cannot run.
 */
import { markup } from './html.js';
import { page } from './layout.js';
import type { RenderedPage } from './page-parts.js';
import { type Language, textsFor } from './texts.js';

const METHOD_DONE = `parent.postMessage('threeDSMethodDone', location.origin);`;
const BREAK_OUT = `(function () {
  var next = document.getElementById('next');
  (window.parent || window).location.replace(next.href);
})();`;

export function renderMethodDone(nonce: string): RenderedPage {
  return {
    statusCode: 200,
    html: `<!doctype html><title>3DS Method</title><script nonce="${nonce}">${METHOD_DONE}</script>`,
    formOrigins: [],
    nonce,
  };
}

export function renderBreakOut(
  location: string,
  options: { language: Language; nonce: string },
): RenderedPage {
  const t = textsFor(options.language);
  const body = markup`<section class="card">
<p><a id="next" class="button primary" href="${location}" target="_parent">${t.back}</a></p>
</section>`;
  return {
    statusCode: 200,
    html: page({
      language: options.language,
      title: t.title,
      brand: t.brand,
      body,
      script: { nonce: options.nonce, code: BREAK_OUT },
    }),
    formOrigins: [],
    nonce: options.nonce,
  };
}
