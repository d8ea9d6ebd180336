/** Lambda entry: Adyen's webhook (captures, refunds and cancels settling asynchronously). */
import type { Context } from 'aws-lambda';
import { clock } from '../wiring/context.js';
import { adyenKeys } from '../wiring/adyen.js';
import { statusQueue } from '../wiring/queues.js';
import { transactions } from '../wiring/storage.js';
import { createAdyenWebhookHandler } from './adyen-webhook/adyen-webhook-handler.js';
import type { HttpEvent, HttpResult } from './http/api-gateway.js';
import { apiGatewayRequestId, entryDependencies, lambdaEntry, withSettings } from './lambda-entry.js';

let entry: ((event: HttpEvent, context: Context) => Promise<HttpResult>) | undefined;

export const handler = (event: HttpEvent, context: Context): Promise<HttpResult> => {
  if (!entry) {
    const deps = entryDependencies({ transactions, statusQueue, clock, adyenKeys });
    const hmacKey = async () => (await deps.adyenKeys()).hmacKey;
    entry = lambdaEntry(deps, createAdyenWebhookHandler(withSettings(deps, { hmacKey })), {
      correlationId: apiGatewayRequestId,
    });
  }
  return entry(event, context);
};
