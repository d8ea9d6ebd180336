/**
 * The page shell shared by the challenge and the error pages: mobile-first (the Vipps app opens
 * us in a web view), neutral colours (this page is the PSP's, not Vipps'), no external assets.
 * The stylesheet is inline and allowed by its SHA-256 in the CSP, so no 'unsafe-inline' is needed
 * and nothing else can style or script the page.
 */
import { createHash } from 'node:crypto';
import { Html, markup } from './html.js';
import type { Language } from './texts.js';

const CSS = `
:root{color-scheme:light dark;--bg:#eef1f5;--card:#fff;--text:#17202b;--muted:#56616f;--line:#d5dbe3;
--accent:#1f4f8b;--accent-text:#fff;--focus:#e5a50a;--note:#f4f6f9}
@media (prefers-color-scheme:dark){:root{--bg:#10151c;--card:#19202a;--text:#e7ecf2;--muted:#9ba7b5;
--line:#2d3744;--accent:#6d9ee0;--accent-text:#0b1220;--note:#212a35}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;min-height:100vh;background:var(--bg);color:var(--text);
font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
padding:env(safe-area-inset-top) env(safe-area-inset-right) env(safe-area-inset-bottom) env(safe-area-inset-left)}
main{max-width:26rem;margin:0 auto;padding:1.25rem 1rem 2rem}
.brand{display:flex;align-items:center;gap:.5rem;margin:0 0 1rem;color:var(--muted);font-size:.875rem;
font-weight:600;letter-spacing:.02em}
.brand svg{width:1.125rem;height:1.125rem;flex:none}
.card{background:var(--card);border:1px solid var(--line);border-radius:1rem;padding:1.5rem 1.25rem}
h1{margin:0 0 .5rem;font-size:1.375rem;line-height:1.3}
p{margin:0 0 1rem}
.muted{color:var(--muted);font-size:.9375rem}
dl{margin:1.25rem 0;padding:1rem 0;border-block:1px solid var(--line);display:grid;gap:.125rem}
dt{color:var(--muted);font-size:.8125rem}
dd{margin:0 0 .5rem;overflow-wrap:anywhere}
dd:last-child{margin:0}
.amount{font-size:1.75rem;font-weight:700;font-variant-numeric:tabular-nums;line-height:1.2}
label{display:block;margin:0 0 .375rem;font-weight:600}
input{display:block;width:100%;padding:.75rem;border:1px solid var(--line);border-radius:.75rem;
background:var(--bg);color:var(--text);font:inherit;font-size:1.5rem;letter-spacing:.3em;text-align:center;
font-variant-numeric:tabular-nums}
.note{margin:.75rem 0 0;padding:.5rem .75rem;border-radius:.5rem;background:var(--note);font-size:.875rem}
.actions{display:grid;gap:.75rem;margin-top:1.25rem}
button,.button{display:block;width:100%;min-height:3rem;padding:.75rem 1rem;border:1px solid transparent;
border-radius:.75rem;font:inherit;font-weight:600;text-align:center;text-decoration:none;cursor:pointer}
.primary{background:var(--accent);color:var(--accent-text)}
.secondary{background:transparent;color:var(--text);border-color:var(--line)}
input:focus{outline:2px solid var(--accent);outline-offset:1px;border-color:var(--accent)}
button:focus-visible,a:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.hidden-frame{position:absolute;width:0;height:0;border:0;visibility:hidden}
.acs{display:block;width:100%;height:calc(100vh - 9rem);min-height:25rem;border:0;border-radius:.75rem;background:#fff}
.challenge main{max-width:none;padding:.5rem}
.js .fallback{display:none}
.progress{margin:1rem 0;height:.25rem;border-radius:.125rem;background:var(--line);overflow:hidden}
.progress::after{content:"";display:block;width:40%;height:100%;background:var(--accent);animation:slide 1.2s ease-in-out infinite}
@keyframes slide{from{transform:translateX(-100%)}to{transform:translateX(250%)}}
@media (prefers-reduced-motion:reduce){.progress::after{animation:none;width:100%}}
footer{margin-top:1.25rem;color:var(--muted);font-size:.8125rem;text-align:center}
footer p{margin:0 0 .25rem}
.card>:last-child{margin-bottom:0}
`.trim();

/** The CSP source that allows exactly this stylesheet. */
export const styleHash = `'sha256-${createHash('sha256').update(CSS, 'utf8').digest('base64')}'`;

/** The stylesheet goes in verbatim (it is ours, and the CSP pins its hash). */
const STYLE = new Html(CSS);

const LOCK = markup`<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path fill="currentColor" d="M12 2a5 5 0 0 0-5 5v3H6a2 2 0 0 0-2 2v8a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-8a2 2 0 0 0-2-2h-1V7a5 5 0 0 0-5-5Zm-3 8V7a3 3 0 0 1 6 0v3H9Z"/></svg>`;

export interface PageScript {
  /** This response's CSP nonce. */
  nonce: string;
  /** Our own static code; data reaches it through escaped attributes, never interpolation. */
  code: string;
}

export function page(options: {
  language: Language;
  title: string;
  brand: string;
  body: Html;
  script?: PageScript;
  bodyClass?: string;
}): string {
  const script = options.script
    ? markup`<script nonce="${options.script.nonce}">${new Html(options.script.code)}</script>`
    : '';
  // <style> must hold exactly CSS (no whitespace around it): the CSP hash covers its whole text.
  return markup`<!doctype html>
<html lang="${options.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="robots" content="noindex, nofollow">
<meta name="format-detection" content="telephone=no">
<title>${options.title}</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body${options.bodyClass ? markup` class="${options.bodyClass}"` : ''}>
<main>
<p class="brand">${LOCK}<span>${options.brand}</span></p>
${options.body}
</main>
${script}
</body>
</html>
`.value;
}
