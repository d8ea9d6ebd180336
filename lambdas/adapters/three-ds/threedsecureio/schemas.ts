/**
 * 3dsecure.io's messages as zod schemas, written from its published field tables
 * (clearhaus/3DSv2-api-documentation: preauth, ARes, RReq, CRes and Erro for message versions
 * 2.1.0, 2.2.0 and 2.3.1). Only the fields we read are checked strictly; the rest pass through
 * (looseObject), since each version adds optional fields we have no use for.
 */
import * as z from 'zod/mini';

const uuid = z.string().check(z.regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i));
const version = z.enum(['2.1.0', '2.2.0', '2.3.1']);
/** Any EMV version string (a range bound may be one we do not speak). */
const anyVersion = z.string().check(z.regex(/^2\.\d+\.\d+$/));
const httpsUrl = (max: number) =>
  z.string().check(z.maxLength(max), z.regex(/^https?:\/\/\S+$/, 'must be an http(s) URL'));
/** authenticationValue: 20 bytes, base64 (28 characters). */
const authenticationValue = z.string().check(z.regex(/^[A-Za-z0-9+/]{27}[A-Za-z0-9+/=]$/));
const eci = z.string().check(z.regex(/^\d{2}$/));

/** The Erro message: every endpoint may answer it (with or without HTTP 200). */
export const Erro = z.looseObject({
  messageType: z.literal('Erro'),
  errorCode: z.string().check(z.regex(/^\d{3}$/)),
  errorComponent: z.optional(z.string()),
  errorDescription: z.optional(z.string()),
  errorDetail: z.optional(z.string()),
  messageVersion: z.optional(anyVersion),
});
export type Erro = z.infer<typeof Erro>;

/** POST /preauth answer: card range data of the BIN and a new threeDSServerTransID. */
export const PreauthResponse = z.looseObject({
  threeDSServerTransID: uuid,
  acsStartProtocolVersion: anyVersion,
  acsEndProtocolVersion: anyVersion,
  dsStartProtocolVersion: z.optional(anyVersion),
  dsEndProtocolVersion: z.optional(anyVersion),
  threeDSMethodURL: z.optional(httpsUrl(256)),
});
export type PreauthResponse = z.infer<typeof PreauthResponse>;

/** transStatus values each version allows in the ARes (D and I came with 2.2.0, S with 2.3.1). */
const ARES_STATUSES: Record<z.infer<typeof version>, readonly string[]> = {
  '2.1.0': ['Y', 'N', 'U', 'A', 'C', 'R'],
  '2.2.0': ['Y', 'N', 'U', 'A', 'C', 'R', 'D', 'I'],
  '2.3.1': ['Y', 'N', 'U', 'A', 'C', 'R', 'D', 'I', 'S'],
};

/** POST /auth answer: the ARes. */
export const ARes = z
  .looseObject({
    messageType: z.literal('ARes'),
    messageVersion: version,
    threeDSServerTransID: uuid,
    acsTransID: uuid,
    dsTransID: uuid,
    transStatus: z.string().check(z.regex(/^[A-Z]$/)),
    transStatusReason: z.optional(z.string().check(z.regex(/^\d{2}$/))),
    authenticationValue: z.optional(authenticationValue),
    eci: z.optional(eci),
    acsURL: z.optional(httpsUrl(2048)),
    acsChallengeMandated: z.optional(z.enum(['Y', 'N'])),
  })
  .check(
    z.refine((a) => ARES_STATUSES[a.messageVersion].includes(a.transStatus), {
      message: 'transStatus not allowed in this message version',
    }),
    z.refine((a) => !['Y', 'A'].includes(a.transStatus) || (a.authenticationValue && a.eci), {
      message: 'Y and A need authenticationValue and eci',
    }),
    z.refine((a) => a.transStatus !== 'C' || a.acsURL, { message: 'C needs acsURL' }),
  );
export type ARes = z.infer<typeof ARes>;

/** POST /postauth answer: the RReq the ACS sent after the challenge. */
export const RReq = z
  .looseObject({
    messageType: z.literal('RReq'),
    messageVersion: version,
    threeDSServerTransID: uuid,
    acsTransID: uuid,
    dsTransID: uuid,
    transStatus: z.enum(['Y', 'N', 'U', 'A', 'R']),
    transStatusReason: z.optional(z.string().check(z.regex(/^\d{2}$/))),
    authenticationValue: z.optional(authenticationValue),
    eci: z.optional(eci),
    /** 01: the cardholder cancelled. */
    challengeCancel: z.optional(z.string().check(z.regex(/^\d{2}$/))),
  })
  .check(
    z.refine((r) => !['Y', 'A'].includes(r.transStatus) || (r.authenticationValue && r.eci), {
      message: 'Y and A need authenticationValue and eci',
    }),
  );
export type RReq = z.infer<typeof RReq>;

/** The final CRes the ACS posts to our notification URL (browser: base64url JSON). */
export const CRes = z.looseObject({
  messageType: z.literal('CRes'),
  messageVersion: version,
  threeDSServerTransID: uuid,
  acsTransID: uuid,
  transStatus: z.optional(z.enum(['Y', 'N'])),
  challengeCompletionInd: z.optional(z.enum(['Y', 'N'])),
});

/** What the ACS posts back when the 3DS Method finished. */
export const MethodNotification = z.looseObject({ threeDSServerTransID: uuid });
