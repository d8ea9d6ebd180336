/**
 * The JSON-over-HTTPS acquirer contract, modelled on ISO 8583 (docs/acquirer-mapping.md is the
 * prose version). Field names are the ISO data elements (`de4` = DE4 amount); scheme-specific
 * sub-elements nest as in the specification (`de48.se33.sf6` = DE48 SE33 SF6).
 */
import * as z from 'zod/mini';
import type { AcquirerOperation, AuthorisationRequest } from '../../core/ports.js';
import type { Currency } from '../../core/money.js';

export const acquirerPaths = {
  authorisations: '/authorisations',
  captures: '/captures',
  refunds: '/refunds',
  reversals: '/reversals',
} as const;

/** ISO 4217 numeric (DE49). */
const currencyCodes: Record<Currency, string> = { NOK: '578' };

/**
 * DE22 POS entry mode (PAN entry mode + PIN capability). 81 = PAN/token entered via e-commerce
 * (Vipps' wallet presents a network token, cardholder present in the app); 10 = credential on
 * file (the legacy ENCRYPTEDCARD path: Vipps sends the stored PAN). Third digit 0 = no PIN.
 */
export const posEntryModes = { networkToken: '810', credentialOnFile: '100' } as const;

/** DE3 processing codes: purchase, refund (credit to the cardholder). */
export const processingCodes = { purchase: '000000', refund: '200000' } as const;

/** DE25-style message reason codes on a 0400: why we reverse. */
export const reversalReasons = { customerCancellation: '4000', timeout: '4021' } as const;

export interface AuthorisationMessage {
  mti: '0100';
  /**
   * Our pspTransactionId: the handle for a later reversal. The idempotency key travels in the
   * `Idempotency-Key` header, one per authorisation attempt.
   */
  reference: string;
  merchantSerialNumber: string;
  de2: string;
  de3: string;
  de4: number;
  de11: string;
  de14: string;
  de22: string;
  de42?: string;
  de49: string;
  eci?: string;
  tokenType?: 'VISA' | 'MASTERCARD';
  /** Visa: token cryptogram (TAVV) in field 126.8. */
  de126?: { '8': string };
  /** Mastercard: DSRP cryptogram in DE104 SE001. */
  de104?: { se001: string };
  /** Mastercard: Token Requestor ID in DE48 SE33 SF6. */
  de48?: { se33: { sf6: string } };
  /** After 3-D Secure: the authentication result, sent together with the token cryptogram. */
  threeDs?: { authenticationValue: string; eci: string; dsTransactionId: string; version: string };
}

export interface FinancialMessage {
  mti: '0220' | '0400';
  /** Our operationId (or `reverse-<pspTransactionId>`): the idempotency key. */
  reference: string;
  /** The pspTransactionId of the authorisation. */
  originalReference: string;
  de3?: string;
  de4: number;
  de11: string;
  /** The authorisation's RRN; absent on a reversal by our reference (outcome unknown). */
  de37?: string;
  de25?: string;
  de42?: string;
  de49: string;
}

export interface MessageContext {
  stan: string;
  merchantId?: string;
  tokenRequestorId?: string;
}

export function authorisationMessage(
  request: AuthorisationRequest,
  ctx: MessageContext,
): AuthorisationMessage {
  const { card } = request;
  const expiry = `${card.expiryYear.slice(-2).padStart(2, '0')}${card.expiryMonth.padStart(2, '0')}`;
  const message: AuthorisationMessage = {
    mti: '0100',
    reference: request.pspTransactionId,
    merchantSerialNumber: request.merchantSerialNumber,
    de2: card.kind === 'NETWORK_TOKEN' ? card.number : card.pan,
    de3: processingCodes.purchase,
    de4: request.amount,
    de11: ctx.stan,
    de14: expiry,
    de22: card.kind === 'NETWORK_TOKEN' ? posEntryModes.networkToken : posEntryModes.credentialOnFile,
    ...(ctx.merchantId ? { de42: ctx.merchantId } : {}),
    de49: currencyCodes[request.currency],
  };
  if (card.kind === 'NETWORK_TOKEN') {
    message.eci = card.eci.padStart(2, '0');
    message.tokenType = card.tokenType;
    if (card.tokenType === 'VISA') {
      message.de126 = { '8': card.cryptogram };
    } else {
      message.de104 = { se001: card.cryptogram };
      if (ctx.tokenRequestorId) message.de48 = { se33: { sf6: ctx.tokenRequestorId } };
    }
  }
  if (request.threeDs) {
    message.threeDs = {
      authenticationValue: request.threeDs.cavv,
      eci: request.threeDs.eci.padStart(2, '0'),
      dsTransactionId: request.threeDs.threeDsTransactionId,
      version: request.threeDs.version,
    };
  }
  return message;
}

export function financialMessage(
  kind: 'capture' | 'refund' | 'void',
  operation: AcquirerOperation,
  ctx: MessageContext,
): FinancialMessage {
  return {
    mti: kind === 'void' ? '0400' : '0220',
    reference: operation.operationId,
    originalReference: operation.pspTransactionId,
    ...(kind === 'void'
      ? { de25: reversalReasons.customerCancellation }
      : { de3: kind === 'refund' ? processingCodes.refund : processingCodes.purchase }),
    de4: operation.amount,
    de11: ctx.stan,
    de37: operation.acquirerReference,
    ...(ctx.merchantId ? { de42: ctx.merchantId } : {}),
    de49: currencyCodes[operation.currency],
  };
}

export function reversalMessage(
  request: { pspTransactionId: string; amount: number; currency: Currency },
  ctx: MessageContext,
): FinancialMessage {
  return {
    mti: '0400',
    reference: `reverse-${request.pspTransactionId}`,
    originalReference: request.pspTransactionId,
    de4: request.amount,
    de11: ctx.stan,
    de25: reversalReasons.timeout,
    ...(ctx.merchantId ? { de42: ctx.merchantId } : {}),
    de49: currencyCodes[request.currency],
  };
}

const responseCode = z.string().check(z.regex(/^[0-9A-Z]{2}$/, 'DE39 must be two characters'));

export const authorisationResponseSchema = z.object({
  mti: z.literal('0110'),
  reference: z.string(),
  de39: responseCode,
  de37: z.optional(z.string().check(z.minLength(1))),
  de38: z.optional(z.string()),
  funding: z.optional(z.enum(['CREDIT', 'DEBIT'])),
});

export const financialResponseSchema = z.object({
  mti: z.enum(['0230', '0410']),
  reference: z.string(),
  de39: responseCode,
  de37: z.optional(z.string().check(z.minLength(1))),
});
