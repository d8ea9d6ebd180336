/**
 * The production acquirer adapter: a JSON-over-HTTPS API modelled on ISO 8583 (contract in
 * http-acquirer-contract.ts and docs/acquirer-mapping.md; DE39 mapping in
 * iso8583-response-codes.ts).
 *
 * The rule that shapes authorise(): whenever we cannot tell whether an authorisation exists
 * (no answer before the AbortSignal, the connection dropped after the request left, a garbled or
 * 5xx answer) we answer TIMEOUT, which makes the use case answer 85 and reverse by our reference,
 * so the customer is never charged for a payment Vipps shows as failed. ERROR is kept for answers
 * that prove nothing was authorised (connection refused, 4xx/503, DE39 91/96, unmapped codes).
 *
 * It logs nothing and no error message carries a request body: the token number, PAN and
 * cryptograms never leave this module except towards the acquirer.
 */
import { AcquirerRefusedError, AcquirerUnavailableError } from '../../core/errors.js';
import type {
  Acquirer,
  AcquirerOperation,
  AuthorisationRequest,
  AuthorisationResult,
} from '../../core/ports.js';
import type { Currency, MinorUnits } from '../../core/money.js';
import {
  acquirerPaths,
  authorisationMessage,
  authorisationResponseSchema,
  financialMessage,
  financialResponseSchema,
  reversalMessage,
} from './http-acquirer-contract.js';
import { DE39_ORIGINAL_NOT_FOUND, interpretDe39 } from './iso8583-response-codes.js';

export interface HttpAcquirerOptions {
  /** e.g. https://acquirer.example/api/v1 (no trailing slash needed). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <key>`; a function so it can come from Secrets Manager. */
  apiKey?: () => Promise<string>;
  /** Mastercard Token Requestor ID (11 digits), sent in DE48 SE33 SF6 when set. */
  tokenRequestorId?: string;
  /** Our merchant id at the acquirer (DE42 card acceptor id), when the acquirer wants it. */
  merchantId?: string;
  fetch?: typeof fetch;
  /** Upper bound for every call; authorise also stops when the caller's AbortSignal fires. */
  timeoutMs: number;
}

/** Network failures where the request provably never reached the acquirer. */
const notSentCodes = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

type Exchange =
  | { kind: 'answer'; status: number; body: unknown }
  | { kind: 'timeout' }
  | { kind: 'not-sent'; detail: string }
  | { kind: 'lost'; detail: string };

export class HttpAcquirer implements Acquirer {
  readonly #baseUrl: string;
  readonly #apiKey: (() => Promise<string>) | undefined;
  readonly #tokenRequestorId: string | undefined;
  readonly #merchantId: string | undefined;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;
  #stan = Math.floor(Math.random() * 999_999);

  constructor(options: HttpAcquirerOptions) {
    if (options.tokenRequestorId !== undefined && !/^\d{11}$/.test(options.tokenRequestorId)) {
      throw new Error('HttpAcquirer: tokenRequestorId must be 11 digits');
    }
    if (!Number.isInteger(options.timeoutMs) || options.timeoutMs <= 0) {
      throw new Error('HttpAcquirer: timeoutMs must be a positive whole number');
    }
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#apiKey = options.apiKey;
    this.#tokenRequestorId = options.tokenRequestorId;
    this.#merchantId = options.merchantId;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#timeoutMs = options.timeoutMs;
  }

  async authorise(
    request: AuthorisationRequest,
    { signal }: { signal: AbortSignal },
  ): Promise<AuthorisationResult> {
    const message = authorisationMessage(request, this.#context());
    // The message's reference stays the payment (the handle for a reversal); the header key is
    // per attempt, so the authorisation after 3-D Secure is not answered with the first one's.
    const exchange = await this.#exchange(
      acquirerPaths.authorisations,
      message,
      request.idempotencyKey,
      signal,
    );
    switch (exchange.kind) {
      case 'timeout':
        return { outcome: 'TIMEOUT' };
      case 'lost':
        return { outcome: 'TIMEOUT' };
      case 'not-sent':
        return { outcome: 'ERROR', message: `Acquirer unreachable: ${exchange.detail}` };
    }
    const { status, body } = exchange;
    if (status >= 400 && status < 500)
      return { outcome: 'ERROR', message: `Acquirer rejected the request: HTTP ${status}` };
    if (status === 503) return { outcome: 'ERROR', message: 'Acquirer unavailable: HTTP 503' };
    if (status < 200 || status >= 300) return { outcome: 'TIMEOUT' };

    const parsed = authorisationResponseSchema.safeParse(body);
    // A garbled answer, or one about another payment, proves nothing: treat it as no answer.
    if (!parsed.success || parsed.data.reference !== request.pspTransactionId) return { outcome: 'TIMEOUT' };
    const response = parsed.data;
    const entry = interpretDe39(response.de39);
    const responseCode = response.de39;
    switch (entry.meaning.outcome) {
      case 'APPROVED':
        if (!response.de37) return { outcome: 'TIMEOUT' };
        return {
          outcome: 'APPROVED',
          acquirerReference: response.de37,
          responseCode,
          ...(response.funding ? { funding: response.funding } : {}),
        };
      case 'DECLINED':
        return { outcome: 'DECLINED', reason: entry.meaning.reason, responseCode };
      case 'SOFT_DECLINE':
        // A second soft decline after a completed 3-D Secure cannot be stepped up again.
        return { outcome: 'SOFT_DECLINE', canStepUp: !request.threeDs, responseCode };
      case 'ERROR':
        return {
          outcome: 'ERROR',
          responseCode,
          message: `Acquirer answered ${responseCode}: ${entry.text}`,
        };
    }
  }

  capture(operation: AcquirerOperation): Promise<{ acquirerReference: string }> {
    return this.#operate(acquirerPaths.captures, financialMessage('capture', operation, this.#context()));
  }

  refund(operation: AcquirerOperation): Promise<{ acquirerReference: string }> {
    return this.#operate(acquirerPaths.refunds, financialMessage('refund', operation, this.#context()));
  }

  cancel(operation: AcquirerOperation): Promise<{ acquirerReference: string }> {
    return this.#operate(acquirerPaths.reversals, financialMessage('void', operation, this.#context()));
  }

  async reverse(request: { pspTransactionId: string; amount: MinorUnits; currency: Currency }): Promise<{
    reversed: boolean;
  }> {
    const message = reversalMessage(request, this.#context());
    const de39 = await this.#financial(
      acquirerPaths.reversals,
      message,
      (code) => code === DE39_ORIGINAL_NOT_FOUND,
    );
    return { reversed: de39.code === '00' };
  }

  async #operate(
    path: string,
    message: ReturnType<typeof financialMessage>,
  ): Promise<{ acquirerReference: string }> {
    const answer = await this.#financial(path, message, () => false);
    return { acquirerReference: answer.de37 ?? message.reference };
  }

  /** Capture/refund/void/reversal: 00 (or an `accepted` code) or throw the right error. */
  async #financial(
    path: string,
    message: ReturnType<typeof financialMessage>,
    accepted: (code: string) => boolean,
  ): Promise<{ code: string; de37?: string }> {
    const what = `${message.mti} ${path.slice(1)}`;
    const exchange = await this.#exchange(path, message, message.reference);
    if (exchange.kind === 'timeout')
      throw new AcquirerUnavailableError(`Acquirer did not answer ${what} in time`);
    if (exchange.kind !== 'answer')
      throw new AcquirerUnavailableError(`Acquirer unreachable (${what}): ${exchange.detail}`);
    const { status, body } = exchange;
    if (status === 408 || status === 429 || status >= 500) {
      throw new AcquirerUnavailableError(`Acquirer unavailable (${what}): HTTP ${status}`);
    }
    if (status >= 400) throw new AcquirerRefusedError(`Acquirer rejected ${what}: HTTP ${status}`);
    const parsed = financialResponseSchema.safeParse(body);
    if (!parsed.success || parsed.data.reference !== message.reference) {
      // Retrying with the same idempotency key is safe, so "unknown" is "unavailable" here.
      throw new AcquirerUnavailableError(`Acquirer sent an unreadable answer to ${what}`);
    }
    const { de39, de37 } = parsed.data;
    if (de39 === '00' || accepted(de39)) return { code: de39, ...(de37 ? { de37 } : {}) };
    const entry = interpretDe39(de39);
    if (entry.meaning.outcome === 'ERROR' && (de39 === '91' || de39 === '96')) {
      throw new AcquirerUnavailableError(`Acquirer answered ${what} with ${de39}: ${entry.text}`);
    }
    throw new AcquirerRefusedError(`Acquirer refused ${what} with ${de39}: ${entry.text}`);
  }

  /** One POST; never throws. Distinguishes "never sent" from "sent, answer lost". */
  async #exchange(
    path: string,
    body: unknown,
    idempotencyKey: string,
    signal?: AbortSignal,
  ): Promise<Exchange> {
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let authorization: string | undefined;
    try {
      authorization = this.#apiKey ? `Bearer ${await this.#apiKey()}` : undefined;
    } catch {
      return { kind: 'not-sent', detail: 'could not read the API key' };
    }
    if (combined.aborted) return { kind: 'timeout' };
    let response: Response;
    try {
      response = await this.#fetch(`${this.#baseUrl}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          'idempotency-key': idempotencyKey,
          ...(authorization ? { authorization } : {}),
        },
        body: JSON.stringify(body),
        signal: combined,
      });
    } catch (error) {
      if (combined.aborted) return { kind: 'timeout' };
      const code = networkErrorCode(error);
      return notSentCodes.has(code) ? { kind: 'not-sent', detail: code } : { kind: 'lost', detail: code };
    }
    try {
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { kind: 'answer', status: response.status, body: parsed };
    } catch (error) {
      if (combined.aborted) return { kind: 'timeout' };
      return { kind: 'lost', detail: networkErrorCode(error) };
    }
  }

  #context() {
    this.#stan = (this.#stan % 999_999) + 1;
    return {
      stan: String(this.#stan).padStart(6, '0'),
      ...(this.#merchantId ? { merchantId: this.#merchantId } : {}),
      ...(this.#tokenRequestorId ? { tokenRequestorId: this.#tokenRequestorId } : {}),
    };
  }
}

/** undici puts the system error code on `cause` (TypeError: fetch failed). */
function networkErrorCode(error: unknown): string {
  const code = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.name : 'unknown';
}
