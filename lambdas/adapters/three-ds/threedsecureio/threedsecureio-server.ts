/**
 * The production 3DS server adapter: 3dsecure.io over HTTPS (JSON, `APIKey` header). The same code
 * runs against the local simulator (local/simulators/three-ds/), which speaks the same API.
 *
 * Every answer is parsed with the schema of its message; an `Erro` message, an HTTP error, a
 * timeout or an answer that does not parse is a ThreeDsServerError (the use case ends the session
 * in failure). Nothing here logs: errors carry the endpoint and the EMV error code, never a field
 * of the request (the card number is in it).
 */
import type * as z from 'zod/mini';
import {
  type AuthenticationRequest,
  type AuthenticationResponse,
  type ChallengeResponseInfo,
  MESSAGE_VERSIONS,
  type MessageVersion,
  type Preauth,
  type PreauthRequest,
  type ThreeDsResult,
  type ThreeDsServer,
  ThreeDsServerError,
} from '../../../core/three-ds-server.js';
import { fromBase64Url, toBase64Url } from './encoding.js';
import { ARes, CRes, Erro, MethodNotification, PreauthResponse, RReq } from './schemas.js';
import { authenticationRequestBody } from './areq.js';

export interface MerchantData {
  acquirerBin: string;
  acquirerMerchantId: string;
  /** ISO 18245 merchant category code. */
  mcc: string;
  /** ISO 3166-1 numeric (578 Norway). */
  countryCode: string;
  /** threeDSRequestorURL: the PSP's web site. */
  requestorUrl: string;
}

export interface ThreeDSecureIoOptions {
  /** https://service.sandbox.3dsecure.io, the production host, or the local simulator. */
  baseUrl: string;
  /** From Secrets Manager (cached by the caller) or a local variable. */
  apiKey: () => Promise<string>;
  merchant: MerchantData;
  /** Per call (default 11 s: 3dsecure.io itself gives up on the DS after 10 s and answers Erro). */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** Called with each call's duration (the dashboard's 3DS server latency). */
  onLatency?: (endpoint: string, ms: number) => void;
}

export class ThreeDSecureIoServer implements ThreeDsServer {
  readonly provider = '3dsecure.io';
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: ThreeDSecureIoOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 11_000;
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  async preauth(request: PreauthRequest): Promise<Preauth> {
    const answer = await this.call('/preauth', { acctNumber: request.cardNumber }, PreauthResponse);
    const messageVersion = commonVersion(answer);
    const method = answer.threeDSMethodURL
      ? {
          url: answer.threeDSMethodURL,
          data: toBase64Url({
            threeDSServerTransID: answer.threeDSServerTransID,
            threeDSMethodNotificationURL: request.methodNotificationUrl,
          }),
        }
      : undefined;
    return {
      serverTransactionId: answer.threeDSServerTransID,
      messageVersion,
      ...(method ? { method } : {}),
    };
  }

  async authenticate(request: AuthenticationRequest): Promise<AuthenticationResponse> {
    const body = authenticationRequestBody(request, this.options.merchant);
    const ares = await this.call('/auth', body, ARes);
    if (ares.threeDSServerTransID !== request.serverTransactionId) {
      throw new ThreeDsServerError('UNREADABLE', '/auth answered for another transaction');
    }
    if (ares.transStatus === 'C') {
      const creq = toBase64Url({
        threeDSServerTransID: ares.threeDSServerTransID,
        acsTransID: ares.acsTransID,
        messageVersion: ares.messageVersion,
        messageType: 'CReq',
        challengeWindowSize: request.challengeWindowSize,
      });
      return {
        kind: 'CHALLENGE',
        acsUrl: ares.acsURL!,
        acsTransactionId: ares.acsTransID,
        dsTransactionId: ares.dsTransID,
        messageVersion: ares.messageVersion,
        creq,
      };
    }
    return { kind: 'RESULT', result: resultOf(ares) };
  }

  async challengeResult(serverTransactionId: string): Promise<ThreeDsResult> {
    const rreq = await this.call('/postauth', { threeDSServerTransID: serverTransactionId }, RReq);
    if (rreq.threeDSServerTransID !== serverTransactionId) {
      throw new ThreeDsServerError('UNREADABLE', '/postauth answered for another transaction');
    }
    if (rreq.challengeCancel === '01') return { status: 'CANCELLED' };
    return resultOf(rreq);
  }

  readMethodNotification(threeDSMethodData: string): string | undefined {
    const parsed = MethodNotification.safeParse(fromBase64Url(threeDSMethodData));
    return parsed.success ? parsed.data.threeDSServerTransID : undefined;
  }

  readChallengeResponse(cres: string): ChallengeResponseInfo | undefined {
    const parsed = CRes.safeParse(fromBase64Url(cres));
    if (!parsed.success) return undefined;
    return {
      serverTransactionId: parsed.data.threeDSServerTransID,
      acsTransactionId: parsed.data.acsTransID,
    };
  }

  private async call<S extends z.ZodMiniType>(
    endpoint: string,
    body: unknown,
    schema: S,
  ): Promise<z.infer<S>> {
    const started = Date.now();
    let response: Response;
    try {
      response = await this.fetch(`${this.baseUrl}${endpoint}`, {
        method: 'POST',
        headers: {
          APIKey: await this.options.apiKey(),
          'Content-Type': 'application/json; charset=utf-8',
          Accept: 'application/json',
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const timedOut =
        error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      throw new ThreeDsServerError(
        timedOut ? 'TIMEOUT' : 'UNREACHABLE',
        `${endpoint}: ${timedOut ? `no answer within ${this.timeoutMs} ms` : 'unreachable'}`,
      );
    } finally {
      this.options.onLatency?.(endpoint, Date.now() - started);
    }
    let json: unknown;
    try {
      json = await response.json();
    } catch {
      throw new ThreeDsServerError('UNREADABLE', `${endpoint}: HTTP ${response.status}, not JSON`);
    }
    const erro = Erro.safeParse(json);
    if (erro.success) {
      throw new ThreeDsServerError(
        'ERRO',
        `${endpoint}: Erro ${erro.data.errorCode} ${erro.data.errorDescription ?? ''}`.trim(),
        erro.data.errorCode,
      );
    }
    if (!response.ok) throw new ThreeDsServerError('HTTP', `${endpoint}: HTTP ${response.status}`);
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      // Only the field paths: the values could be anything the server echoed.
      const paths = parsed.error.issues.map((i) => i.path.join('.') || '(message)').join(', ');
      throw new ThreeDsServerError('UNREADABLE', `${endpoint}: unexpected answer (${paths})`);
    }
    return parsed.data as z.infer<S>;
  }
}

/** The highest version we speak inside the ACS's (and the DS's, when given) range. */
function commonVersion(card: PreauthResponse): MessageVersion {
  const inRange = (v: string, low?: string, high?: string) =>
    (!low || compareVersions(v, low) >= 0) && (!high || compareVersions(v, high) <= 0);
  const usable = MESSAGE_VERSIONS.filter(
    (v) =>
      inRange(v, card.acsStartProtocolVersion, card.acsEndProtocolVersion) &&
      inRange(v, card.dsStartProtocolVersion, card.dsEndProtocolVersion),
  );
  const best = usable.at(-1);
  if (!best) throw new ThreeDsServerError('UNREADABLE', '/preauth: no message version in common');
  return best;
}

function compareVersions(a: string, b: string): number {
  const [x, y] = [a, b].map((v) => v.split('.').map(Number));
  for (let i = 0; i < 3; i++) {
    const d = (x![i] ?? 0) - (y![i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function resultOf(message: ARes | RReq): ThreeDsResult {
  if (
    (message.transStatus === 'Y' || message.transStatus === 'A') &&
    message.authenticationValue &&
    message.eci
  ) {
    return {
      status: 'AUTHENTICATED',
      transStatus: message.transStatus,
      authentication: {
        cavv: message.authenticationValue,
        eci: message.eci,
        threeDsTransactionId: message.dsTransID,
        version: message.messageVersion,
        transStatus: message.transStatus,
      },
    };
  }
  return {
    status: 'FAILED',
    transStatus: message.transStatus,
    ...(message.transStatusReason ? { reason: message.transStatusReason } : {}),
  };
}
