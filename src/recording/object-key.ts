import type { WorkerKind } from '../config/config';

export type RecordingExtension = 'mp4' | 'ogg';

/** Audio-only egress writes OGG; video (LiveKit room composite, Jibri) writes MP4. */
export function extensionForKind(kind: WorkerKind): RecordingExtension {
  return kind === 'livekit-audio' ? 'ogg' : 'mp4';
}

/** `{RECORDING_OUTPUT_FOLDER}/{recording id}.{ext}` (SPEC.md, Storage layout). */
export function objectKeyFor(folder: string, recordingId: string, kind: WorkerKind): string {
  return `${folder}/${recordingId}.${extensionForKind(kind)}`;
}
