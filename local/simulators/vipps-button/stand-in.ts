/**
 * A stand-in for Vipps' official button component (`vipps-mobilepay-button`), served locally so
 * the local stack and the browser tests never load Vipps' script and the repository never ships
 * Vipps' artwork. It defines the custom element, draws a plain labelled box from the attributes
 * (no logo), and records every attribute set it was given in `window.__vippsButtons`, so a test
 * can check what our checkout asked the real component for.
 */
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export const BUTTON_SCRIPT_PATH = '/checkout-button/v1/vipps-checkout-button.js';

const SCRIPT = `(() => {
  const recorded = (window.__vippsButtons = window.__vippsButtons || []);
  const verbs = {
    no: { pay: 'Betal med', buy: 'Kjøp med', continue: 'Fortsett med', login: 'Logg inn med', register: 'Registrer deg med' },
    en: { pay: 'Pay with', buy: 'Buy with', continue: 'Continue with', login: 'Log in with', register: 'Register with' },
  };
  class VippsButtonStandIn extends HTMLElement {
    connectedCallback() {
      const attributes = Object.fromEntries([...this.attributes].map((a) => [a.name, a.value]));
      recorded.push(attributes);
      const brand = attributes.brand === 'mobilepay' ? 'MobilePay' : 'Vipps';
      const words = (verbs[attributes.language] || verbs.en)[attributes.verb] || verbs.en.pay;
      const root = this.shadowRoot || this.attachShadow({ mode: 'open' });
      // A constructed stylesheet: not inline style, so the page's CSP needs no 'unsafe-inline'.
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(':host{display:block}.stand-in{display:flex;align-items:center;justify-content:center;' +
        'min-height:48px;padding:0 16px;border-radius:8px;background:#ff5b24;color:#fff;' +
        'font:600 16px/1.2 system-ui,sans-serif}');
      root.adoptedStyleSheets = [sheet];
      const box = document.createElement('span');
      box.className = 'stand-in';
      box.setAttribute('data-label', words + ' ' + brand);
      box.textContent = words + ' ' + brand;
      root.replaceChildren(box);
      this.setAttribute('data-stand-in', 'rendered');
    }
  }
  if (!customElements.get('vipps-mobilepay-button')) customElements.define('vipps-mobilepay-button', VippsButtonStandIn);
})();
`;

export interface ButtonStandIn {
  scriptUrl: string;
  close(): Promise<void>;
}

export async function startButtonStandIn(): Promise<ButtonStandIn> {
  const server: Server = createServer((request, response) => {
    if (request.method === 'GET' && request.url?.split('?')[0] === BUTTON_SCRIPT_PATH) {
      response.writeHead(200, {
        'Content-Type': 'text/javascript; charset=utf-8',
        'Cache-Control': 'no-store',
        'Cross-Origin-Resource-Policy': 'cross-origin',
      });
      response.end(SCRIPT);
      return;
    }
    response.writeHead(404, { 'Content-Type': 'text/plain' });
    response.end('not found');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    scriptUrl: `http://127.0.0.1:${port}${BUTTON_SCRIPT_PATH}`,
    close: () => new Promise((done) => server.close(() => done())),
  };
}
