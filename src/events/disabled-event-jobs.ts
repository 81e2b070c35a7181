import type { JobHandler } from '../jobs/job';
import { WEBHOOK_DELIVERY_KIND, WEBHOOK_READY_KIND } from './outbox-sql';

/**
 * With webhooks switched off (no WEBHOOK_URLS or no WEBHOOK_SECRET), events queued while they
 * were on would otherwise wait for a handler for ever: these drop them as cancelled, as a
 * delivery to an endpoint no longer in the list is dropped. `onCancelled` is told the event type
 * of each delivery dropped.
 */
export function disabledEventJobs(onCancelled: (type: string) => void = () => undefined): JobHandler[] {
  const cancel = (kind: string, counted: boolean): JobHandler => ({
    kind,
    leaseMs: 30_000,
    retry: { maxAttempts: 1, baseMs: 1000, maxMs: 1000 },
    async run(job) {
      if (counted) onCancelled(typeof job.payload.type === 'string' ? job.payload.type : 'unknown');
      return { status: 'cancelled', reason: 'webhooks are no longer configured' };
    },
  });
  // A delivery counts as a cancelled delivery; the preparation of recording.ready sends nothing itself.
  return [cancel(WEBHOOK_DELIVERY_KIND, true), cancel(WEBHOOK_READY_KIND, false)];
}
