/**
 * The simulated issuer ACS: the 3DS Method page (posts back to the requestor's notification URL,
 * or never when the scenario times out) and the browser challenge (CReq in, a one-time-code page,
 * CRes out to the notificationURL of the AReq, and the RReq kept for the 3DS server's /postauth).
 * Source: clearhaus/3DSv2-api-documentation — source/3dsmethod.rst (threeDSMethodData, the
 * notification, the 10-second rule), challenge_flow (CReq auto-post, `threeDSSessionData`, the CRes
 * posted to the AReq's notificationURL), the message tables source/_static/creq.html,
 * cres_210/220/231.html and rreq_210/220.html (field names and transStatus values). The code 1234
 * is our sandbox rule (DESIGN.md "Sandbox acquirer"), not 3dsecure.io's.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  autoPostPage,
  base64UrlJson,
  escapeHtml,
  fromBase64UrlJson,
  readBody,
  sendHtml,
} from './http-util.js';
import type { SimState, SimTransaction } from './state.js';

const CORRECT_CODE = '1234';

export async function handleAcs(state: SimState, request: IncomingMessage, response: ServerResponse) {
  const path = new URL(request.url ?? '/', 'http://acs').pathname;
  // A GET (the PSP page checking that the ACS answers at all) gets an empty 204.
  if (request.method === 'GET') return sendHtml(response, 204, '');
  if (request.method !== 'POST') return sendHtml(response, 405, 'POST only');
  const form = new URLSearchParams(await readBody(request));
  if (path === '/method') return method(state, form, response);
  if (path === '/challenge') return challenge(state, form, response);
  if (path === '/challenge/answer') return answer(state, form, response);
  return sendHtml(response, 404, 'not found');
}

function method(state: SimState, form: URLSearchParams, response: ServerResponse) {
  const data = fromBase64UrlJson(form.get('threeDSMethodData'));
  const tx = state.transactions.get(String(data?.threeDSServerTransID));
  const notificationUrl = data?.threeDSMethodNotificationURL;
  if (!tx || typeof notificationUrl !== 'string') return sendHtml(response, 400, 'bad threeDSMethodData');
  tx.methodServed = true;
  if (tx.scenario.method === 'timeout') {
    return sendHtml(response, 200, '<!doctype html><title>3DS Method</title><p>Collecting…</p>');
  }
  return sendHtml(
    response,
    200,
    autoPostPage('3DS Method', notificationUrl, {
      threeDSMethodData: base64UrlJson({ threeDSServerTransID: tx.threeDSServerTransID }),
    }),
  );
}

function challenge(state: SimState, form: URLSearchParams, response: ServerResponse) {
  const creq = fromBase64UrlJson(form.get('creq'));
  const tx = creq ? state.byAcsTransId(String(creq.acsTransID)) : undefined;
  if (!creq || !tx || creq.threeDSServerTransID !== tx.threeDSServerTransID || creq.messageType !== 'CReq') {
    return sendHtml(response, 400, 'CReq does not match a transaction');
  }
  if (!/^0[1-5]$/.test(String(creq.challengeWindowSize)))
    return sendHtml(response, 400, 'challengeWindowSize');
  tx.creq = creq;
  tx.threeDSSessionData = form.get('threeDSSessionData') ?? undefined;
  if (tx.scenario.challenge === 'pass') return finish(tx, 'submit', CORRECT_CODE, response);
  if (tx.scenario.challenge === 'fail') return finish(tx, 'submit', '', response);
  return sendHtml(
    response,
    200,
    `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Your bank</title>
<style>body{font:16px system-ui,sans-serif;margin:0;padding:1rem;background:#f6f3ee}
input,button{display:block;width:100%;font:inherit;padding:.75rem;margin:.5rem 0;box-sizing:border-box}</style>
</head><body><h1>Simulated bank</h1><p>Enter the code we sent you (test: ${CORRECT_CODE}).</p>
<form method="post" action="/challenge/answer">
<input type="hidden" name="acsTransID" value="${escapeHtml(tx.acsTransID!)}">
<label for="otp">Code</label>
<input id="otp" name="otp" inputmode="numeric" autocomplete="one-time-code">
<button type="submit" name="action" value="submit">Confirm</button>
<button type="submit" name="action" value="cancel">Cancel</button>
</form></body></html>`,
  );
}

function answer(state: SimState, form: URLSearchParams, response: ServerResponse) {
  const tx = state.byAcsTransId(form.get('acsTransID') ?? '');
  if (!tx || !tx.creq || tx.rreq) return sendHtml(response, 400, 'no challenge in progress');
  const action = form.get('action') === 'cancel' ? 'cancel' : 'submit';
  return finish(tx, action, (form.get('otp') ?? '').replace(/\s+/g, ''), response);
}

/** The challenge ended: keep the RReq for /postauth and post the CRes to the requestor. */
function finish(tx: SimTransaction, action: 'submit' | 'cancel', code: string, response: ServerResponse) {
  const authenticated = action === 'submit' && code === CORRECT_CODE;
  const transStatus = authenticated ? 'Y' : 'N';
  const mastercard = /^[25]/.test(tx.acctNumber);
  tx.rreq = {
    messageType: 'RReq',
    messageVersion: tx.messageVersion,
    messageCategory: '01',
    threeDSServerTransID: tx.threeDSServerTransID,
    acsTransID: tx.acsTransID,
    dsTransID: tx.dsTransID,
    transStatus,
    interactionCounter: '01',
    ...(authenticated
      ? { authenticationValue: randomBytes(20).toString('base64'), eci: mastercard ? '02' : '05' }
      : { transStatusReason: '01' }),
    ...(action === 'cancel' ? { challengeCancel: '01' } : {}),
  };
  const cres = base64UrlJson({
    threeDSServerTransID: tx.threeDSServerTransID,
    acsTransID: tx.acsTransID,
    messageType: 'CRes',
    messageVersion: tx.messageVersion,
    transStatus,
    challengeCompletionInd: 'Y',
  });
  const notificationUrl = String(tx.areq?.notificationURL);
  return sendHtml(
    response,
    200,
    autoPostPage('Back to the shop', notificationUrl, {
      cres,
      ...(tx.threeDSSessionData ? { threeDSSessionData: tx.threeDSSessionData } : {}),
    }),
  );
}
