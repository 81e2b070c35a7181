import { extensionForKind } from '../object-key';
import type { Recording } from '../recording';

/**
 * Where a paused recording's parts wait for the join, relative to RECORDING_OUTPUT_FOLDER:
 * `{id}/parts/{seq}.{ext}` for the composite's stretches, `{id}/parts/{track id}-{seq}.ogg`
 * for a participant track's. Never a recording's own key, so a part's storage event can never
 * save a recording (object-key.ts does not recognise these keys).
 */
export function compositePartKey(recording: Pick<Recording, 'id' | 'workerKind'>, seq: number): string {
  return `${recording.id}/parts/${String(seq).padStart(3, '0')}.${extensionForKind(recording.workerKind)}`;
}

export function trackPartKey(recordingId: string, trackId: string, seq: number): string {
  return `${recordingId}/parts/${trackId}-${seq}.ogg`;
}
