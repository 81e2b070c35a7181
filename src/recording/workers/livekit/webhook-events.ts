import type { EgressInfo, WebhookEvent } from 'livekit-server-sdk';
import type { RoomActivityEvent } from '../../../rooms/activity-dispatcher';
import type { EgressReport, WorkerEvent } from '../worker-events';
import { egressFilepaths, toWorkerState } from './egress-status';
import { isMicrophoneTrack, isRecordableParticipant } from './livekit-track-worker';
import { kindName } from './participant-kind';

/** The worker kinds LiveKit's webhooks can concern. */
const LIVEKIT_KINDS = ['livekit-video', 'livekit-audio'] as const;

/** The webhooks that concern recordings (the others are about room activity only). */
const RECORDING_EVENTS: ReadonlySet<string> = new Set(['egress_started', 'egress_updated', 'egress_ended', 'room_finished', 'track_published']);

export function concernsRecordings(event: WebhookEvent): boolean {
  return RECORDING_EVENTS.has(event.event);
}

/** A LiveKit webhook about recordings as a plain worker event; null when it carries nothing to act on. */
export function toWorkerEvent(event: WebhookEvent): WorkerEvent | null {
  switch (event.event) {
    case 'egress_started':
    case 'egress_updated':
    case 'egress_ended':
      if (!event.egressInfo) return null;
      return { type: 'egress', phase: PHASES[event.event], kinds: LIVEKIT_KINDS, egress: egressReport(event.egressInfo) };
    case 'room_finished':
      return event.room?.name ? { type: 'room_finished', kinds: LIVEKIT_KINDS, room: event.room.name } : null;
    case 'track_published': {
      const { participant, track } = event;
      const room = event.room?.name;
      if (!room || !participant || !track?.sid || !isRecordableParticipant(participant) || !isMicrophoneTrack(track)) return null;
      return { type: 'track_published', room, track: { trackId: track.sid, identity: participant.identity, name: participant.name } };
    }
    default:
      return null;
  }
}

const PHASES = { egress_started: 'started', egress_updated: 'updated', egress_ended: 'ended' } as const;

/** What an EgressInfo says, in plain terms. */
export function egressReport(info: EgressInfo): EgressReport {
  const size = info.fileResults[0]?.size;
  return {
    egressId: info.egressId,
    track: info.request.case === 'track',
    state: toWorkerState(info),
    startedAt: info.startedAt > 0n ? nanosToDate(info.startedAt) : null,
    filepaths: egressFilepaths(info),
    fileSize: size !== undefined ? Number(size) : null,
  };
}

/**
 * LiveKit's room_started, participant_joined, participant_left and room_finished as room
 * activity; null for the other events and for those without a room name.
 */
export function toRoomActivity(event: WebhookEvent): RoomActivityEvent | null {
  const room = event.room?.name;
  if (!room) return null;
  const common = {
    eventId: event.id || null,
    at: seconds(event.createdAt) ?? Math.floor(Date.now() / 1000),
    room,
    roomSid: event.room?.sid ?? '',
    roomCreatedAt: seconds(event.room?.creationTime),
  };
  switch (event.event) {
    case 'room_started':
    case 'room_finished':
      return { type: 'room', ...common, started: event.event === 'room_started' };
    case 'participant_joined':
    case 'participant_left': {
      const p = event.participant;
      return { type: 'participant', ...common, identity: p?.identity ?? '', sid: p?.sid ?? '', kind: kindName(p?.kind), joined: event.event === 'participant_joined' };
    }
    default:
      return null;
  }
}

/** Unix seconds from the protobuf int64 LiveKit sends (the SDK decodes it as a bigint); null when absent. */
function seconds(value: bigint | number | undefined): number | null {
  if (value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : null;
}

function nanosToDate(nanos: bigint): Date {
  return new Date(Number(nanos / 1_000_000n));
}
