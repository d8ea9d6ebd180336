/**
 * The part of Adyen Checkout v72's PaymentRequest we send, as its OpenAPI spec
 * (Adyen/adyen-openapi CheckoutService-v72.json: PaymentRequest, Amount, CardDetails with
 * type networkToken/scheme, ThreeDSecureData) defines it: required fields, types and enums.
 * Loose on purpose about fields we do not send (the spec allows many more).
 */
import * as z from 'zod/mini';

const amount = z.object({
  currency: z.string().check(z.length(3)),
  value: z.int().check(z.nonnegative()),
});

const card = z.object({
  type: z.enum(['networkToken', 'scheme']),
  number: z.string().check(z.regex(/^[0-9]{12,19}$/)),
  expiryMonth: z.string().check(z.regex(/^(0[1-9]|1[0-2])$/)),
  expiryYear: z.string().check(z.regex(/^20[0-9]{2}$/)),
  brand: z.optional(z.string()),
  holderName: z.optional(z.string()),
});

const mpiData = z.object({
  tokenAuthenticationVerificationValue: z.optional(z.string().check(z.minLength(1))),
  cavv: z.optional(z.string().check(z.minLength(1))),
  eci: z.optional(z.string().check(z.regex(/^[0-9]{2}$/))),
  dsTransID: z.optional(z.string()),
  threeDSVersion: z.optional(z.string()),
  directoryResponse: z.optional(z.enum(['A', 'C', 'D', 'I', 'N', 'R', 'U', 'Y'])),
  authenticationResponse: z.optional(z.enum(['Y', 'N', 'U', 'A'])),
});

export const paymentRequestSchema = z
  .object({
    amount,
    merchantAccount: z.string().check(z.minLength(1)),
    reference: z.string().check(z.minLength(1), z.maxLength(80)),
    paymentMethod: card,
    shopperInteraction: z.optional(z.enum(['Ecommerce', 'ContAuth', 'Moto', 'POS'])),
    recurringProcessingModel: z.optional(z.enum(['CardOnFile', 'Subscription', 'UnscheduledCardOnFile'])),
    mpiData: z.optional(mpiData),
    additionalData: z.optional(z.record(z.string(), z.string())),
  })
  .check(
    z.refine(
      (r) =>
        r.paymentMethod.type !== 'networkToken' || Boolean(r.mpiData?.tokenAuthenticationVerificationValue),
      'a networkToken payment needs mpiData.tokenAuthenticationVerificationValue',
    ),
    z.refine(
      (r) => r.paymentMethod.type !== 'networkToken' || Boolean(r.paymentMethod.brand),
      'brand is required',
    ),
  );

export type SimPaymentRequest = z.infer<typeof paymentRequestSchema>;

export const modificationSchema = z.object({
  merchantAccount: z.string().check(z.minLength(1)),
  amount: z.optional(amount),
  reference: z.optional(z.string().check(z.maxLength(80))),
  paymentReference: z.optional(z.string()),
});
