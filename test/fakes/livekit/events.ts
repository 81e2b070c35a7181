import type { FakeParticipant, FakeRoom, FakeTrack } from './room-service';
import { int64, livekitId, nowSeconds, omitDefaults, type Json } from './wire';

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

/*
 * Webhook renderings: lowerCamelCase JSON names with zero values left out, as LiveKit's
 * protojson.Marshal writes them (so `kind` STANDARD, `state` JOINING, `type` AUDIO and a
 * `numParticipants` of 0 are absent; the SDK reads an absent enum as its zero value).
 */

export function roomJson(room: FakeRoom): Json {
  return omitDefaults({
    sid: room.sid,
    name: room.name,
    emptyTimeout: room.emptyTimeout,
    departureTimeout: room.departureTimeout,
    creationTime: int64(room.creationTime),
    creationTimeMs: int64(room.creationTimeMs),
    numParticipants: room.participants.size,
    numPublishers: [...room.participants.values()].filter((p) => p.isPublisher).length,
  });
}

export function trackJson(track: FakeTrack): Json {
  return omitDefaults({
    sid: track.sid,
    type: track.type === 'AUDIO' ? undefined : track.type,
    name: track.name,
    muted: track.muted,
    width: track.width,
    height: track.height,
    simulcast: track.simulcast,
    source: track.source === 'UNKNOWN' ? undefined : track.source,
    mimeType: track.mimeType,
    mid: track.mid,
  });
}

export function participantJson(participant: FakeParticipant): Json {
  return omitDefaults({
    sid: participant.sid,
    identity: participant.identity,
    state: participant.state === 'JOINING' ? undefined : participant.state,
    tracks: participant.tracks.map(trackJson),
    metadata: participant.metadata,
    joinedAt: int64(participant.joinedAt),
    joinedAtMs: int64(participant.joinedAtMs),
    name: participant.name,
    version: participant.version,
    permission: omitDefaults(participant.permission),
    isPublisher: participant.isPublisher,
    kind: participant.kind === 'STANDARD' ? undefined : participant.kind,
    attributes: participant.attributes,
    disconnectReason: participant.disconnectReason === 'UNKNOWN_REASON' ? undefined : participant.disconnectReason,
  });
}
