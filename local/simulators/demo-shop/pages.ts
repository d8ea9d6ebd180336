/** The demo shop's pages: plain server-rendered HTML, no script. Every value is escaped. */
import { escapeHtml as e } from '../../../lambdas/adapters/three-ds/pages/html.js';
import { CATALOGUE, kroner } from './catalogue.js';
import type { Order } from './orders.js';

export interface BasketLine {
  productId: string;
  name: string;
  price: number;
  quantity: number;
}

const CSS = `body{margin:0;background:#faf7f2;color:#222;font:16px/1.5 system-ui,sans-serif}
main{max-width:40rem;margin:0 auto;padding:1rem}
header{display:flex;justify-content:space-between;align-items:baseline}
h1{font-size:1.5rem;margin:.5rem 0 1rem}
.card{background:#fff;border:1px solid #e3ddd3;border-radius:.75rem;padding:1rem;margin:0 0 1rem}
.product{display:flex;justify-content:space-between;align-items:center;gap:1rem}
.note{color:#6b6258;font-size:.875rem;margin:.25rem 0 0}
button{font:inherit;padding:.5rem 1rem;border-radius:.5rem;border:1px solid #3b5b3b;background:#3b5b3b;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#3b5b3b}
table{width:100%;border-collapse:collapse}td,th{text-align:left;padding:.25rem 0;border-bottom:1px solid #eee}
.status{font-size:1.25rem}.status strong{text-transform:uppercase;letter-spacing:.03em}
.warning{background:#fff4d6;border-color:#e8c25a}
.actions{display:flex;gap:.5rem;flex-wrap:wrap}`;

export function layout(title: string, body: string, options: { refreshSeconds?: number } = {}): string {
  const refresh = options.refreshSeconds
    ? `<meta http-equiv="refresh" content="${options.refreshSeconds}">`
    : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">${refresh}
<title>${e(title)} · Demo Sokker</title><style>${CSS}</style></head>
<body><main><header><p><strong>Demo Sokker</strong> — a demo shop on the local stack</p><a href="/">Shop</a></header>
${body}</main></body></html>`;
}

export function shopPage(basket: BasketLine[], orders: Order[], webhookProblem?: string): string {
  const products = CATALOGUE.map(
    (p) => `<div class="card product"><div><strong>${e(p.name)}</strong> — ${e(kroner(p.price))}
${p.note ? `<p class="note">${e(p.note)}</p>` : ''}</div>
<form method="post" action="/basket"><input type="hidden" name="productId" value="${e(p.id)}">
<button type="submit" aria-label="Add ${e(p.name)} to the basket">Add to basket</button></form></div>`,
  ).join('\n');
  const total = basket.reduce((sum, l) => sum + l.price * l.quantity, 0);
  const lines = basket
    .map(
      (l) =>
        `<tr><td>${e(l.name)}</td><td>${l.quantity}</td><td>${e(kroner(l.price * l.quantity))}</td></tr>`,
    )
    .join('');
  const basketCard = basket.length
    ? `<section class="card" id="basket"><h2>Basket</h2><table>${lines}<tr><th>Total</th><th></th><th>${e(kroner(total))}</th></tr></table>
<div class="actions"><form method="post" action="/checkout"><button type="submit">Go to checkout</button></form>
<form method="post" action="/basket/clear"><button class="secondary" type="submit">Empty the basket</button></form></div></section>`
    : `<section class="card" id="basket"><h2>Basket</h2><p>Your basket is empty.</p></section>`;
  const orderList = orders.length
    ? `<section class="card"><h2>Orders</h2><ul>${orders
        .map(
          (o) =>
            `<li><a href="/orders/${e(o.orderId)}">${e(o.orderId)}</a> — ${e(kroner(o.total))} — ${e(o.status)}</li>`,
        )
        .join('')}</ul></section>`
    : '';
  return layout(
    'Socks',
    `${webhookWarning(webhookProblem)}<h1>Socks</h1>${products}${basketCard}${orderList}`,
  );
}

export function orderPage(order: Order, webhookProblem?: string): string {
  const waiting = order.status === 'waiting' || order.message?.startsWith('Requested');
  const events = order.events.length
    ? `<table id="events"><tr><th>Webhook</th><th>Signature</th><th>Received</th></tr>${order.events
        .map((ev) => `<tr><td>${e(ev.type)}</td><td>verified</td><td>${e(ev.at.slice(11, 19))}</td></tr>`)
        .join('')}</table>`
    : '<p>No webhook yet.</p>';
  const actions = [
    order.status === 'paid'
      ? `<form method="post" action="/orders/${e(order.orderId)}/capture"><button type="submit">Capture ${e(kroner(order.total))}</button></form>`
      : '',
    order.status === 'captured'
      ? `<form method="post" action="/orders/${e(order.orderId)}/refund"><button type="submit">Refund ${e(kroner(order.total))}</button></form>`
      : '',
  ].join('');
  const body = `${webhookWarning(webhookProblem)}<h1>Order ${e(order.orderId)}</h1>
<section class="card"><p class="status">Status: <strong id="status" data-status="${e(order.status)}">${e(order.status)}</strong></p>
<p>Total ${e(kroner(order.total))}${order.pspTransactionId ? ` · payment <code>${e(order.pspTransactionId)}</code>` : ''}</p>
${order.message ? `<p id="message">${e(order.message)}</p>` : ''}
<div class="actions">${actions}</div></section>
<section class="card"><h2>Webhooks received</h2><p class="note">The status above changes only when a webhook signed with our endpoint's secret arrives (Standard Webhooks, verified with the <code>standardwebhooks</code> package).${waiting ? ' This page reloads every 2 seconds while it waits.' : ''}</p>${events}</section>`;
  return layout(`Order ${order.orderId}`, body, waiting ? { refreshSeconds: 2 } : {});
}

export function problemPage(title: string, message: string): string {
  return layout(
    title,
    `<h1>${e(title)}</h1><section class="card"><p>${e(message)}</p><p><a href="/">Back to the shop</a></p></section>`,
  );
}

function webhookWarning(problem: string | undefined): string {
  return problem
    ? `<section class="card warning" role="status"><strong>Webhooks are not registered:</strong> ${e(problem)}. Order statuses will not change.</section>`
    : '';
}
