import type { WorkerKind } from '../config/config';
import { CONTENT_TYPES, type FileExtension } from '../storage/content-types';
import { UUID_PATTERN } from '../util/uuid';
import type { Recording } from './recording';

/**
 * Where a recording's files live in the bucket, under RECORDING_OUTPUT_FOLDER:
 * - the composite: `{folder}/{recording id}.{ext}`, MP4 for video (LiveKit room composite,
 *   Jibri), OGG for audio only;
 * - one file per recorded participant track: `{folder}/{recording id}/{track id}.ogg`;
 * - its artifacts (transcripts, summaries): `{folder}/{recording id}/artifacts/{name}`.
 * The database keeps each file's key relative to the folder (`relativeKey`).
 */

export type RecordingExtension = FileExtension;

/** A LiveKit track id (`TR_` and base62), bounded; nothing else can name a track file. */
export const TRACK_ID_PATTERN = 'TR_[A-Za-z0-9]{1,64}';
const TRACK_ID = new RegExp(`^${TRACK_ID_PATTERN}$`);

export function isTrackId(value: unknown): value is string {
  return typeof value === 'string' && TRACK_ID.test(value);
}

/** The kinds that record audio only (OGG with Opus); every other kind writes MP4. */
export const AUDIO_ONLY_KINDS: readonly WorkerKind[] = ['livekit-audio', 'sandbox-audio'];

export function extensionForKind(kind: WorkerKind): RecordingExtension {
  return AUDIO_ONLY_KINDS.includes(kind) ? 'ogg' : 'mp4';
}

/** The composite's key under the folder and its content type. */
export function compositeFile(recordingId: string, kind: WorkerKind): { relativeKey: string; contentType: string } {
  const ext = extensionForKind(kind);
  return { relativeKey: `${recordingId}.${ext}`, contentType: CONTENT_TYPES[ext][0] };
}

/** A participant track's key under the folder (Track Egress writes Opus audio as OGG). */
export function trackRelativeKey(recordingId: string, trackId: string): string {
  return `${recordingId}/${trackId}.ogg`;
}

export const TRACK_CONTENT_TYPE = CONTENT_TYPES.ogg[0];

export function objectKeyFor(folder: string, recordingId: string, kind: WorkerKind): string {
  return `${folder}/${compositeFile(recordingId, kind).relativeKey}`;
}

export function fileKey(folder: string, relativeKey: string): string {
  return `${folder}/${relativeKey}`;
}

/** Where an artifact (a processing result) of a recording is stored: `{folder}/{id}/artifacts/{name}`. */
export function artifactKey(folder: string, recordingId: string, name: string): string {
  return `${folder}/${recordingId}/artifacts/${name}`;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export interface RecordingKeyMatch {
  recordingId: string;
  extension: RecordingExtension;
  /** Set for a participant track file (`{folder}/{uuid}/{track id}.ogg`), null for the composite. */
  trackId: string | null;
}

const patterns = new Map<string, RegExp>();

/**
 * Recognises `[parent folders/]{folder}/{uuid}.{mp4|ogg}` and `[parent folders/]{folder}/{uuid}/{track id}.ogg`
 * (storage keys may sit under a parent folder); null for any other key.
 */
export function matchRecordingKey(key: string, folder: string): RecordingKeyMatch | null {
  if (key.length > 1024) return null;
  let pattern = patterns.get(folder);
  if (!pattern) {
    pattern = new RegExp(`^(?:[A-Za-z0-9._-]+/)*${escapeRegex(folder)}/(${UUID_PATTERN})(?:\\.(mp4|ogg)|/(${TRACK_ID_PATTERN})\\.ogg)$`);
    patterns.set(folder, pattern);
  }
  const match = pattern.exec(key);
  if (!match) return null;
  if (key.split('/').some((segment) => segment === '.' || segment === '..')) return null;
  const trackId = match[3] ?? null;
  return { recordingId: match[1]!, extension: trackId ? 'ogg' : (match[2] as RecordingExtension), trackId };
}

export function contentTypeMatches(extension: RecordingExtension, contentType: string | null): boolean {
  return contentType !== null && (CONTENT_TYPES[extension] as readonly string[]).includes(contentType);
}

/**
 * Every object a recording owns in the bucket: its composite and its participant track files.
 * Whatever acts on all of a recording's files (deletion, retention tags, the expiry sweep) asks here.
 */
export function recordingObjectKeys(folder: string, recording: Pick<Recording, 'id' | 'workerKind' | 'files' | 'artifacts'>): string[] {
  const artifacts = (recording.artifacts ?? []).map((a) => artifactKey(folder, recording.id, a.name));
  return [...new Set([objectKeyFor(folder, recording.id, recording.workerKind), ...recording.files.map((f) => fileKey(folder, f.relativeKey)), ...artifacts])];
}
