import { livekitId, nowSeconds, type Json } from './wire';

/** The webhook events the fake renders (livekit_webhook.proto's WebhookEvent.event). */
export type EgressEventName = 'egress_started' | 'egress_updated' | 'egress_ended';
export type RoomEventName = 'room_started' | 'room_finished';
export type ParticipantEventName = 'participant_joined' | 'participant_left';
export type TrackEventName = 'track_published' | 'track_unpublished';

/** Overrides for a test that replays or reorders deliveries: LiveKit's retries keep the same `id`. */
export interface EventStamp {
  id?: string;
  /** Unix seconds. */
  createdAt?: string | number;
}

/**
 * A WebhookEvent in the protobuf JSON LiveKit posts (lowerCamelCase names, 64-bit numbers as
 * strings) with its unique `id` and `createdAt`. Serialize it once and sign that exact string.
 */
export function webhookEventJson(event: string, fields: Json, stamp: EventStamp = {}): Json {
  return {
    event,
    ...fields,
    id: stamp.id ?? livekitId('EV_'),
    createdAt: stamp.createdAt === undefined ? nowSeconds() : String(stamp.createdAt),
  };
}
