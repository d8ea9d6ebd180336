/**
 * An Adyen Checkout (v72) simulator over real HTTP, from Adyen's OpenAPI spec and docs: x-api-key,
 * Idempotency-Key (same key and body → the same answer, never a second payment), /payments
 * validated against the PaymentRequest schema (422 otherwise), and the asynchronous modifications
 * (/payments/{pspReference}/captures|refunds|cancels, standalone /cancels) that answer `received`
 * and later send a signed webhook. Webhooks go out on their own unless `holdWebhooks`: then the
 * test delivers them (late, or twice) with deliverWebhooks().
 */
import { randomBytes } from 'node:crypto';
import {
  BookView,
  FaultQueue,
  type SimAnswer,
  SimulatorBook,
  htmlErrorPage,
  startSimulatorServer,
} from '../simulator-http.js';
import { decide } from './issuer.js';
import { type NotificationItem, signItem, webhookBody } from './notifications.js';
import { modificationSchema, paymentRequestSchema } from './payment-request-schema.js';

export type AdyenOperation = 'payments' | 'capture' | 'refund' | 'cancel';

export interface AdyenSimulatorOptions {
  apiKey: string;
  hmacKeyHex: string;
  merchantAccount: string;
  /** Where webhooks go (settable later: the stack knows its URL after boot). */
  webhookUrl?: string;
  holdWebhooks?: boolean;
}

export interface AdyenSimulator {
  baseUrl: string;
  faults: FaultQueue<AdyenOperation>;
  ledger: BookView;
  rejected: string[];
  setWebhookUrl(url: string): void;
  /** Hold webhooks back (true) until deliverWebhooks(), or send them on their own (false). */
  holdWebhooks(hold: boolean): void;
  /** Webhooks held back (holdWebhooks), oldest first. */
  pendingWebhooks(): NotificationItem[];
  /** Send the held webhooks (each `times` times); resolves with the HTTP answers' bodies. */
  deliverWebhooks(times?: number): Promise<string[]>;
  /** Send any (signed) item, e.g. one for an unknown operation. */
  sendWebhook(item: NotificationItem, signWith?: string): Promise<{ status: number; text: string }>;
  close(): Promise<void>;
}

const pspReference = () => randomBytes(8).toString('hex').toUpperCase();

export async function startAdyenSimulator(options: AdyenSimulatorOptions): Promise<AdyenSimulator> {
  const book = new SimulatorBook();
  const faults = new FaultQueue<AdyenOperation>();
  const rejected: string[] = [];
  const idempotent = new Map<string, { body: string; answer: SimAnswer }>();
  /** Adyen pspReference of a payment → our reference. */
  const payments = new Map<string, string>();
  const held: NotificationItem[] = [];
  let webhookUrl = options.webhookUrl;
  let hold = options.holdWebhooks ?? false;

  const send = async (items: NotificationItem[]) => {
    if (!webhookUrl) throw new Error('Adyen simulator: no webhook URL');
    const response = await fetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: webhookBody(items),
    });
    return { status: response.status, text: await response.text() };
  };
  const notify = (item: Omit<NotificationItem, 'eventDate' | 'merchantAccountCode'>) => {
    const signed = signItem(
      { ...item, eventDate: new Date().toISOString(), merchantAccountCode: options.merchantAccount },
      options.hmacKeyHex,
    );
    if (hold) held.push(signed);
    else setTimeout(() => void send([signed]).catch(() => undefined), 20);
  };
  const invalid = (message: string): SimAnswer => {
    rejected.push(message);
    return { status: 422, body: { status: 422, errorCode: '702', message, errorType: 'validation' } };
  };

  const authorise = (body: unknown, fault: string | undefined): SimAnswer => {
    const parsed = paymentRequestSchema.safeParse(body);
    if (!parsed.success)
      return invalid(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const request = parsed.data;
    if (request.merchantAccount !== options.merchantAccount) return invalid('merchantAccount is not yours');
    const decision = decide(request);
    const reference = pspReference();
    const now = new Date();
    const { value, currency } = request.amount;
    const approved = decision.kind !== 'refused';
    const unanswered = fault === 'timeout' || decision.kind === 'late-approval';
    if (approved) {
      payments.set(reference, request.reference);
      book.recordAuthorisation(
        {
          pspTransactionId: request.reference,
          acquirerReference: reference,
          amount: value,
          currency: 'NOK',
          funding: decision.kind === 'authorised' ? decision.funding : 'UNKNOWN',
          late: unanswered,
        },
        now,
      );
    } else {
      book.recordDecline(request.reference, value, decision.code, now);
    }
    if (unanswered) return 'NO_ANSWER';
    if (decision.kind === 'refused') {
      return {
        status: 200,
        body: {
          pspReference: reference,
          resultCode: 'Refused',
          refusalReason: decision.reason,
          refusalReasonCode: decision.code,
          merchantReference: request.reference,
        },
      };
    }
    return {
      status: 200,
      body: {
        pspReference: reference,
        resultCode: 'Authorised',
        amount: { currency, value },
        merchantReference: request.reference,
        additionalData: { fundingSource: decision.kind === 'authorised' ? decision.funding : 'DEBIT' },
      },
    };
  };

  const modify = (
    op: AdyenOperation,
    original: string | undefined,
    body: unknown,
    fault: string | undefined,
  ): SimAnswer => {
    const parsed = modificationSchema.safeParse(body);
    if (!parsed.success)
      return invalid(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const request = parsed.data;
    if (request.merchantAccount !== options.merchantAccount) return invalid('merchantAccount is not yours');
    if ((op === 'capture' || op === 'refund') && !request.amount) return invalid('amount is required');
    const standalone = original === undefined;
    const ourReference = standalone ? request.paymentReference : payments.get(original);
    const paymentPsp = standalone
      ? [...payments.entries()].find(([, ref]) => ref === request.paymentReference)?.[0]
      : original;
    const reference = pspReference();
    const eventCode = op === 'capture' ? 'CAPTURE' : op === 'refund' ? 'REFUND' : 'CANCELLATION';
    let success = false;
    let reason = '';
    if (ourReference && paymentPsp) {
      try {
        if (standalone) success = book.reverse(ourReference, new Date());
        else {
          const type = op === 'capture' ? 'CAPTURE' : op === 'refund' ? 'REFUND' : 'VOID';
          const auth = book.authorisations(ourReference).find((a) => a.acquirerReference === paymentPsp)!;
          book.apply(
            type,
            {
              pspTransactionId: ourReference,
              acquirerReference: paymentPsp,
              amount: request.amount?.value ?? auth.amount,
              currency: 'NOK',
              operationId: reference,
            },
            new Date(),
          );
          success = true;
        }
      } catch (error) {
        reason = (error as Error).message;
      }
    } else reason = 'Original pspReference not found';
    notify({
      amount: request.amount ?? { currency: 'NOK', value: 0 },
      eventCode,
      merchantReference: request.reference ?? '',
      ...(paymentPsp ? { originalReference: paymentPsp } : {}),
      pspReference: reference,
      success: success ? 'true' : 'false',
      ...(reason ? { reason } : {}),
    });
    if (fault === 'timeout') return 'NO_ANSWER';
    return {
      status: 201,
      body: {
        merchantAccount: options.merchantAccount,
        ...(standalone ? { paymentReference: request.paymentReference } : { paymentPspReference: original }),
        pspReference: reference,
        reference: request.reference,
        status: 'received',
        ...(request.amount ? { amount: request.amount } : {}),
      },
    };
  };

  const server = await startSimulatorServer(async (request) => {
    if (request.headers['x-api-key'] !== options.apiKey) {
      return {
        status: 401,
        body: {
          status: 401,
          errorCode: '000',
          message: 'HTTP Status Response - Unauthorized',
          errorType: 'security',
        },
      };
    }
    const route = /^\/v72\/(?:payments(?:\/([^/]+)\/(captures|refunds|cancels))?|(cancels))$/.exec(
      request.path,
    );
    if (request.method !== 'POST' || !route)
      return { status: 404, body: { status: 404, message: 'Not found' } };
    const op: AdyenOperation =
      route[3] || route[2] === 'cancels'
        ? 'cancel'
        : route[2] === 'captures'
          ? 'capture'
          : route[2] === 'refunds'
            ? 'refund'
            : 'payments';
    const key = request.headers['idempotency-key'];
    const replay = typeof key === 'string' ? idempotent.get(`${op}:${key}`) : undefined;
    if (replay) {
      if (replay.body !== request.body) return invalid('Idempotency-Key reused with another request');
      return replay.answer;
    }
    const fault = faults.take(op);
    if (fault === '5xx')
      return {
        status: 500,
        body: { status: 500, errorCode: '901', message: 'Internal error', errorType: 'internal' },
      };
    if (fault === 'html') return htmlErrorPage;
    let body: unknown;
    try {
      body = JSON.parse(request.body);
    } catch {
      return invalid('Structure of request is invalid');
    }
    const answer = op === 'payments' ? authorise(body, fault) : modify(op, route[1], body, fault);
    if (typeof key === 'string' && answer !== 'NO_ANSWER')
      idempotent.set(`${op}:${key}`, { body: request.body, answer });
    return answer;
  });

  return {
    baseUrl: server.baseUrl,
    faults,
    ledger: new BookView(book, (id) => id),
    rejected,
    setWebhookUrl: (url) => {
      webhookUrl = url;
    },
    holdWebhooks: (on) => {
      hold = on;
    },
    pendingWebhooks: () => [...held],
    deliverWebhooks: async (times = 1) => {
      const items = held.splice(0);
      const answers: string[] = [];
      for (let i = 0; i < times; i++) for (const item of items) answers.push((await send([item])).text);
      return answers;
    },
    sendWebhook: (item, signWith) => send([signWith ? signItem(item, signWith) : item]),
    close: () => server.close(),
  };
}
