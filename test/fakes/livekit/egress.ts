import type { RoomListener, RoomStore } from './room-service';
import { webhookEventJson, type EgressEventName, type EventStamp } from './events';
import { asObject, int64, livekitId, nowNanos, omitDefaults, TwirpFailure, type Json } from './wire';

/**
 * The fake's egresses: `livekit.Egress/StartRoomCompositeEgress`, `StartTrackEgress`,
 * `StopEgress`, `ListEgress`, and the EgressInfo they answer with (livekit_egress.proto).
 */

export type EgressStatusName =
  | 'EGRESS_STARTING'
  | 'EGRESS_ACTIVE'
  | 'EGRESS_ENDING'
  | 'EGRESS_COMPLETE'
  | 'EGRESS_FAILED'
  | 'EGRESS_ABORTED'
  | 'EGRESS_LIMIT_REACHED';

export type EgressEndStatus = Exclude<EgressStatusName, 'EGRESS_STARTING' | 'EGRESS_ACTIVE'>;

/** An egress as the fake keeps it (camelCase; rendered to snake_case on the wire). */
export interface FakeEgress {
  egressId: string;
  /** Which request started it: EgressInfo's `request` oneof. */
  kind: 'room_composite' | 'track';
  roomId: string;
  roomName: string;
  status: EgressStatusName;
  startedAt: string;
  endedAt: string;
  updatedAt: string;
  error: string;
  /** The RoomCompositeEgressRequest as received (camelCase), storage credentials redacted; kind `room_composite`. */
  roomComposite?: Json;
  /** The TrackEgressRequest as received (camelCase), storage credentials redacted; kind `track`. */
  track?: Json;
  fileResults: Record<string, string>[];
}

const RUNNING: EgressStatusName[] = ['EGRESS_STARTING', 'EGRESS_ACTIVE'];
const NOT_FINISHED: EgressStatusName[] = ['EGRESS_STARTING', 'EGRESS_ACTIVE', 'EGRESS_ENDING'];
const FILE_WRITTEN: EgressStatusName[] = ['EGRESS_COMPLETE', 'EGRESS_LIMIT_REACHED'];

/** The container LiveKit writes a track egress in, by codec, without transcoding (egress's TrackOutputTypes). */
const TRACK_EXTENSION: Record<string, string> = {
  'audio/opus': '.ogg',
  'audio/pcmu': '.ogg',
  'audio/pcma': '.ogg',
  'video/h264': '.mp4',
  'video/vp8': '.webm',
  'video/vp9': '.webm',
};
const KNOWN_EXTENSIONS = ['.raw', '.ogg', '.mp3', '.ivf', '.mp4', '.ts', '.webm', '.m3u8', '.jpeg'];

/** The file outputs of a composite (`fileOutputs`, legacy `file`) or a track egress (`file`, a DirectFileOutput). */
function fileOutputsOf(request: Json): Json[] {
  const outputs = Array.isArray(request.fileOutputs) ? request.fileOutputs.map(asObject) : [];
  if (request.file) outputs.push(asObject(request.file));
  return outputs;
}

/** The request as EgressInfo echoes it: storage secrets replaced by placeholders (protocol's egress.RedactUpload). */
function redacted(request: Json): Json {
  const echoed = structuredClone(request);
  const placeholders: Record<string, string> = {
    accessKey: '{access_key}',
    secret: '{secret}',
    sessionToken: '{session_token}',
    assumeRoleExternalId: '{external_id}',
  };
  for (const file of fileOutputsOf(echoed)) {
    const s3 = asObject(file.s3);
    for (const [field, placeholder] of Object.entries(placeholders)) {
      if (typeof s3[field] === 'string' && s3[field] !== '') s3[field] = placeholder;
    }
  }
  return echoed;
}

export class EgressStore implements RoomListener {
  readonly egresses = new Map<string, FakeEgress>();
  private abortOnStop = new Map<string, string>();

  constructor(private readonly rooms: RoomStore) {
    rooms.listener = this;
  }

  /** The track was unpublished or its publisher left: its running track egresses complete on their own. */
  trackGone(roomName: string, trackSid: string): void {
    for (const egress of this.egresses.values()) {
      if (egress.kind === 'track' && egress.roomName === roomName && egress.track?.trackId === trackSid && RUNNING.includes(egress.status)) {
        this.finish(egress, 'EGRESS_COMPLETE', '');
      }
    }
  }

  /** The room closed: its running composites complete on their own (its tracks went first). */
  roomClosed(roomName: string): void {
    for (const egress of this.egresses.values()) {
      if (egress.kind === 'room_composite' && egress.roomName === roomName && RUNNING.includes(egress.status)) {
        this.finish(egress, 'EGRESS_COMPLETE', '');
      }
    }
  }

  get(egressId: string): FakeEgress {
    const egress = this.egresses.get(egressId);
    if (!egress) throw new Error(`fake LiveKit: no egress ${egressId}`);
    return egress;
  }

  activate(egressId: string): FakeEgress {
    const egress = this.get(egressId);
    egress.status = 'EGRESS_ACTIVE';
    egress.startedAt = nowNanos();
    egress.updatedAt = egress.startedAt;
    return egress;
  }

  abortOnNextStop(egressId: string, error: string): void {
    this.get(egressId);
    this.abortOnStop.set(egressId, error);
  }

  end(egressId: string, status: EgressEndStatus, error: string): FakeEgress {
    const egress = this.get(egressId);
    this.finish(egress, status, error);
    return egress;
  }

  startRoomComposite(request: Json): FakeEgress {
    const roomName = String(request.roomName ?? '');
    if (!roomName) throw new TwirpFailure('invalid_argument', 'room name is required');
    const files = fileOutputsOf(request);
    const hasOutput = files.length > 0 || ['stream', 'segments', 'streamOutputs', 'segmentOutputs'].some((k) => k in request);
    if (!hasOutput) throw new TwirpFailure('invalid_argument', 'no outputs provided');
    const audioCodec = asObject(request.advanced).audioCodec;
    if (files.some((f) => f.fileType === 'OGG') && audioCodec !== undefined && audioCodec !== 'OPUS') {
      throw new TwirpFailure('invalid_argument', `format audio/ogg incompatible with codec ${String(audioCodec)}`);
    }
    // A composite may be started before anyone joined: the fake does not insist on a known room.
    const roomId = this.rooms.find(roomName)?.sid ?? [...this.egresses.values()].find((e) => e.roomName === roomName)?.roomId ?? livekitId('RM_');
    return this.create({ kind: 'room_composite', roomName, roomId, roomComposite: redacted(request) });
  }

  /** TrackEgressRequest: `room_name`, `track_id`, output `file` (DirectFileOutput) or `websocket_url`. */
  startTrack(request: Json): FakeEgress {
    const roomName = String(request.roomName ?? '');
    // LiveKit loads the room before it hands the request to an egress worker.
    const room = roomName ? this.rooms.find(roomName) : undefined;
    if (!room) throw new TwirpFailure('not_found', 'requested room does not exist');
    if (!request.trackId) throw new TwirpFailure('invalid_argument', 'request has missing or invalid field: track_id');
    if (!request.file && !request.websocketUrl) throw new TwirpFailure('invalid_argument', 'request has missing or invalid field: output');
    return this.create({ kind: 'track', roomName, roomId: room.sid, track: redacted(request) });
  }

  stop(egressId: string): FakeEgress {
    const egress = this.egresses.get(egressId);
    if (!egress) throw new TwirpFailure('not_found', 'egress does not exist');
    if (!RUNNING.includes(egress.status)) {
      throw new TwirpFailure('failed_precondition', `egress with status ${egress.status} cannot be stopped`);
    }
    const abortError = this.abortOnStop.get(egressId);
    this.abortOnStop.delete(egressId);
    if (abortError !== undefined) this.finish(egress, 'EGRESS_ABORTED', abortError);
    else this.finish(egress, 'EGRESS_COMPLETE', '');
    return egress;
  }

  list(request: Json): FakeEgress[] {
    const egressId = String(request.egressId ?? '');
    const roomName = String(request.roomName ?? '');
    let items = [...this.egresses.values()];
    if (egressId) {
      items = items.filter((e) => e.egressId === egressId);
      if (items.length === 0) throw new TwirpFailure('not_found', 'egress does not exist');
    }
    if (roomName) items = items.filter((e) => e.roomName === roomName);
    if (request.active === true) items = items.filter((e) => NOT_FINISHED.includes(e.status));
    return items;
  }

  /** EgressInfo in camelCase JSON names; zero values are left out, as protobuf JSON does. */
  infoJson(egress: FakeEgress): Json {
    return omitDefaults({
      egressId: egress.egressId,
      roomId: egress.roomId,
      roomName: egress.roomName,
      // EGRESS_SOURCE_TYPE_WEB (the zero value) for a composite; LiveKit marks track egresses SDK.
      sourceType: egress.kind === 'track' ? 'EGRESS_SOURCE_TYPE_SDK' : undefined,
      status: egress.status,
      startedAt: int64(egress.startedAt),
      endedAt: int64(egress.endedAt),
      updatedAt: int64(egress.updatedAt),
      roomComposite: egress.roomComposite,
      track: egress.track,
      fileResults: egress.fileResults,
      // A track egress also fills the deprecated `file` result with the same FileInfo.
      file: egress.kind === 'track' ? egress.fileResults[0] : undefined,
      error: egress.error,
    });
  }

  /** A webhook event about an egress in its current state (lowerCamelCase, as LiveKit posts it). */
  webhookEvent(egressId: string, event: EgressEventName, stamp?: EventStamp): Json {
    return webhookEventJson(event, { egressInfo: this.infoJson(this.get(egressId)) }, stamp);
  }

  private create(fields: Pick<FakeEgress, 'kind' | 'roomName' | 'roomId' | 'roomComposite' | 'track'>): FakeEgress {
    const egress: FakeEgress = {
      egressId: livekitId('EG_'),
      status: 'EGRESS_STARTING',
      startedAt: '0',
      endedAt: '0',
      updatedAt: nowNanos(),
      error: '',
      fileResults: [],
      ...fields,
    };
    this.egresses.set(egress.egressId, egress);
    return egress;
  }

  private finish(egress: FakeEgress, status: EgressStatusName, error: string): void {
    const now = nowNanos();
    if (egress.startedAt === '0') egress.startedAt = now;
    egress.status = status;
    egress.endedAt = now;
    egress.updatedAt = now;
    egress.error = error;
    if (!FILE_WRITTEN.includes(status)) return;
    const request = egress.roomComposite ?? egress.track ?? {};
    egress.fileResults = fileOutputsOf(request).map((file) => {
      const filename = egress.kind === 'track' ? this.trackFilename(egress, String(file.filepath ?? '')) : String(file.filepath ?? '');
      const s3 = asObject(file.s3);
      return {
        filename,
        startedAt: egress.startedAt,
        endedAt: now,
        duration: (BigInt(now) - BigInt(egress.startedAt)).toString(),
        size: '1048576',
        location: `${String(s3.endpoint ?? '')}/${String(s3.bucket ?? '')}/${filename}`,
      };
    });
  }

  /**
   * Where LiveKit writes a track: the filepath with its `{...}` templates filled in and the
   * extension of the track's container (an Opus track is written as OGG, without transcoding);
   * an empty path or a folder gets `{track_id}-{time}` (egress's FileConfig.updateFilepath).
   */
  private trackFilename(egress: FakeEgress, filepath: string): string {
    const trackId = String(egress.track?.trackId ?? '');
    const found = this.rooms.lookupTrack(egress.roomName, trackId);
    const mimeType = (found?.track.mimeType ?? 'audio/opus').toLowerCase();
    const ext = TRACK_EXTENSION[mimeType] ?? '';
    const iso = new Date().toISOString(); // 2026-05-04T09:30:12.345Z
    const time = `${iso.slice(0, 10)}T${iso.slice(11, 19).replace(/:/g, '')}`; // Go's "2006-01-02T150405"
    const replacements: Record<string, string> = {
      '{room_name}': egress.roomName,
      '{room_id}': egress.roomId,
      '{track_id}': trackId,
      '{track_type}': (found?.track.type ?? 'AUDIO').toLowerCase(),
      '{track_source}': (found?.track.source ?? 'MICROPHONE').toLowerCase(),
      '{publisher_identity}': found?.participant.identity ?? '',
      '{time}': time,
      '{utc}': iso.slice(0, 23).replace(/[-:T.]/g, ''), // "20060102150405" and milliseconds
    };
    let path = filepath;
    for (const [template, value] of Object.entries(replacements)) path = path.split(template).join(value);
    if (path === '' || path.endsWith('/')) return `${path}${trackId}-${time}${ext}`;
    if (ext && !path.endsWith(ext)) {
      const dot = path.lastIndexOf('.');
      if (dot > -1 && KNOWN_EXTENSIONS.includes(path.slice(dot))) path = path.slice(0, dot);
      path += ext;
    }
    return path;
  }
}
