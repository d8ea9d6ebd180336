/**
 * The production ePayment adapter (EPaymentApi and VippsWebhooksApi in core/epayment-port.ts):
 * Vipps' ePayment API for a CARD_PASSTHROUGH PSP over HTTPS.
 *
 * Here: the bodies (built and checked before anything is sent) and the answers (zod, tolerant).
 * epayment-transport.ts does the rest: every call carries Authorization: Bearer (the PSP's token,
 * shared with PSP API v3), Ocp-Apim-Subscription-Key, Psp-Id, the merchant's
 * Merchant-Serial-Number (absent on webhook registration: the PSP's registration covers every
 * sales unit) and the Vipps-System-* headers; every POST carries the caller's Idempotency-Key,
 * the same on each retry. Retries: 5xx, network errors, timeouts and 423 Locked; nothing else.
 */
import type {
  EPaymentAmount,
  EPaymentApi,
  EPaymentCreateRequest,
  EPaymentView,
  VippsWebhooksApi,
} from '../../../core/epayment-port.js';
import { formatIssues } from '../issues.js';
import { type EPaymentClientOptions, createEPaymentTransport, read, refuse } from './epayment-transport.js';
import {
  CreatePaymentRequest,
  CreatePaymentResponse,
  ModificationRequest,
  PaymentEvents,
  PaymentView,
  RegisterWebhookRequest,
  RegisterWebhookResponse,
  WebhookList,
} from './schemas.js';

export type { EPaymentClientOptions } from './epayment-transport.js';

export interface EPaymentClient extends EPaymentApi, VippsWebhooksApi {
  /**
   * POST /epayment/v1/test/payments/{reference}/approve — Vipps' test environment and the
   * simulator only; never retried (a second approval is a second attempt). `extra` is merged into
   * the body for the simulator's `simulate` extension; the simulator's report is returned.
   */
  forceApprove(
    merchantSerialNumber: string,
    reference: string,
    body: { customer: { phoneNumber: string } } | { token: string },
    extra?: Record<string, unknown>,
  ): Promise<unknown>;
}

export function createEPaymentClient(options: EPaymentClientOptions): EPaymentClient {
  const call = createEPaymentTransport(options);
  const payment = (reference: string, suffix = '') =>
    `/epayment/v1/payments/${encodeURIComponent(reference)}${suffix}`;

  async function modify(
    label: 'capture' | 'refund',
    merchantSerialNumber: string,
    reference: string,
    amount: EPaymentAmount,
    idempotencyKey: string,
  ): Promise<EPaymentView> {
    const body = { modificationAmount: { currency: amount.currency, value: amount.value } };
    const checked = ModificationRequest.safeParse(body);
    if (!checked.success) refuse(label, formatIssues(checked.error.issues).join('; '));
    const json = await call({
      method: 'POST',
      path: payment(reference, `/${label}`),
      label,
      merchantSerialNumber,
      body,
      idempotencyKey,
    });
    return read(label, PaymentView, json);
  }

  return {
    async createPayment(request: EPaymentCreateRequest, idempotencyKey: string) {
      const body = createBody(request);
      const checked = CreatePaymentRequest.safeParse(body);
      if (!checked.success) refuse('create', formatIssues(checked.error.issues).join('; '));
      const json = await call({
        method: 'POST',
        path: '/epayment/v1/payments',
        label: 'create',
        merchantSerialNumber: request.merchantSerialNumber,
        body,
        idempotencyKey,
      });
      const answer = read('create', CreatePaymentResponse, json);
      return {
        reference: answer.reference,
        ...(answer.redirectUrl ? { redirectUrl: answer.redirectUrl } : {}),
      };
    },

    capture: (msn, reference, amount, key) => modify('capture', msn, reference, amount, key),
    refund: (msn, reference, amount, key) => modify('refund', msn, reference, amount, key),

    async cancel(merchantSerialNumber, reference, idempotencyKey) {
      const json = await call({
        method: 'POST',
        path: payment(reference, '/cancel'),
        label: 'cancel',
        merchantSerialNumber,
        idempotencyKey,
      });
      return read('cancel', PaymentView, json);
    },

    async getPayment(merchantSerialNumber, reference) {
      const json = await call({
        method: 'GET',
        path: payment(reference),
        label: 'get',
        merchantSerialNumber,
      });
      return read('get', PaymentView, json);
    },

    async getEvents(merchantSerialNumber, reference) {
      const json = await call({
        method: 'GET',
        path: payment(reference, '/events'),
        label: 'events',
        merchantSerialNumber,
      });
      return read('events', PaymentEvents, json).map(({ pspReference, idempotencyKey, ...event }) => ({
        ...event,
        ...(pspReference ? { pspReference } : {}),
        ...(idempotencyKey ? { idempotencyKey } : {}),
      }));
    },

    async register(url, events) {
      const body = { url, events: [...events] };
      const checked = RegisterWebhookRequest.safeParse(body);
      if (!checked.success) refuse('webhook registration', formatIssues(checked.error.issues).join('; '));
      // Not retried blindly: Vipps' webhook API takes no Idempotency-Key, so a retried POST could
      // register twice (and the secret is shown only once).
      const json = await call({
        method: 'POST',
        path: '/webhooks/v1/webhooks',
        label: 'webhook registration',
        body,
        attempts: 1,
      });
      return read('webhook registration', RegisterWebhookResponse, json);
    },

    async list() {
      const json = await call({ method: 'GET', path: '/webhooks/v1/webhooks', label: 'webhook list' });
      const answer = read('webhook list', WebhookList, json);
      return Array.isArray(answer) ? answer : answer.webhooks;
    },

    async delete(id) {
      await call({
        method: 'DELETE',
        path: `/webhooks/v1/webhooks/${encodeURIComponent(id)}`,
        label: 'webhook delete',
      });
    },

    async forceApprove(merchantSerialNumber, reference, body, extra) {
      return call({
        method: 'POST',
        path: `/epayment/v1/test/payments/${encodeURIComponent(reference)}/approve`,
        label: 'approve',
        merchantSerialNumber,
        body: { ...extra, ...body },
        idempotencyKey: crypto.randomUUID(),
        // Approval makes Vipps post our card callback (20 s) and maybe run 3-D Secure.
        timeoutMs: Math.max(options.timeoutMs, 60_000),
        attempts: 1,
      });
    },
  };
}

/** The create body of DESIGN.md "ePayment PSP API" 1. */
function createBody(request: EPaymentCreateRequest): CreatePaymentRequest {
  return {
    amount: { currency: request.amount.currency, value: request.amount.value },
    paymentMethod: { type: 'CARD_PASSTHROUGH' },
    cardPassthrough: {
      pspReference: request.reference,
      cardCallbackUrl: request.cardCallbackUrl,
      allowedCardTypes: [...request.allowedCardTypes],
      // Until Vipps documents encryptedPan, a Visa/Dankort card must reach us as a Visa token.
      preferVisaPartOfVisaDankort: true,
    },
    reference: request.reference,
    userFlow: 'WEB_REDIRECT',
    returnUrl: request.returnUrl,
    ...(request.paymentDescription !== undefined ? { paymentDescription: request.paymentDescription } : {}),
    ...(request.customerPhoneNumber !== undefined
      ? { customer: { phoneNumber: request.customerPhoneNumber } }
      : {}),
  };
}
