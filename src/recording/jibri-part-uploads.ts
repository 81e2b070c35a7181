import { childLogger } from '../logging/logger';
import type { ObjectStorage } from '../storage/object-storage';
import { fileKey } from './object-key';
import type { Recording } from './recording';
import type { JibriUploadStore } from './store/jibri-upload-store';
import type { RecordingPart, RecordingPartStore } from './store/part-store';

const log = childLogger('jibri-upload');

/** What a stretch's upload-URL request got, in the terms of jibri-uploads.ts. */
export type PartUploadResult =
  | { outcome: 'issued'; url: string; key: string; expiresAt: Date }
  | { outcome: 'storage_not_configured' | 'storage_unavailable' | 'signing_failed' | 'still_recording' }
  | { outcome: 'not_uploadable' | 'already_stored' | 'already_issued'; detail: string };

/** The stretch number in `?part=`: 1 to 9999, digits only; undefined when absent, null when malformed. */
export function parseStretch(raw: unknown): number | undefined | null {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !/^[1-9][0-9]{0,3}$/.test(raw)) return null;
  return Number(raw);
}

/**
 * Upload URLs for the stretches of a paused Jibri recording. Each stretch is its own Jibri
 * session, and its finalize script asks for that stretch's URL with that session's capability
 * (already checked by the caller): the URL is for the stretch's part key under `{id}/parts/`,
 * never for the recording's own key (the join job writes that one), issued once, and only once
 * the stretch's session stopped (its part waits for its file). The same alerts as for a whole
 * recording: a second request, or a part already in storage, is a 409 and keeps the recording
 * unsaved.
 */
export class JibriPartUploads {
  constructor(
    private readonly parts: Pick<RecordingPartStore, 'partsOf'>,
    private readonly uploads: JibriUploadStore,
    private readonly storage: ObjectStorage | undefined,
    private readonly settings: { outputFolder: string; urlTtlSeconds: number },
    /** An active recording whose current stretch's Jibri says it ended is stopped (see JibriUploadUrls). */
    private readonly stoppedIfEnded: (recording: Recording) => Promise<Recording>,
  ) {}

  async issue(recording: Recording, seq: number): Promise<PartUploadResult> {
    let part = await this.compositePart(recording.id, seq);
    if (part?.status === 'recording' && recording.status === 'active') {
      await this.stoppedIfEnded(recording);
      part = await this.compositePart(recording.id, seq);
    }
    if (!part) return { outcome: 'not_uploadable', detail: `This recording has no stretch ${seq} that takes an upload.` };
    if (part.status === 'recording') return { outcome: 'still_recording' };
    if (part.status === 'failed') return { outcome: 'not_uploadable', detail: `Stretch ${seq} of this recording was given up: it takes no upload.` };
    if (part.status === 'stored' || part.status === 'removed') return this.refused(recording, seq, part, 'already_stored');
    if (!this.storage) return { outcome: 'storage_not_configured' };

    const key = fileKey(this.settings.outputFolder, part.partKey);
    try {
      if ((await this.storage.statObject(key)) !== null) return this.refused(recording, seq, part, 'already_stored');
    } catch (err) {
      log.error({ recordingId: recording.id, seq, key, err: err instanceof Error ? err.message : String(err) }, 'could not check storage for the part');
      return { outcome: 'storage_unavailable' };
    }
    if (!(await this.uploads.claimPart(recording.id, seq))) return this.refused(recording, seq, part, 'already_issued');
    try {
      const { url, expiresAt } = this.storage.presignedCreateOnlyPut(key, this.settings.urlTtlSeconds);
      // The URL itself is a credential: it is never logged.
      log.info({ recordingId: recording.id, seq, key }, 'part upload URL issued to Jibri');
      return { outcome: 'issued', url, key, expiresAt };
    } catch (err) {
      log.error({ recordingId: recording.id, seq, err: err instanceof Error ? err.message : String(err) }, 'could not sign a part upload URL');
      return { outcome: 'signing_failed' };
    }
  }

  private async compositePart(id: string, seq: number): Promise<RecordingPart | null> {
    return (await this.parts.partsOf(id)).find((p) => p.seq === seq && p.trackId === null) ?? null;
  }

  private async refused(recording: Recording, seq: number, part: RecordingPart, why: 'already_stored' | 'already_issued'): Promise<PartUploadResult> {
    await this.uploads.markPartRefused(recording.id, seq);
    if (why === 'already_stored') {
      log.error({ recordingId: recording.id, seq, key: part.partKey, alert: 'jibri_upload_file_already_stored' }, 'ALERT: part upload URL refused: the part is already in storage, and the recording will not be saved');
      return { outcome: why, detail: `Stretch ${seq} of this recording is already in storage: it cannot be uploaded again.` };
    }
    log.error({ recordingId: recording.id, seq, alert: 'jibri_upload_url_requested_twice' }, 'ALERT: a second upload URL was asked for this stretch of a Jibri recording; refused. The upload token may be leaked: check the file before trusting it');
    return { outcome: why, detail: `An upload URL was already issued for stretch ${seq} of this recording: it gets only one. The recording service logged an alert.` };
  }
}
