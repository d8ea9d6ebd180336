/**
 * Vipps' webhooks for ePayment events: each event goes to every registration subscribed to
 * `epayments.payment.<name>.v1` (a registration without MSN covers all of the PSP's sales
 * units), signed with that registration's secret (the HMAC scheme of the card callback), in
 * order per registration. Delivered once and recorded; Vipps would retry for up to 7 days.
 * Source: developer.vippsmobilepay.com webhooks-api, "Request authentication" (x-ms-date,
 * x-ms-content-sha256, HMAC-SHA256 SignedHeaders) and "Events" (epayments.payment.*.v1 names,
 * retries); summarised with sources in ../shared/research/epayment-psp-contract.md (D7, T3).
 */
import { signVippsRequest } from '../../../lambdas/adapters/vipps/shared/hmac-signature.js';
import type { Clock } from '../../../lambdas/core/ports.js';
import type { EPaymentRecord, EPaymentStore, SimEvent, WebhookRegistrationRecord } from './store.js';

export class WebhookDispatcher {
  readonly #chains = new Map<string, Promise<void>>();

  constructor(
    private readonly store: EPaymentStore,
    private readonly deps: { fetch: typeof fetch; clock: Clock; timeoutMs: number },
  ) {}

  emit(payment: EPaymentRecord, event: SimEvent): void {
    const type = `epayments.payment.${event.name.toLowerCase()}.v1`;
    for (const registration of this.store.webhooks.values()) {
      if (!registration.events.includes(type)) continue;
      if (
        registration.merchantSerialNumber &&
        registration.merchantSerialNumber !== payment.merchantSerialNumber
      )
        continue;
      const body = { msn: payment.merchantSerialNumber, ...event };
      const previous = this.#chains.get(registration.id) ?? Promise.resolve();
      this.#chains.set(
        registration.id,
        previous.then(() => this.#deliver(registration, body)),
      );
    }
  }

  /** Resolves when every delivery queued so far has been attempted. */
  async flush(): Promise<void> {
    await Promise.all(this.#chains.values());
  }

  async #deliver(registration: WebhookRegistrationRecord, event: Record<string, unknown>): Promise<void> {
    const text = JSON.stringify(event);
    const signed = signVippsRequest({
      url: registration.url,
      body: text,
      secret: registration.secret,
      date: this.deps.clock.now(),
    });
    const delivery = {
      registrationId: registration.id,
      url: registration.url,
      event,
      httpStatus: null as number | null,
    } as (typeof this.store.deliveries)[number];
    this.store.deliveries.push(delivery);
    try {
      const response = await this.deps.fetch(registration.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'x-ms-date': signed['x-ms-date'],
          'x-ms-content-sha256': signed['x-ms-content-sha256'],
          Authorization: signed.authorization,
        },
        body: text,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.deps.timeoutMs),
      });
      await response.arrayBuffer();
      delivery.httpStatus = response.status;
    } catch (error) {
      delivery.error = error instanceof Error ? error.message : String(error);
    }
  }
}
