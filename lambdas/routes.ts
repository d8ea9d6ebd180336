/**
 * The one table of Lambda functions and HTTP routes. The CDK stack (lib/) and the local stack
 * (local/) both read it, so what runs on a laptop is wired exactly like what runs in AWS.
 */

export type FunctionName =
  | 'merchantAuthorizer'
  | 'merchantApi'
  | 'makePayment'
  | 'cardCallback'
  | 'vippsWebhooks'
  | 'threeDs'
  | 'checkout'
  | 'statusUpdater'
  | 'reconciler'
  | 'adyenWebhook'
  | 'webhookDelivery'
  | 'eventDispatcher';

/** What each function may touch; lib/ turns this into least-privilege IAM and key policies. */
export interface FunctionAccess {
  table?: 'read' | 'readWrite';
  idempotencyTable?: 'readWrite';
  statusQueue?: 'send' | 'consume';
  /** The asymmetric RSA key for legacy ENCRYPTEDCARD (Decrypt, GetPublicKey). */
  cardDataKey?: 'decrypt';
  /**
   * The symmetric key for envelope encryption of 3-D Secure session secrets: makePayment seals
   * the token (GenerateDataKey) and opens the stored CAVV after the challenge (Decrypt).
   */
  envelopeKey?: ReadonlyArray<'generateDataKey' | 'decrypt'>;
  vippsCredentials?: 'read';
  /** The 3dsecure.io API key secret (THREE_DS_API_KEY_SECRET_ID). */
  threeDsApiKey?: 'read';
  /** The selected acquirer's keys in Secrets Manager (Clearhaus or Adyen). */
  acquirerKeys?: 'read';
  /**
   * The merchant-webhook delivery queue: the event dispatcher and the reconciler's sweep hand
   * payment events over there, the Merchant API sends redeliveries; the delivery function
   * consumes it (and sends its own retries).
   */
  webhookQueue?: 'send' | 'consume';
  /** The payments table's DynamoDB Stream (the event dispatcher's trigger). */
  tableStream?: 'read';
}

export interface FunctionDefinition {
  /** Path of the handler module, relative to the repository root. */
  entry: string;
  /** The exported handler. */
  handler: 'handler';
  description: string;
  timeoutSeconds: number;
  memoryMb: number;
  /** Caps a runaway (or a backlog) so it cannot starve the account or flood Vipps. */
  reservedConcurrency?: number;
  access: FunctionAccess;
  /** How it is invoked when it is not behind a route. */
  trigger?:
    | { kind: 'statusQueue'; batchSize: number }
    | { kind: 'webhookQueue'; batchSize: number }
    | {
        kind: 'paymentsStream';
        batchSize: number;
        /** Retries of a failing batch before the mapping moves on (the sweep then hands it over). */
        retryAttempts: number;
        /** Concurrent batches per shard; a payment's records stay in order (same item, same batch). */
        parallelizationFactor: number;
        /** Only written items with this sort key invoke it: payment items (item-mapping.ts). */
        itemSortKey: string;
      }
    | { kind: 'schedule'; everyMinutes: number };
}

export const functions: Record<FunctionName, FunctionDefinition> = {
  merchantAuthorizer: {
    entry: 'lambdas/handlers/merchant-authorizer.ts',
    handler: 'handler',
    description: 'API Gateway Lambda authorizer: Bearer API key → merchant and its MSNs',
    timeoutSeconds: 5,
    memoryMb: 256,
    access: { table: 'read' },
  },
  merchantApi: {
    entry: 'lambdas/handlers/merchant-api.ts',
    handler: 'handler',
    description: 'Merchant API: create, read, capture, refund and cancel Vipps payments',
    timeoutSeconds: 20,
    memoryMb: 512,
    access: {
      table: 'readWrite',
      idempotencyTable: 'readWrite',
      statusQueue: 'send',
      vippsCredentials: 'read',
      acquirerKeys: 'read',
      // Seals a new webhook signing secret.
      envelopeKey: ['generateDataKey'],
      // Redelivers an event on the merchant's request.
      webhookQueue: 'send',
    },
  },
  makePayment: {
    entry: 'lambdas/handlers/make-payment.ts',
    handler: 'handler',
    description: 'Vipps makePaymentUrl: authorise the network token and answer inside 15 s',
    // Vipps waits 15 s; our acquirer budget is 10 s by default, so 13 s leaves room to answer.
    timeoutSeconds: 13,
    memoryMb: 1024,
    access: {
      table: 'readWrite',
      statusQueue: 'send',
      cardDataKey: 'decrypt',
      envelopeKey: ['generateDataKey', 'decrypt'],
      acquirerKeys: 'read',
    },
  },
  cardCallback: {
    entry: 'lambdas/handlers/card-callback.ts',
    handler: 'handler',
    description:
      'Vipps ePayment card callback: verify the HMAC, authorise the network token, answer inside 15 s',
    timeoutSeconds: 13,
    memoryMb: 1024,
    access: {
      table: 'readWrite',
      statusQueue: 'send',
      envelopeKey: ['generateDataKey', 'decrypt'],
      // The client secret is the callback's HMAC key.
      vippsCredentials: 'read',
      // It authorises at the acquirer, like makePayment (Clearhaus/Adyen keys).
      acquirerKeys: 'read',
    },
  },
  vippsWebhooks: {
    entry: 'lambdas/handlers/vipps-webhooks.ts',
    handler: 'handler',
    description:
      'Vipps ePayment webhooks: verify the HMAC, store each event once, settle payments Vipps ended',
    timeoutSeconds: 10,
    memoryMb: 512,
    // The registration secret may live in the Vipps credentials secret (webhookSecret).
    access: { table: 'readWrite', vippsCredentials: 'read' },
  },
  threeDs: {
    entry: 'lambdas/handlers/three-ds.ts',
    handler: 'handler',
    description: '3-D Secure step-up: the EMV 3DS page the Vipps app opens, and its notification routes',
    // One 3DS server call per request (THREE_DS_TIMEOUT_MS, 11 s: past 3dsecure.io's own 10 s DS
    // timeout, so its Erro arrives first) plus KMS and DynamoDB.
    timeoutSeconds: 15,
    memoryMb: 512,
    access: {
      table: 'readWrite',
      envelopeKey: ['generateDataKey', 'decrypt'],
      threeDsApiKey: 'read',
    },
  },
  checkout: {
    entry: 'lambdas/handlers/checkout.ts',
    handler: 'handler',
    description: 'Hosted checkout: the page with the official Vipps button for one payment',
    timeoutSeconds: 10,
    memoryMb: 256,
    // Reads the payment; the Vipps credentials only to derive the links' HMAC key.
    access: { table: 'read', vippsCredentials: 'read' },
  },
  statusUpdater: {
    entry: 'lambdas/handlers/status-updater.ts',
    handler: 'handler',
    description: 'SQS FIFO → Vipps updatestatus, batched, with partial batch failures',
    timeoutSeconds: 30,
    memoryMb: 512,
    reservedConcurrency: 5,
    access: { table: 'readWrite', statusQueue: 'consume', vippsCredentials: 'read' },
    trigger: { kind: 'statusQueue', batchSize: 10 },
  },
  reconciler: {
    entry: 'lambdas/handlers/reconciler.ts',
    handler: 'handler',
    description:
      'Expires abandoned payments, reverses unknown authorisations, re-sends unacknowledged updates',
    timeoutSeconds: 120,
    memoryMb: 512,
    // One sweep at a time: every action is idempotent, but two sweeps would only contend.
    reservedConcurrency: 1,
    access: {
      table: 'readWrite',
      statusQueue: 'send',
      vippsCredentials: 'read',
      acquirerKeys: 'read',
      // The sweep hands over what the event dispatcher missed.
      webhookQueue: 'send',
    },
    trigger: { kind: 'schedule', everyMinutes: 1 },
  },
  adyenWebhook: {
    entry: 'lambdas/handlers/adyen-webhook.ts',
    handler: 'handler',
    description:
      'Adyen webhook: HMAC-verified reports that settle asynchronous captures, refunds and cancels',
    timeoutSeconds: 10,
    memoryMb: 512,
    reservedConcurrency: 10,
    access: { table: 'readWrite', statusQueue: 'send', acquirerKeys: 'read' },
  },
  webhookDelivery: {
    entry: 'lambdas/handlers/webhook-delivery.ts',
    handler: 'handler',
    description: 'Merchant webhooks: one signed delivery attempt per message, retries re-queued with delay',
    // The receiver has 15 s; the rest is reading the event and recording the attempt.
    timeoutSeconds: 25,
    memoryMb: 512,
    // Caps how hard we can hit merchants' receivers (and our table) during a backlog.
    reservedConcurrency: 10,
    access: { table: 'readWrite', envelopeKey: ['decrypt'], webhookQueue: 'consume' },
    trigger: { kind: 'webhookQueue', batchSize: 10 },
  },
  eventDispatcher: {
    entry: 'lambdas/handlers/event-dispatcher.ts',
    handler: 'handler',
    description:
      "Payments table stream → merchant webhooks: hands each payment's new events to delivery, off the answer path",
    // A batch of 10 images is at most a few dozen table and queue calls.
    timeoutSeconds: 30,
    memoryMb: 512,
    // Query endpoints, put the event log entry, mark the outbox; one SQS send per endpoint.
    access: { table: 'readWrite', webhookQueue: 'send', tableStream: 'read' },
    trigger: {
      kind: 'paymentsStream',
      batchSize: 10,
      retryAttempts: 5,
      // AWS's maximum: up to 10 batches of a shard at once, each payment's images still in order,
      // so a burst of changes to many payments does not queue behind one slow hand-over.
      parallelizationFactor: 10,
      itemSortKey: 'TX',
    },
  },
};

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

export interface RouteDefinition {
  method: HttpMethod;
  /** API Gateway resource path, with {parameters}. */
  path: string;
  function: FunctionName;
  /** `merchant`: the merchant authorizer runs first and passes merchantId/MSNs in the context. */
  auth: 'merchant' | 'none';
  /** Largest request body accepted (bytes). */
  maxBodyBytes: number;
  /**
   * Who refuses a larger body: the gateway (WAF → 413, the handler never runs) or the handler
   * itself — makePaymentUrl must answer Vipps HTTP 200 with FAIL 71, never a gateway error.
   */
  bodyLimitAt: 'gateway' | 'handler';
}

const MERCHANT_BODY = 16 * 1024;
const VIPPS_BODY = 16 * 1024;

export const routes: readonly RouteDefinition[] = [
  {
    method: 'POST',
    path: '/v1/payments',
    function: 'merchantApi',
    auth: 'merchant',
    maxBodyBytes: MERCHANT_BODY,
    bodyLimitAt: 'gateway',
  },
  {
    method: 'GET',
    path: '/v1/payments/{pspTransactionId}',
    function: 'merchantApi',
    auth: 'merchant',
    maxBodyBytes: 0,
    bodyLimitAt: 'gateway',
  },
  {
    method: 'POST',
    path: '/v1/payments/{pspTransactionId}/capture',
    function: 'merchantApi',
    auth: 'merchant',
    maxBodyBytes: MERCHANT_BODY,
    bodyLimitAt: 'gateway',
  },
  {
    method: 'POST',
    path: '/v1/payments/{pspTransactionId}/refund',
    function: 'merchantApi',
    auth: 'merchant',
    maxBodyBytes: MERCHANT_BODY,
    bodyLimitAt: 'gateway',
  },
  {
    method: 'POST',
    path: '/v1/payments/{pspTransactionId}/cancel',
    function: 'merchantApi',
    auth: 'merchant',
    maxBodyBytes: MERCHANT_BODY,
    bodyLimitAt: 'gateway',
  },
  {
    method: 'POST',
    path: '/v1/webhook-endpoints',
    function: 'merchantApi',
    auth: 'merchant',
    maxBodyBytes: MERCHANT_BODY,
    bodyLimitAt: 'gateway',
  },
  {
    method: 'GET',
    path: '/v1/webhook-endpoints',
    function: 'merchantApi',
    auth: 'merchant',
    maxBodyBytes: 0,
    bodyLimitAt: 'gateway',
  },
  {
    method: 'DELETE',
    path: '/v1/webhook-endpoints/{id}',
    function: 'merchantApi',
    auth: 'merchant',
    maxBodyBytes: 0,
    bodyLimitAt: 'gateway',
  },
  {
    method: 'POST',
    path: '/v1/webhook-endpoints/{id}/rotate-secret',
    function: 'merchantApi',
    auth: 'merchant',
    maxBodyBytes: MERCHANT_BODY,
    bodyLimitAt: 'gateway',
  },
  {
    method: 'GET',
    path: '/v1/events',
    function: 'merchantApi',
    auth: 'merchant',
    maxBodyBytes: 0,
    bodyLimitAt: 'gateway',
  },
  {
    method: 'GET',
    path: '/v1/events/{id}/deliveries',
    function: 'merchantApi',
    auth: 'merchant',
    maxBodyBytes: 0,
    bodyLimitAt: 'gateway',
  },
  {
    method: 'POST',
    path: '/v1/events/{id}/redeliver',
    function: 'merchantApi',
    auth: 'merchant',
    maxBodyBytes: MERCHANT_BODY,
    bodyLimitAt: 'gateway',
  },
  {
    method: 'POST',
    path: '/vipps/make-payment',
    function: 'makePayment',
    auth: 'none',
    maxBodyBytes: VIPPS_BODY,
    bodyLimitAt: 'handler',
  },
  {
    method: 'POST',
    path: '/acquirer/adyen/webhook',
    function: 'adyenWebhook',
    auth: 'none',
    maxBodyBytes: 16 * 1024,
    bodyLimitAt: 'gateway',
  },
  {
    method: 'POST',
    path: '/vipps/card-callback',
    function: 'cardCallback',
    auth: 'none',
    maxBodyBytes: VIPPS_BODY,
    bodyLimitAt: 'handler',
  },
  {
    method: 'POST',
    path: '/vipps/webhooks',
    function: 'vippsWebhooks',
    auth: 'none',
    maxBodyBytes: VIPPS_BODY,
    bodyLimitAt: 'gateway',
  },
  {
    method: 'GET',
    path: '/3ds/{sessionId}',
    function: 'threeDs',
    auth: 'none',
    maxBodyBytes: 0,
    bodyLimitAt: 'gateway',
  },
  {
    method: 'POST',
    path: '/3ds/{sessionId}',
    function: 'threeDs',
    auth: 'none',
    maxBodyBytes: 4 * 1024,
    bodyLimitAt: 'gateway',
  },
  {
    // The ACS's 3DS Method notification (threeDSMethodNotificationURL).
    method: 'POST',
    path: '/3ds/{sessionId}/method',
    function: 'threeDs',
    auth: 'none',
    maxBodyBytes: 8 * 1024,
    bodyLimitAt: 'gateway',
  },
  {
    // The ACS's CRes (the AReq's notificationURL).
    method: 'POST',
    path: '/3ds/{sessionId}/challenge',
    function: 'threeDs',
    auth: 'none',
    maxBodyBytes: 16 * 1024,
    bodyLimitAt: 'gateway',
  },
  {
    method: 'GET',
    path: '/checkout/{token}',
    function: 'checkout',
    auth: 'none',
    maxBodyBytes: 0,
    bodyLimitAt: 'gateway',
  },
];

/** ePayment: the path Vipps posts the card to; PUBLIC_BASE_URL + this is our cardCallbackUrl. */
export const CARD_CALLBACK_PATH = '/vipps/card-callback';
/** ePayment: where Vipps' webhook events arrive (the PSP registers PUBLIC_BASE_URL + this). */
export const VIPPS_WEBHOOKS_PATH = '/vipps/webhooks';

/** The path Vipps calls; PUBLIC_BASE_URL + this is the makePaymentUrl we send at init. */
export const MAKE_PAYMENT_PATH = '/vipps/make-payment';
export const threeDsPath = (sessionId: string): string => `/3ds/${sessionId}`;
export const threeDsMethodPath = (sessionId: string): string => `/3ds/${sessionId}/method`;
export const threeDsChallengePath = (sessionId: string): string => `/3ds/${sessionId}/challenge`;
export const checkoutPath = (token: string): string => `/checkout/${token}`;

/** Where Adyen sends its webhooks (set in Adyen's Customer Area: PUBLIC_BASE_URL + this). */
export const ADYEN_WEBHOOK_PATH = '/acquirer/adyen/webhook';
