/** The error pages: what went wrong in plain words, the right status, and a way back when it helps. */
import { markup } from './html.js';
import { page } from './layout.js';
import type { RenderedPage } from './page-parts.js';
import { type PageProblem, problemStatus, retryable } from './page-problem.js';
import { type Language, textsFor } from './texts.js';

export function renderErrorPage(
  problem: PageProblem,
  options: { language: Language; /** The challenge page of a still-usable session. */ retryPath?: string },
): RenderedPage {
  const t = textsFor(options.language);
  const { title, message } = t.problems[problem];
  const retry = options.retryPath && retryable.has(problem) ? options.retryPath : undefined;
  const body = markup`<section class="card" role="alert">
    <h1>${title}</h1>
    <p>${message}</p>
    ${retry ? markup`<div class="actions"><a class="button primary" href="${retry}">${t.retry}</a></div>` : markup`<p class="muted">${t.closeHint}</p>`}
  </section>`;
  return {
    statusCode: problemStatus[problem],
    html: page({ language: options.language, title, brand: t.brand, body }),
    formOrigins: [],
  };
}
