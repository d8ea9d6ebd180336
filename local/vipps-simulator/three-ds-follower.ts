/**
 * What the Vipps app does after a SOFT_DECLINE: open url3dSecure in a web view, let the user
 * complete the 3-D Secure authentication, and watch for the navigation to one of the `operations`
 * URLs it sent — the app intercepts that URL instead of loading it. This follower is a web view
 * without scripts: it submits each page's form the way its fallback button would (browser data,
 * then the CReq to the bank, the bank's code form with the user's answer, the CRes back to the
 * PSP) and follows the PSP's "back to Vipps" link. Cookies are kept like a web view keeps them.
 */
import type { UsableOperation } from '../../lambdas/adapters/vipps/schemas.js';
import { type HtmlForm, findLink, findPostForms } from './html-form.js';

export interface ThreeDsStep {
  method: 'GET' | 'POST';
  url: string;
  status: number | null;
  location?: string;
}

export interface ThreeDsResult {
  url3dSecure: string;
  /** The operation whose URL we were redirected to; absent when that never happened. */
  operation?: UsableOperation['operation'];
  location?: string;
  steps: ThreeDsStep[];
  problems: string[];
}

export interface ThreeDsChoice {
  /** Typed into the bank's code field. */
  otp: string;
  /** The bank's button; `abandon`: the page is not opened at all (a browser takes over). */
  action: 'submit' | 'cancel' | 'abandon';
}

const MAX_STEPS = 12;

class CookieJar {
  readonly #cookies = new Map<string, string>();
  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(';', 1)[0] ?? '';
      const eq = pair.indexOf('=');
      if (eq > 0) this.#cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }
  header(): Record<string, string> {
    if (this.#cookies.size === 0) return {};
    return { Cookie: [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
  }
}

function sameUrl(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    return new URL(a).href === new URL(b).href;
  } catch {
    return false;
  }
}

export async function followThreeDs(
  deps: { fetch: typeof fetch; timeoutMs: number },
  url3dSecure: string,
  operations: readonly UsableOperation[],
  choice: ThreeDsChoice,
): Promise<ThreeDsResult> {
  const result: ThreeDsResult = { url3dSecure, steps: [], problems: [] };
  if (choice.action === 'abandon') return result;
  const jar = new CookieJar();
  const operationAt = (location: string) => operations.find((op) => sameUrl(op.url, location));
  const request = async (method: 'GET' | 'POST', url: string, init: RequestInit) => {
    const step: ThreeDsStep = { method, url, status: null };
    result.steps.push(step);
    const response = await deps.fetch(url, {
      ...init,
      method,
      redirect: 'manual',
      signal: AbortSignal.timeout(deps.timeoutMs),
    });
    step.status = response.status;
    const location = response.headers.get('location');
    if (location) step.location = new URL(location, url).href;
    jar.take(response);
    return { response, location: step.location, text: await response.text() };
  };
  const arrived = (location: string) => {
    result.location = location;
    const op = operationAt(location);
    if (op) result.operation = op.operation;
    else result.problems.push('redirected to a URL that is none of the operations URLs Vipps sent');
    return result;
  };

  try {
    let next: { method: 'GET' | 'POST'; url: string; body?: string; from?: string } = {
      method: 'GET',
      url: url3dSecure,
    };
    for (let i = 0; i < MAX_STEPS; i++) {
      const page = await request(next.method, next.url, {
        headers: {
          ...jar.header(),
          ...(next.body !== undefined
            ? { 'Content-Type': 'application/x-www-form-urlencoded', Origin: new URL(next.from!).origin }
            : {}),
        },
        ...(next.body !== undefined ? { body: next.body } : {}),
      });
      const status = page.response.status;
      if (page.location && status >= 300 && status < 400) {
        if (operationAt(page.location)) return arrived(page.location);
        next = { method: 'GET', url: page.location };
        continue;
      }
      if (status !== 200) {
        result.problems.push(`${next.method} ${new URL(next.url).pathname} answered HTTP ${status}`);
        return result;
      }
      const link = findLink(page.text, 'next');
      if (link) {
        const target = new URL(link, next.url).href;
        if (operationAt(target)) return arrived(target);
        next = { method: 'GET', url: target };
        continue;
      }
      const form = pickForm(findPostForms(page.text));
      if (!form) {
        result.problems.push(`no form to go on with on ${new URL(next.url).pathname}`);
        return result;
      }
      next = {
        method: 'POST',
        url: new URL(form.action || next.url, next.url).href,
        body: submit(form, choice),
        from: next.url,
      };
    }
    result.problems.push('too many steps');
    return result;
  } catch (error) {
    result.problems.push(
      `3-D Secure page unreachable: ${error instanceof Error ? error.message : String(error)}`,
    );
    return result;
  }
}

/**
 * The form a user without scripts would submit: the bank's code form, else the PSP's browser-data
 * form, else the auto-post forms (CReq to the bank, CRes back). A hidden 3DS Method form is
 * skipped: without scripts nothing posts it.
 */
function pickForm(forms: HtmlForm[]): HtmlForm | undefined {
  const has = (form: HtmlForm, name: string, value?: string) =>
    form.inputs.some((i) => i.name === name && (value === undefined || i.value === value));
  return (
    forms.find((f) => has(f, 'otp')) ??
    forms.find((f) => has(f, 'step', 'authenticate')) ??
    forms.find((f) => has(f, 'creq')) ??
    forms.find((f) => has(f, 'cres'))
  );
}

/** What a browser sends: every named input, the user's code, and the button pressed. */
function submit(form: HtmlForm, choice: ThreeDsChoice): string {
  const fields = new URLSearchParams();
  for (const input of form.inputs) fields.set(input.name, input.name === 'otp' ? choice.otp : input.value);
  if (form.buttons.some((b) => b.name === 'action')) fields.set('action', choice.action);
  return fields.toString();
}
