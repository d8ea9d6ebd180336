/**
 * The 3DS Server port: an EMV 3-D Secure 2.x browser authentication, shaped like 3dsecure.io's
 * API (DESIGN.md "3-D Secure step-up"):
 *
 *   preauth()          ↔ POST /preauth: a new threeDSServerTransID, the message version both we and
 *                         the ACS speak, and the ACS's 3DS Method URL when it has one
 *   the 3DS Method     ↔ the browser posts `threeDSMethodData` to that URL in a hidden iframe; the
 *                         ACS posts it back to our method notification route (readMethodNotification)
 *   authenticate()     ↔ POST /auth (AReq → ARes): frictionless Y/A/N/R/U, or C → a challenge
 *   the challenge      ↔ the browser posts `creq` to the ACS in an iframe; the ACS posts `cres` to
 *                         our challenge notification route (readChallengeResponse)
 *   challengeResult()  ↔ POST /postauth: the RReq the ACS sent through the DS (the authoritative
 *                         result: transStatus, authenticationValue, ECI)
 *
 * The card number (here: the network token number) travels only in the preauth and AReq; results
 * carry the CAVV, which the session store seals. Errors of the server (its `Erro` messages, HTTP
 * failures, timeouts, answers we cannot read) are thrown as ThreeDsServerError: the use case ends
 * the session in failure.
 */
import type { Currency, MinorUnits } from './money.js';
import type { ThreeDsAuthentication, TokenType } from './ports.js';

/** The EMV 3DS message versions we speak, oldest first. */
export const MESSAGE_VERSIONS = ['2.1.0', '2.2.0', '2.3.1'] as const;
export type MessageVersion = (typeof MESSAGE_VERSIONS)[number];

/** What the page measured in the browser (AReq `browser*`); the request's headers fill the rest. */
export interface BrowserData {
  acceptHeader: string;
  userAgent: string;
  ip: string;
  language: string;
  javascriptEnabled: boolean;
  /** Present when JavaScript ran (EMVCo makes them conditional on it). */
  screen?: {
    colorDepth: number;
    height: number;
    width: number;
    /** Minutes, UTC minus local (JavaScript's getTimezoneOffset). */
    timeZoneOffset: number;
    javaEnabled: boolean;
  };
}

export interface PreauthRequest {
  /** acctNumber: the network token number (Vipps sends a token, never the PAN). */
  cardNumber: string;
  /** Where the ACS posts the 3DS Method completion (threeDSMethodNotificationURL). */
  methodNotificationUrl: string;
}

export interface Preauth {
  serverTransactionId: string;
  messageVersion: MessageVersion;
  /** When the ACS has a 3DS Method: where the hidden iframe posts, and what (threeDSMethodData). */
  method?: { url: string; data: string };
}

/** EMV challengeWindowSize: 01 250×400 · 02 390×400 · 03 500×600 · 04 600×400 · 05 full screen. */
export type ChallengeWindowSize = '01' | '02' | '03' | '04' | '05';

export interface AuthenticationRequest {
  serverTransactionId: string;
  messageVersion: MessageVersion;
  card: { number: string; expiryMonth: string; expiryYear: string; scheme: TokenType };
  purchase: { amount: MinorUnits; currency: Currency; /** ISO time */ date: string; merchantName: string };
  /** threeDSCompInd: the 3DS Method completed (Y), timed out (N), or there was none (U). */
  methodCompletion: 'Y' | 'N' | 'U';
  /** Where the ACS posts the CRes (our challenge notification route). */
  notificationUrl: string;
  browser: BrowserData;
  challengeWindowSize: ChallengeWindowSize;
}

export type AuthenticationResponse =
  | { kind: 'RESULT'; result: ThreeDsResult }
  | {
      kind: 'CHALLENGE';
      acsUrl: string;
      acsTransactionId: string;
      dsTransactionId: string;
      messageVersion: MessageVersion;
      /** The CReq, encoded for the browser to post as `creq`. */
      creq: string;
    };

/** The outcome of an authentication (ARes or RReq transStatus, and challengeCancel). */
export type ThreeDsResult =
  | { status: 'AUTHENTICATED'; transStatus: 'Y' | 'A'; authentication: ThreeDsAuthentication }
  /** Not authenticated (N, R, U, or I/D we cannot use); `reason` is transStatusReason when given. */
  | { status: 'FAILED'; transStatus: string; reason?: string }
  /** The cardholder cancelled at the ACS (challengeCancel 01). */
  | { status: 'CANCELLED' };

/** What a notification route can read out of what the ACS posted. */
export interface ChallengeResponseInfo {
  serverTransactionId: string;
  acsTransactionId: string;
}

export interface ThreeDsServer {
  /** A short name for logs and metrics ("3dsecure.io"). */
  readonly provider: string;
  preauth(request: PreauthRequest): Promise<Preauth>;
  authenticate(request: AuthenticationRequest): Promise<AuthenticationResponse>;
  challengeResult(serverTransactionId: string): Promise<ThreeDsResult>;
  /** The threeDSServerTransID of a posted `threeDSMethodData`, or undefined if it is not one. */
  readMethodNotification(threeDSMethodData: string): string | undefined;
  /** The ids a posted `cres` names, or undefined if it does not decode as a CRes. */
  readChallengeResponse(cres: string): ChallengeResponseInfo | undefined;
}

/** The 3DS server failed: an `Erro` message, an HTTP error, a timeout, or an answer we cannot read. */
export class ThreeDsServerError extends Error {
  constructor(
    readonly kind: 'ERRO' | 'HTTP' | 'TIMEOUT' | 'UNREADABLE' | 'UNREACHABLE',
    message: string,
    /** EMV errorCode of an Erro message. */
    readonly errorCode?: string,
  ) {
    super(message);
    this.name = 'ThreeDsServerError';
  }
}
