import { bearerOf, presentsToken } from '../auth/shared-secret';
import type { AppConfig } from '../config/config';
import { childLogger } from '../logging/logger';
import type { ObjectStorage } from '../storage/object-storage';
import { isUuid } from '../util/uuid';
import { objectKeyFor } from './object-key';
import type { Recording } from './recording';
import type { RecordingStatus } from './status';
import type { RecordingStore } from './store/recording-store';

const log = childLogger('jibri-upload');

/** While Jibri records, or once it stopped and its finalize script runs. */
const UPLOADABLE: readonly RecordingStatus[] = ['active', 'stopped'];

/** What an upload-URL request got; src/api/routes/jibri-upload-url.ts answers it over HTTP. */
export type UploadUrlResult =
  | { outcome: 'issued'; url: string; key: string; expiresAt: Date }
  | { outcome: 'token_not_set' | 'bad_token' | 'not_found' | 'storage_not_configured' | 'storage_unavailable' | 'signing_failed' }
  | { outcome: 'not_jibri' | 'not_uploadable' | 'already_stored'; detail: string };

type Refusal = Extract<UploadUrlResult, { detail: string }>;

/** A Jibri recording that is still recording, or stopped and waiting for its file. */
function refusalByRecording(recording: Recording): Refusal | null {
  if (recording.workerKind !== 'jibri') return { outcome: 'not_jibri', detail: 'This recording is not made by Jibri: it takes no upload.' };
  if (!UPLOADABLE.includes(recording.status)) {
    return { outcome: 'not_uploadable', detail: `A recording in status "${recording.status}" takes no upload.` };
  }
  return null;
}

/**
 * An upload URL only creates the file (the URL requires If-None-Match: *); once the object is in
 * storage, even before its storage event marks the recording saved, there is nothing to upload.
 * Storage errors propagate (the caller answers 503 and finalize.sh retries).
 */
async function refusalByStorage(storage: ObjectStorage, key: string): Promise<Refusal | null> {
  if ((await storage.statObject(key)) === null) return null;
  return { outcome: 'already_stored', detail: `The recording's file ${key} is already in storage: it cannot be uploaded again.` };
}

/**
 * Pre-signed PUT URLs for deploy/jibri/finalize.sh: for `{RECORDING_OUTPUT_FOLDER}/{id}.mp4`, only
 * for a Jibri recording that is active or stopped and whose file is not in storage yet. A URL
 * lives JIBRI_UPLOAD_URL_TTL_SECONDS (minutes) and only creates the object (If-None-Match: * is
 * signed), so neither a leaked URL nor the shared token can replace a recording's file once it
 * is there.
 */
export class JibriUploadUrls {
  constructor(
    private readonly config: Pick<AppConfig, 'jibri' | 'recording'>,
    private readonly store: RecordingStore,
    private readonly storage: ObjectStorage | undefined,
  ) {}

  async issue(rawId: string, authorization: string | undefined): Promise<UploadUrlResult> {
    const { uploadToken, uploadUrlTtlSeconds } = this.config.jibri;
    if (!uploadToken) return { outcome: 'token_not_set' };
    if (!presentsToken(uploadToken, bearerOf(authorization))) return { outcome: 'bad_token' };

    // finalize.sh accepts upper-case hex in a directory name; ids are stored lower-case.
    const id = rawId.toLowerCase();
    const recording = isUuid(id) ? await this.store.findById(id) : null;
    if (!recording) return { outcome: 'not_found' };
    const byRecording = refusalByRecording(recording);
    if (byRecording) return byRecording;
    if (!this.storage) return { outcome: 'storage_not_configured' };

    const key = objectKeyFor(this.config.recording.outputFolder, recording.id, recording.workerKind);
    let byStorage: Refusal | null;
    try {
      byStorage = await refusalByStorage(this.storage, key);
    } catch (err) {
      log.error({ recordingId: recording.id, key, err: err instanceof Error ? err.message : String(err) }, 'could not check storage for the file');
      return { outcome: 'storage_unavailable' };
    }
    if (byStorage) {
      log.warn({ recordingId: recording.id, key, status: recording.status }, 'upload URL refused: the file is already in storage');
      return byStorage;
    }
    try {
      const { url, expiresAt } = this.storage.presignedCreateOnlyPut(key, uploadUrlTtlSeconds);
      // The URL itself is a credential: it is never logged.
      log.info({ recordingId: recording.id, key, status: recording.status }, 'upload URL issued to Jibri');
      return { outcome: 'issued', url, key, expiresAt };
    } catch (err) {
      log.error({ recordingId: recording.id, err: err instanceof Error ? err.message : String(err) }, 'could not sign an upload URL');
      return { outcome: 'signing_failed' };
    }
  }
}
