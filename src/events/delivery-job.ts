import { Webhook } from 'standardwebhooks';
import type { Job, JobHandler, JobOutcome } from '../jobs/job';
import { scrubError } from '../jobs/retry';
import { childLogger } from '../logging/logger';
import type { DeliveryPayload } from './delivery';
import type { EventBodies } from './event-body';
import { WEBHOOK_DELIVERY_KIND } from './outbox-sql';

const log = childLogger('webhooks');

export type DeliveryOutcome = 'delivered' | 'retry' | 'gave_up' | 'gone' | 'cancelled';

export interface DeliverySettings {
  endpoints: readonly string[];
  secret: string;
  maxAttempts: number;
  timeoutMs: number;
  retryBaseMs: number;
  /**
   * Deliveries running at once on one instance: fewer than the runner's slots, so a receiver
   * that hangs until the timeout never holds every slot and emails still go out.
   */
  maxInFlight: number;
}

/** An endpoint as logs may show it: scheme, host and path, never its query (it may hold a token). */
export function endpointForLog(endpoint: string): string {
  const url = new URL(endpoint);
  return `${url.origin}${url.pathname}`;
}

/**
 * Sends one event to one endpoint, signed by the Standard Webhooks specification with the
 * official library (`webhook-id` is the event's id, the same on every retry; the timestamp and
 * signature are of this attempt). 2xx: delivered. 410 Gone: the receiver wants no more, not
 * retried. Anything else, a redirect (never followed) or a timeout: retried with backoff by the
 * job runner until WEBHOOK_MAX_ATTEMPTS. An endpoint no longer configured is dropped.
 */
export function webhookDeliveryJob(
  settings: DeliverySettings,
  bodies: EventBodies,
  onOutcome: (type: string, outcome: DeliveryOutcome) => void = () => undefined,
): JobHandler<DeliveryPayload> {
  const signer = new Webhook(settings.secret);
  return {
    kind: WEBHOOK_DELIVERY_KIND,
    // One attempt: signing the media URLs (local, bounded) and one POST bounded by the timeout.
    leaseMs: 2 * settings.timeoutMs + 5_000,
    maxInFlight: settings.maxInFlight,
    retry: { maxAttempts: settings.maxAttempts, baseMs: settings.retryBaseMs, maxMs: 6 * 3600_000 },

    async run(job: Job<DeliveryPayload>): Promise<JobOutcome> {
      const p = job.payload;
      if (!settings.endpoints.includes(p.endpoint)) {
        onOutcome(p.type, 'cancelled');
        return { status: 'cancelled', reason: 'the endpoint is no longer configured' };
      }
      const failure = await attempt(p);
      if (failure === null) {
        onOutcome(p.type, 'delivered');
        return { status: 'done' };
      }
      const where = endpointForLog(p.endpoint);
      if (failure === 'gone') {
        onOutcome(p.type, 'gone');
        log.warn({ endpoint: where, eventId: p.eventId, type: p.type }, 'webhook endpoint answered 410 Gone; not retried');
        return { status: 'failed', error: `${where} answered 410 Gone` };
      }
      const last = job.attempts >= settings.maxAttempts;
      onOutcome(p.type, last ? 'gave_up' : 'retry');
      log.warn({ endpoint: where, eventId: p.eventId, type: p.type, attempt: job.attempts, error: failure }, last ? 'webhook delivery given up' : 'webhook delivery failed');
      return { status: 'retry', error: `${where}: ${failure}` };
    },
  };

  /** null when delivered, 'gone' for a 410, else the error (no payload in it). */
  async function attempt(p: DeliveryPayload): Promise<string | null> {
    let body: string;
    try {
      body = await bodies.build(p);
    } catch (err) {
      return `could not prepare the event: ${scrubError(err)}`;
    }
    const now = new Date();
    try {
      const res = await fetch(p.endpoint, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(settings.timeoutMs),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'recording-orchestrator-webhooks',
          'webhook-id': p.eventId,
          'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
          'webhook-signature': signer.sign(p.eventId, now, body),
        },
        body,
      });
      await res.body?.cancel().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) return null;
      if (res.status === 410) return 'gone';
      if (res.status >= 300 && res.status < 400) return `answered ${res.status} (redirects are not followed)`;
      return `answered ${res.status}`;
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer within ${settings.timeoutMs} ms`;
      return `request failed: ${e.cause?.code ?? scrubError(err)}`;
    }
  }
}
