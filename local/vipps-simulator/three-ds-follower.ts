/**
 * What the Vipps app does after a SOFT_DECLINE: open url3dSecure in a web view, let the user
 * complete the challenge (here: type the OTP and press a button of the CSRF-protected form), and
 * watch for the redirect to one of the `operations` URLs it sent — the app intercepts that URL
 * instead of loading it. Cookies are kept like a web view keeps them.
 */
import type { UsableOperation } from '../../lambdas/adapters/vipps/schemas.js';
import { findPostForm } from './html-form.js';

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
  otp: string;
  action: 'submit' | 'cancel';
}

const MAX_GET_REDIRECTS = 5;

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
    // The page the app opens; follow its own redirects as a web view would.
    let pageUrl = url3dSecure;
    let page = await request('GET', pageUrl, { headers: jar.header() });
    for (let i = 0; page.location && page.response.status >= 300 && page.response.status < 400; i++) {
      if (operationAt(page.location)) return arrived(page.location);
      if (i >= MAX_GET_REDIRECTS) {
        result.problems.push('too many redirects');
        return result;
      }
      pageUrl = page.location;
      page = await request('GET', pageUrl, { headers: jar.header() });
    }
    if (page.response.status !== 200) {
      result.problems.push(`3-D Secure page answered HTTP ${page.response.status}`);
      return result;
    }
    const form = findPostForm(page.text);
    if (!form) {
      result.problems.push('no <form method="post"> on the 3-D Secure page');
      return result;
    }
    if (!form.inputs.some((i) => i.name === 'csrf')) result.problems.push('the form has no csrf field');
    if (!form.inputs.some((i) => i.name === 'otp')) result.problems.push('the form has no otp field');
    if (!form.buttons.some((b) => b.name === 'action' && b.value === choice.action)) {
      result.problems.push(`the form has no action=${choice.action} button`);
    }
    // A browser submits every named input plus the button that was pressed.
    const fields = new URLSearchParams();
    for (const input of form.inputs) fields.set(input.name, input.name === 'otp' ? choice.otp : input.value);
    if (!fields.has('otp')) fields.set('otp', choice.otp);
    fields.set('action', choice.action);
    const target = new URL(form.action || pageUrl, pageUrl).href;
    const submitted = await request('POST', target, {
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Origin: new URL(pageUrl).origin,
        Referer: pageUrl,
        ...jar.header(),
      },
      body: fields.toString(),
    });
    const status = submitted.response.status;
    if (status !== 302 && status !== 303) {
      result.problems.push(`expected a 302 to an operations URL after the challenge, got HTTP ${status}`);
    }
    if (!submitted.location) {
      result.problems.push('no Location after the challenge');
      return result;
    }
    return arrived(submitted.location);
  } catch (error) {
    result.problems.push(
      `3-D Secure page unreachable: ${error instanceof Error ? error.message : String(error)}`,
    );
    return result;
  }
}
