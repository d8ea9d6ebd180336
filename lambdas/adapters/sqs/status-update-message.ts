/**
 * The status-queue message format: the JSON of a StatusUpdate. The updater parses every body
 * with this before acting on it; a body that does not parse is poison (it can never succeed) and
 * goes to the dead-letter queue instead of being retried.
 */
import * as z from 'zod/mini';
import { CURRENCIES, MAX_AMOUNT } from '../../core/money.js';
import type { StatusUpdate } from '../../core/transaction.js';

const statusUpdateSchema = z.object({
  pspTransactionId: z.string().check(z.minLength(1), z.maxLength(128)),
  merchantSerialNumber: z.string().check(z.minLength(1), z.maxLength(32)),
  seq: z.int().check(z.positive()),
  status: z.enum(['RESERVED', 'CAPTURED', 'REFUNDED', 'CANCELLED']),
  amount: z.int().check(z.gte(0), z.lte(MAX_AMOUNT)),
  currency: z.enum(CURRENCIES),
  paymentText: z.string(),
  operationStatus: z.enum(['SUCCESS', 'FAILED']),
  vippsApi: z.optional(z.literal('epayment')),
});

// Compile-time check that the schema and the domain type describe the same thing.
type Parsed = z.output<typeof statusUpdateSchema>;
const _sameShape: [Parsed, StatusUpdate] extends [StatusUpdate, Parsed] ? true : never = true;

export class StatusUpdateMessageError extends Error {
  constructor(message: string) {
    super(`Not a status update message: ${message}`);
    this.name = 'StatusUpdateMessageError';
  }
}

export function serializeStatusUpdate(update: StatusUpdate): string {
  return JSON.stringify(statusUpdateSchema.parse(update));
}

/** Parses a message body into a StatusUpdate; throws StatusUpdateMessageError if it is not one. */
export function parseStatusUpdateMessage(body: string): StatusUpdate {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new StatusUpdateMessageError('the body is not JSON');
  }
  const result = statusUpdateSchema.safeParse(json);
  if (!result.success) throw new StatusUpdateMessageError(z.prettifyError(result.error));
  return result.data;
}
