import type { Clock, Log, SecretVault } from '../ports.js';
import { MAX_ATTEMPTS, nextAttemptAt, queueDelaySeconds } from './backoff.js';
import type { PaymentEvent } from './payment-events.js';
import type {
  DeliveryAttempt,
  DeliveryQueue,
  DeliveryTask,
  PostResult,
  WebhookEndpoint,
  WebhookPoster,
  WebhookSigner,
  WebhookStore,
} from './ports.js';
import { openSecrets } from './secrets.js';

/** Standard Webhooks receivers must answer within this; longer counts as a failed attempt. */
export const DELIVERY_TIMEOUT_MS = 15_000;
const RESPONSE_START_BYTES = 256;

export interface DeliverDeps {
  webhooks: WebhookStore;
  deliveries: DeliveryQueue;
  poster: WebhookPoster;
  signer: WebhookSigner;
  vault: SecretVault;
  clock: Clock;
  log: Pick<Log, 'info' | 'warn'>;
  /** Tests shorten it; the default is the Standard Webhooks 15 s. */
  timeoutMs?: number;
}

export type DeliveryResult =
  'delivered' | 'retry-scheduled' | 'gave-up' | 'endpoint-disabled' | 'not-yet' | 'skipped';

/** The body a receiver gets: the event without internal routing fields. */
export function eventPayload(event: PaymentEvent): string {
  return JSON.stringify({
    id: event.id,
    type: event.type,
    timestamp: event.createdAt,
    data: { ...event.data, version: event.version },
  });
}

/**
 * One delivery attempt of one event to one endpoint. A task that arrives before it is due (SQS
 * delays cap at 15 min) goes back on the queue for the rest of the wait. A failed attempt queues
 * the next per the backoff schedule; a 410 disables the endpoint; every attempt is recorded.
 */
export async function deliverEvent(task: DeliveryTask, deps: DeliverDeps): Promise<DeliveryResult> {
  const now = deps.clock.now();
  const due = new Date(task.notBefore);
  if (due.getTime() > now.getTime()) {
    await deps.deliveries.send(task, queueDelaySeconds(due, now));
    return 'not-yet';
  }
  const [event, endpoint] = await Promise.all([
    deps.webhooks.getEvent(task.merchantId, task.eventId),
    deps.webhooks.getEndpoint(task.merchantId, task.endpointId),
  ]);
  // Deleted or disabled since the task was queued, or never the merchant's: nothing to send.
  if (!event || !endpoint || endpoint.disabledAt) return 'skipped';
  const result = await post(event, endpoint, deps);
  return settle(task, endpoint, result, deps);
}

async function post(event: PaymentEvent, endpoint: WebhookEndpoint, deps: DeliverDeps): Promise<PostResult> {
  const body = eventPayload(event);
  const timestamp = deps.clock.now();
  const secrets = await openSecrets(endpoint, timestamp, deps.vault);
  return deps.poster.post({
    url: endpoint.url,
    body,
    timeoutMs: deps.timeoutMs ?? DELIVERY_TIMEOUT_MS,
    headers: {
      'content-type': 'application/json',
      'webhook-id': event.id,
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': deps.signer.sign(secrets, event.id, timestamp, body),
    },
  });
}

async function settle(
  task: DeliveryTask,
  endpoint: WebhookEndpoint,
  result: PostResult,
  deps: DeliverDeps,
): Promise<DeliveryResult> {
  const at = deps.clock.now();
  const outcome = attemptOutcome(result);
  const next = outcome === 'failed' ? nextAttemptAt(task.attempt + 1, at) : undefined;
  const attempt: DeliveryAttempt = {
    eventId: task.eventId,
    endpointId: task.endpointId,
    attempt: task.attempt,
    at: at.toISOString(),
    outcome,
    latencyMs: result.latencyMs,
    ...(result.kind === 'answered'
      ? { status: result.status, responseStart: result.bodyStart.slice(0, RESPONSE_START_BYTES) }
      : { error: result.error }),
    ...(next ? { nextAttemptAt: next.toISOString() } : {}),
  };
  await deps.webhooks.recordAttempt(attempt);
  deps.log.info('webhook delivery attempt', { merchantId: task.merchantId, ...attempt });
  if (outcome === 'delivered') return 'delivered';
  if (outcome === 'gone') {
    await deps.webhooks.putEndpoint({
      ...endpoint,
      disabledAt: attempt.at,
      disabledReason: 'The receiver answered 410 Gone',
    });
    return 'endpoint-disabled';
  }
  if (!next) {
    deps.log.warn('webhook delivery gave up', { ...task, attempts: MAX_ATTEMPTS });
    return 'gave-up';
  }
  const retry: DeliveryTask = { ...task, attempt: task.attempt + 1, notBefore: next.toISOString() };
  await deps.deliveries.send(retry, queueDelaySeconds(next, at));
  return 'retry-scheduled';
}

function attemptOutcome(result: PostResult): DeliveryAttempt['outcome'] {
  // Stryker disable next-line ConditionalExpression,StringLiteral: a failed post has no status, which the checks below also read as failed
  if (result.kind === 'failed') return 'failed';
  if (result.status === 410) return 'gone';
  return result.status >= 200 && result.status < 300 ? 'delivered' : 'failed';
}
