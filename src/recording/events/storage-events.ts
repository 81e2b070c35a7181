import { bearerOf, presentsToken } from '../../auth/shared-secret';
import { WORKER_KINDS, type AppConfig } from '../../config/config';
import { childLogger } from '../../logging/logger';
import type { Metrics } from '../../metrics/metrics';
import { parseAwsEvent } from '../../storage/events/aws-event-parser';
import { parseMinioEvent } from '../../storage/events/minio-event-parser';
import type { StorageEventParser, StorageObjectEvent } from '../../storage/events/storage-event';
import { contentTypeMatches, extensionForKind, matchRecordingKey } from '../object-key';
import type { RecordingStore } from '../store/recording-store';
import type { PartEvents } from '../pause/part-events';
import type { TrackMediator } from '../tracks/track-mediator';

const log = childLogger('storage-events');

/** What a bucket notification did. */
export type StorageEventResult =
  | { outcome: 'unauthorized' }
  | { outcome: 'malformed'; reason: string }
  | { outcome: 'foreign_bucket' }
  | { outcome: 'ignored' }
  | { outcome: 'processed' };

/**
 * MinIO/S3 object-created events -> recording saved + emails queued. Idempotent: a repeated
 * event (MinIO retries deliveries) for a saved recording changes nothing and queues nothing.
 */
export class StorageEvents {
  private readonly parse: StorageEventParser;

  constructor(
    private readonly config: Pick<AppConfig, 'storageEvents' | 'storage' | 'recording'>,
    private readonly store: RecordingStore,
    private readonly metrics: Metrics,
    /** Participant track files: their keys are `{folder}/{recording id}/{track id}.ogg`. */
    private readonly tracks?: TrackMediator,
    /** Paused recordings' parts and files (src/recording/pause/). */
    private readonly parts?: PartEvents,
  ) {
    this.parse = config.storageEvents.parser === 'aws' ? parseAwsEvent : parseMinioEvent;
  }

  /** The bearer token MinIO sends (RECORDING_STORAGE_EVENT_TOKEN), unless auth is off. */
  authorize(authorization: string | undefined): boolean {
    const { auth, token } = this.config.storageEvents;
    return !auth || presentsToken(token, bearerOf(authorization));
  }

  /** Handles one notification body (already authorized; undefined when it was not JSON). */
  async handle(body: unknown): Promise<StorageEventResult> {
    const result = await this.decide(body);
    this.metrics.storageEvents.inc({ outcome: outcomeLabel(result) });
    return result;
  }

  /** Counts a refused token, for callers that answer before reading the body. */
  unauthorized(): StorageEventResult {
    this.metrics.storageEvents.inc({ outcome: 'unauthorized' });
    return { outcome: 'unauthorized' };
  }

  private async decide(body: unknown): Promise<StorageEventResult> {
    const parsed = this.parse(body);
    if (!parsed.ok) return { outcome: 'malformed', reason: parsed.reason };
    const bucket = this.config.storage?.bucket;
    if (parsed.events.some((e) => e.bucket !== bucket)) return { outcome: 'foreign_bucket' };
    if (!this.config.storageEvents.enabled) return { outcome: 'ignored' };
    let processed = false;
    for (const event of parsed.events) {
      if (await this.process(event)) processed = true;
    }
    return { outcome: processed ? 'processed' : 'ignored' };
  }

  /** True when the event is about one of our recordings and it is (now or already) saved. */
  private async process(event: StorageObjectEvent): Promise<boolean> {
    if (!event.eventName.startsWith('s3:ObjectCreated:')) return false;
    if (this.parts && (await this.parts.handlePart(event.key, event.size))) return true;
    const match = matchRecordingKey(event.key, this.config.recording.outputFolder);
    if (!match || !contentTypeMatches(match.extension, event.contentType)) return false;
    const recordingId = match.recordingId;
    if (match.trackId) {
      if (this.parts && (await this.parts.wakeIfJoined(recordingId))) return true;
      return this.trackStored(recordingId, match.trackId, event.size);
    }
    // Only recordings whose worker writes this extension (an mp4 never saves an audio recording).
    const kinds = WORKER_KINDS.filter((kind) => extensionForKind(kind) === match.extension);
    const outcome = await this.store.markSaved(recordingId, kinds, event.size, { unlessJoined: this.parts !== undefined });
    if (outcome.result === 'joined_later') {
      await this.parts?.wake(recordingId);
      return true;
    }
    if (outcome.result === 'saved') {
      this.metrics.emails.inc({ outcome: 'queued' }, outcome.queued);
      log.info({ recordingId, ready: outcome.ready, queued: outcome.queued }, 'recording saved from storage event');
      return true;
    }
    if (outcome.result === 'already_saved') return true;
    if (outcome.result === 'untrusted_upload') {
      const alert = outcome.why === 'no_upload_url' ? 'jibri_file_without_upload_url' : 'jibri_file_after_upload_refused';
      log.error({ alert, recordingId }, `ALERT: a file landed under Jibri recording ${recordingId}'s key, but not through the one upload URL issued to its Jibri (${outcome.why}); the recording stays unsaved: check the file`);
      return false;
    }
    if (outcome.result === 'not_savable') {
      log.warn({ recordingId, status: outcome.status }, 'storage event for a recording that cannot be saved');
    }
    return false;
  }

  /** A participant's track file landed: saved, and the recording ready when it was the last one. */
  private async trackStored(recordingId: string, trackId: string, size: number | null): Promise<boolean> {
    if (!this.tracks) return false;
    const outcome = await this.tracks.onTrackStored(recordingId, trackId, size);
    if (outcome.result === 'settled') {
      this.metrics.emails.inc({ outcome: 'queued' }, outcome.queued);
      log.info({ recordingId, trackId, ready: outcome.ready, queued: outcome.queued }, 'track file saved from storage event');
    }
    return outcome.result !== 'not_found';
  }
}

function outcomeLabel(result: StorageEventResult): string {
  switch (result.outcome) {
    case 'malformed':
    case 'foreign_bucket':
      return 'refused';
    default:
      return result.outcome;
  }
}
