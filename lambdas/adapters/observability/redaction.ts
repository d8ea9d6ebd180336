/**
 * Card data and secrets never reach a log line. Powertools Logger has no built-in redaction, so
 * every log record passes through this JSON replacer: sensitive keys are masked whole, and any
 * standalone 13–19 digit run inside any string (a PAN or token number that slipped into a message
 * or an error) keeps only its last four digits.
 */
const SENSITIVE_KEYS = new Set(
  [
    'number',
    'pan',
    'cardNumber',
    'cardData',
    'cryptogram',
    'cavv',
    'authenticationValue',
    'authorization',
    'makePaymentToken',
    'apiKey',
    'clientSecret',
    'client_secret',
    'subscriptionKey',
    'secret',
    'password',
    'otp',
    'csrf',
    'accessToken',
    'access_token',
    'plaintext',
    'sealedToken',
    'networkToken',
  ].map((k) => k.toLowerCase()),
);

/**
 * A standalone run of 13–19 digits (a PAN or token number). Runs glued to letters are part of an
 * identifier (our hex pspTransactionIds contain such runs) and stay readable for ops.
 */
const CARD_LIKE_DIGITS = /(?<![0-9A-Za-z])\d{13,19}(?![0-9A-Za-z])/g;

export const REDACTED = '[REDACTED]';

export function maskDigits(text: string): string {
  return text.replace(CARD_LIKE_DIGITS, (digits) => `${'*'.repeat(digits.length - 4)}${digits.slice(-4)}`);
}

/** A JSON.stringify replacer (Powertools' `jsonReplacerFn`). */
export function redactingReplacer(key: string, value: unknown): unknown {
  if (
    key &&
    SENSITIVE_KEYS.has(key.toLowerCase()) &&
    value !== undefined &&
    value !== null &&
    typeof value !== 'boolean'
  ) {
    return REDACTED;
  }
  if (typeof value === 'string') return maskDigits(value);
  return value;
}

/** Redact a whole value (for places that do not go through the logger, e.g. recorded requests). */
export function redact<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, redactingReplacer)) as T;
}
