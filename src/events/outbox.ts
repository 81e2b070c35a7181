import { createHash, randomUUID } from 'node:crypto';
import type { SqlRunner } from '../db/sql';
import { enqueue } from '../jobs/job-runner';
import type { DeliveryPayload } from './delivery';
import type { EventType } from './event-types';
import { WEBHOOK_DELIVERY_KIND } from './outbox-sql';
import type { EventRoutes } from './routes';

/** One event about to be queued from code (the recording statements queue theirs in SQL). */
export interface OutgoingEvent {
  type: EventType;
  /** Stable id for an event that may be prepared twice (a retried job): its deliveries are queued once. */
  eventId?: string;
  at?: Date;
  recording?: DeliveryPayload['recording'];
  owners?: DeliveryPayload['owners'];
  data?: Record<string, unknown>;
}

/**
 * Queues one delivery of `event` per endpoint that receives its type, on `runner` — the
 * transaction of the change that causes it. Returns how many deliveries were queued.
 */
export async function queueEvent(runner: SqlRunner, routes: EventRoutes, event: OutgoingEvent): Promise<number> {
  const endpoints = routes.endpointsFor(event.type);
  if (endpoints.length === 0) return 0;
  const eventId = event.eventId ?? randomUUID();
  const at = (event.at ?? new Date()).toISOString();
  let queued = 0;
  for (const endpoint of endpoints) {
    const payload: DeliveryPayload = { eventId, type: event.type, at, endpoint, recording: event.recording, owners: event.owners, data: event.data };
    const added = await enqueue(runner, {
      kind: WEBHOOK_DELIVERY_KIND,
      key: `${WEBHOOK_DELIVERY_KIND}:${eventId}:${endpointTag(endpoint)}`,
      recordingId: event.recording?.id ?? null,
      payload: payload as unknown as Record<string, unknown>,
    });
    if (added) queued += 1;
  }
  return queued;
}

/** A short stable name of an endpoint for idempotency keys (URLs may be long). */
function endpointTag(endpoint: string): string {
  return createHash('sha256').update(endpoint).digest('hex').slice(0, 32);
}
