import { bearerOf, presentsToken } from '../auth/shared-secret';
import type { AppConfig } from '../config/config';
import { childLogger } from '../logging/logger';
import type { ObjectStorage } from '../storage/object-storage';
import { isUuid } from '../util/uuid';
import { objectKeyFor } from './object-key';
import { capabilityMatches } from './upload-capability';
import type { Recording } from './recording';
import type { RecordingStatus } from './status';
import type { JibriUploadStore } from './store/jibri-upload-store';
import type { RecordingStore } from './store/recording-store';
import type { RecordingMediator } from './mediator';
import { JibriPartUploads, parseStretch } from './jibri-part-uploads';
import type { RecordingPartStore } from './store/part-store';

const log = childLogger('jibri-upload');

/** Only once Jibri stopped and its finalize script runs: never while it still records. */
const UPLOADABLE: readonly RecordingStatus[] = ['stopped'];

/** What an upload-URL request got; src/api/routes/jibri-upload-url.ts answers it over HTTP. */
export type UploadUrlResult =
  | { outcome: 'issued'; url: string; key: string; expiresAt: Date }
  | { outcome: 'token_not_set' | 'bad_token' | 'not_found' | 'bad_part' | 'bad_capability' | 'storage_not_configured' | 'storage_unavailable' | 'signing_failed' | 'still_recording' }
  | { outcome: 'not_jibri' | 'not_uploadable' | 'already_stored' | 'already_issued'; detail: string };

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
 * for a stopped Jibri recording whose file is not in storage yet, and once per recording. A
 * request for a recording still active asks its Jibri first (the meeting may have ended before
 * the service heard of it): ended, the recording is stopped (guarded) and gets its URL; still
 * recording, the answer is "too early" and finalize.sh asks again. A second request for the
 * same recording is refused and logged as an alert: only one finalize.sh run is expected, so
 * another asker holds the upload token. Every request also needs the recording's capability.
 * After a 409 the recording is kept unsaved: the file that lands is not trusted (see markSaved).
 * A URL lives JIBRI_UPLOAD_URL_TTL_SECONDS (minutes) and only creates the object (If-None-Match: *
 * is signed, which relies on the storage honouring it: MinIO and S3 do), so it cannot replace a
 * recording's file once it is there. A recording that was paused gets no URL for its own key:
 * each of its stretches gets one for its part (jibri-part-uploads.ts), and the join makes the file.
 */
export class JibriUploadUrls {
  constructor(
    private readonly config: Pick<AppConfig, 'jibri' | 'recording'>,
    private readonly store: RecordingStore,
    private readonly storage: ObjectStorage | undefined,
    private readonly uploads: JibriUploadStore,
    /** Asks the recording's Jibri whether its session is over. */
    private readonly mediator: Pick<RecordingMediator, 'inspect'>,
    /** A paused recording's stretches: each one's upload goes to its part key (jibri-part-uploads.ts). */
    private readonly parts: Pick<RecordingPartStore, 'partsOf' | 'hasParts'>,
  ) {
    this.stretches = new JibriPartUploads(parts, uploads, storage, { outputFolder: config.recording.outputFolder, urlTtlSeconds: config.jibri.uploadUrlTtlSeconds }, (r) => this.stoppedIfEnded(r));
  }

  private readonly stretches: JibriPartUploads;

  /** An active Jibri recording whose session its Jibri says is over is stopped now (guarded); otherwise it stays as it is. */
  private async stoppedIfEnded(recording: Recording): Promise<Recording> {
    if (recording.status !== 'active' || recording.workerKind !== 'jibri' || !recording.workerId) return recording;
    const state = await this.mediator.inspect(recording).catch(() => ({ state: 'unknown' as const }));
    if (state.state !== 'ended') return recording;
    await this.store.transition(recording.id, ['active'], 'stopped');
    return (await this.store.findById(recording.id)) ?? recording;
  }

  /**
   * `authorization` must carry the pool's JIBRI_UPLOAD_TOKEN and `capability` the recording's own
   * upload capability (handed to its Jibri at start, see workers/jibri/jibri-api.ts): the token
   * alone, e.g. leaked from another Jibri, gets no URL for a recording that Jibri does not run.
   * `rawPart` (`?part=n`) names a resumed stretch, whose own capability it must carry; without
   * it, the request is for the recording's file, or, once the recording was paused, for its
   * first stretch (whose Jibri was handed the recording's capability before any pause).
   */
  async issue(rawId: string, authorization: string | undefined, capability: string | undefined, rawPart?: unknown): Promise<UploadUrlResult> {
    const { uploadToken, uploadUrlTtlSeconds } = this.config.jibri;
    if (!uploadToken) return { outcome: 'token_not_set' };
    if (!presentsToken(uploadToken, bearerOf(authorization))) return { outcome: 'bad_token' };

    // finalize.sh accepts upper-case hex in a directory name; ids are stored lower-case.
    const id = rawId.toLowerCase();
    const found = isUuid(id) ? await this.store.findById(id) : null;
    if (!found) return { outcome: 'not_found' };
    if (found.workerKind !== 'jibri') return refusalByRecording(found)!;
    const stretch = parseStretch(rawPart);
    if (stretch === null) return { outcome: 'bad_part' };
    // Before anything else about the recording (not even its Jibri is asked) and before its one URL.
    const expected = stretch ? await this.uploads.partCapabilityHash(found.id, stretch) : await this.uploads.capabilityHash(found.id);
    if (!capabilityMatches(capability, expected)) {
      log.error({ recordingId: found.id, stretch, alert: 'jibri_upload_capability_mismatch', presented: capability ? 'wrong' : 'none' }, 'ALERT: an upload URL was asked with the upload token but without this recording\'s (or stretch\'s) capability; refused. The upload token may be leaked');
      return { outcome: 'bad_capability' };
    }
    // Once paused, a recording's file is the join's to write: each Jibri uploads its stretch only.
    if (stretch || (await this.parts.hasParts(found.id))) return this.stretches.issue(found, stretch ?? 0);
    const recording = await this.stoppedIfEnded(found);
    if (recording.status === 'active' && recording.workerKind === 'jibri') return { outcome: 'still_recording' };
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
      await this.uploads.markRefused(recording.id);
      log.error({ recordingId: recording.id, key, status: recording.status, alert: 'jibri_upload_file_already_stored' }, 'ALERT: upload URL refused: the file is already in storage, and it will not save the recording');
      return byStorage;
    }
    if (!(await this.uploads.claim(recording.id))) {
      await this.uploads.markRefused(recording.id);
      // Not the token or the URL (neither is logged): the operator needs to know someone else asked.
      log.error({ recordingId: recording.id, alert: 'jibri_upload_url_requested_twice' }, 'ALERT: a second upload URL was asked for this Jibri recording; refused. The upload token may be leaked: check the file before trusting it');
      return { outcome: 'already_issued', detail: 'An upload URL was already issued for this recording: it gets only one. The recording service logged an alert.' };
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
