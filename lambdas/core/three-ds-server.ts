/**
 * The 3DS Server port: what our challenge page needs from a 3-D Secure provider.
 *
 * Modelled on 3dsecure.io's 3DS Server API (EMVCo 3-D Secure 2.2, browser channel), which wraps
 * the EMVCo messages in three calls plus the browser leg:
 *
 *   prepare()           ↔ POST /preauth  (PReq/PRes "card range data"): protocol version, the
 *                          ACS's 3DS Method URL, and a new threeDSServerTransID
 *   authenticate()      ↔ POST /auth     (AReq → ARes): frictionless result (transStatus Y/A/N/U/R)
 *                          or a challenge (transStatus C + acsURL, acsTransID, dsTransID)
 *   the challenge       ↔ the browser POSTs a base64url CReq to acsURL as `creq` (with our
 *                          `threeDSSessionData`); the ACS POSTs the CRes back to our
 *                          notificationURL as `cres` (+ `threeDSSessionData`)
 *   completeChallenge() ↔ POST /postauth (the RReq the ACS sent through the DS): the final
 *                          transStatus, authenticationValue (CAVV), ECI, challengeCancel
 *
 * Other providers (Netcetera's 3DS Server, Adyen MPI, …) expose the same four steps under other
 * names, so an adapter is a thin HTTP client. The sandbox (adapters/three-ds/) is a simulated ACS
 * whose one-time-code form we render on our own page instead of redirecting to an issuer.
 *
 * Nothing here is persisted or logged with card data: the card number only travels in
 * `AuthenticationRequest.card`, and `ThreeDsAuthentication.cavv` is sealed by the session store.
 */
import type { Currency, MinorUnits } from './money.js';
import type { ThreeDsAuthentication, TokenType } from './ports.js';

/** EMVCo browser information (AReq `browser*` fields), read from the request that opened the page. */
export interface BrowserInfo {
  acceptHeader: string;
  userAgent: string;
  ip?: string;
  language?: string;
  /**
   * Our page runs no JavaScript (strict CSP), so screen size, colour depth and time zone are not
   * known; EMVCo 2.2 makes them conditional on browserJavascriptEnabled = true.
   */
  javascriptEnabled: false;
}

export interface PrepareRequest {
  cardNumber: string;
  scheme: TokenType;
}

export interface PrepareResponse {
  /** threeDSServerTransID: the provider's id for this authentication. */
  serverTransactionId: string;
  /** The protocol version both the ACS and the DS support (e.g. "2.2.0"). */
  protocolVersion: string;
  /**
   * threeDSMethodURL, when the ACS wants device data first. We do not run the 3DS Method: a soft
   * decline means the issuer mandates a challenge, and the Method only helps frictionless risk
   * scoring; we report threeDSCompInd = "N" (or "U" when there is no URL).
   */
  methodUrl?: string;
}

export interface AuthenticationRequest {
  serverTransactionId: string;
  protocolVersion: string;
  /** The network token goes where the PAN would (payTokenInd = true); no CVC is needed. */
  card: {
    number: string;
    expiryMonth: string;
    expiryYear: string;
    scheme: TokenType;
    isNetworkToken: true;
  };
  purchase: {
    amount: MinorUnits;
    currency: Currency;
    /** ISO time; the adapter formats purchaseDate (YYYYMMDDHHMMSS, UTC). */
    date: string;
    merchantName: string;
  };
  /** threeDSRequestorChallengeInd "04": challenge mandated (the issuer soft-declined for SCA). */
  challengeIndicator: '04';
  /** threeDSCompInd: whether the 3DS Method ran ("Y"), did not ("N"), or had no URL ("U"). */
  methodCompletion: 'Y' | 'N' | 'U';
  /** Where the ACS posts the CRes: our return route (POST /3ds/{sessionId}). */
  notificationUrl: string;
  /** threeDSRequestorTransID-like reference for the provider's logs (never the session id). */
  reference: string;
  browser: BrowserInfo;
}

/** How the user meets the challenge. */
export type ChallengeStep =
  /** A real ACS: our page POSTs `creq` to `acsUrl` (top-level, challengeWindowSize "05"). */
  | { kind: 'ACS_REDIRECT'; acsUrl: string; creq: string }
  /** The sandbox's simulated ACS: a one-time-code form rendered on our own page. */
  | {
      kind: 'ONE_TIME_CODE';
      /** A test environment shows the code (there is no real SMS). */ testCode?: string;
    };

export type AuthenticationResponse =
  | { kind: 'RESULT'; result: ThreeDsResult }
  | {
      kind: 'CHALLENGE';
      acsTransactionId: string;
      dsTransactionId: string;
      step: ChallengeStep;
    };

/** What the browser brought back from the challenge. */
export type ChallengeAnswer =
  /** From a real ACS: the CRes it posted to our notification URL. */
  | { kind: 'CRES'; cres: string }
  /** From the sandbox form on our page. */
  | { kind: 'ONE_TIME_CODE'; code: string }
  /** The user pressed Cancel on our page (EMVCo challengeCancel "01"). */
  | { kind: 'CANCEL' };

export interface CompleteChallengeRequest {
  serverTransactionId: string;
  acsTransactionId: string;
  dsTransactionId: string;
  protocolVersion: string;
  answer: ChallengeAnswer;
}

/** The outcome of an authentication (RReq / ARes transStatus and challengeCancel). */
export type ThreeDsResult =
  /** transStatus Y (authenticated) or A (attempted): authorise with the CAVV and ECI. */
  | { status: 'AUTHENTICATED'; transStatus: 'Y' | 'A'; authentication: ThreeDsAuthentication }
  /** transStatus N/U/R: not authenticated; `reason` is transStatusReason when given. */
  | { status: 'FAILED'; transStatus: 'N' | 'U' | 'R'; reason?: string }
  /** The cardholder cancelled the challenge (challengeCancel 01). */
  | { status: 'CANCELLED' };

export interface ThreeDsServer {
  /** A short name for logs ("sandbox", "3dsecure.io"). */
  readonly provider: string;
  prepare(request: PrepareRequest): Promise<PrepareResponse>;
  authenticate(request: AuthenticationRequest): Promise<AuthenticationResponse>;
  /**
   * Hand over the challenge answer and fetch the final result. A real adapter validates the CRes
   * and then reads the RReq outcome (the result fetch); the CRes alone is not authoritative.
   */
  completeChallenge(request: CompleteChallengeRequest): Promise<ThreeDsResult>;
}
