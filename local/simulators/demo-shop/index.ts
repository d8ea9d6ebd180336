/**
 * A small demo shop for `npm start` (local only; never deployed): socks in a basket → our hosted
 * checkout → Vipps (the simulator's landing page, 3-D Secure on our page when the issuer asks) →
 * back to the shop, whose order page follows the payment through our merchant webhooks, verified
 * with the `standardwebhooks` package, with buttons to capture and refund.
 *
 * At start it registers its webhook endpoint through our Merchant API
 * (`POST /v1/webhook-endpoints`) and keeps the `whsec_…` secret it gets once; a test may instead
 * hand it a secret (and sign the deliveries itself).
 */
import { randomBytes } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { productById } from './catalogue.js';
import { type Order, Orders } from './orders.js';
import { type BasketLine, orderPage, problemPage, shopPage } from './pages.js';

export const SHOP_EVENTS = [
  'payment.reserved',
  'payment.failed',
  'payment.captured',
  'payment.refunded',
  'payment.cancelled',
  'payment.expired',
] as const;

export interface DemoShopOptions {
  /** Our Merchant API, e.g. http://127.0.0.1:3000. */
  apiBaseUrl: string;
  apiKey: string;
  merchantSerialNumber: string;
  port?: number;
  /** Verify webhooks with this secret instead of registering an endpoint (tests). */
  webhookSecret?: string;
}

export interface DemoShop {
  baseUrl: string;
  /** Why webhooks could not be registered, if they could not. */
  webhookProblem: string | undefined;
  orders: Orders;
  close(): Promise<void>;
}

interface Answer {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

const html = (status: number, body: string, headers: Record<string, string> = {}): Answer => ({
  status,
  body,
  headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', ...headers },
});
const seeOther = (location: string, headers: Record<string, string> = {}): Answer => ({
  status: 303,
  body: '',
  headers: { Location: location, ...headers },
});

export async function startDemoShop(options: DemoShopOptions): Promise<DemoShop> {
  const orders = new Orders();
  const baskets = new Map<string, BasketLine[]>();
  let webhook = options.webhookSecret ? new Webhook(options.webhookSecret) : undefined;
  let webhookProblem: string | undefined;

  const api = async (method: string, path: string, body?: unknown, idempotencyKey?: string) => {
    const response = await fetch(`${options.apiBaseUrl}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${options.apiKey}`,
        'Content-Type': 'application/json',
        ...(idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // not JSON: the status says enough
    }
    return { status: response.status, json };
  };

  const server: Server = createServer((req, res) => {
    void readBody(req)
      .then((body) => route(req, body))
      .catch((error: unknown) => html(500, problemPage('Something went wrong', String(error))))
      .then((answer) => send(res, answer));
  });
  await new Promise<void>((done) => server.listen(options.port ?? 0, '127.0.0.1', done));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  if (!webhook) {
    const registered = await api(
      'POST',
      '/v1/webhook-endpoints',
      { url: `${baseUrl}/webhooks`, events: SHOP_EVENTS },
      `demo-shop-${randomBytes(6).toString('hex')}`,
    ).catch((error: unknown) => ({ status: 0, json: { detail: String(error) } as Record<string, unknown> }));
    if (registered.status === 201 && typeof registered.json.secret === 'string') {
      webhook = new Webhook(registered.json.secret);
    } else {
      webhookProblem = `POST /v1/webhook-endpoints answered ${registered.status || 'nothing'}`;
    }
  }

  async function route(req: IncomingMessage, body: string): Promise<Answer> {
    const url = new URL(req.url ?? '/', baseUrl);
    const basketId = cookie(req, 'basket') ?? randomBytes(12).toString('hex');
    const basketCookie = { 'Set-Cookie': `basket=${basketId}; Path=/; HttpOnly; SameSite=Lax` };
    const basket = baskets.get(basketId) ?? [];
    const form = new URLSearchParams(body);
    const orderMatch = /^\/orders\/([\w-]+)(\/capture|\/refund)?$/.exec(url.pathname);

    if (req.method === 'GET' && url.pathname === '/') {
      return html(200, shopPage(basket, orders.list().reverse(), webhookProblem), basketCookie);
    }
    if (req.method === 'POST' && url.pathname === '/basket') {
      const product = productById(form.get('productId') ?? '');
      if (!product) return html(400, problemPage('No such product', 'Pick socks from the list.'));
      const line = basket.find((l) => l.productId === product.id);
      if (line) line.quantity += 1;
      else basket.push({ productId: product.id, name: product.name, price: product.price, quantity: 1 });
      baskets.set(basketId, basket);
      return seeOther('/', basketCookie);
    }
    if (req.method === 'POST' && url.pathname === '/basket/clear') {
      baskets.delete(basketId);
      return seeOther('/', basketCookie);
    }
    if (req.method === 'POST' && url.pathname === '/checkout') {
      if (!basket.length) return seeOther('/');
      const orderId = `order-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
      const total = basket.reduce((sum, l) => sum + l.price * l.quantity, 0);
      const created = await api(
        'POST',
        '/v1/payments',
        {
          merchantSerialNumber: options.merchantSerialNumber,
          merchantOrderId: orderId,
          amount: total,
          currency: 'NOK',
          paymentText: basket.map((l) => `${l.quantity} × ${l.name}`).join(', '),
          redirectUrl: `${baseUrl}/orders/${orderId}`,
        },
        orderId,
      );
      const next = created.json.checkoutUrl ?? created.json.vippsRedirectUrl;
      if (created.status !== 201 || typeof next !== 'string') {
        return html(502, problemPage('The payment could not start', JSON.stringify(created.json)));
      }
      const order: Order = {
        orderId,
        lines: basket.map(({ name, quantity, price }) => ({ name, quantity, price })),
        total,
        pspTransactionId: String(created.json.pspTransactionId),
        status: 'waiting',
        version: 0,
        events: [],
      };
      orders.add(order);
      baskets.delete(basketId);
      return seeOther(next, basketCookie);
    }
    if (orderMatch) {
      const order = orders.get(orderMatch[1]!);
      if (!order) return html(404, problemPage('No such order', 'This shop does not know that order.'));
      if (req.method === 'GET' && !orderMatch[2]) return html(200, orderPage(order, webhookProblem));
      if (req.method === 'POST' && orderMatch[2]) {
        const operation = orderMatch[2] === '/capture' ? 'capture' : 'refund';
        const done = await api(
          'POST',
          `/v1/payments/${order.pspTransactionId}/${operation}`,
          { amount: order.total },
          `${operation}-${order.orderId}`,
        );
        order.message =
          done.status === 200
            ? `Requested ${operation} of the whole amount; waiting for the webhook.`
            : `The ${operation} was refused (${done.status}): ${String(done.json.detail ?? done.json.title ?? '')}`;
        return seeOther(`/orders/${order.orderId}`);
      }
    }
    if (req.method === 'POST' && url.pathname === '/webhooks') return receiveWebhook(req, body);
    return html(404, problemPage('Not found', url.pathname));
  }

  /** Standard Webhooks: verify id.timestamp.body against our secret before believing anything. */
  function receiveWebhook(req: IncomingMessage, body: string): Answer {
    if (!webhook) return { status: 503, body: 'no webhook secret' };
    const headers = {
      'webhook-id': String(req.headers['webhook-id'] ?? ''),
      'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
      'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
    };
    let event: { type: string; data?: { pspTransactionId?: string; version?: number } };
    try {
      event = webhook.verify(body, headers) as typeof event;
    } catch {
      return { status: 400, body: 'signature not verified' };
    }
    orders.apply(headers['webhook-id'], event);
    return { status: 204, body: '' };
  }

  return {
    baseUrl,
    get webhookProblem() {
      return webhookProblem;
    },
    orders,
    close: () => new Promise((done) => server.close(() => done())),
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, answer: Answer): void {
  res.writeHead(answer.status, answer.headers ?? {});
  res.end(answer.body);
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  const match = new RegExp(`(?:^|;\\s*)${name}=([\\w-]+)`).exec(req.headers.cookie ?? '');
  return match?.[1];
}
