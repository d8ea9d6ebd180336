/**
 * The DynamoDB table layout, shared by the CDK stack, the local dynalite boot and the adapters.
 *
 * payments table (single table, string keys `pk`/`sk`):
 *   TX#<pspTransactionId>   / TX        one payment (state, amounts, history, version)
 *   APIKEY#<sha256 of key>  / APIKEY    a merchant API key → the merchant (keys stored hashed only)
 *   MERCHANT#<merchantId>   / MERCHANT  the merchant
 *   3DS#<sessionId>         / 3DS       a 3-D Secure step-up session
 *   ORDER#<msn>#<orderId>   / ORDER     which payment owns a merchantOrderId (conditional put)
 * GSIs:
 *   byMerchantOrder  gsi1pk = `<msn>#<merchantOrderId>`   find a payment by MSN + merchantOrderId
 *                    (eventually consistent: uniqueness is the ORDER item's job, never this index)
 *   byDue            duePk = 'DUE', dueAt (ISO time)      sparse: payments the reconciler must visit
 *
 * idempotency table: Powertools Idempotency records for the Merchant API (key `id`, TTL
 * attribute `expiration`; expiry is also checked in code, dynalite has no TTL).
 */
export const paymentsTable = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'expireAt',
  indexes: {
    byMerchantOrder: { partitionKey: 'gsi1pk' },
    byDue: { partitionKey: 'duePk', sortKey: 'dueAt' },
  },
} as const;

export const idempotencyTable = {
  partitionKey: 'id',
  ttlAttribute: 'expiration',
} as const;
