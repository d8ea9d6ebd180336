/**
 * The 3DS server: always the 3dsecure.io adapter; THREE_DS_BASE_URL points it at 3dsecure.io
 * (sandbox or production) or, locally, at the simulator, which speaks the same API.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { createSecretsManagerClient } from '../adapters/aws-clients.js';
import { secretsManagerApiKey } from '../adapters/three-ds/threedsecureio/api-key.js';
import { ThreeDSecureIoServer } from '../adapters/three-ds/threedsecureio/threedsecureio-server.js';
import { createMetrics } from '../adapters/observability/metrics.js';
import { metricDimensions, metricNames } from '../observability.js';
import { config, once } from './context.js';

const latencyMetrics = /* @__PURE__ */ once(() => createMetrics());

export const threeDsServer = /* @__PURE__ */ once(() => {
  const c = config();
  if (!c.THREE_DS_BASE_URL) throw new Error('THREE_DS_BASE_URL: is required for the 3-D Secure pages');
  const secretId = c.THREE_DS_API_KEY_SECRET_ID;
  const localKey = c.THREE_DS_API_KEY;
  if (!secretId && !localKey)
    throw new Error('THREE_DS_API_KEY_SECRET_ID: is required for the 3-D Secure pages');
  return new ThreeDSecureIoServer({
    baseUrl: c.THREE_DS_BASE_URL,
    apiKey: secretId
      ? secretsManagerApiKey(createSecretsManagerClient(), secretId)
      : () => Promise.resolve(localKey!),
    merchant: {
      // Outside production the simulator (and 3dsecure.io's sandbox) accept placeholders.
      acquirerBin: c.THREE_DS_ACQUIRER_BIN ?? '000000',
      acquirerMerchantId: c.THREE_DS_ACQUIRER_MERCHANT_ID ?? 'sandbox-merchant',
      mcc: c.THREE_DS_MCC,
      countryCode: c.THREE_DS_MERCHANT_COUNTRY,
      requestorUrl: c.PUBLIC_BASE_URL,
    },
    timeoutMs: c.THREE_DS_TIMEOUT_MS,
    onLatency: (endpoint, ms) => {
      const single = latencyMetrics().singleMetric();
      single.addDimension(metricDimensions.endpoint, endpoint);
      single.addMetric(metricNames.threeDsServerLatency, MetricUnit.Milliseconds, ms);
    },
  });
});
