import type { RecordingReason } from './reason';
import type { WorkerKind } from '../config/config';
import type { AccessRole, RecordingStatus } from './status';

/** Options given at start (`options` of start-recording). */
export interface RecordingOptions {
  permanent?: boolean;
  language?: string;
  /** LiveKit room-composite layout (LiveKit video modes). */
  layout?: string;
  /** `audio`: every participant's audio is also recorded on its own (LiveKit Track Egress). */
  participant_tracks?: 'audio';
}

export type FileKind = 'composite' | 'track';
export type FileStatus = 'pending' | 'saved' | 'failed';

/** One object a recording owns in the bucket: its composite, or one participant's track. */
export interface RecordingFile {
  kind: FileKind;
  /** The object key under RECORDING_OUTPUT_FOLDER: `{id}.{ext}` or `{id}/{track id}.ogg`. */
  relativeKey: string;
  contentType: string;
  size: number | null;
  status: FileStatus;
  participantIdentity: string | null;
  participantName: string | null;
  trackId: string | null;
  egressId: string | null;
  /** ISO 8601 (UTC) when the file's recording began, once known. */
  startedAt: string | null;
}

/** One stretch recorded between a start or resume and a pause or stop. */
export interface RecordingSegment {
  startedAt: string;
  endedAt: string | null;
}

/** One recording as the service keeps it. */
export interface Recording {
  id: string;
  room: string;
  mode: string;
  status: RecordingStatus;
  workerKind: WorkerKind;
  /** The worker's id for the job (egress id, `<jibri instance>#<recording id>`), once known. */
  workerId: string | null;
  /** Short reason of the last worker failure (error code and message, no secrets). */
  workerError: string | null;
  /** Why it is in its status when no user asked for it (the API's `reason`), or null. */
  reason: RecordingReason | null;
  options: RecordingOptions;
  isPermanent: boolean;
  /** Started by the room's recording policy (src/rooms): it stops once the room has been empty for the grace. */
  automatic: boolean;
  createdAt: Date;
  updatedAt: Date;
  /**
   * When the expiry sweep had removed every one of its files from storage; null while they are
   * kept. Once set the recording stays expired whatever RECORDING_EXPIRATION_DAYS says later.
   */
  filesRemovedAt: Date | null;
  /** Its files, composite first then tracks in the order they started. */
  files: RecordingFile[];
  /** The stretches recorded between pauses, in order (ISO 8601, UTC; `endedAt` null while one runs); empty when never paused. */
  segments: RecordingSegment[];
}

/**
 * Who may see and manage a recording. The user's contact details from their JWT are kept
 * with it so that notifications need no user directory.
 */
export interface RecordingAccess {
  id: string;
  recordingId: string;
  userSub: string;
  role: AccessRole;
  email: string | null;
  name: string | null;
  locale: string | null;
  zoneinfo: string | null;
}
