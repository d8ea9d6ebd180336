/**
 * The simulated 3DS server: 3dsecure.io's API (POST /preauth, /auth, /postauth; JSON; `APIKey`
 * header) as its docs describe it, with the DS and the issuer's ACS simulated behind it. It checks
 * what 3dsecure.io's sandbox checks (the AReq's required browser fields for the message version,
 * the transaction id from /preauth, the card number, the version range) and answers `Erro` messages
 * otherwise. Faults on demand: an Erro, HTTP 500, garbage, a hang, an answer for another transaction.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEFAULT_SCENARIO, type Scenario, type SimVersion, scenarioForCard } from './scenarios.js';
import { readBody, sendJson } from './http-util.js';
import type { Endpoint, SimState, SimTransaction } from './state.js';

/** 3dsecure.io: a threeDSServerTransID from /preauth is good for 30 s (we allow 80, as research found). */
const TRANSACTION_VALID_MS = 80_000;
const ORDER: SimVersion[] = ['2.1.0', '2.2.0', '2.3.1'];

const REQUIRED_ALWAYS = [
  'threeDSCompInd',
  'threeDSRequestorAuthenticationInd',
  'threeDSRequestorURL',
  'threeDSServerTransID',
  'acctNumber',
  'deviceChannel',
  'messageCategory',
  'messageType',
  'messageVersion',
  'notificationURL',
  'purchaseAmount',
  'purchaseCurrency',
  'purchaseExponent',
  'purchaseDate',
  'acquirerBIN',
  'acquirerMerchantID',
  'mcc',
  'merchantCountryCode',
  'merchantName',
  'browserAcceptHeader',
  'browserIP',
  'browserLanguage',
  'browserUserAgent',
];
const SCREEN_FIELDS = [
  'browserJavaEnabled',
  'browserColorDepth',
  'browserScreenHeight',
  'browserScreenWidth',
  'browserTZ',
];

export interface ServerContext {
  state: SimState;
  apiKey: string;
  acsBaseUrl: string;
}

const erro = (code: string, description: string, detail?: string) => ({
  messageType: 'Erro',
  messageVersion: '2.2.0',
  errorCode: code,
  errorComponent: 'S',
  errorDescription: description,
  ...(detail ? { errorDetail: detail } : {}),
});

export async function handleServer(ctx: ServerContext, request: IncomingMessage, response: ServerResponse) {
  const path = new URL(request.url ?? '/', 'http://3ds').pathname as Endpoint;
  if (request.method !== 'POST' || !['/preauth', '/auth', '/postauth'].includes(path)) {
    return sendJson(response, 404, erro('101', 'Message Received Invalid', 'unknown endpoint'));
  }
  if (request.headers.apikey !== ctx.apiKey) {
    return sendJson(response, 403, erro('303', 'Access Denied, Invalid Endpoint', 'APIKey'));
  }
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(await readBody(request)) as Record<string, unknown>;
  } catch {
    return sendJson(response, 400, erro('101', 'Message Received Invalid', 'not JSON'));
  }
  const fault = ctx.state.faults.get(path);
  if (fault) {
    ctx.state.faults.delete(path);
    if (fault === 'erro') return sendJson(response, 200, erro('403', 'Transient System Failure'));
    if (fault === 'http500') return sendJson(response, 500, { message: 'internal error' });
    if (fault === 'garbage') {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      return response.end('{"transStatus": "maybe"');
    }
    if (fault === 'timeout') {
      await new Promise((r) => setTimeout(r, ctx.state.timeoutMs));
      return sendJson(response, 504, erro('402', 'Transaction Timed Out'));
    }
  }
  const answer =
    path === '/preauth' ? preauth(ctx, body) : path === '/auth' ? auth(ctx, body) : postauth(ctx, body);
  const status = answer.messageType === 'Erro' ? 400 : 200;
  if (fault === 'wrong-transaction' && status === 200) answer.threeDSServerTransID = randomUUID();
  return sendJson(response, status, answer);
}

function preauth(ctx: ServerContext, body: Record<string, unknown>): Record<string, unknown> {
  const acctNumber = body.acctNumber;
  if (typeof acctNumber !== 'string' || !/^\d{13,19}$/.test(acctNumber)) {
    return erro('203', 'Format of one or more Data Elements is Invalid', 'acctNumber');
  }
  if (acctNumber.startsWith('9000'))
    return erro('305', 'Unknown BIN', 'BIN not enrolled by any known scheme');
  const scenario: Scenario = { ...(scenarioForCard(acctNumber) ?? DEFAULT_SCENARIO), ...ctx.state.scenario };
  const tx: SimTransaction = {
    threeDSServerTransID: randomUUID(),
    acctNumber,
    scenario,
    preauthAt: Date.now(),
  };
  ctx.state.transactions.set(tx.threeDSServerTransID, tx);
  return {
    threeDSServerTransID: tx.threeDSServerTransID,
    acsStartProtocolVersion: scenario.versions.start,
    acsEndProtocolVersion: scenario.versions.end,
    dsStartProtocolVersion: '2.1.0',
    dsEndProtocolVersion: '2.3.1',
    ...(scenario.method === 'absent' ? {} : { threeDSMethodURL: `${ctx.acsBaseUrl}/method` }),
  };
}

function auth(ctx: ServerContext, areq: Record<string, unknown>): Record<string, unknown> {
  const tx = ctx.state.transactions.get(String(areq.threeDSServerTransID));
  if (!tx || Date.now() - tx.preauthAt > TRANSACTION_VALID_MS || tx.areq) {
    return erro('305', 'Transaction Data Not Valid', 'threeDSServerTransID unknown, expired or used');
  }
  const version = areq.messageVersion as SimVersion;
  const { start, end } = tx.scenario.versions;
  if (
    !ORDER.includes(version) ||
    ORDER.indexOf(version) < ORDER.indexOf(start) ||
    ORDER.indexOf(version) > ORDER.indexOf(end)
  ) {
    return erro('102', 'Message Version Number Not Supported', String(areq.messageVersion));
  }
  const missing = requiredFields(areq, version).filter(
    (name) => areq[name] === undefined || areq[name] === '',
  );
  if (missing.length) return erro('201', 'Required Data Element Missing', missing.join(','));
  if (areq.acctNumber !== tx.acctNumber) return erro('305', 'Transaction Data Not Valid', 'acctNumber');
  if (
    areq.deviceChannel !== '02' ||
    areq.messageType !== 'AReq' ||
    !['Y', 'N', 'U'].includes(String(areq.threeDSCompInd))
  ) {
    return erro(
      '203',
      'Format of one or more Data Elements is Invalid',
      'deviceChannel/messageType/threeDSCompInd',
    );
  }
  tx.areq = areq;
  tx.messageVersion = version;
  tx.acsTransID = randomUUID();
  tx.dsTransID = randomUUID();
  const ares = {
    messageType: 'ARes',
    messageVersion: version,
    threeDSServerTransID: tx.threeDSServerTransID,
    acsTransID: tx.acsTransID,
    dsTransID: tx.dsTransID,
    acsReferenceNumber: 'local-simulated-acs',
    dsReferenceNumber: 'local-simulated-ds',
  };
  const outcome = tx.scenario.ares;
  if (outcome === 'DS_TIMEOUT') return erro('402', 'Transaction Timed Out', 'DS');
  if (outcome === 'C') {
    return {
      ...ares,
      transStatus: 'C',
      acsChallengeMandated: 'Y',
      authenticationType: '02',
      acsURL: tx.scenario.acsUrl ?? `${ctx.acsBaseUrl}/challenge`,
    };
  }
  const mastercard = /^[25]/.test(tx.acctNumber);
  if (outcome === 'Y' || outcome === 'A') {
    const eci = mastercard ? (outcome === 'Y' ? '02' : '01') : outcome === 'Y' ? '05' : '06';
    return { ...ares, transStatus: outcome, authenticationValue: randomBytes(20).toString('base64'), eci };
  }
  return { ...ares, transStatus: outcome, transStatusReason: '01' };
}

function postauth(ctx: ServerContext, body: Record<string, unknown>): Record<string, unknown> {
  const tx = ctx.state.transactions.get(String(body.threeDSServerTransID));
  if (!tx) return erro('305', 'Transaction Data Not Valid', 'threeDSServerTransID');
  if (!tx.rreq) return erro('305', 'Transaction Data Not Valid', 'no challenge result (yet)');
  return { ...tx.rreq };
}

function requiredFields(areq: Record<string, unknown>, version: SimVersion): string[] {
  if (version === '2.1.0') return [...REQUIRED_ALWAYS, ...SCREEN_FIELDS];
  const js = areq.browserJavascriptEnabled === true;
  return [...REQUIRED_ALWAYS, 'browserJavascriptEnabled', ...(js ? SCREEN_FIELDS : [])];
}
