/**
 * Lambda entry: GET /checkout/{token}, our hosted checkout page for one payment. Thin: the token
 * and the shopper's language from the request → showCheckout → HTML with a fresh CSP nonce.
 * A tampered or expired link gets a plain page and a 4xx, and nothing changes.
 */
import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { renderCheckoutPage, renderCheckoutProblem } from '../adapters/checkout/checkout-page.js';
import { checkoutSecurityHeaders } from '../adapters/checkout/security-headers.js';
import { pickLanguage } from '../adapters/three-ds/pages/texts.js';
import type { Log } from '../core/ports.js';
import {
  type CheckoutProblem,
  type ShowCheckoutDeps,
  showCheckout,
} from '../core/use-cases/show-checkout.js';
import { checkoutKey } from '../wiring/checkout.js';
import { clock, config } from '../wiring/context.js';
import { transactions } from '../wiring/storage.js';
import { header } from './http/api-gateway.js';
import { apiGatewayRequestId, entryDependencies, lambdaEntry } from './lambda-entry.js';

export interface CheckoutHandlerDeps extends ShowCheckoutDeps {
  log: Log;
  buttonScriptUrl: string;
}

const PROBLEM_STATUS: Record<CheckoutProblem, number> = {
  TAMPERED_LINK: 400,
  UNKNOWN_PAYMENT: 404,
  NOT_READY: 409,
  EXPIRED_LINK: 410,
  PAYMENT_CLOSED: 410,
};

export function createCheckoutHandler(deps: CheckoutHandlerDeps) {
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const language = pickLanguage(header(event, 'accept-language'));
    const nonce = randomBytes(16).toString('base64');
    const headers = checkoutSecurityHeaders(nonce, deps.buttonScriptUrl);
    const problemPage = (problem: CheckoutProblem): APIGatewayProxyResult => ({
      statusCode: PROBLEM_STATUS[problem],
      headers,
      body: renderCheckoutProblem(problem, { language, nonce }),
    });
    if (event.httpMethod !== 'GET') return { ...problemPage('TAMPERED_LINK'), statusCode: 405 };
    // Stryker disable next-line StringLiteral: any text that is not a token is refused as tampered, as '' is
    const outcome = await showCheckout(event.pathParameters?.token ?? '', deps);
    if (outcome.kind === 'PROBLEM') {
      // The token is a bearer link: log the problem, never the token.
      deps.log.info('Checkout link refused', { problem: outcome.problem });
      return problemPage(outcome.problem);
    }
    if (outcome.kind === 'ALREADY_PAID') {
      return { statusCode: 303, headers: { ...headers, Location: outcome.returnUrl }, body: '' };
    }
    return {
      statusCode: 200,
      headers,
      body: renderCheckoutPage(outcome.view, {
        language,
        nonce,
        buttonScriptUrl: deps.buttonScriptUrl,
      }),
    };
  };
}

type Entry = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
let entry: Entry | undefined;

function buildEntry(): Entry {
  const deps = entryDependencies({ transactions, clock, config, checkoutKey });
  const page = createCheckoutHandler({
    transactions: deps.transactions,
    clock: deps.clock,
    checkoutKey: deps.checkoutKey,
    log: deps.log,
    buttonScriptUrl: deps.config.CHECKOUT_BUTTON_SCRIPT_URL,
  });
  return lambdaEntry(deps, (event: APIGatewayProxyEvent) => page(event), {
    correlationId: apiGatewayRequestId,
  });
}

/** Built on first invocation, so importing this module (tests, the local host) reads no config. */
export const handler = (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => {
  entry ??= buildEntry();
  return entry(event, context);
};
