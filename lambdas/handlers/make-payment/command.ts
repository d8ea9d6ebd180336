/** A Vipps MakePaymentRequest (validated by our zod schema) → the use case's command. */
import { parseMakePaymentRequest } from '../../adapters/vipps/make-payment-schemas.js';
import type { MakePaymentCommand } from '../../core/use-cases/make-payment.js';

export type CommandResult =
  { ok: true; command: MakePaymentCommand } | { ok: false; issues: string[]; pspTransactionId?: string };

export function toMakePaymentCommand(body: unknown, requestHash: string): CommandResult {
  const parsed = parseMakePaymentRequest(body);
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.issues,
      ...(parsed.pspTransactionId ? { pspTransactionId: parsed.pspTransactionId } : {}),
    };
  }
  const request = parsed.data;
  // Not in Vipps' schema, but when a sender includes an amount it must be the payment's.
  const rawAmount = (body as Record<string, unknown>).amount;
  if (rawAmount !== undefined && !Number.isSafeInteger(rawAmount)) {
    return {
      ok: false,
      issues: ['amount: must be a whole number of øre'],
      pspTransactionId: request.pspTransactionId,
    };
  }
  const common = {
    pspTransactionId: request.pspTransactionId,
    merchantSerialNumber: request.merchantSerialNumber,
    requestHash,
    ...(typeof rawAmount === 'number' ? { amount: rawAmount } : {}),
  };
  if (request.outcome === 'ENDED')
    return { ok: true, command: { ...common, endedByVipps: request.endState, operations: [] } };
  return {
    ok: true,
    command: {
      ...common,
      operations: request.operations,
      ...(request.binNumber ? { binNumber: request.binNumber } : {}),
      card:
        request.paymentInstrument === 'TOKEN'
          ? { kind: 'NETWORK_TOKEN', ...request.networkToken }
          : { kind: 'ENCRYPTED_CARD', cardData: request.cardData },
    },
  };
}
