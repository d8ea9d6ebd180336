/**
 * Names shared by the handlers (Powertools Logger/Metrics) and the CloudWatch dashboard and
 * alarms in lib/, so a renamed metric cannot silently empty a graph.
 */
export const SERVICE_NAME = 'vipps-psp-gateway';
export const METRICS_NAMESPACE = 'VippsPsp';

export const metricNames = {
  /** Count, dimension `errorId` ("OK" for approvals, "1036" for soft declines). */
  makePaymentAnswer: 'MakePaymentAnswer',
  /** Milliseconds our makePayment handler took, end to end. */
  makePaymentLatency: 'MakePaymentLatency',
  /** Milliseconds the acquirer took to answer an authorisation. */
  acquirerLatency: 'AcquirerLatency',
  /** Count, dimension `result`: started | success | failure | cancel. */
  threeDsSession: 'ThreeDsSession',
  /** Count, dimension `outcome`: frictionless | challenged | failed. */
  threeDsAuthentication: 'ThreeDsAuthentication',
  /** Milliseconds the 3DS server took per call, dimension `endpoint`. */
  threeDsServerLatency: 'ThreeDsServerLatency',
  /** Count of status entries Vipps acknowledged. */
  statusUpdatesAcknowledged: 'StatusUpdatesAcknowledged',
  /** Count of status entries Vipps rejected (4xx → DLQ). */
  statusUpdatesRejected: 'StatusUpdatesRejected',
  /** Seconds from the state change to Vipps' acknowledgement. */
  statusUpdateLag: 'StatusUpdateLagSeconds',
  /** Milliseconds our ePayment card-callback handler took, end to end. */
  cardCallbackLatency: 'CardCallbackLatency',
  /** Count, dimension `result`: RESERVE | SOFT_DECLINE | a FAIL's errorId | 400 | 401 (authentication failed). */
  cardCallbackAnswer: 'CardCallbackAnswer',
  /** Count of Vipps webhook deliveries, dimension `result`: the HTTP status we answered (401: authentication failed). */
  vippsWebhook: 'VippsWebhook',
  /** Count, dimension `action`: expired | reversed | resent. */
  reconcilerAction: 'ReconcilerAction',
  /** Count of merchant-webhook attempts that got no 2xx (a 410 included). */
  webhookDeliveryFailures: 'WebhookDeliveryFailures',
  /** Count of merchant-webhook attempts a receiver accepted (2xx). */
  webhookDeliveries: 'WebhookDeliveries',
} as const;

export const metricDimensions = {
  errorId: 'errorId',
  result: 'result',
  action: 'action',
  outcome: 'outcome',
  endpoint: 'endpoint',
} as const;
