import type { AppConfig } from '../../config/config';
import { childLogger } from '../../logging/logger';
import type { ObjectStorage } from '../../storage/object-storage';
import { objectKeyFor } from '../object-key';
import { isUuid } from '../../util/uuid';
import type { RecordingStore } from '../store/recording-store';
import type { RecordingStatus } from '../status';
import type { Recording } from '../recording';
import { bearerOf, presentsToken } from '../../auth/shared-secret';
import type { EndpointAnswer } from './shared-token';

const log = childLogger('jibri-upload');

/** While Jibri records, or once it stopped and its finalize script runs (SPEC: issue 5). */
const UPLOADABLE: readonly RecordingStatus[] = ['active', 'stopped'];

const fail = (status: number, detail: string): EndpointAnswer => ({ status, body: { detail } });

/** Why a recording gets no upload URL. Decided here; HTTP_STATUS_OF maps it to an answer. */
interface Refusal {
  reason: 'not_jibri' | 'not_uploadable' | 'already_stored';
  detail: string;
}

const HTTP_STATUS_OF: Record<Refusal['reason'], number> = { not_jibri: 403, not_uploadable: 403, already_stored: 409 };

const refuse = (refusal: Refusal): EndpointAnswer => fail(HTTP_STATUS_OF[refusal.reason], refusal.detail);

/** A Jibri recording that is still recording, or stopped and waiting for its file. */
function refusalByRecording(recording: Recording): Refusal | null {
  if (recording.workerKind !== 'jibri') return { reason: 'not_jibri', detail: 'This recording is not made by Jibri: it takes no upload.' };
  if (!UPLOADABLE.includes(recording.status)) {
    return { reason: 'not_uploadable', detail: `A recording in status "${recording.status}" takes no upload.` };
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
  return { reason: 'already_stored', detail: `The recording's file ${key} is already in storage: it cannot be uploaded again.` };
}

/**
 * POST /api/v1.0/recordings/{id}/upload-url/ for deploy/jibri/finalize.sh: a pre-signed PUT URL
 * for `{RECORDING_OUTPUT_FOLDER}/{id}.mp4`, only for a Jibri recording that is active or stopped
 * and whose file is not in storage yet. The URL lives JIBRI_UPLOAD_URL_TTL_SECONDS (minutes) and
 * only creates the object (If-None-Match: * is signed), so neither a leaked URL nor the shared
 * token can replace a recording's file once it is there.
 *
 * finalize.sh treats every 4xx except 408/429 as final (no retry) and retries 5xx, so: 401 bad
 * token, 404 unknown id, 403 not a Jibri recording or not in an uploadable status, 409 the file
 * is already in storage, 503 storage not configured or not answering, or the URL could not be
 * signed.
 */
export class JibriUploadUrls {
  constructor(
    private readonly config: AppConfig,
    private readonly store: RecordingStore,
    private readonly storage: ObjectStorage | undefined,
  ) {}

  async issue(rawId: string, authorization: string | undefined): Promise<EndpointAnswer> {
    const { uploadToken, uploadUrlTtlSeconds } = this.config.jibri;
    if (!uploadToken) return fail(401, 'JIBRI_UPLOAD_TOKEN is not set: upload URLs are disabled.');
    if (!presentsToken(uploadToken, bearerOf(authorization))) return fail(401, 'Invalid or missing upload token.');

    // finalize.sh accepts upper-case hex in a directory name; ids are stored lower-case.
    const id = rawId.toLowerCase();
    if (!isUuid(id)) return fail(404, 'Recording not found.');
    const recording = await this.store.findById(id);
    if (!recording) return fail(404, 'Recording not found.');
    const byRecording = refusalByRecording(recording);
    if (byRecording) return refuse(byRecording);
    if (!this.storage) {
      return fail(503, 'Object storage is not configured (AWS_S3_* settings): no upload URL can be issued.');
    }

    const key = objectKeyFor(this.config.recording.outputFolder, recording.id, recording.workerKind);
    let byStorage: Refusal | null;
    try {
      byStorage = await refusalByStorage(this.storage, key);
    } catch (err) {
      log.error({ recordingId: recording.id, key, err: err instanceof Error ? err.message : String(err) }, 'could not check storage for the file');
      return fail(503, 'Storage did not say whether the file is already there; retry later.');
    }
    if (byStorage) {
      log.warn({ recordingId: recording.id, key, status: recording.status }, 'upload URL refused: the file is already in storage');
      return refuse(byStorage);
    }
    let url: string;
    let expiresAt: Date;
    try {
      ({ url, expiresAt } = this.storage.presignedCreateOnlyPut(key, uploadUrlTtlSeconds));
    } catch (err) {
      log.error({ recordingId: recording.id, err: err instanceof Error ? err.message : String(err) }, 'could not sign an upload URL');
      return fail(503, 'Could not sign an upload URL; retry later.');
    }
    // The URL itself is a credential: it is never logged.
    log.info({ recordingId: recording.id, key, status: recording.status }, 'upload URL issued to Jibri');
    return { status: 200, body: { url, key, expires_at: expiresAt.toISOString() } };
  }
}
