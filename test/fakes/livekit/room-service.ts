import { livekitId, type Json } from './wire';

/**
 * The fake's rooms, their participants and published tracks (livekit_models.proto: Room,
 * ParticipantInfo, TrackInfo), answered through `livekit.RoomService/ListParticipants`
 * (./events renders them into the webhook events LiveKit posts).
 */

export type ParticipantKind = 'STANDARD' | 'INGRESS' | 'EGRESS' | 'SIP' | 'AGENT' | 'CONNECTOR' | 'BRIDGE';
export type ParticipantState = 'JOINING' | 'JOINED' | 'ACTIVE' | 'DISCONNECTED';
export type TrackType = 'AUDIO' | 'VIDEO' | 'DATA';
export type TrackSource = 'UNKNOWN' | 'CAMERA' | 'MICROPHONE' | 'SCREEN_SHARE' | 'SCREEN_SHARE_AUDIO';
export type DisconnectReason =
  | 'UNKNOWN_REASON'
  | 'CLIENT_INITIATED'
  | 'DUPLICATE_IDENTITY'
  | 'SERVER_SHUTDOWN'
  | 'PARTICIPANT_REMOVED'
  | 'ROOM_DELETED'
  | 'STATE_MISMATCH'
  | 'JOIN_FAILURE'
  | 'MIGRATION'
  | 'SIGNAL_CLOSE'
  | 'ROOM_CLOSED'
  | 'CONNECTION_TIMEOUT';

export interface FakeTrack {
  sid: string;
  type: TrackType;
  source: TrackSource;
  name: string;
  mimeType: string;
  muted: boolean;
  width: number;
  height: number;
  simulcast: boolean;
  /** The publisher's SDP media id, in the order it published. */
  mid: string;
}

export interface FakeParticipant {
  sid: string;
  identity: string;
  name: string;
  kind: ParticipantKind;
  state: ParticipantState;
  metadata: string;
  attributes: Record<string, string>;
  /** Unix seconds and milliseconds, int64 strings. */
  joinedAt: string;
  joinedAtMs: string;
  /** Bumped by LiveKit on every change to the participant. */
  version: number;
  isPublisher: boolean;
  /** ParticipantPermission as JSON (`canSubscribe`, `canPublish`, `hidden`, `recorder`...). */
  permission: Json;
  disconnectReason: DisconnectReason;
  tracks: FakeTrack[];
}

export interface FakeRoom {
  sid: string;
  name: string;
  emptyTimeout: number;
  departureTimeout: number;
  /** Unix seconds and milliseconds, int64 strings. */
  creationTime: string;
  creationTimeMs: string;
  participants: Map<string, FakeParticipant>;
}

export interface RoomOptions {
  emptyTimeout?: number;
  departureTimeout?: number;
}

export interface ParticipantSpec {
  identity: string;
  name?: string;
  /** Default `STANDARD`. An `EGRESS` participant gets the hidden recorder permission. */
  kind?: ParticipantKind;
  /** Default `ACTIVE`. */
  state?: ParticipantState;
  metadata?: string;
  attributes?: Record<string, string>;
  permission?: Json;
  /** Default: false until it publishes a track. */
  isPublisher?: boolean;
  sid?: string;
}

export interface TrackSpec {
  /** Default `MICROPHONE`; the type and mime type follow the source unless given. */
  source?: TrackSource;
  type?: TrackType;
  mimeType?: string;
  name?: string;
  muted?: boolean;
  width?: number;
  height?: number;
  simulcast?: boolean;
  sid?: string;
}

const VIDEO_SOURCES: TrackSource[] = ['CAMERA', 'SCREEN_SHARE'];

function defaultPermission(kind: ParticipantKind): Json {
  if (kind === 'EGRESS') return { canSubscribe: true, hidden: true, recorder: true };
  return { canSubscribe: true, canPublish: true, canPublishData: true };
}

/** What the egresses need to hear about: LiveKit ends a track egress when its track goes, a composite when its room closes. */
export interface RoomListener {
  trackGone(roomName: string, trackSid: string): void;
  roomClosed(roomName: string): void;
}

export class RoomStore {
  readonly rooms = new Map<string, FakeRoom>();
  listener: RoomListener | undefined;
  /** Rooms, participants and tracks that are gone, kept so their `*_finished/left/unpublished` events can be rendered. */
  private readonly finishedRooms = new Map<string, FakeRoom>();
  private readonly departed = new Map<string, FakeParticipant>();
  private readonly unpublished = new Map<string, { identity: string; track: FakeTrack }>();

  find(name: string): FakeRoom | undefined {
    return this.rooms.get(name);
  }

  room(name: string): FakeRoom {
    const room = this.rooms.get(name);
    if (!room) throw new Error(`fake LiveKit: no room ${name}`);
    return room;
  }

  /** The room, created (as LiveKit does when the first participant joins) when missing. */
  ensure(name: string, options: RoomOptions = {}): FakeRoom {
    const existing = this.rooms.get(name);
    if (existing) return existing;
    const now = Date.now();
    const room: FakeRoom = {
      sid: livekitId('RM_'),
      name,
      emptyTimeout: options.emptyTimeout ?? 300,
      departureTimeout: options.departureTimeout ?? 20,
      creationTime: Math.floor(now / 1000).toString(),
      creationTimeMs: now.toString(),
      participants: new Map(),
    };
    this.rooms.set(name, room);
    this.finishedRooms.delete(name);
    return room;
  }

  delete(name: string): FakeRoom {
    const room = this.room(name);
    for (const identity of [...room.participants.keys()]) this.leave(name, identity, 'ROOM_DELETED');
    this.rooms.delete(name);
    this.finishedRooms.set(name, room);
    this.listener?.roomClosed(name);
    return room;
  }

  /** A participant joins (a second one with the same identity replaces the first, as in LiveKit). */
  join(roomName: string, spec: ParticipantSpec): FakeParticipant {
    const room = this.ensure(roomName);
    if (room.participants.has(spec.identity)) this.leave(roomName, spec.identity, 'DUPLICATE_IDENTITY');
    const now = Date.now();
    const kind = spec.kind ?? 'STANDARD';
    const participant: FakeParticipant = {
      sid: spec.sid ?? livekitId('PA_'),
      identity: spec.identity,
      name: spec.name ?? '',
      kind,
      state: spec.state ?? 'ACTIVE',
      metadata: spec.metadata ?? '',
      attributes: { ...(spec.attributes ?? {}) },
      joinedAt: Math.floor(now / 1000).toString(),
      joinedAtMs: now.toString(),
      version: 1,
      isPublisher: spec.isPublisher ?? false,
      permission: spec.permission ?? defaultPermission(kind),
      disconnectReason: 'UNKNOWN_REASON',
      tracks: [],
    };
    room.participants.set(participant.identity, participant);
    this.departed.delete(this.departedKey(roomName, participant.identity));
    return participant;
  }

  leave(roomName: string, identity: string, reason: DisconnectReason): FakeParticipant {
    const participant = this.participant(roomName, identity);
    participant.state = 'DISCONNECTED';
    participant.disconnectReason = reason;
    participant.version += 1;
    this.room(roomName).participants.delete(identity);
    this.departed.set(this.departedKey(roomName, identity), participant);
    for (const track of participant.tracks) this.listener?.trackGone(roomName, track.sid);
    return participant;
  }

  publish(roomName: string, identity: string, spec: TrackSpec = {}): FakeTrack {
    const participant = this.participant(roomName, identity);
    const source = spec.source ?? 'MICROPHONE';
    const type = spec.type ?? (VIDEO_SOURCES.includes(source) ? 'VIDEO' : 'AUDIO');
    const video = type === 'VIDEO';
    const track: FakeTrack = {
      sid: spec.sid ?? livekitId('TR_'),
      type,
      source,
      name: spec.name ?? '',
      mimeType: spec.mimeType ?? (video ? 'video/VP8' : 'audio/opus'),
      muted: spec.muted ?? false,
      width: spec.width ?? (video ? (source === 'SCREEN_SHARE' ? 1920 : 1280) : 0),
      height: spec.height ?? (video ? (source === 'SCREEN_SHARE' ? 1080 : 720) : 0),
      simulcast: spec.simulcast ?? source === 'CAMERA',
      mid: String(participant.tracks.length),
    };
    participant.tracks.push(track);
    participant.isPublisher = true;
    participant.version += 1;
    return track;
  }

  unpublish(roomName: string, trackSid: string): FakeTrack {
    const found = this.findTrack(roomName, trackSid);
    if (!found) throw new Error(`fake LiveKit: no track ${trackSid} in room ${roomName}`);
    found.participant.tracks = found.participant.tracks.filter((t) => t.sid !== trackSid);
    found.participant.version += 1;
    this.unpublished.set(this.departedKey(roomName, trackSid), { identity: found.participant.identity, track: found.track });
    this.listener?.trackGone(roomName, trackSid);
    return found.track;
  }

  setMuted(roomName: string, trackSid: string, muted: boolean): FakeTrack {
    const found = this.findTrack(roomName, trackSid);
    if (!found) throw new Error(`fake LiveKit: no track ${trackSid} in room ${roomName}`);
    found.track.muted = muted;
    found.participant.version += 1;
    return found.track;
  }

  participant(roomName: string, identity: string): FakeParticipant {
    const participant = this.room(roomName).participants.get(identity);
    if (!participant) throw new Error(`fake LiveKit: no participant ${identity} in room ${roomName}`);
    return participant;
  }

  findTrack(roomName: string, trackSid: string): { participant: FakeParticipant; track: FakeTrack } | undefined {
    for (const participant of this.rooms.get(roomName)?.participants.values() ?? []) {
      const track = participant.tracks.find((t) => t.sid === trackSid);
      if (track) return { participant, track };
    }
    return undefined;
  }

  /** A room, live or finished, for its webhook events. */
  roomForEvent(name: string): FakeRoom {
    const room = this.rooms.get(name) ?? this.finishedRooms.get(name);
    if (!room) throw new Error(`fake LiveKit: no room ${name}`);
    return room;
  }

  /** A participant, present or departed, for its webhook events. */
  participantForEvent(roomName: string, identity: string): FakeParticipant {
    const participant = this.rooms.get(roomName)?.participants.get(identity) ?? this.departed.get(this.departedKey(roomName, identity));
    if (!participant) throw new Error(`fake LiveKit: no participant ${identity} in room ${roomName}`);
    return participant;
  }

  /** A track that is or was in the room (unpublished, or its publisher left) and its publisher. */
  lookupTrack(roomName: string, trackSid: string): { participant: FakeParticipant; track: FakeTrack } | undefined {
    const live = this.findTrack(roomName, trackSid);
    if (live) return live;
    const gone = this.unpublished.get(this.departedKey(roomName, trackSid));
    if (gone) return { participant: this.participantForEvent(roomName, gone.identity), track: gone.track };
    const prefix = this.departedKey(roomName, '');
    for (const [key, participant] of this.departed) {
      const track = key.startsWith(prefix) ? participant.tracks.find((t) => t.sid === trackSid) : undefined;
      if (track) return { participant, track };
    }
    return undefined;
  }

  /** A track, published or gone, and its publisher, for its webhook events. */
  trackForEvent(roomName: string, trackSid: string): { participant: FakeParticipant; track: FakeTrack } {
    const found = this.lookupTrack(roomName, trackSid);
    if (!found) throw new Error(`fake LiveKit: no track ${trackSid} in room ${roomName}`);
    return found;
  }

  /**
   * The ListParticipantsResponse as a Twirp Go server writes it: proto field names, default
   * values emitted, 64-bit numbers as strings, enums by name. An unknown room has nobody in it.
   */
  listParticipantsAnswer(roomName: string): Json {
    const participants = [...(this.rooms.get(roomName)?.participants.values() ?? [])];
    return { participants: participants.map(participantProto) };
  }

  private departedKey(roomName: string, id: string): string {
    return `${roomName}\u0000${id}`;
  }
}

function trackProto(track: FakeTrack): Json {
  return {
    sid: track.sid,
    type: track.type,
    name: track.name,
    muted: track.muted,
    width: track.width,
    height: track.height,
    simulcast: track.simulcast,
    disable_dtx: false,
    source: track.source,
    layers: [],
    mime_type: track.mimeType,
    mid: track.mid,
    codecs: [],
    stereo: false,
    disable_red: false,
    encryption: 'NONE',
    stream: '',
    audio_features: [],
  };
}

function participantProto(participant: FakeParticipant): Json {
  return {
    sid: participant.sid,
    identity: participant.identity,
    state: participant.state,
    tracks: participant.tracks.map(trackProto),
    metadata: participant.metadata,
    joined_at: participant.joinedAt,
    joined_at_ms: participant.joinedAtMs,
    name: participant.name,
    version: participant.version,
    region: '',
    is_publisher: participant.isPublisher,
    kind: participant.kind,
    attributes: { ...participant.attributes },
    disconnect_reason: participant.disconnectReason,
    kind_details: [],
  };
}
