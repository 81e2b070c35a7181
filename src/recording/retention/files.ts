import type { Recording } from '../recording';
import { objectKeyFor } from '../object-key';

/**
 * Every object the recording owns in the bucket: today its one composite file. Whatever acts on
 * all of a recording's files (retention tagging, and later the expiry sweep) asks here.
 */
export function recordingObjectKeys(outputFolder: string, recording: Pick<Recording, 'id' | 'workerKind'>): string[] {
  return [objectKeyFor(outputFolder, recording.id, recording.workerKind)];
}
