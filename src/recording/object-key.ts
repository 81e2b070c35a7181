import type { WorkerKind } from '../config/config';
import { CONTENT_TYPES, type FileExtension } from '../storage/content-types';
import { UUID_PATTERN } from '../util/uuid';

/**
 * Where a recording's file lives in the bucket: `{RECORDING_OUTPUT_FOLDER}/{recording id}.{ext}`,
 * MP4 for video (LiveKit room composite, Jibri), OGG for audio only.
 */

export type RecordingExtension = FileExtension;

export function extensionForKind(kind: WorkerKind): RecordingExtension {
  return kind === 'livekit-audio' ? 'ogg' : 'mp4';
}

export function objectKeyFor(folder: string, recordingId: string, kind: WorkerKind): string {
  return `${folder}/${recordingId}.${extensionForKind(kind)}`;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Recognises `[parent folders/]{folder}/{uuid}.{mp4|ogg}` (storage keys may sit under a parent folder); null for any other key. */
export function matchRecordingKey(key: string, folder: string): { recordingId: string; extension: RecordingExtension } | null {
  if (key.length > 1024) return null;
  const pattern = new RegExp(`^(?:[A-Za-z0-9._-]+/)*${escapeRegex(folder)}/(${UUID_PATTERN})\\.(mp4|ogg)$`);
  const match = pattern.exec(key);
  if (!match) return null;
  if (key.split('/').some((segment) => segment === '.' || segment === '..')) return null;
  return { recordingId: match[1]!, extension: match[2] as RecordingExtension };
}

export function contentTypeMatches(extension: RecordingExtension, contentType: string | null): boolean {
  return contentType !== null && (CONTENT_TYPES[extension] as readonly string[]).includes(contentType);
}
