/**
 * The makePaymentUrl messages: what Vipps POSTs to us (MakePaymentRequest) and what we answer
 * (MakePaymentResponse). See DESIGN.md "makePaymentUrl".
 *
 * MakePaymentRequest is parsed into a normalised shape, because Vipps has sent three dialects
 * over the years and our handler should not have to know them:
 *   - v3: `paymentState` ACCEPTED | TIMEOUT | USER_CANCEL, `paymentInstrument` TOKEN + `networkToken`;
 *   - legacy ENCRYPTEDCARD: `paymentInstrument` ENCRYPTEDCARD + `cardData`, `networkToken` null/absent;
 *   - v2: `confirmed` YES | NO | TIMEOUT | CANCEL instead of `paymentState` (Vipps' guide shows
 *     v2 bodies with only `cardData` and no `paymentInstrument`).
 *
 * Where we are lenient (Vipps can send it, we can still process it) and strict (we cannot), and why:
 *   - exactly one of `paymentState` / `confirmed`: strict, it is the whole point of the call.
 *     `confirmed` is matched case-insensitively (the guide spells the old value both "Yes" and "YES").
 *   - a cancelled or timed-out payment (USER_CANCEL, TIMEOUT; NO, CANCEL, TIMEOUT): lenient — card
 *     fields, binNumber and operations are neither required nor validated, nor carried on: we
 *     must be able to record the cancellation whatever card data came (or did not come) with it.
 *   - accepted (ACCEPTED / YES): `paymentInstrument` is required (it decides what we charge); a
 *     body with a string `cardData`, no `networkToken` and no `paymentInstrument` is the v2 shape
 *     and is read as ENCRYPTEDCARD.
 *   - TOKEN: `networkToken` must be complete and well formed (we authorise with it) and `binNumber`
 *     is required (the credit-card check needs the card's BIN: a token's own digits are no BIN).
 *     A `cardData` beside it is ignored: `paymentInstrument` decides, Vipps' examples send null.
 *   - ENCRYPTEDCARD: `cardData` must be a string; its content is NOT checked here, because any
 *     problem with it is answered 92 "Unable to decrypt", not 71. `binNumber` is optional (the
 *     decrypted PAN carries the BIN). A `networkToken` beside it is ignored.
 *   - `operations`: optional although the OpenAPI requires it — we only need the URLs for a 3-D
 *     Secure step-up, and without them answer 94 (DESIGN.md) rather than refuse a payment that
 *     would most likely never be soft-declined. Entries without both `url` and a known `operation`
 *     are dropped for the same reason; `operations` that is not an array is refused. The URLs
 *     themselves are judged by the use case (core/three-ds-session.ts): an unusable one means no
 *     step-up (94), not an invalid request.
 *   - Unknown fields are ignored (and not carried on), as Vipps may add fields at any time.
 *   - Validation messages never contain the rejected value (it may be a card number).
 */
import * as z from 'zod/mini';
import type { VippsEndState } from '../../core/error-catalogue.js';
import { formatIssues } from './issues.js';

// ── Parts ───────────────────────────────────────────────────────────────────────────────────

export const TokenType = z.enum(['VISA', 'MASTERCARD']);
/** TOKEN in PSP API v3; ENCRYPTEDCARD from the legacy revision of the OpenAPI. */
export const PaymentInstrument = z.enum(['TOKEN', 'ENCRYPTEDCARD']);
export const PaymentState = z.enum(['ACCEPTED', 'TIMEOUT', 'USER_CANCEL']);
export const LegacyConfirmed = z.enum(['YES', 'NO', 'TIMEOUT', 'CANCEL']);
export const ThreeDsOperation = z.enum(['3dssuccess', '3dscancel', '3dsfailure']);

export const NetworkToken = z.object({
  // "Network token of the card, up to 19 digits"; ISO/IEC 7812 numbers are at least 8 digits.
  number: z.string().check(z.regex(/^\d{8,19}$/, 'must be 8–19 digits')),
  // Base64 in every example and in Vipps' test tokens; passed to the acquirer as is.
  cryptogram: z
    .string()
    .check(z.regex(/^[A-Za-z0-9+/=_-]{1,256}$/, 'must be a base64 cryptogram of at most 256 characters')),
  expiryMonth: z.string().check(z.regex(/^(0[1-9]|1[0-2])$/, 'must be a two-digit month 01–12')),
  expiryYear: z.string().check(z.regex(/^\d{4}$/, 'must be a four-digit year')),
  tokenType: TokenType,
  // "7" in the OpenAPI example, "07"/"06" in the guide.
  eci: z.string().check(z.regex(/^\d{1,2}$/, 'must be one or two digits')),
});
export type NetworkToken = z.infer<typeof NetworkToken>;

/** As published: both fields optional. See UsableOperation for what we can act on. */
export const Operation3DSecure = z.object({
  url: z.optional(z.string()),
  operation: z.optional(ThreeDsOperation),
});
export type Operation3DSecure = z.infer<typeof Operation3DSecure>;

const UsableOperation = z.object({
  url: z.string().check(z.minLength(1)),
  operation: ThreeDsOperation,
});
export type UsableOperation = z.infer<typeof UsableOperation>;

/** A card's BIN: 6 or 8 digits. */
const BinNumber = z.string().check(z.regex(/^\d{6,8}$/, 'must be 6–8 digits'));

// ── MakePaymentRequest ──────────────────────────────────────────────────────────────────────

const upper = z.pipe(
  z.string(),
  z.transform((s: string) => s.toUpperCase()),
);

/** The fields every dialect shares; the card part is checked once we know the state. */
const Envelope = z.object({
  // Ours are at most 36 characters (InitiatePaymentRequest), so a longer one cannot be ours.
  pspTransactionId: z.string().check(z.minLength(1), z.maxLength(36)),
  merchantSerialNumber: z.string().check(z.regex(/^\d{6}$/, 'must be six digits')),
  paymentState: z.optional(PaymentState),
  confirmed: z.optional(z.pipe(upper, LegacyConfirmed)),
  userToken: z.optional(z.nullable(z.string())),
  binNumber: z.optional(z.unknown()),
  operations: z.optional(z.unknown()),
  paymentInstrument: z.optional(z.unknown()),
  networkToken: z.optional(z.unknown()),
  cardData: z.optional(z.unknown()),
});

interface MakePaymentCommon {
  pspTransactionId: string;
  merchantSerialNumber: string;
  /** Which dialect carried the state: v3 `paymentState` or v2 `confirmed`. */
  stateField: 'paymentState' | 'confirmed';
  userToken?: string;
}

export type MakePaymentAccepted = MakePaymentCommon & {
  outcome: 'ACCEPTED';
  binNumber?: string;
  /** The usable 3-D Secure redirect URLs; [] when Vipps sent none. */
  operations: UsableOperation[];
} & (
    | { paymentInstrument: 'TOKEN'; binNumber: string; networkToken: NetworkToken }
    | { paymentInstrument: 'ENCRYPTEDCARD'; cardData: string }
  );

export type MakePaymentEnded = MakePaymentCommon & {
  outcome: 'ENDED';
  /** For the 93 answer "Status from Vipps:<endState>": USER_CANCEL → CANCEL. */
  endState: VippsEndState;
};

export type MakePaymentRequest = MakePaymentAccepted | MakePaymentEnded;

type Ctx = z.core.ParsePayload;

function addIssue(ctx: Ctx, path: PropertyKey[], message: string): void {
  ctx.issues.push({ code: 'custom', message, input: undefined, path });
}

/** Parse `value` with `schema`, re-rooting its issues under `path`. */
function sub<T>(ctx: Ctx, path: string, schema: z.ZodMiniType<T>, value: unknown): T | undefined {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    ctx.issues.push({ ...issue, path: [path, ...issue.path] } as z.core.$ZodRawIssue);
  }
  return undefined;
}

function endStateOf(e: z.infer<typeof Envelope>): VippsEndState | 'ACCEPTED' {
  if (e.paymentState !== undefined) {
    return e.paymentState === 'USER_CANCEL' ? 'CANCEL' : e.paymentState;
  }
  return e.confirmed === 'YES' ? 'ACCEPTED' : (e.confirmed as VippsEndState);
}

function normalise(e: z.infer<typeof Envelope>, ctx: Ctx): MakePaymentRequest {
  if (e.paymentState === undefined && e.confirmed === undefined) {
    addIssue(ctx, ['paymentState'], 'is required (or the legacy confirmed)');
    return z.NEVER;
  }
  if (e.paymentState !== undefined && e.confirmed !== undefined) {
    addIssue(ctx, ['confirmed'], 'send either paymentState or the legacy confirmed, not both');
    return z.NEVER;
  }
  const common: MakePaymentCommon = {
    pspTransactionId: e.pspTransactionId,
    merchantSerialNumber: e.merchantSerialNumber,
    stateField: e.paymentState !== undefined ? 'paymentState' : 'confirmed',
    ...(e.userToken ? { userToken: e.userToken } : {}),
  };
  const state = endStateOf(e);
  if (state !== 'ACCEPTED') return { ...common, outcome: 'ENDED', endState: state };

  const isV2Body = e.paymentInstrument == null && typeof e.cardData === 'string' && e.networkToken == null;
  const instrument =
    e.paymentInstrument == null && !isV2Body
      ? (addIssue(ctx, ['paymentInstrument'], 'is required when the payment is accepted'), undefined)
      : sub(ctx, 'paymentInstrument', PaymentInstrument, isV2Body ? 'ENCRYPTEDCARD' : e.paymentInstrument);

  let operations: UsableOperation[] = [];
  if (e.operations != null) {
    if (Array.isArray(e.operations)) {
      operations = e.operations.flatMap((op) => {
        const parsed = UsableOperation.safeParse(op);
        return parsed.success ? [parsed.data] : [];
      });
    } else addIssue(ctx, ['operations'], 'must be an array');
  }

  if (instrument === 'TOKEN') {
    const networkToken =
      e.networkToken == null
        ? (addIssue(ctx, ['networkToken'], 'is required when paymentInstrument is TOKEN'), undefined)
        : sub(ctx, 'networkToken', NetworkToken, e.networkToken);
    const binNumber = sub(ctx, 'binNumber', BinNumber, e.binNumber);
    if (!networkToken || binNumber === undefined) return z.NEVER;
    return {
      ...common,
      outcome: 'ACCEPTED',
      operations,
      paymentInstrument: 'TOKEN',
      binNumber,
      networkToken,
    };
  }
  if (instrument === 'ENCRYPTEDCARD') {
    if (typeof e.cardData !== 'string') {
      addIssue(ctx, ['cardData'], 'must be a string when paymentInstrument is ENCRYPTEDCARD');
      return z.NEVER;
    }
    const binNumber = e.binNumber == null ? undefined : sub(ctx, 'binNumber', BinNumber, e.binNumber);
    if (e.binNumber != null && binNumber === undefined) return z.NEVER;
    return {
      ...common,
      outcome: 'ACCEPTED',
      operations,
      paymentInstrument: 'ENCRYPTEDCARD',
      cardData: e.cardData,
      ...(binNumber !== undefined ? { binNumber } : {}),
    };
  }
  return z.NEVER;
}

/** Input: the JSON body Vipps sends. Output: the normalised MakePaymentRequest above. */
export const MakePaymentRequest = z.pipe(Envelope, z.transform(normalise));

export type ParseMakePaymentResult =
  | { success: true; data: MakePaymentRequest }
  | { success: false; issues: string[]; pspTransactionId?: string };

/**
 * Validate a parsed JSON body. On failure the issues say what is wrong (never with the value),
 * and `pspTransactionId` is still given when the body carried a plausible one, because the FAIL 71
 * answer echoes it.
 */
export function parseMakePaymentRequest(body: unknown): ParseMakePaymentResult {
  const result = MakePaymentRequest.safeParse(body, { reportInput: true });
  if (result.success) return { success: true, data: result.data };
  const id =
    typeof body === 'object' && body !== null
      ? (body as Record<string, unknown>).pspTransactionId
      : undefined;
  return {
    success: false,
    issues: formatIssues(result.error.issues),
    ...(typeof id === 'string' && id.length > 0 && id.length <= 100 ? { pspTransactionId: id } : {}),
  };
}

// ── MakePaymentResponse ─────────────────────────────────────────────────────────────────────

export const MakePaymentStatus = z.enum(['OK', 'FAIL', 'SOFT_DECLINE']);

export const ErrorMessage = z.object({
  errorId: z.optional(z.string()),
  errorText: z.optional(z.string()),
});

export const PaymentInfo = z.object({
  pspTransactionId: z.optional(z.string()),
  status: z.optional(MakePaymentStatus),
  url3dSecure: z.optional(z.string()),
});

/** Our answer at makePaymentUrl (always HTTP 200, application/json). */
export const MakePaymentResponse = z.object({
  errorMessage: z.optional(ErrorMessage),
  paymentInfo: z.optional(PaymentInfo),
});
export type MakePaymentResponse = z.infer<typeof MakePaymentResponse>;
