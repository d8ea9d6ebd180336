/**
 * Clearhaus (gateway API) behind our acquirer port: token authorisations with the TAV (and the
 * 3-D Secure v2 result on the retry), captures, refunds and voids; form-encoded, signed, HTTP
 * Basic with the API key. Status codes → outcomes in status-codes.ts.
 *
 * Clearhaus documents no idempotency and no lookup by our reference. So: makePayment has already
 * persisted the attempt before calling; an authorisation whose answer does not come back (timeout,
 * dropped connection, 5xx) is TIMEOUT (85) and is never retried; reverse() cannot find it and
 * raises an error naming the reference for ops. Nothing here logs card data.
 */
import {
  AcquirerCannotReverseError,
  AcquirerRefusedError,
  AcquirerUnavailableError,
} from '../../../core/errors.js';
import type {
  Acquirer,
  AcquirerOperation,
  AuthorisationRequest,
  AuthorisationResult,
  Log,
} from '../../../core/ports.js';
import type { Currency, MinorUnits } from '../../../core/money.js';
import { AcquirerAnswerError } from '../acquirer-codes.js';
import { type Exchange, exchange, jsonBody } from '../acquirer-http.js';
import { amountForm, authorisationForm, clearhausReference } from './clearhaus-form.js';
import { signatureHeader } from './signing.js';
import { CLEARHAUS_APPROVED, clearhausStatus, isClearhausTransient } from './status-codes.js';

export interface ClearhausCredentials {
  /** The account's API key (HTTP Basic user, empty password). */
  apiKey: string;
  signingApiKey: string;
  /** PEM of the RSA key whose public half is registered with Clearhaus for signingApiKey. */
  signingPrivateKey: string;
}

export interface ClearhausAcquirerOptions {
  /** https://gateway.clearhaus.com (test: https://gateway.test.clearhaus.com). */
  baseUrl: string;
  /** A function so the keys can come from Secrets Manager (cached there). */
  credentials: () => Promise<ClearhausCredentials>;
  /** Upper bound for every call; authorise also stops when the caller's AbortSignal fires. */
  timeoutMs: number;
  log?: Log;
  fetch?: typeof fetch;
}

interface ClearhausAnswer {
  id: string | undefined;
  code: number;
}

export class ClearhausAcquirer implements Acquirer {
  /** No idempotency at Clearhaus: an operation whose answer was lost is never sent again. */
  readonly repeatsSafely = false;
  readonly #options: ClearhausAcquirerOptions;
  readonly #baseUrl: string;

  constructor(options: ClearhausAcquirerOptions) {
    this.#options = options;
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  async authorise(
    request: AuthorisationRequest,
    { signal }: { signal: AbortSignal },
  ): Promise<AuthorisationResult> {
    const reference = clearhausReference(request.pspTransactionId);
    const sent = await this.#post('/authorizations', authorisationForm(request), signal);
    if (sent.kind === 'not-sent')
      return { outcome: 'ERROR', message: `Clearhaus not reached: ${sent.detail}` };
    if (sent.kind !== 'answer' || sent.status >= 500) {
      // It may have been authorised; Clearhaus cannot be asked by our reference, so never retry.
      this.#warn('Clearhaus authorisation outcome unknown: answer 85, ops must check the reference', {
        reference,
        what: sent.kind === 'answer' ? `HTTP ${sent.status}` : sent.kind,
      });
      return { outcome: 'TIMEOUT' };
    }
    let answer: ClearhausAnswer;
    try {
      answer = readAnswer(sent);
    } catch (error) {
      return this.#unreadable(error as AcquirerAnswerError, reference);
    }
    const entry = clearhausStatus(answer.code);
    if (!entry)
      return this.#unreadable(new AcquirerAnswerError(`unknown status code ${answer.code}`), reference);
    const responseCode = String(answer.code);
    switch (entry.meaning.outcome) {
      case 'APPROVED':
        if (!answer.id) return this.#unreadable(new AcquirerAnswerError('approval without an id'), reference);
        return { outcome: 'APPROVED', acquirerReference: answer.id, responseCode };
      case 'DECLINED':
        return { outcome: 'DECLINED', reason: entry.meaning.reason, responseCode };
      case 'SOFT_DECLINE':
        // "Authentication required" again after a completed 3-D Secure cannot be stepped up: 94.
        return { outcome: 'SOFT_DECLINE', canStepUp: !request.threeDs, responseCode };
      case 'ERROR':
        return { outcome: 'ERROR', responseCode, message: `Clearhaus ${responseCode}: ${entry.text}` };
    }
  }

  capture(operation: AcquirerOperation): Promise<{ acquirerReference: string }> {
    return this.#operate(operation, 'captures', amountForm(operation.amount));
  }

  refund(operation: AcquirerOperation): Promise<{ acquirerReference: string }> {
    return this.#operate(operation, 'refunds', amountForm(operation.amount));
  }

  cancel(operation: AcquirerOperation): Promise<{ acquirerReference: string }> {
    return this.#operate(operation, 'voids', '');
  }

  /** Clearhaus has no lookup by our reference: a person must find and void it. */
  reverse(request: { pspTransactionId: string; amount: MinorUnits; currency: Currency }): Promise<{
    reversed: boolean;
  }> {
    const reference = clearhausReference(request.pspTransactionId);
    this.#warn('Clearhaus cannot look up an authorisation by reference; ops must void it by hand', {
      reference,
      amount: request.amount,
    });
    return Promise.reject(
      new AcquirerCannotReverseError(
        `Clearhaus cannot look up authorisations by reference: check reference ${reference} (${request.amount} øre) in the Clearhaus dashboard and void it`,
      ),
    );
  }

  async #operate(
    operation: AcquirerOperation,
    kind: 'captures' | 'refunds' | 'voids',
    body: string,
  ): Promise<{ acquirerReference: string }> {
    const what = `${kind} for ${operation.operationId}`;
    const path = `/authorizations/${encodeURIComponent(operation.acquirerReference)}/${kind}`;
    const sent = await this.#post(path, body);
    if (sent.kind === 'not-sent') throw new AcquirerUnavailableError(`Clearhaus not reached (${what})`);
    if (sent.kind !== 'answer' || sent.status >= 500) {
      // No idempotency at Clearhaus: the caller must not blindly repeat this one.
      throw new AcquirerUnavailableError(
        `Clearhaus ${what}: outcome unknown (${sent.kind === 'answer' ? `HTTP ${sent.status}` : sent.kind})`,
      );
    }
    let answer: ClearhausAnswer;
    try {
      answer = readAnswer(sent);
    } catch (error) {
      this.#warn('Clearhaus sent an unreadable answer', { what, problem: (error as Error).message });
      throw new AcquirerUnavailableError(`Clearhaus ${what}: ${(error as Error).message}`);
    }
    if (answer.code === CLEARHAUS_APPROVED && answer.id) return { acquirerReference: answer.id };
    const text = clearhausStatus(answer.code)?.text ?? 'unknown status code';
    if (
      answer.code === CLEARHAUS_APPROVED ||
      isClearhausTransient(answer.code) ||
      !clearhausStatus(answer.code)
    ) {
      throw new AcquirerUnavailableError(`Clearhaus ${what}: ${answer.code} ${text}`);
    }
    throw new AcquirerRefusedError(`Clearhaus refused ${what}: ${answer.code} ${text}`);
  }

  async #post(path: string, body: string, signal?: AbortSignal): Promise<Exchange> {
    let credentials: ClearhausCredentials;
    try {
      credentials = await this.#options.credentials();
    } catch {
      return { kind: 'not-sent', detail: 'could not read the Clearhaus keys' };
    }
    let signature: string;
    try {
      signature = signatureHeader(
        { signingApiKey: credentials.signingApiKey, privateKeyPem: credentials.signingPrivateKey },
        body,
      );
    } catch {
      return { kind: 'not-sent', detail: 'could not sign with the Clearhaus signing key' };
    }
    return exchange({
      url: `${this.#baseUrl}${path}`,
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${credentials.apiKey}:`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        signature,
      },
      body,
      timeoutMs: this.#options.timeoutMs,
      ...(signal ? { signal } : {}),
      ...(this.#options.fetch ? { fetch: this.#options.fetch } : {}),
    });
  }

  #unreadable(error: AcquirerAnswerError, reference: string): AuthorisationResult {
    this.#warn('Clearhaus sent an answer we cannot trust; answered 91', {
      reference,
      problem: error.message,
    });
    return { outcome: 'ERROR', message: `Clearhaus answer unusable: ${error.message}` };
  }

  #warn(message: string, extra: Record<string, unknown>): void {
    this.#options.log?.warn(message, { acquirer: 'clearhaus', ...extra });
  }
}

/** `{id, status: {code}}` from a JSON (HAL) answer, or a typed error saying what is wrong. */
function readAnswer(sent: Extract<Exchange, { kind: 'answer' }>): ClearhausAnswer {
  const body = jsonBody(sent.text) as { id?: unknown; status?: { code?: unknown } } | undefined;
  if (typeof body !== 'object' || body === null) {
    throw new AcquirerAnswerError(
      `HTTP ${sent.status} answer is not JSON (${sent.contentType || 'no content type'})`,
    );
  }
  const code = body.status?.code;
  if (typeof code !== 'number' || !Number.isInteger(code)) {
    throw new AcquirerAnswerError(`HTTP ${sent.status} answer has no status code`);
  }
  return { id: typeof body.id === 'string' && body.id ? body.id : undefined, code };
}
