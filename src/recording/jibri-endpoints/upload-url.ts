import type { AppConfig } from '../../config/config';
import { childLogger } from '../../logging/logger';
import type { ObjectStorage } from '../../storage/object-storage';
import { objectKeyFor } from '../object-key';
import { isUuid } from '../../util/uuid';
import type { RecordingStore } from '../store/recording-store';
import type { RecordingStatus } from '../status';
import { bearerOf, presentsToken } from '../../auth/shared-secret';
import type { EndpointAnswer } from './shared-token';

const log = childLogger('jibri-upload');

/** While Jibri records, or once it stopped and its finalize script runs (SPEC: issue 5). */
const UPLOADABLE: readonly RecordingStatus[] = ['active', 'stopped'];

const fail = (status: number, detail: string): EndpointAnswer => ({ status, body: { detail } });

/**
 * POST /api/v1.0/recordings/{id}/upload-url/ for deploy/jibri/finalize.sh: a pre-signed PUT URL
 * for `{RECORDING_OUTPUT_FOLDER}/{id}.mp4`, only for a Jibri recording that is active or stopped.
 *
 * finalize.sh treats every 4xx except 408/429 as final (no retry) and retries 5xx, so: 401 bad
 * token, 404 unknown id, 403 not a Jibri recording or not in an uploadable status, 503 storage
 * not configured or the URL could not be signed.
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
    if (recording.workerKind !== 'jibri') return fail(403, 'This recording is not made by Jibri: it takes no upload.');
    if (!UPLOADABLE.includes(recording.status)) {
      return fail(403, `A recording in status "${recording.status}" takes no upload.`);
    }
    if (!this.storage) {
      return fail(503, 'Object storage is not configured (AWS_S3_* settings): no upload URL can be issued.');
    }

    const key = objectKeyFor(this.config.recording.outputFolder, recording.id, recording.workerKind);
    const expiresAt = new Date(Date.now() + uploadUrlTtlSeconds * 1000);
    let url: string;
    try {
      url = await this.storage.presignedPut(key, uploadUrlTtlSeconds);
    } catch (err) {
      log.error({ recordingId: recording.id, err: err instanceof Error ? err.message : String(err) }, 'could not sign an upload URL');
      return fail(503, 'Could not sign an upload URL; retry later.');
    }
    // The URL itself is a credential: it is never logged.
    log.info({ recordingId: recording.id, key, status: recording.status }, 'upload URL issued to Jibri');
    return { status: 200, body: { url, key, expires_at: expiresAt.toISOString() } };
  }
}
