import type { ActivityBefore } from '../activity-rules';

/** A room's activity as the service knows it. */
export interface RoomActivity extends ActivityBefore {
  room: string;
  roomSid: string | null;
  isActive: boolean;
  /** The last room_finished: its createdAt (Unix s, 0: none) and the room session it ended. */
  finishedAt: number;
  finishedSid: string | null;
  startedAt: Date | null;
  emptySince: Date | null;
  updatedAt: Date;
}

/** The meeting platform an event comes from (LiveKit's rooms are checked against ListParticipants, Jitsi's are not). */
export type RoomPlatform = 'livekit' | 'jitsi';

/** What every room webhook (participant or room change) says about its room. */
interface RoomEvent {
  eventId: string | null;
  platform?: RoomPlatform;
  /** The webhook's createdAt, Unix seconds. */
  at: number;
  room: string;
  roomSid: string;
  /** Room.creationTime, Unix seconds, when the event carries it. */
  roomCreatedAt: number | null;
}

/** One participant_joined / participant_left webhook. */
export interface ParticipantChange extends RoomEvent {
  identity: string;
  sid: string;
  kind: string;
  joined: boolean;
}

/** One room_started / room_finished webhook. */
export interface RoomChange extends RoomEvent {
  started: boolean;
}

/** Who ListParticipants lists, or null when LiveKit does not know the room. */
export type ParticipantSnapshot = { identity: string; sid: string; kind: string }[] | null;

export type ChangeResult = 'duplicate' | 'stale' | 'applied';

export interface Applied {
  result: ChangeResult;
  /** A job was queued with the change. */
  queued: boolean;
}
