import { fileKey } from './object-key';
import type { Recording, RecordingFile } from './recording';

/** One stored object of a recording, as the page and the recording JSON show it. */
export interface ListedFile {
  /** The full object key (under RECORDING_OUTPUT_FOLDER). */
  key: string;
  kind: RecordingFile['kind'];
  contentType: string;
  status: RecordingFile['status'];
  participant: { identity: string; name: string | null } | null;
  trackId: string | null;
  startedAt: Date | null;
}

/**
 * Every file of a recording, the composite first, then its participant tracks: the one place the
 * recording page (and anything else that lists files) asks.
 */
export class RecordingFiles {
  constructor(private readonly outputFolder: string) {}

  async list(recording: Pick<Recording, 'files'>): Promise<ListedFile[]> {
    const ordered = [...recording.files].sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'composite' ? -1 : 1));
    return ordered.map((file) => ({
      key: fileKey(this.outputFolder, file.relativeKey),
      kind: file.kind,
      contentType: file.contentType,
      status: file.status,
      participant: file.kind === 'track' ? { identity: file.participantIdentity ?? '', name: file.participantName } : null,
      trackId: file.trackId,
      startedAt: file.startedAt ? new Date(file.startedAt) : null,
    }));
  }
}
