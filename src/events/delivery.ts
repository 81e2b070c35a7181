import type { EventType } from './event-types';

/** A recording as a statement's snapshot holds it (the Recording type, dates as ISO strings). */
export type RecordingSnapshot = Record<string, unknown> & { id: string };

/** What one `webhook.delivery` job carries: one event for one endpoint. */
export interface DeliveryPayload {
  /** `webhook-id`: unique per event, the same for every endpoint and on every retry. */
  eventId: string;
  type: EventType;
  /** When the event happened (ISO 8601): the body's `timestamp`. */
  at: string;
  endpoint: string;
  /** Recording events: the recording as the change left it, and its owners. */
  recording?: RecordingSnapshot;
  owners?: { sub: string }[];
  /** recording.failed: why. */
  reason?: string | null;
  /** Other events (rooms): `data` as it is sent. */
  data?: Record<string, unknown>;
}
