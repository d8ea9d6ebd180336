/**
 * The sandbox 3DS server with a simulated ACS (DESIGN.md "3DS server" row). It speaks the port
 * exactly as a real provider adapter would, but the ACS is us: every authentication asks for a
 * challenge (a soft decline mandates one), the challenge is a one-time-code form rendered on our
 * own page, and the code `1234` authenticates while any other code fails (transStatus N).
 *
 * Stateless on purpose: the page and its return route may run in different Lambda instances, so
 * everything the result needs travels in CompleteChallengeRequest (stored on the session).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type {
  AuthenticationRequest,
  AuthenticationResponse,
  CompleteChallengeRequest,
  PrepareRequest,
  PrepareResponse,
  ThreeDsResult,
  ThreeDsServer,
} from '../../core/three-ds-server.js';

export interface SandboxThreeDsServerOptions {
  /** The one-time code that authenticates (default `1234`). */
  correctCode?: string;
  /** EMVCo protocol version reported (default 2.2.0). */
  protocolVersion?: string;
  /** Show the correct code on the page (a test environment has no real SMS). Default true. */
  revealCode?: boolean;
}

/** ECI of a fully authenticated sandbox challenge (Visa's 05; the brief fixes it for all schemes). */
export const SANDBOX_ECI = '05';
export const SANDBOX_CODE = '1234';

export class SandboxThreeDsServer implements ThreeDsServer {
  readonly provider = 'sandbox';
  private readonly correctCode: string;
  private readonly protocolVersion: string;
  private readonly revealCode: boolean;

  constructor(options: SandboxThreeDsServerOptions = {}) {
    this.correctCode = options.correctCode ?? SANDBOX_CODE;
    this.protocolVersion = options.protocolVersion ?? '2.2.0';
    this.revealCode = options.revealCode ?? true;
  }

  prepare(_request: PrepareRequest): Promise<PrepareResponse> {
    // No 3DS Method URL: the simulated ACS collects no device data.
    return Promise.resolve({ serverTransactionId: randomUUID(), protocolVersion: this.protocolVersion });
  }

  authenticate(request: AuthenticationRequest): Promise<AuthenticationResponse> {
    if (!/^\d{12,19}$/.test(request.card.number)) {
      // Not a card number at all: not authenticated, no challenge (transStatusReason 06).
      return Promise.resolve({
        kind: 'RESULT',
        result: { status: 'FAILED', transStatus: 'N', reason: '06' },
      });
    }
    return Promise.resolve({
      kind: 'CHALLENGE',
      acsTransactionId: randomUUID(),
      dsTransactionId: randomUUID(),
      step: { kind: 'ONE_TIME_CODE', ...(this.revealCode ? { testCode: this.correctCode } : {}) },
    });
  }

  completeChallenge(request: CompleteChallengeRequest): Promise<ThreeDsResult> {
    const { answer } = request;
    if (answer.kind === 'CANCEL') return Promise.resolve({ status: 'CANCELLED' });
    if (answer.kind === 'ONE_TIME_CODE' && answer.code === this.correctCode) {
      return Promise.resolve({
        status: 'AUTHENTICATED',
        transStatus: 'Y',
        authentication: {
          // A CAVV is 20 bytes, base64 (28 characters), like a real ACS's authenticationValue.
          cavv: randomBytes(20).toString('base64'),
          eci: SANDBOX_ECI,
          threeDsTransactionId: request.dsTransactionId,
          version: request.protocolVersion,
        },
      });
    }
    // A wrong code (or a CRes the simulated ACS never issued): transStatusReason 01, auth failed.
    return Promise.resolve({ status: 'FAILED', transStatus: 'N', reason: '01' });
  }
}
