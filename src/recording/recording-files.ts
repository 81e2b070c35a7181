import { extensionForKind, objectKeyFor } from './object-key';
import type { Recording } from './recording';
import { DOWNLOADABLE_STATUSES } from './status';

/** One stored object of a recording (the `files` entries of the recording JSON). */
export interface RecordingFile {
  key: string;
  kind: 'composite' | 'track';
  contentType: string;
  status: 'pending' | 'saved' | 'failed';
  participant: { identity: string; name: string | null } | null;
  trackId: string | null;
  startedAt: Date | null;
}

/**
 * Every file of a recording, the composite first: the one place the recording page (and
 * anything else that lists files) asks. Today a recording has its composite only; with
 * per-participant tracks this also reads their files.
 */
export class RecordingFiles {
  constructor(private readonly outputFolder: string) {}

  async list(recording: Recording): Promise<RecordingFile[]> {
    return [
      {
        key: objectKeyFor(this.outputFolder, recording.id, recording.workerKind),
        kind: 'composite',
        contentType: extensionForKind(recording.workerKind) === 'ogg' ? 'audio/ogg' : 'video/mp4',
        status: DOWNLOADABLE_STATUSES.includes(recording.status) ? 'saved' : 'pending',
        participant: null,
        trackId: null,
        startedAt: null,
      },
    ];
  }
}
