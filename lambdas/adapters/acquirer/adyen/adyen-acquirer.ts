/**
 * Adyen Checkout (v72) behind our acquirer port, typed with the models of Adyen's official library
 * (generated from Adyen's OpenAPI spec), over our own fetch-based client (adyen-http-client.ts). Authorisations are synchronous and carry an
 * Idempotency-Key. Captures, refunds and cancels are asynchronous: Adyen answers `received` and
 * the outcome comes by webhook (handlers/adyen-webhook.ts) — so they return `pending: true`.
 * A lost authorisation is cancelled by our reference (standalone cancel), which Adyen supports.
 */
import type { PaymentCancelRequest } from '@adyen/api-library/lib/src/typings/checkout/paymentCancelRequest.js';
import type { PaymentCaptureRequest } from '@adyen/api-library/lib/src/typings/checkout/paymentCaptureRequest.js';
import type { PaymentRefundRequest } from '@adyen/api-library/lib/src/typings/checkout/paymentRefundRequest.js';
import type { PaymentResponse } from '@adyen/api-library/lib/src/typings/checkout/paymentResponse.js';
import type { StandalonePaymentCancelRequest } from '@adyen/api-library/lib/src/typings/checkout/standalonePaymentCancelRequest.js';
import { AcquirerRefusedError, AcquirerUnavailableError } from '../../../core/errors.js';
import type {
  Acquirer,
  AcquirerOperation,
  AcquirerOperationResult,
  AuthorisationRequest,
  AuthorisationResult,
  CardFunding,
  Log,
} from '../../../core/ports.js';
import type { Currency, MinorUnits } from '../../../core/money.js';
import { AdyenCallError, type AdyenPost, adyenPost } from './adyen-http-client.js';
import { adyenPaymentRequest, authorisationIdempotencyKey } from './adyen-payment-request.js';
import { adyenRefusalReasons, adyenResultCodes } from './refusal-reasons.js';

export interface AdyenAcquirerOptions {
  merchantAccount: string;
  environment: 'TEST' | 'LIVE';
  liveUrlPrefix?: string;
  apiKey: () => Promise<string>;
  timeoutMs: number;
  /** Local only: the Adyen simulator. */
  checkoutUrl?: string;
  log?: Log;
  fetch?: typeof fetch;
}

export class AdyenAcquirer implements Acquirer {
  readonly #post: AdyenPost;
  readonly #options: AdyenAcquirerOptions;

  constructor(options: AdyenAcquirerOptions) {
    this.#options = options;
    this.#post = adyenPost({
      apiKey: options.apiKey,
      environment: options.environment,
      ...(options.liveUrlPrefix ? { liveUrlPrefix: options.liveUrlPrefix } : {}),
      timeoutMs: options.timeoutMs,
      ...(options.checkoutUrl ? { checkoutUrl: options.checkoutUrl } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  }

  async authorise(
    request: AuthorisationRequest,
    { signal }: { signal: AbortSignal },
  ): Promise<AuthorisationResult> {
    let response: PaymentResponse;
    try {
      response = await this.#post<PaymentResponse>(
        '/payments',
        adyenPaymentRequest(request, this.#options.merchantAccount),
        { idempotencyKey: authorisationIdempotencyKey(request), signal },
      );
    } catch (error) {
      return this.#failedAuthorisation(error, request.pspTransactionId);
    }
    return this.#interpret(response, request);
  }

  #interpret(response: PaymentResponse, request: AuthorisationRequest): AuthorisationResult {
    const resultCode = String(response.resultCode ?? '');
    if (resultCode === 'Refused') {
      const code = String(response.refusalReasonCode ?? '');
      const entry = adyenRefusalReasons[code];
      if (!entry) return this.#untrusted(`unknown refusalReasonCode ${code || '(none)'}`, request);
      if (entry.meaning.outcome === 'SOFT_DECLINE')
        return { outcome: 'SOFT_DECLINE', canStepUp: !request.threeDs, responseCode: code };
      if (entry.meaning.outcome === 'DECLINED')
        return { outcome: 'DECLINED', reason: entry.meaning.reason, responseCode: code };
      return { outcome: 'ERROR', responseCode: code, message: `Adyen refused: ${entry.text}` };
    }
    if (resultCode === 'Pending' || resultCode === 'Received') {
      // Not final: treat as unknown (85); the reconciler cancels it by our reference.
      return { outcome: 'TIMEOUT' };
    }
    const entry = adyenResultCodes[resultCode];
    if (!entry) return this.#untrusted(`unexpected resultCode ${resultCode || '(none)'}`, request);
    if (entry.meaning.outcome !== 'APPROVED')
      return entry.meaning.outcome === 'DECLINED'
        ? { outcome: 'DECLINED', reason: entry.meaning.reason, responseCode: resultCode }
        : { outcome: 'ERROR', responseCode: resultCode, message: `Adyen ${resultCode}` };
    if (!response.pspReference) return this.#untrusted('Authorised without a pspReference', request);
    return {
      outcome: 'APPROVED',
      acquirerReference: response.pspReference,
      responseCode: resultCode,
      funding: fundingOf(response.additionalData?.fundingSource),
    };
  }

  capture(operation: AcquirerOperation): Promise<AcquirerOperationResult> {
    const body: PaymentCaptureRequest = {
      merchantAccount: this.#options.merchantAccount,
      amount: amountOf(operation),
      reference: operation.operationId,
    };
    const path = `/payments/${encodeURIComponent(operation.acquirerReference)}/captures`;
    return this.#modify(operation, 'capture', path, body);
  }

  refund(operation: AcquirerOperation): Promise<AcquirerOperationResult> {
    const body: PaymentRefundRequest = {
      merchantAccount: this.#options.merchantAccount,
      amount: amountOf(operation),
      reference: operation.operationId,
    };
    const path = `/payments/${encodeURIComponent(operation.acquirerReference)}/refunds`;
    return this.#modify(operation, 'refund', path, body);
  }

  cancel(operation: AcquirerOperation): Promise<AcquirerOperationResult> {
    const body: PaymentCancelRequest = {
      merchantAccount: this.#options.merchantAccount,
      reference: operation.operationId,
    };
    return this.#modify(
      operation,
      'cancel',
      `/payments/${encodeURIComponent(operation.acquirerReference)}/cancels`,
      body,
    );
  }

  /** Standalone cancel by our reference: Adyen cancels whatever authorisation it holds for it. */
  async reverse(request: { pspTransactionId: string; amount: MinorUnits; currency: Currency }): Promise<{
    reversed: boolean;
  }> {
    const reference = `reverse-${request.pspTransactionId}`;
    const body: StandalonePaymentCancelRequest = {
      merchantAccount: this.#options.merchantAccount,
      paymentReference: request.pspTransactionId,
      reference,
    };
    await this.#modify({ operationId: reference }, 'reverse', '/cancels', body);
    // Adyen accepted the cancel; whether an authorisation existed arrives by webhook.
    return { reversed: true };
  }

  async #modify(
    operation: { operationId: string },
    what: string,
    path: string,
    body: unknown,
  ): Promise<AcquirerOperationResult> {
    let response: { pspReference?: unknown; status?: unknown };
    try {
      response = await this.#post(path, body, { idempotencyKey: operation.operationId });
    } catch (error) {
      const failure = error instanceof AdyenCallError ? error : undefined;
      const detail = failure?.message ?? String(error);
      // 4xx: Adyen validated and refused the request; anything else is safe to retry (Idempotency-Key).
      if (failure?.failure === 'http' && failure.httpStatus! < 500 && failure.httpStatus !== 429)
        throw new AcquirerRefusedError(`Adyen refused the ${what} ${operation.operationId}: ${detail}`);
      throw new AcquirerUnavailableError(`Adyen ${what} ${operation.operationId}: ${detail}`);
    }
    if (String(response.status) !== 'received' || !response.pspReference) {
      throw new AcquirerUnavailableError(`Adyen ${what} ${operation.operationId}: unexpected answer`);
    }
    return { acquirerReference: String(response.pspReference), pending: true };
  }

  #failedAuthorisation(error: unknown, pspTransactionId: string): AuthorisationResult {
    if (error instanceof AdyenCallError) {
      if (error.failure === 'not-sent') return { outcome: 'ERROR', message: error.message };
      if (error.failure === 'http' && error.httpStatus! < 500) {
        // Adyen validated the request and refused it: nothing was authorised.
        this.#warn('Adyen refused the authorisation request', { pspTransactionId, problem: error.message });
        return { outcome: 'ERROR', message: error.message };
      }
      if (error.failure === 'unreadable') {
        this.#warn('Adyen sent an answer we cannot trust; answered 91', {
          pspTransactionId,
          problem: error.message,
        });
        return { outcome: 'ERROR', message: error.message };
      }
    }
    // No answer, a lost one or a 5xx: it may exist. 85, and the reconciler cancels by reference.
    this.#warn('Adyen authorisation outcome unknown; answered 85', {
      pspTransactionId,
      problem: String(error),
    });
    return { outcome: 'TIMEOUT' };
  }

  #untrusted(problem: string, request: AuthorisationRequest): AuthorisationResult {
    this.#warn('Adyen sent an answer we cannot trust; answered 91', {
      pspTransactionId: request.pspTransactionId,
      problem,
    });
    return { outcome: 'ERROR', message: `Adyen answer unusable: ${problem}` };
  }

  #warn(message: string, extra: Record<string, unknown>): void {
    this.#options.log?.warn(message, { acquirer: 'adyen', ...extra });
  }
}

function amountOf(operation: AcquirerOperation) {
  return { currency: operation.currency, value: operation.amount };
}

/** Adyen's additionalData.fundingSource (when enabled for the account): CREDIT, DEBIT, PREPAID… */
function fundingOf(source: string | undefined): CardFunding | undefined {
  if (source === 'CREDIT') return 'CREDIT';
  if (source === 'DEBIT' || source === 'PREPAID') return 'DEBIT';
  return undefined;
}
